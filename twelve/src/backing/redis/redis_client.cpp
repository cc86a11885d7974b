#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "backing/redis/redis_connection.hpp"
#include "backing/redis/shared_connection_commands.hpp"
#include "process/event_loops.hpp"
#include "twelve/backing/redis.hpp"
#include "twelve/process/task_loop.hpp"

namespace twelve::redis {
namespace {

namespace asio = boost::asio;
using backing::RedisConnection;
using Clock = std::chrono::steady_clock;

// A copy of hiredis' reply, which lives only during the connection's
// callback. Arrays nest at most RedisReplyBounds::kMaxDepth deep.
Reply ToReply(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(static_cast<std::int64_t>(reply.integer));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(reply.str, reply.len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(std::string(reply.str, reply.len));
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(reply.str, reply.len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        elements.push_back(ToReply(*reply.element[i]));
      }
      return Reply::Array(std::move(elements));
    }
    default:  // REDIS_REPLY_NIL, and a null array ("*-1")
      return Reply::Nil();
  }
}

std::vector<std::string_view> Views(std::span<const std::string> args) {
  return std::vector<std::string_view>(args.begin(), args.end());
}

}  // namespace

class Client::Impl {
 public:
  Impl(const StoreUrl& url, const StoreOptions& options, EventLoops& loops,
       const Logger& log)
      : loops_(loops), options_(options) {
    loops.store_metrics().SetKind("redis");
    for (std::size_t i = 0; i < loops.size(); ++i) {
      connections_.push_back(std::make_shared<RedisConnection>(
          loops.context(i),
          RedisConnection::Settings::From(url, options, static_cast<int>(i),
                                          &loops.store_metrics()),
          log));
      connections_.back()->Start();
    }
  }
  ~Impl() { Close(); }

  void Command(std::span<const std::string_view> args, Callback done) {
    if (Status refused = backing::CheckSharedConnectionCommand(args);
        !refused.ok()) {
      done(std::move(refused));
      return;
    }
    const int loop = loops_.CurrentIndex();
    if (loop < 0) {
      CommandOnFirstLoop(args, std::move(done));
      return;
    }
    // Each command's round trip is counted on its loop (store_operations,
    // _errors, _round_trip_seconds): an error reply counts as an error.
    connections_[static_cast<std::size_t>(loop)]->Send(
        args,
        [metrics = &loops_.store_metrics(), loop, sent = Clock::now(),
         done = std::move(done)](Result<const redisReply*> reply) mutable {
          const bool ok = reply.ok() && (*reply)->type != REDIS_REPLY_ERROR;
          CountOperation(*metrics, static_cast<std::size_t>(loop), sent, ok);
          if (!reply) {
            done(reply.status());
            return;
          }
          done(ToReply(**reply));
        });
  }

  Result<Reply> CommandAndWait(TaskLoop& loop,
                               std::span<const std::string_view> args) {
    if (&loop.loops() != &loops_) {
      return Status::InvalidArgument(
          "redis: CommandAndWait expected the TaskLoop the client was opened "
          "on, got another");
    }
    auto answer = std::make_shared<std::optional<Result<Reply>>>();
    const Status waited = loop.RunUntilDone(
        [&](std::function<void()> finish) {
          Command(args,
                  [answer, finish = std::move(finish)](Result<Reply> reply) {
                    *answer = std::move(reply);
                    finish();
                  });
        },
        Backstop());
    if (!waited.ok() || !answer->has_value()) {
      return Status::Timeout(
          "redis: no answer within " + std::to_string(Backstop().count()) +
          "ms; the command may or may not have been applied");
    }
    return std::move(**answer);
  }

  bool Ready() const {
    return !connections_.empty() &&
           std::all_of(connections_.begin(), connections_.end(),
                       [](const auto& c) { return c->Ready(); });
  }

  void Close() {
    for (const auto& connection : connections_) connection->Close();
  }

 private:
  // Off the loops a connection cannot be touched without a race: the call
  // is replayed on the first loop, with its own copy of the arguments.
  void CommandOnFirstLoop(std::span<const std::string_view> args,
                          Callback done) {
    asio::post(
        loops_.context(0),
        [this, words = std::vector<std::string>(args.begin(), args.end()),
         done = std::move(done)]() mutable {
          Command(Views(words), std::move(done));
        });
  }

  // The connection answers within its connect and operation timeouts (it
  // arms them itself); the TaskLoop's deadline only guards against a bug.
  std::chrono::milliseconds Backstop() const {
    return 2 * (options_.connect_timeout + options_.operation_timeout);
  }

  EventLoops& loops_;
  const StoreOptions options_;
  // Shared with the handlers in flight, which may outlive the client.
  std::vector<std::shared_ptr<RedisConnection>> connections_;
};

Result<Client> Client::Open(const StoreUrl& url, const StoreOptions& options,
                            EventLoops& loops, const Logger& log) {
  if (url.kind != StoreUrl::Kind::kRedis) {
    return Status::InvalidArgument(
        "redis: expected a redis:// URL, got another kind of store");
  }
  if (loops.size() == 0) {
    return Status::InvalidArgument(
        "redis: expected at least one event loop to run on, got none");
  }
  return Client(std::make_unique<Impl>(url, options, loops, log));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

void Client::Command(std::initializer_list<std::string_view> args,
                     Callback done) {
  impl_->Command(std::span(args.begin(), args.size()), std::move(done));
}

void Client::Command(std::span<const std::string_view> args, Callback done) {
  impl_->Command(args, std::move(done));
}

void Client::Command(std::span<const std::string> args, Callback done) {
  impl_->Command(Views(args), std::move(done));
}

Result<Reply> Client::CommandAndWait(
    TaskLoop& loop, std::initializer_list<std::string_view> args) {
  return impl_->CommandAndWait(loop, std::span(args.begin(), args.size()));
}

Result<Reply> Client::CommandAndWait(TaskLoop& loop,
                                     std::span<const std::string_view> args) {
  return impl_->CommandAndWait(loop, args);
}

Result<Reply> Client::CommandAndWait(TaskLoop& loop,
                                     std::span<const std::string> args) {
  return impl_->CommandAndWait(loop, Views(args));
}

bool Client::Ready() const { return impl_ != nullptr && impl_->Ready(); }

void Client::Close() {
  if (impl_) impl_->Close();
}

}  // namespace twelve::redis
