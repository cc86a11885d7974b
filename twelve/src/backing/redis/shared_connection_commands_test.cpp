#include "backing/redis/shared_connection_commands.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace twelve::backing {
namespace {

Status Check(std::initializer_list<std::string_view> args) {
  return CheckSharedConnectionCommand(std::span(args.begin(), args.size()));
}

void ExpectRefused(std::initializer_list<std::string_view> args,
                   const std::string& why) {
  const Status status = Check(args);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << *args.begin();
  EXPECT_NE(status.message().find(why), std::string::npos) << status.message();
}

TEST(SharedConnectionCommands, OrdinaryCommandsPass) {
  EXPECT_TRUE(Check({"GET", "k"}).ok());
  EXPECT_TRUE(Check({"set", "k", "v"}).ok());
  EXPECT_TRUE(Check({"EVAL", "return 1", "0"}).ok());
  EXPECT_TRUE(Check({"CLIENT", "SETNAME", "x"}).ok());
  EXPECT_TRUE(Check({"XREAD", "COUNT", "1", "STREAMS", "s", "0"}).ok());
  // A key may be named like a command or an option.
  EXPECT_TRUE(Check({"GET", "MULTI"}).ok());
  EXPECT_TRUE(Check({"XREAD", "STREAMS", "BLOCK", "0"}).ok());
}

TEST(SharedConnectionCommands, NothingIsRefusedSayingWhatWasExpected) {
  const Status status = CheckSharedConnectionCommand({});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "redis: expected a command and its arguments, got nothing");
}

TEST(SharedConnectionCommands, SelectIsRefusedPointingToTheUrl) {
  const Status status = Check({"select", "2"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "redis: select is refused on the shared connection: it would "
            "switch the database of every caller on the loop; name the "
            "database in the URL (redis://host/2)");
}

TEST(SharedConnectionCommands, LoginAndProtocolChangesAreRefused) {
  for (std::string_view command : {"AUTH", "hello", "RESET", "QUIT"}) {
    ExpectRefused({command, "x"}, "the login or the protocol");
  }
}

TEST(SharedConnectionCommands, TransactionsAreRefusedPointingToEval) {
  for (std::string_view command :
       {"MULTI", "exec", "DISCARD", "WATCH", "UNWATCH"}) {
    ExpectRefused({command}, "send an atomic group as EVAL");
  }
}

TEST(SharedConnectionCommands, StreamsOfUnaskedRepliesAreRefused) {
  for (std::string_view command : {"SUBSCRIBE", "psubscribe", "SSUBSCRIBE",
                                   "UNSUBSCRIBE", "MONITOR", "SYNC", "PSYNC"}) {
    ExpectRefused({command, "c"}, "what no command of the other callers");
  }
  ExpectRefused({"CLIENT", "reply", "OFF"}, "(or nothing at all)");
}

TEST(SharedConnectionCommands, BlockingCommandsAreRefused) {
  for (std::string_view command :
       {"BLPOP", "brpop", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN",
        "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF"}) {
    ExpectRefused({command, "k", "0"}, "it blocks");
  }
  ExpectRefused({"XREAD", "block", "0", "STREAMS", "s", "$"}, "it blocks");
  ExpectRefused(
      {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"},
      "it blocks");
}

}  // namespace
}  // namespace twelve::backing
