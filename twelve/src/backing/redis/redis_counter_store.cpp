#include "backing/redis/redis_counter_store.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "backing/redis/redis_connection.hpp"
#include "process/event_loops.hpp"

namespace twelve::backing {
namespace {

namespace asio = boost::asio;
using Reply = Result<const redisReply*>;

Status ErrorReply(const redisReply& reply) {
  return Status::Internal("redis: " + std::string(reply.str, reply.len));
}

std::string_view TypeName(int type) {
  switch (type) {
    case REDIS_REPLY_STRING:
      return "a bulk string";
    case REDIS_REPLY_ARRAY:
      return "an array";
    case REDIS_REPLY_INTEGER:
      return "an integer";
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_STATUS:
      return "a status";
    default:
      return "an unknown type";
  }
}

// A well-framed reply of the wrong type: the stream is still in step, so
// the connection is kept; the server (or something posing as it) is not
// the Redis this driver expects.
Status UnexpectedReply(std::string_view command, std::string_view expected,
                       const redisReply& reply) {
  return Status::Internal("redis: " + std::string(command) + " expects " +
                          std::string(expected) + " reply, the server sent " +
                          std::string(TypeName(reply.type)));
}

// INCRBY: the value after the add.
Result<std::int64_t> IntegerValue(const Reply& reply) {
  if (!reply) return reply.status();
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_INTEGER)
    return static_cast<std::int64_t>(r.integer);
  if (r.type == REDIS_REPLY_ERROR) return ErrorReply(r);
  return UnexpectedReply("INCRBY", "an integer", r);
}

// GET: absent is 0; anything but a decimal integer is not a counter.
Result<std::int64_t> CounterValue(const Reply& reply, std::string_view key) {
  if (!reply) return reply.status();
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_NIL) return std::int64_t{0};
  if (r.type == REDIS_REPLY_ERROR) return ErrorReply(r);
  if (r.type != REDIS_REPLY_STRING) {
    return UnexpectedReply("GET", "a bulk string or nil", r);
  }
  std::int64_t value = 0;
  const char* end = r.str + r.len;
  const auto [ptr, ec] = std::from_chars(r.str, end, value);
  if (ec != std::errc() || ptr != end || r.len == 0) {
    return Status::Internal("redis: key '" + std::string(key) +
                            "' holds a value that is not an integer");
  }
  return value;
}

// SET: +OK.
Status OkStatus(const Reply& reply) {
  if (!reply) return reply.status();
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_STATUS) return Status::Ok();
  if (r.type == REDIS_REPLY_ERROR) return ErrorReply(r);
  return UnexpectedReply("SET", "a status", r);
}

// Decimal text of `value` in `buffer`.
std::string_view Decimal(std::int64_t value, char (&buffer)[24]) {
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string_view(buffer, result.ptr - buffer);
}

class RedisCounterStore final : public CounterStore {
 public:
  RedisCounterStore(const StoreUrl& url, const StoreOptions& options,
                    EventLoops& loops, const Logger& log)
      : loops_(loops) {
    for (std::size_t i = 0; i < loops.size(); ++i) {
      connections_.push_back(std::make_shared<RedisConnection>(
          loops.context(i),
          RedisConnection::Settings::From(url, options, static_cast<int>(i),
                                          &loops.store_metrics()),
          log));
      connections_.back()->Start();
    }
  }
  ~RedisCounterStore() override { Close(); }

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    RedisConnection* connection = Local();
    if (connection == nullptr) {
      PostToFirstLoop([this, key = std::string(key), delta,
                       done = std::move(done)]() mutable {
        Add(key, delta, std::move(done));
      });
      return;
    }
    char digits[24];
    const std::string_view argv[] = {"INCRBY", key, Decimal(delta, digits)};
    connection->Send(argv, [done = std::move(done)](const Reply& reply) {
      done(IntegerValue(reply));
    });
  }

  void Get(std::string_view key, ValueCallback done) override {
    RedisConnection* connection = Local();
    if (connection == nullptr) {
      PostToFirstLoop(
          [this, key = std::string(key), done = std::move(done)]() mutable {
            Get(key, std::move(done));
          });
      return;
    }
    const std::string_view argv[] = {"GET", key};
    connection->Send(
        argv, [key = std::string(key), done = std::move(done)](
                  const Reply& reply) { done(CounterValue(reply, key)); });
  }

  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    RedisConnection* connection = Local();
    if (connection == nullptr) {
      PostToFirstLoop([this, key = std::string(key), value,
                       done = std::move(done)]() mutable {
        Set(key, value, std::move(done));
      });
      return;
    }
    char digits[24];
    const std::string_view argv[] = {"SET", key, Decimal(value, digits)};
    connection->Send(argv, [done = std::move(done)](const Reply& reply) {
      done(OkStatus(reply));
    });
  }

  // Redis has no schema: a counter is a string key that INCRBY creates on
  // first use, so there is nothing to migrate. Reported later, on the loop,
  // as every success is.
  void Migrate(const std::vector<Migration>& /*migrations*/,
               StatusCallback done) override {
    const int index = loops_.CurrentIndex();
    asio::post(loops_.context(index < 0 ? 0 : static_cast<std::size_t>(index)),
               [done = std::move(done)] { done(Status::Ok()); });
  }

  void SchemaVersion(ValueCallback done) override {
    const int index = loops_.CurrentIndex();
    asio::post(loops_.context(index < 0 ? 0 : static_cast<std::size_t>(index)),
               [done = std::move(done)] { done(std::int64_t{0}); });
  }

  bool Ready() const override {
    return !connections_.empty() &&
           std::all_of(connections_.begin(), connections_.end(),
                       [](const auto& c) { return c->Ready(); });
  }

  void Close() override {
    for (const auto& connection : connections_) connection->Close();
  }

  std::string_view kind() const override { return "redis"; }

 private:
  // The calling loop's connection, or null off the loops.
  RedisConnection* Local() const {
    return LocalConnection(loops_, connections_);
  }
  // A call from outside the loops breaks the threading contract; rather
  // than race on a connection, it is replayed on the first loop.
  template <typename F>
  void PostToFirstLoop(F&& call) {
    asio::post(loops_.context(0), std::forward<F>(call));
  }

  EventLoops& loops_;
  // Shared with the handlers in flight, which may outlive the store.
  std::vector<std::shared_ptr<RedisConnection>> connections_;
};

}  // namespace

std::unique_ptr<CounterStore> NewRedisCounterStore(const StoreUrl& url,
                                                   const StoreOptions& options,
                                                   EventLoops& loops,
                                                   const Logger& log) {
  return std::make_unique<RedisCounterStore>(url, options, loops, log);
}

}  // namespace twelve::backing
