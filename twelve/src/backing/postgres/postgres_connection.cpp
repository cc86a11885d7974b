// One state machine (connect, watch, fail, reconnect) kept in one file,
// past the usual length: its transitions read best side by side. Which
// result answers which query is postgres_pipeline.cpp's business.

#include "backing/postgres/postgres_connection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>
#include <vector>

namespace twelve::backing {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::string_view kStore = "postgres";

// libpq's messages end with a newline and may span lines; a log field or a
// Status message wants one line.
std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

// Sockets have unique inode numbers; the descriptor number alone could be
// reused by a new socket after libpq closes the old one mid-connect.
ino_t InodeOf(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// libpq would resolve a host name itself, blocking the loop: only literal
// addresses and socket directories are handed to it as they are.
bool NeedsResolving(const std::string& host) {
  if (host.empty() || host.front() == '/') return false;
  error_code ec;
  asio::ip::make_address(host, ec);
  return static_cast<bool>(ec);
}

}  // namespace

PostgresConnection::PostgresConnection(asio::io_context& io,
                                       Result<const Libpq*> libpq,
                                       const StoreUrl& url,
                                       const Options& options,
                                       const Logger& log, int loop)
    : io_(io),
      libpq_(std::move(libpq)),
      pq_(libpq_.ok() ? *libpq_ : nullptr),
      url_(url),
      options_(options),
      log_(log),
      loop_(loop),
      backoff_(options.min_backoff, options.max_backoff),
      pipeline_(pq_, options.pipeline, options.statements,
                options.operation_timeout) {
  resolver_.emplace(io_);
  timer_.emplace(io_);
  operation_timer_.emplace(io_);
}

PostgresConnection::~PostgresConnection() {
  if (pg_ != nullptr) pq_->PQfinish(pg_);
}

// Exceptions never escape into the loop: a bug costs the connection, not
// the process.
template <typename F>
void PostgresConnection::Guarded(F&& body) {
  try {
    body();
    return;
  } catch (const std::exception& e) {
    log_.Error("store driver failed",
               {{"store", kStore}, {"loop", loop_}, {"error", e.what()}});
  } catch (...) {
    log_.Error("store driver failed", {{"store", kStore}, {"loop", loop_}});
  }
  try {
    if (state_ == State::kConnecting || state_ == State::kReady) {
      Lost("internal error", false);
    }
  } catch (...) {  // nothing left to do but keep the loop alive
  }
}

void PostgresConnection::Start() {
  Guarded([&] {
    if (state_ == State::kIdle) BeginAttempt();
  });
}

void PostgresConnection::Submit(PostgresQuery query, Callback done) {
  Call call;
  call.query = std::move(query);
  call.done = std::move(done);
  switch (state_) {
    case State::kIdle:
    case State::kConnecting:
      if (first_attempt_done_) break;
      pipeline_.Hold(std::move(call));
      return;
    case State::kReady:
      pipeline_.Hold(std::move(call));
      SendHeld();
      return;
    case State::kBackingOff:
    case State::kClosed:
      break;
  }
  Deliver(call.done, NotConnected());
}

void PostgresConnection::Close() {
  Teardown();
  state_ = State::kClosed;
  pipeline_.TakeSent();  // dropped, callbacks unrun
  pipeline_.TakeHeld();
  resolver_.reset();
  timer_.reset();
  operation_timer_.reset();
}

// --- Connecting -------------------------------------------------------------

void PostgresConnection::BeginAttempt() {
  state_ = State::kConnecting;
  if (pq_ == nullptr) {
    FailAttempt(libpq_.status().message(), false);
    return;
  }
  timer_->expires_after(options_.connect_timeout);
  timer_->async_wait([self = shared_from_this(),
                      generation = generation_](const error_code& ec) {
    if (ec || generation != self->generation_) return;
    self->Guarded([&] {
      if (self->state_ != State::kConnecting) return;
      self->FailAttempt(
          "no connection within " +
              std::to_string(self->options_.connect_timeout.count()) + " ms",
          true);
    });
  });
  if (!NeedsResolving(url_.host)) {
    StartLibpq("");
    return;
  }
  resolver_->async_resolve(
      url_.host, std::to_string(url_.port),
      [self = shared_from_this(), generation = generation_](
          const error_code& ec,
          const asio::ip::tcp::resolver::results_type& results) {
        if (generation != self->generation_) return;
        self->Guarded([&] { self->OnResolved(ec, results); });
      });
}

void PostgresConnection::OnResolved(
    const error_code& ec,
    const asio::ip::tcp::resolver::results_type& results) {
  if (ec || results.empty()) {
    FailAttempt("cannot resolve host " + url_.host + ": " +
                    (ec ? ec.message() : "no address"),
                false);
    return;
  }
  // Every address, so that libpq tries them in turn as it would have.
  std::string hostaddr;
  for (const auto& entry : results) {
    if (!hostaddr.empty()) hostaddr += ',';
    hostaddr += entry.endpoint().address().to_string();
  }
  StartLibpq(hostaddr);
}

namespace {
const std::string kApplicationName = "twelve";
}  // namespace

void PostgresConnection::StartLibpq(const std::string& hostaddr) {
  // libpq wants one host name per address.
  std::string host = url_.host;
  for (char c : hostaddr) {
    if (c == ',') host += "," + url_.host;
  }
  std::string port = std::to_string(url_.port);
  std::vector<const char*> keys;
  std::vector<const char*> values;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    keys.push_back(key);
    values.push_back(value.c_str());
  };
  add("host", host);
  add("hostaddr", hostaddr);
  add("port", port);
  add("dbname", url_.path);
  add("user", url_.user);
  add("password", url_.password);
  bool named = false;
  for (const auto& [key, value] : url_.params) {  // validated by the parser
    add(key.c_str(), value);
    named = named || key == "application_name";
  }
  if (!named) add("application_name", kApplicationName);
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname 0: the database name is a name, never a connection string.
  pg_ = pq_->PQconnectStartParams(keys.data(), values.data(), 0);
  if (pg_ == nullptr || pq_->PQstatus(pg_) == CONNECTION_BAD) {
    FailAttempt(pg_ == nullptr ? "out of memory" : ErrorMessage(), false);
    return;
  }
  pq_->PQsetNoticeProcessor(
      pg_,
      [](void* arg, const char* message) {
        auto* self = static_cast<PostgresConnection*>(arg);
        self->log_.Debug("store notice", {{"store", kStore},
                                          {"loop", self->loop_},
                                          {"notice", OneLine(message)}});
      },
      this);
  // As the libpq manual says: before the first PQconnectPoll, act as if it
  // had asked to wait until the socket is writable.
  poll_ = PGRES_POLLING_WRITING;
  PollConnect();
}

void PostgresConnection::PollConnect() {
  if (poll_ == PGRES_POLLING_OK) {
    OnConnected();
  } else if (poll_ == PGRES_POLLING_FAILED) {
    FailAttempt(ErrorMessage(), false);
  } else if (!WatchSocket()) {
    FailAttempt("cannot watch the socket: " + std::string(strerror(errno)),
                false);
  } else if (poll_ == PGRES_POLLING_READING) {
    WaitRead();
  } else {
    WaitWrite();
  }
}

void PostgresConnection::OnConnected() {
  timer_->cancel();  // the connect timeout
  if (pq_->PQsetnonblocking(pg_, 1) != 0 ||
      (options_.pipeline && pq_->PQenterPipelineMode(pg_) != 1)) {
    FailAttempt(ErrorMessage(), false);
    return;
  }
  state_ = State::kReady;
  first_attempt_done_ = true;
  reconnect_logged_ = false;
  last_error_.clear();
  backoff_.Reset();
  log_.Log(options_.log_transitions ? LogLevel::kInfo : LogLevel::kDebug,
           "store connected",
           {{"store", kStore},
            {"loop", loop_},
            {"url", url_.Masked()},
            {"back", ever_connected_}});
  ever_connected_ = true;
  // Published after the event: whoever sees the store ready finds it logged.
  ready_.store(true, std::memory_order_release);
  WaitRead();
  SendHeld();  // the calls made while connecting, in order
}

void PostgresConnection::FailAttempt(const std::string& reason,
                                     bool timed_out) {
  std::string why = Scrub(reason);
  Teardown();
  state_ = State::kBackingOff;
  last_error_ = why;
  std::deque<Call> held = pipeline_.TakeHeld();
  bool first = !first_attempt_done_;
  first_attempt_done_ = true;
  LogLevel level =
      first && options_.log_transitions ? LogLevel::kWarn : LogLevel::kDebug;
  log_.Log(level, first ? "store connection failed" : "store reconnect failed",
           {{"store", kStore}, {"loop", loop_}, {"error", why}});
  ScheduleReconnect();
  for (Call& call : held) {
    Deliver(call.done,
            timed_out ? Status::Timeout("postgres: " + why)
                      : Status::Unavailable("postgres unavailable: " + why));
  }
}

void PostgresConnection::ScheduleReconnect() {
  if (!options_.reconnect) return;
  std::chrono::milliseconds delay = backoff_.Next();
  if (!reconnect_logged_) {
    reconnect_logged_ = true;
    log_.Log(options_.log_transitions ? LogLevel::kInfo : LogLevel::kDebug,
             "store reconnecting",
             {{"store", kStore},
              {"loop", loop_},
              {"delay_ms", static_cast<long long>(delay.count())}});
  }
  timer_->expires_after(delay);
  timer_->async_wait([self = shared_from_this(),
                      generation = generation_](const error_code& ec) {
    if (ec || generation != self->generation_) return;
    self->Guarded([&] {
      if (self->state_ == State::kBackingOff) self->BeginAttempt();
    });
  });
}

// --- Watching libpq's socket ------------------------------------------------

bool PostgresConnection::WatchSocket() {
  int fd = pq_->PQsocket(pg_);
  if (fd < 0) return false;
  ino_t inode = InodeOf(fd);
  if (socket_ && inode == socket_inode_) return true;
  // libpq opened a new socket (another address, or a retry without SSL).
  ResetSocket();
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return false;
  socket_.emplace(io_);
  error_code ec;
  socket_->assign(copy, ec);
  if (ec) {
    close(copy);
    socket_.reset();
    errno = ec.value();
    return false;
  }
  socket_inode_ = inode;
  return true;
}

void PostgresConnection::ResetSocket() {
  ++socket_epoch_;
  socket_.reset();  // closes our copy only; libpq's stays open
  read_waiting_ = false;
  write_waiting_ = false;
}

void PostgresConnection::WaitRead() {
  if (read_waiting_ || !socket_) return;
  read_waiting_ = true;
  socket_->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [self = shared_from_this(), epoch = socket_epoch_](const error_code& ec) {
        if (epoch != self->socket_epoch_) return;
        self->read_waiting_ = false;
        self->Guarded([&] {
          if (ec) {
            self->OnSocketError(ec);
          } else {
            self->OnReadable();
          }
        });
      });
}

void PostgresConnection::WaitWrite() {
  if (write_waiting_ || !socket_) return;
  write_waiting_ = true;
  socket_->async_wait(
      asio::posix::stream_descriptor::wait_write,
      [self = shared_from_this(), epoch = socket_epoch_](const error_code& ec) {
        if (epoch != self->socket_epoch_) return;
        self->write_waiting_ = false;
        self->Guarded([&] {
          if (ec) {
            self->OnSocketError(ec);
          } else {
            self->OnWritable();
          }
        });
      });
}

void PostgresConnection::OnSocketError(const error_code& ec) {
  if (state_ == State::kConnecting) {
    FailAttempt(ec.message(), false);
  } else if (state_ == State::kReady) {
    Lost(ec.message(), false);
  }
}

void PostgresConnection::OnReadable() {
  if (state_ == State::kConnecting) {
    poll_ = pq_->PQconnectPoll(pg_);
    PollConnect();
    return;
  }
  if (state_ != State::kReady) return;
  if (pq_->PQconsumeInput(pg_) == 0) {
    Lost(ErrorMessage(), false);
    return;
  }
  // The server may have been waiting for us to read before taking more.
  if (flush_pending_ && !Flush()) return;
  ReadResults();
  if (state_ == State::kReady) WaitRead();
}

void PostgresConnection::OnWritable() {
  if (state_ == State::kConnecting) {
    poll_ = pq_->PQconnectPoll(pg_);
    PollConnect();
  } else if (state_ == State::kReady) {
    Flush();
  }
}

// --- Moving the pipeline's queries -----------------------------------------

void PostgresConnection::SendHeld() {
  bool sent = false;
  while (state_ == State::kReady && pipeline_.CanSend()) {
    sent = true;
    if (!pipeline_.SendNext(pg_)) {
      Lost(ErrorMessage(), false);
      return;
    }
  }
  if (!sent) return;
  ArmOperationTimer();
  Flush();
}

bool PostgresConnection::Flush() {
  int result = pq_->PQflush(pg_);
  if (result < 0) {
    Lost(ErrorMessage(), false);
    return false;
  }
  flush_pending_ = result == 1;
  if (flush_pending_) WaitWrite();
  return true;
}

void PostgresConnection::ReadResults() {
  while (state_ == State::kReady) {
    PostgresPipeline::Step step = pipeline_.Next(pg_);
    if (!step.broken.empty()) {
      Lost(OneLine(std::move(step.broken)), false);
      return;
    }
    if (!step.answered) return;
    ArmOperationTimer();
    Call& call = *step.answered;
    Deliver(call.done, call.result ? Result<PgResult>(std::move(call.result))
                                   : Status::Internal("postgres: no result"));
    SendHeld();  // without a pipeline, the next query's turn
  }
}

void PostgresConnection::ArmOperationTimer() {
  if (operation_timer_armed_ || !pipeline_.in_flight()) return;
  operation_timer_armed_ = true;
  // Deadlines grow along the queue: one timer, for the oldest, is enough.
  operation_timer_->expires_at(pipeline_.oldest_deadline());
  operation_timer_->async_wait(
      [self = shared_from_this(),
       generation = generation_](const error_code& ec) {
        if (generation != self->generation_) return;
        self->operation_timer_armed_ = false;
        if (ec) return;
        self->Guarded([&] { self->OnOperationTimer(); });
      });
}

void PostgresConnection::OnOperationTimer() {
  if (state_ != State::kReady || !pipeline_.in_flight()) return;
  if (pipeline_.oldest_deadline() > PostgresPipeline::Clock::now()) {
    ArmOperationTimer();
    return;
  }
  Lost("no answer within " +
           std::to_string(options_.operation_timeout.count()) + " ms",
       true);
}

// --- Failing ----------------------------------------------------------------

void PostgresConnection::Lost(const std::string& reason, bool timed_out) {
  std::string why = Scrub(reason);
  Teardown();
  state_ = State::kBackingOff;
  first_attempt_done_ = true;
  last_error_ = why;
  std::deque<Call> sent = pipeline_.TakeSent();
  std::deque<Call> held = pipeline_.TakeHeld();
  log_.Log(options_.log_transitions ? LogLevel::kWarn : LogLevel::kDebug,
           "store connection lost",
           {{"store", kStore}, {"loop", loop_}, {"error", why}});
  ScheduleReconnect();
  // Callbacks last: one may call Submit, which now fails at once.
  bool first = true;
  for (Call& call : sent) {
    Deliver(call.done,
            timed_out && first
                ? Status::Timeout("postgres: " + why)
                : Status::Ambiguous(
                      "postgres connection lost after the command was sent; "
                      "it may or may not have been applied: " +
                      why));
    first = false;
  }
  for (Call& call : held) {
    Deliver(call.done, Status::Unavailable("postgres unavailable: " + why));
  }
}

void PostgresConnection::Teardown() {
  ++generation_;
  ResetSocket();
  if (timer_) timer_->cancel();
  if (operation_timer_) operation_timer_->cancel();
  if (resolver_) resolver_->cancel();
  operation_timer_armed_ = false;
  flush_pending_ = false;
  if (pg_ != nullptr) {
    pq_->PQfinish(pg_);
    pg_ = nullptr;
  }
  ready_.store(false, std::memory_order_release);
  pipeline_.Reset();
}

void PostgresConnection::Deliver(Callback& done, Result<PgResult> result) {
  if (!done) return;
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    log_.Error("store callback failed",
               {{"store", kStore}, {"loop", loop_}, {"error", e.what()}});
  } catch (...) {
    log_.Error("store callback failed", {{"store", kStore}, {"loop", loop_}});
  }
}

std::string PostgresConnection::ErrorMessage() const {
  return pg_ == nullptr ? std::string("not connected")
                        : OneLine(pq_->PQerrorMessage(pg_));
}

std::string PostgresConnection::Scrub(std::string text) const {
  const std::string& secret = url_.password;
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at)) {
    text.replace(at, secret.size(), "********");
    at += 8;
  }
  return text;
}

Status PostgresConnection::NotConnected() const {
  return Status::Unavailable(last_error_.empty()
                                 ? std::string("postgres is not connected")
                                 : "postgres unavailable: " + last_error_);
}

}  // namespace twelve::backing
