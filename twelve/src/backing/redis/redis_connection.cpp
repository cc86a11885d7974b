// One state machine (connect, AUTH and SELECT, pipeline, fail, reconnect)
// kept in one file, past the usual length: its transitions read best side
// by side. Which bytes a reply may have is redis_reply_bounds.cpp's
// business, what a reply means its user's (redis_client.cpp).
#include "backing/redis/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <climits>
#include <exception>
#include <utility>
#include <vector>

#include "backing/store_metrics.hpp"

namespace twelve::backing {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Replies are read into the stack, then copied into hiredis' reader, so an
// idle connection holds no read buffer of its own.
constexpr std::size_t kReadChunk = 16 * 1024;
// Read per readiness event before the loop's other handlers get a turn: a
// server that sends without pause (a flood, an endless reply) must not
// starve the HTTP connections that share the loop. 256 KiB is a few
// hundred microseconds of work, and many replies per turn under load.
constexpr std::size_t kReadPerTurn = 256 * 1024;
// A burst may grow the write buffers; past this they are given back.
constexpr std::size_t kMaxRetainedBuffer = 64 * 1024;
// A counter's commands have 2 or 3 words: their pointers stay on the stack.
constexpr std::size_t kStackWords = 8;

// Appends `argv` in the Redis protocol, as hiredis formats it (binary-safe:
// every word goes with its length).
bool AppendCommand(std::string& out, std::span<const std::string_view> argv) {
  if (argv.empty() || argv.size() > static_cast<std::size_t>(INT_MAX)) {
    return false;
  }
  const char* stack_words[kStackWords];
  std::size_t stack_lengths[kStackWords];
  std::vector<const char*> heap_words;
  std::vector<std::size_t> heap_lengths;
  const char** words = stack_words;
  std::size_t* lengths = stack_lengths;
  if (argv.size() > kStackWords) {
    heap_words.resize(argv.size());
    heap_lengths.resize(argv.size());
    words = heap_words.data();
    lengths = heap_lengths.data();
  }
  for (std::size_t i = 0; i < argv.size(); ++i) {
    words[i] = argv[i].empty() ? "" : argv[i].data();
    lengths[i] = argv[i].size();
  }
  char* command = nullptr;
  const int length = redisFormatCommandArgv(
      &command, static_cast<int>(argv.size()), words, lengths);
  if (length < 0) return false;
  out.append(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
  return true;
}

void TrimBuffer(std::string& buffer) {
  buffer.clear();
  if (buffer.capacity() > kMaxRetainedBuffer) std::string().swap(buffer);
}

std::string Milliseconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + "ms";
}

}  // namespace

RedisConnection::Settings RedisConnection::Settings::From(
    const StoreUrl& url, const StoreOptions& options, int loop,
    StoreMetrics* metrics) {
  Settings settings;
  settings.host = url.host;
  settings.port = url.port;
  settings.user = url.user;
  settings.password = url.password;
  settings.database = url.database;
  settings.connect_timeout = options.connect_timeout;
  settings.operation_timeout = options.operation_timeout;
  settings.min_backoff = options.min_backoff;
  settings.max_backoff = options.max_backoff;
  settings.loop = loop;
  settings.metrics = metrics;
  return settings;
}

void RedisConnection::ReaderDeleter::operator()(redisReader* reader) const {
  redisReaderFree(reader);
}

RedisConnection::RedisConnection(asio::io_context& context, Settings settings,
                                 const Logger& log)
    : context_(context),
      settings_(std::move(settings)),
      log_(log),
      lifecycle_({.store = "redis",
                  .address = HostAndPort(settings_.host, settings_.port),
                  .loop = settings_.loop,
                  .min_backoff = settings_.min_backoff,
                  .max_backoff = settings_.max_backoff,
                  .metrics = settings_.metrics},
                 log) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::Start() {
  asio::post(context_, [self = shared_from_this()] { self->Connect(); });
}

void RedisConnection::Send(std::span<const std::string_view> argv,
                           ReplyCallback done) {
  const bool connecting_first_time =
      lifecycle_.first_attempt() &&
      (state_ == State::kIdle || state_ == State::kConnecting);
  if (state_ != State::kUp && !connecting_first_time) {
    Complete(done, lifecycle_.Down());
    return;
  }
  if (!AppendCommand(out_, argv)) {
    Complete(done, Status::Internal("redis: cannot format the command"));
    return;
  }
  pending_.push_back(Pending{std::move(done), Clock::time_point{}});
  ++unsent_;
  // The first command of a loop turn schedules the write; the others of
  // the turn join it. A write in flight picks them up when it completes.
  if (state_ == State::kUp && !write_in_flight_ && !flush_posted_) {
    flush_posted_ = true;
    asio::post(context_, [self = shared_from_this()] {
      self->flush_posted_ = false;
      self->Flush();
    });
  }
}

void RedisConnection::Close() {
  state_ = State::kClosed;
  lifecycle_.Closed();
  ++socket_epoch_;
  ++timer_epoch_;
  error_code ignored;
  if (socket_) socket_->close(ignored);
  socket_.reset();
  resolver_.reset();
  timer_.reset();
  reader_.reset();
  pending_.clear();
  unsent_ = 0;
  std::string().swap(out_);
  std::string().swap(writing_);
  write_in_flight_ = false;
  timer_armed_ = false;
}

// --- Connecting -------------------------------------------------------------

void RedisConnection::Connect() {
  if (state_ != State::kIdle && state_ != State::kWaiting) return;
  state_ = State::kConnecting;
  if (!timer_) timer_.emplace(context_);
  Arm(Clock::now() + settings_.connect_timeout);

  error_code ec;
  const asio::ip::address address = asio::ip::make_address(settings_.host, ec);
  if (!ec) {  // numeric: no resolver round trip
    ConnectTo(tcp::endpoint(address, settings_.port));
    return;
  }
  if (!resolver_) resolver_.emplace(context_);
  resolver_->async_resolve(
      settings_.host, std::to_string(settings_.port),
      [self = shared_from_this(), epoch = socket_epoch_](
          const error_code& resolve_ec,
          const tcp::resolver::results_type& results) {
        if (epoch != self->socket_epoch_) return;
        if (resolve_ec) {
          self->Drop("cannot resolve " + self->settings_.host + ": " +
                         resolve_ec.message(),
                     Cause::kBroken);
          return;
        }
        if (!self->socket_) self->socket_.emplace(self->context_);
        asio::async_connect(
            *self->socket_, results,
            [self, epoch](const error_code& connect_ec, const tcp::endpoint&) {
              self->OnTcpConnected(epoch, connect_ec);
            });
      });
}

void RedisConnection::ConnectTo(const tcp::endpoint& endpoint) {
  if (!socket_) socket_.emplace(context_);
  socket_->async_connect(
      endpoint, [self = shared_from_this(), epoch = socket_epoch_](
                    const error_code& ec) { self->OnTcpConnected(epoch, ec); });
}

void RedisConnection::OnTcpConnected(std::uint64_t epoch,
                                     const error_code& ec) {
  if (epoch != socket_epoch_) return;
  if (ec) {
    Drop(ec.message(), Cause::kBroken);
    return;
  }
  error_code ignored;
  socket_->set_option(tcp::no_delay(true), ignored);
  socket_->non_blocking(true, ignored);
  reader_.reset(redisReaderCreate());
  bounds_ = RedisReplyBounds();
  if (!reader_) {
    Drop("out of memory", Cause::kBroken);
    return;
  }
  if (SendHandshake()) WaitReadable();
}

// AUTH and SELECT go out in one write; a PING when there are neither, so
// that "up" always means Redis answered (a stopped server still accepts TCP).
bool RedisConnection::SendHandshake() {
  handshake_size_ = 0;
  handshake_next_ = 0;
  writing_.clear();
  bool formatted = true;
  if (!settings_.password.empty() || !settings_.user.empty()) {
    std::string_view auth[] = {"AUTH", settings_.user, settings_.password};
    if (settings_.user.empty()) auth[1] = auth[2];
    formatted &= AppendCommand(writing_,
                               std::span(auth, settings_.user.empty() ? 2 : 3));
    handshake_[handshake_size_++] = "AUTH";
  }
  if (settings_.database != 0) {
    const std::string database = std::to_string(settings_.database);
    std::string_view select[] = {"SELECT", database};
    formatted &= AppendCommand(writing_, select);
    handshake_[handshake_size_++] = "SELECT";
  }
  if (handshake_size_ == 0) {
    std::string_view ping[] = {"PING"};
    formatted &= AppendCommand(writing_, ping);
    handshake_[handshake_size_++] = "PING";
  }
  if (!formatted) {
    Drop("cannot format the handshake", Cause::kBroken);
    return false;
  }
  StartWrite();
  return true;
}

void RedisConnection::OnHandshakeReply(const redisReply& reply) {
  const char* step = handshake_[handshake_next_++];
  if (reply.type == REDIS_REPLY_ERROR) {
    // Redis' own text ("WRONGPASS invalid username-password pair ..."),
    // the password starred out (HidePassword).
    Drop(std::string(step) + " failed: " + std::string(reply.str, reply.len),
         Cause::kRefused);
    return;
  }
  if (handshake_next_ == handshake_size_) OnConnected();
}

void RedisConnection::OnConnected() {
  state_ = State::kUp;
  Disarm();  // the connect deadline; commands arm their own
  const Field fields[] = {{"database", settings_.database}};
  lifecycle_.Connected(fields);
  Flush();  // what was queued during the first attempt
}

// --- Writing and reading ----------------------------------------------------

void RedisConnection::Flush() {
  if (state_ != State::kUp || write_in_flight_ || out_.empty()) return;
  writing_.swap(out_);
  TrimBuffer(out_);
  const Clock::time_point deadline = Clock::now() + settings_.operation_timeout;
  const auto first_unsent = pending_.end() - static_cast<long>(unsent_);
  for (auto it = first_unsent; it != pending_.end(); ++it) {
    it->deadline = deadline;
  }
  unsent_ = 0;
  StartWrite();
  if (!timer_armed_) Arm(pending_.front().deadline);
}

void RedisConnection::StartWrite() {
  write_in_flight_ = true;
  asio::async_write(
      *socket_, asio::buffer(writing_),
      [self = shared_from_this(), epoch = socket_epoch_](
          const error_code& ec, std::size_t) { self->OnWritten(epoch, ec); });
}

void RedisConnection::OnWritten(std::uint64_t epoch, const error_code& ec) {
  if (epoch != socket_epoch_) return;
  write_in_flight_ = false;
  if (ec) {
    Drop(ec.message(), Cause::kBroken);
    return;
  }
  Flush();
}

void RedisConnection::WaitReadable() {
  socket_->async_wait(
      tcp::socket::wait_read,
      [self = shared_from_this(), epoch = socket_epoch_](const error_code& ec) {
        self->OnReadable(epoch, ec);
      });
}

void RedisConnection::OnReadable(std::uint64_t epoch, const error_code& ec) {
  if (epoch != socket_epoch_) return;
  if (ec) {
    Drop(ec.message(), Cause::kBroken);
    return;
  }
  char buffer[kReadChunk];
  for (std::size_t read = 0; read < kReadPerTurn;) {
    error_code read_ec;
    const std::size_t n = socket_->read_some(asio::buffer(buffer), read_ec);
    if (read_ec == asio::error::would_block) {
      WaitReadable();
      return;
    }
    if (read_ec) {
      Drop(read_ec == asio::error::eof ? "connection closed by the server"
                                       : read_ec.message(),
           Cause::kBroken);
      return;
    }
    if (!Feed(epoch, std::string_view(buffer, n))) return;
    if (n < sizeof(buffer)) {
      WaitReadable();
      return;
    }
    read += n;
  }
  // More may be waiting: read it on a later turn. (Waiting for readiness
  // would not do: the socket would not become readable again.)
  asio::post(context_, [self = shared_from_this(), epoch] {
    self->OnReadable(epoch, error_code());
  });
}

// Gives the reader what the bounds accept, completes the replies that
// makes whole, and drops the connection at what they refuse; false once
// the socket is gone.
bool RedisConnection::Feed(std::uint64_t epoch, std::string_view bytes) {
  const std::size_t accepted = bounds_.Scan(bytes);
  if (accepted > 0 &&
      redisReaderFeed(reader_.get(), bytes.data(), accepted) != REDIS_OK) {
    Drop("out of memory", Cause::kBroken);
    return false;
  }
  if (!ProcessReplies(epoch)) return false;
  if (accepted < bytes.size()) {
    Drop(bounds_.status().message(), Cause::kBroken);
    return false;
  }
  return true;
}

// Completes a callback per complete reply; false once the socket is gone.
bool RedisConnection::ProcessReplies(std::uint64_t epoch) {
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
      Drop(std::string("protocol error: ") + redisReaderGetError(reader_.get()),
           Cause::kBroken);
      return false;
    }
    if (raw == nullptr) return true;
    std::unique_ptr<redisReply, void (*)(void*)> reply(
        static_cast<redisReply*>(raw), freeReplyObject);
    HidePassword(*reply);
    OnReply(*reply);
    if (epoch != socket_epoch_) return false;
  }
}

// A server's error text goes into Statuses and log events. Redis' own never
// repeats the password, but a server that does not know AUTH may ("unknown
// command 'AUTH', with args beginning with: ..."), and a hostile one can:
// every copy of it is starred out, in place (found by fuzz/redis).
void RedisConnection::HidePassword(redisReply& reply) const {
  const std::string& password = settings_.password;
  if (password.empty() || reply.type != REDIS_REPLY_ERROR) return;
  std::string_view text(reply.str, reply.len);
  for (std::size_t at = text.find(password); at != std::string_view::npos;
       at = text.find(password, at + password.size())) {
    std::fill_n(reply.str + at, password.size(), '*');
  }
}

void RedisConnection::OnReply(const redisReply& reply) {
  if (handshake_next_ < handshake_size_) {
    OnHandshakeReply(reply);
    return;
  }
  if (pending_.size() == unsent_) {
    Drop("a reply that no command asked for", Cause::kBroken);
    return;
  }
  ReplyCallback done = std::move(pending_.front().done);
  pending_.pop_front();
  Complete(done, &reply);
}

// --- The one timer: connect deadline, backoff wait, oldest command ----------

void RedisConnection::Arm(Clock::time_point deadline) {
  timer_->expires_at(deadline);
  timer_armed_ = true;
  timer_->async_wait([self = shared_from_this(), epoch = ++timer_epoch_](
                         const error_code& ec) { self->OnTimer(epoch, ec); });
}

void RedisConnection::Disarm() {
  ++timer_epoch_;
  timer_armed_ = false;
  timer_->cancel();
}

void RedisConnection::OnTimer(std::uint64_t epoch, const error_code& ec) {
  if (epoch != timer_epoch_ || ec == asio::error::operation_aborted) return;
  timer_armed_ = false;
  switch (state_) {
    case State::kConnecting:
      Drop("no connection within " + Milliseconds(settings_.connect_timeout),
           Cause::kConnectTimeout);
      break;
    case State::kWaiting:
      Connect();
      break;
    case State::kUp:
      CheckOldestDeadline();
      break;
    default:
      break;
  }
}

// Replies come in order, so only the oldest sent command can be late first.
void RedisConnection::CheckOldestDeadline() {
  if (pending_.size() == unsent_) return;  // nothing sent awaits an answer
  const Clock::time_point deadline = pending_.front().deadline;
  if (Clock::now() < deadline) {
    Arm(deadline);
    return;
  }
  Drop("no answer within " + Milliseconds(settings_.operation_timeout),
       Cause::kOperationTimeout);
}

// --- Failure ----------------------------------------------------------------

void RedisConnection::Drop(const std::string& error, Cause cause) {
  const State was = state_;
  if (was != State::kConnecting && was != State::kUp) return;
  ReleaseSocket();
  std::deque<Pending> failed;
  failed.swap(pending_);
  const std::size_t unsent = std::exchange(unsent_, 0);
  state_ = State::kWaiting;
  // Logs the transition; Redis connections always reconnect.
  const std::chrono::milliseconds delay =
      lifecycle_.Failed(error, cause).value_or(settings_.max_backoff);
  Arm(Clock::now() + delay);
  // Last: a callback may call Send(), which now fails at once.
  FailAll(std::move(failed), unsent, error, cause);
}

void RedisConnection::ReleaseSocket() {
  ++socket_epoch_;
  error_code ignored;
  if (resolver_) resolver_->cancel();
  if (socket_) socket_->close(ignored);
  reader_.reset();
  handshake_size_ = 0;
  handshake_next_ = 0;
  write_in_flight_ = false;
  TrimBuffer(out_);
  TrimBuffer(writing_);
}

void RedisConnection::FailAll(std::deque<Pending> failed, std::size_t unsent,
                              const std::string& error, Cause cause) {
  const std::size_t sent = failed.size() - unsent;
  const Status not_sent = lifecycle_.NotSent(error, cause);
  const Status oldest = lifecycle_.Sent(error, cause, /*oldest=*/true);
  const Status ambiguous = lifecycle_.Sent(error, cause, /*oldest=*/false);
  for (std::size_t i = 0; i < failed.size(); ++i) {
    Complete(failed[i].done,
             i >= sent ? not_sent : (i == 0 ? oldest : ambiguous));
  }
}

// A callback that throws has a bug; it must not unwind through the loop.
void RedisConnection::Complete(ReplyCallback& done,
                               Result<const redisReply*> result) {
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    log_.Error("store callback threw",
               {{"store", "redis"}, {"error", e.what()}});
  } catch (...) {
    log_.Error("store callback threw", {{"store", "redis"}});
  }
}

}  // namespace twelve::backing
