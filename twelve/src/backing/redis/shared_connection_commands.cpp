#include "backing/redis/shared_connection_commands.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace twelve::backing {
namespace {

bool SameWord(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

template <std::size_t N>
bool OneOf(std::string_view word, const std::array<std::string_view, N>& set) {
  return std::any_of(set.begin(), set.end(),
                     [word](std::string_view w) { return SameWord(word, w); });
}

constexpr std::array<std::string_view, 4> kLogin = {"AUTH", "HELLO", "RESET",
                                                    "QUIT"};
constexpr std::array<std::string_view, 5> kTransaction = {
    "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"};
constexpr std::array<std::string_view, 9> kStreams = {
    "SUBSCRIBE",    "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE",
    "SUNSUBSCRIBE", "MONITOR",    "SYNC",       "PSYNC"};
constexpr std::array<std::string_view, 10> kBlocking = {
    "BLPOP",    "BRPOP",    "BRPOPLPUSH", "BLMOVE", "BLMPOP",
    "BZPOPMIN", "BZPOPMAX", "BZMPOP",     "WAIT",   "WAITAOF"};

// XREAD's options come before STREAMS; after it, "BLOCK" is a key.
bool HasBlockOption(std::span<const std::string_view> args) {
  for (std::string_view word : args.subspan(1)) {
    if (SameWord(word, "STREAMS")) return false;
    if (SameWord(word, "BLOCK")) return true;
  }
  return false;
}

Status Refused(std::string_view command, std::string_view why) {
  return Status::InvalidArgument(
      "redis: " + std::string(command) +
      " is refused on the shared connection: " + std::string(why));
}

}  // namespace

Status CheckSharedConnectionCommand(std::span<const std::string_view> args) {
  if (args.empty()) {
    return Status::InvalidArgument(
        "redis: expected a command and its arguments, got nothing");
  }
  const std::string_view command = args[0];
  if (SameWord(command, "SELECT")) {
    return Refused(command,
                   "it would switch the database of every caller on the "
                   "loop; name the database in the URL (redis://host/2)");
  }
  if (OneOf(command, kLogin)) {
    return Refused(command,
                   "it would change the login or the protocol of every "
                   "caller on the loop; the URL gives the credentials");
  }
  if (OneOf(command, kTransaction)) {
    return Refused(command,
                   "a transaction would take in the commands of every "
                   "caller on the loop; send an atomic group as EVAL");
  }
  if (OneOf(command, kStreams) ||
      (SameWord(command, "CLIENT") && args.size() > 1 &&
       SameWord(args[1], "REPLY"))) {
    return Refused(command,
                   "it would make the server send what no command of the "
                   "other callers asked for (or nothing at all)");
  }
  if (OneOf(command, kBlocking) ||
      ((SameWord(command, "XREAD") || SameWord(command, "XREADGROUP")) &&
       HasBlockOption(args))) {
    return Refused(command,
                   "it blocks, and would hold up the replies of every "
                   "caller on the loop; poll without blocking instead");
  }
  return Status::Ok();
}

}  // namespace twelve::backing
