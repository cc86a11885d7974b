#pragma once
// redis::Client: any Redis command, from the I/O threads or an admin task
// (factor IV: the server is attached by REDIS_URL). Part of the kit's public
// contract.
//
// Opening: from a redis:// StoreUrl (ParseStoreUrl; AUTH and SELECT come
// from it) and the loops it will run on: ServeContext::loops() in the web
// process, TaskLoop::loops() in an admin task. Open() returns at once; one
// connection per loop connects in the background and reconnects by itself
// with jittered backoff, one log event per transition
// (backing/redis/redis_connection.*).
//
// Asynchronous form, on an I/O thread (a handler's thread):
//
//   client.Command({"SET", key, value}, [](Result<redis::Reply> reply) {
//     if (!reply) return Fail(reply.status());  // not answered
//     if (reply->is_error()) return Refused(reply->text());
//   });
//   client.Command({"INCR", "hits"}, [](Result<redis::Reply> reply) {
//     Result<std::int64_t> hits =
//         reply ? reply->ToInteger() : Result<std::int64_t>(reply.status());
//   });
//
// The callback runs later on the calling loop, in the order the commands
// were given (or inside the call when the connection is known to be down,
// or the command is refused).
// Commands given in one turn of a loop go out in one write on that loop's
// connection; replies are matched in order. A call from a thread that runs
// none of the loops is moved to the first loop, and answered there.
//
// Blocking form, for admin tasks (the client opened on `loop.loops()`):
//
//   twelve::TaskLoop loop;
//   auto client = redis::Client::Open(*url, options, loop.loops(), log);
//   Result<redis::Reply> count = client->CommandAndWait(loop, {"GET", "k"});
//
// Arguments are binary-safe (each goes with its length: NUL, CR and LF are
// data) and formatted by hiredis' redisFormatCommandArgv, never by strings.
//
// Errors: a Result's Status says the command got no reply:
//   kUnavailable  not sent: not connected (or the connection failed); safe
//                 to retry;
//   kTimeout      no connection within the connect timeout (not sent), or
//                 sent and no answer within the operation timeout (then the
//                 connection is dropped and the commands sent behind it are
//                 kAmbiguous);
//   kAmbiguous    sent, then the connection broke or was dropped (a reply
//                 past the bounds, a protocol error): it may or may not have
//                 been applied. Never retried by the client, and should not
//                 be retried blindly by the caller;
//   kInvalidArgument  no command, or one this client refuses (below).
// A reply is a value even when Redis refuses the command: an error reply is
// a Reply of type kError in an ok Result, so the caller decides (WRONGTYPE
// is not an outage). Reply::ToInteger() and the other To*() turn it into a
// kInternal Status when that is what the caller wants.
//
// Shared connections: every caller on a loop shares its connection, so
// commands that change the connection's state for everyone (SELECT, AUTH,
// HELLO, RESET, QUIT, MULTI/EXEC/DISCARD/WATCH/UNWATCH, SUBSCRIBE and its
// kin, MONITOR, CLIENT REPLY) or hold it until they return (BLPOP and the
// other blocking pops, WAIT, WAITAOF, XREAD BLOCK) are refused with
// kInvalidArgument.
// For atomic groups use EVAL (a Lua script).
//
// Threading: Command() on any of the loops (or any thread, see above);
// Ready() from any thread; CommandAndWait() on the thread that owns the
// TaskLoop, outside its runs. Close() after the loops stopped, or on the
// task's thread; the destructor closes.

#include <chrono>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "twelve/backing/redis_reply.hpp"
#include "twelve/backing/store_callback.hpp"
#include "twelve/backing/store_options.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {
class EventLoops;
class TaskLoop;
}  // namespace twelve

namespace twelve::redis {

class Client {
 public:
  // Called once, on the loop that sent the command (store_callback.hpp).
  using Callback = StoreCallback<void(Result<Reply>)>;

  // Opens a client for `url` (kind kRedis, else kInvalidArgument), with one
  // connection per loop of `loops`, which must outlive the client's use
  // (Close() releases everything that refers to them). `options` gives the
  // connect and operation timeouts and the reconnect backoff.
  static Result<Client> Open(const StoreUrl& url, const StoreOptions& options,
                             EventLoops& loops, const Logger& log);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends `args` (args[0] is the command) on the calling loop's connection.
  void Command(std::initializer_list<std::string_view> args, Callback done);
  void Command(std::span<const std::string_view> args, Callback done);
  void Command(std::span<const std::string> args, Callback done);

  // Runs the command on `loop` (the TaskLoop this client was opened on, else
  // kInvalidArgument) and blocks until its reply. The connection's own
  // timeouts bound the wait.
  Result<Reply> CommandAndWait(TaskLoop& loop,
                               std::initializer_list<std::string_view> args);
  Result<Reply> CommandAndWait(TaskLoop& loop,
                               std::span<const std::string_view> args);
  Result<Reply> CommandAndWait(TaskLoop& loop,
                               std::span<const std::string> args);

  // True while every loop's connection is up. Any thread; never blocks.
  bool Ready() const;
  // Releases sockets and timers; pending callbacks are dropped uncalled.
  void Close();

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve::redis
