#include "counter/redis_counter_store.hpp"

#include <charconv>
#include <string>
#include <twelve/process/loop_access.hpp>
#include <utility>

namespace welcome {
namespace {

using twelve::Migration;
using twelve::Result;
using twelve::Status;
using twelve::redis::Reply;

Status ErrorReply(const Reply& reply) {
  return Status::Internal("redis: " + reply.text());
}

// A well-framed reply of the wrong type: the stream is still in step, so
// the connection is kept; the server (or something posing as it) is not
// the Redis this driver expects.
Status UnexpectedReply(std::string_view command, std::string_view expected,
                       const Reply& reply) {
  return Status::Internal(
      "redis: " + std::string(command) + " expects " + std::string(expected) +
      " reply, the server sent " +
      std::string(twelve::redis::ReplyTypeName(reply.type())));
}

// INCRBY: the value after the add.
Result<std::int64_t> IntegerValue(const Result<Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_integer()) return reply->integer();
  if (reply->is_error()) return ErrorReply(*reply);
  return UnexpectedReply("INCRBY", "an integer", *reply);
}

// GET: absent is 0; anything but a decimal integer is not a counter.
Result<std::int64_t> CounterValue(const Result<Reply>& reply,
                                  std::string_view key) {
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::int64_t{0};
  if (reply->is_error()) return ErrorReply(*reply);
  if (!reply->is_string()) {
    return UnexpectedReply("GET", "a bulk string or nil", *reply);
  }
  const std::string& text = reply->text();
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return Status::Internal("redis: key '" + std::string(key) +
                            "' holds a value that is not an integer");
  }
  return value;
}

// SET: +OK.
Status OkStatus(const Result<Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_status()) return Status::Ok();
  if (reply->is_error()) return ErrorReply(*reply);
  return UnexpectedReply("SET", "a status", *reply);
}

// Decimal text of `value` in `buffer`.
std::string_view Decimal(std::int64_t value, char (&buffer)[24]) {
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string_view(buffer, result.ptr - buffer);
}

class RedisCounterStore final : public CounterStore {
 public:
  RedisCounterStore(twelve::redis::Client client, twelve::EventLoops& loops)
      : client_(std::move(client)), loops_(loops) {}
  ~RedisCounterStore() override { Close(); }

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    char digits[24];
    client_.Command({"INCRBY", key, Decimal(delta, digits)},
                    [done = std::move(done)](Result<Reply> reply) mutable {
                      done(IntegerValue(reply));
                    });
  }

  void Get(std::string_view key, ValueCallback done) override {
    client_.Command(
        {"GET", key},
        [key = std::string(key), done = std::move(done)](
            Result<Reply> reply) mutable { done(CounterValue(reply, key)); });
  }

  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    char digits[24];
    client_.Command({"SET", key, Decimal(value, digits)},
                    [done = std::move(done)](Result<Reply> reply) mutable {
                      done(OkStatus(reply));
                    });
  }

  // Redis has no schema: a counter is a string key that INCRBY creates on
  // first use, so there is nothing to migrate. Reported later, on the loop,
  // as every success is.
  void Migrate(const std::vector<Migration>& /*migrations*/,
               StatusCallback done) override {
    Later([done = std::move(done)]() mutable { done(Status::Ok()); });
  }

  void SchemaVersion(ValueCallback done) override {
    Later([done = std::move(done)]() mutable { done(std::int64_t{0}); });
  }

  bool Ready() const override { return client_.Ready(); }
  void Close() override { client_.Close(); }
  std::string_view kind() const override { return "redis"; }

 private:
  // On the calling loop (the first, off the loops), after this call.
  void Later(twelve::MoveOnlyFunction<void()> work) {
    const int loop = twelve::CurrentLoop(loops_);
    twelve::PostToLoop(loops_, loop < 0 ? 0 : static_cast<std::size_t>(loop),
                       std::move(work));
  }

  twelve::redis::Client client_;
  twelve::EventLoops& loops_;
};

}  // namespace

std::unique_ptr<CounterStore> NewRedisCounterStore(twelve::redis::Client client,
                                                   twelve::EventLoops& loops) {
  return std::make_unique<RedisCounterStore>(std::move(client), loops);
}

}  // namespace welcome
