// One state machine (connect, authenticate, move bytes, fail, reconnect)
// kept in one file, past the usual length: its transitions read best side
// by side. Which message answers which query is postgres_pipeline.cpp's
// business, the bytes of each message postgres_protocol.cpp's, moving them
// on the socket (plain or TLS) postgres_transport.cpp's.

#include "backing/postgres/postgres_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <exception>
#include <utility>

#include "backing/store_metrics.hpp"

namespace twelve::backing {
namespace asio = boost::asio;
using boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::string_view kStore = "postgres";
// Bytes received per readiness event before the loop's other handlers get
// a turn: a server that sends without pause (a flood of notices, a result
// of a million rows) must not starve the HTTP connections sharing the
// loop. 256 KiB is a few hundred microseconds of work.
constexpr std::size_t kReadPerTurn = 256 * 1024;
// Distinct parameters a session may report (ParameterStatus). PostgreSQL
// 15 reports 14 and adds one now and then; each is kept for the session,
// so a server that invents names without end is refused at this count.
constexpr std::size_t kMaxServerParameters = 64;
// NoticeResponses logged per session: the first ones tell what happens
// (a migration's "already exists, skipping"); a server sending them
// without end must not flood the log.
constexpr int kMaxLoggedNotices = 16;

}  // namespace

PostgresConnection::PostgresConnection(asio::io_context& io,
                                       const StoreUrl& url,
                                       const Options& options,
                                       const Logger& log, int loop)
    : io_(io),
      url_(url),
      options_(options),
      log_(log),
      loop_(loop),
      lifecycle_({.store = std::string(kStore),
                  .address = HostAndPort(url.host, url.port),
                  .loop = loop,
                  .min_backoff = options.min_backoff,
                  .max_backoff = options.max_backoff,
                  .reconnect = options.reconnect,
                  .log_transitions = options.log_transitions,
                  .metrics = options.metrics},
                 log),
      pipeline_(options.operation_timeout) {
  // Read once, by ParseStoreUrl: the connection only looks them up.
  Result<std::shared_ptr<const PostgresSettings>> settings =
      PostgresSettingsOf(url_);
  if (settings.ok()) {
    settings_ = std::move(*settings);
  } else {
    settings_ = std::make_shared<const PostgresSettings>();
    settings_error_ = "expected " + settings.status().message();
  }
  resolver_.emplace(io_);
  timer_.emplace(io_);
  operation_timer_.emplace(io_);
}

PostgresConnection::~PostgresConnection() = default;

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
    Failed("internal error");
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
      if (!lifecycle_.first_attempt()) break;
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
  Deliver(call.done, lifecycle_.Down());
}

void PostgresConnection::Close() {
  Teardown();
  state_ = State::kClosed;
  lifecycle_.Closed();
  pipeline_.TakeSent();  // dropped, callbacks unrun
  pipeline_.TakeHeld();
  resolver_.reset();
  timer_.reset();
  operation_timer_.reset();
}

// --- Connecting -------------------------------------------------------------

void PostgresConnection::BeginAttempt() {
  state_ = State::kConnecting;
  phase_ = Phase::kTcp;
  if (!settings_error_.empty()) {
    FailAttempt(settings_error_, false);
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
  std::string port = std::to_string(url_.port);
  error_code ec;
  asio::ip::address address = asio::ip::make_address(url_.host, ec);
  if (!ec) {
    ConnectTo(
        Endpoints::create(tcp::endpoint(address, url_.port), url_.host, port));
    return;
  }
  resolver_->async_resolve(
      url_.host, port,
      [self = shared_from_this(), generation = generation_](
          const error_code& ec, const Endpoints& endpoints) {
        if (generation != self->generation_) return;
        self->Guarded([&] { self->OnResolved(ec, endpoints); });
      });
}

void PostgresConnection::OnResolved(const error_code& ec,
                                    const Endpoints& endpoints) {
  if (ec || endpoints.empty()) {
    FailAttempt("cannot resolve host " + url_.host + ": " +
                    (ec ? ec.message() : "no address"),
                false);
    return;
  }
  ConnectTo(endpoints);
}

void PostgresConnection::ConnectTo(const Endpoints& endpoints) {
  socket_.emplace(io_);
  // Every address in turn, as libpq would.
  asio::async_connect(*socket_, endpoints,
                      [self = shared_from_this(), generation = generation_](
                          const error_code& ec, const tcp::endpoint&) {
                        if (generation != self->generation_) return;
                        self->Guarded([&] { self->OnTcpConnected(ec); });
                      });
}

void PostgresConnection::OnTcpConnected(const error_code& ec) {
  if (ec) {
    FailAttempt("cannot connect to " + url_.host + " port " +
                    std::to_string(url_.port) + ": " + ec.message(),
                false);
    return;
  }
  error_code option;
  socket_->set_option(tcp::no_delay(true), option);
  if (!option) socket_->non_blocking(true, option);
  if (option) {
    FailAttempt("cannot set up the socket: " + option.message(), false);
    return;
  }
  transport_.emplace(socket_->native_handle());
  if (settings_->tls == PostgresSettings::Tls::kDisable) {
    SendStartup();
    return;
  }
  phase_ = Phase::kTlsAnswer;
  pg::AppendSslRequest(output_);
  std::uint64_t generation = generation_;
  Flush();
  if (generation == generation_) WaitRead();
}

void PostgresConnection::OnTlsAnswer() {
  Result<PostgresTransport::Io> io = transport_->Read(input_.Prepare(1));
  if (!io.ok() || io->closed) {
    FailAttempt(
        io.ok() ? "the server closed the connection" : io.status().message(),
        false);
    return;
  }
  if (io->want != PostgresTransport::Want::kNothing) {
    WaitRead();
    return;
  }
  input_.Commit(io->bytes);
  std::optional<char> answer = input_.TakeByte();
  // Bytes after the answer were not sent by the server we will talk to
  // (CVE-2021-23222): refuse them.
  if (input_.size() != 0 || (answer != 'S' && answer != 'N')) {
    FailAttempt(
        "the server answered the TLS request with something else "
        "than yes or no",
        false);
    return;
  }
  if (answer == 'N') {
    if (settings_->tls == PostgresSettings::Tls::kRequire) {
      FailAttempt("the server does not accept TLS, and sslmode asks for it",
                  false);
      return;
    }
    SendStartup();
    return;
  }
  Result<std::unique_ptr<pg::TlsSession>> session =
      pg::TlsSession::Start(socket_->native_handle(), settings_->tls_settings);
  if (!session.ok()) {
    FailAttempt(session.status().message(), false);
    return;
  }
  transport_->UseTls(std::move(*session));
  phase_ = Phase::kTlsHandshake;
  ContinueHandshake();
}

void PostgresConnection::ContinueHandshake() {
  Result<pg::TlsSession::Want> want = transport_->tls()->Handshake();
  if (!want.ok()) {
    FailAttempt(want.status().message(), false);
  } else if (*want == pg::TlsSession::Want::kRead) {
    WaitRead();
  } else if (*want == pg::TlsSession::Want::kWrite) {
    WaitWrite();
  } else {
    SendStartup();
  }
}

void PostgresConnection::SendStartup() {
  phase_ = Phase::kStartup;
  server_parameters_.clear();
  notices_ = 0;
  PostgresLogin::EndPointHash end_point_hash;
  if (pg::TlsSession* tls = transport_->tls()) {
    end_point_hash = [tls] { return tls->ServerEndPointHash(); };
  }
  login_.emplace(url_.user, url_.password, settings_->channel_binding,
                 std::move(end_point_hash));
  pg::AppendStartup(output_, settings_->startup);
  std::uint64_t generation = generation_;
  Flush();
  if (generation == generation_) WaitRead();
}

void PostgresConnection::OnStartupMessage(const pg::Message& message) {
  switch (message.type) {
    case 'R': {
      Status answered = login_->Answer(message.body, output_);
      if (!answered.ok()) {
        FailAttempt(answered.message(), false);
        return;
      }
      Flush();
      return;
    }
    case 'K':  // BackendKeyData: for cancel requests, which are not sent
      return;
    case 'Z':
      OnStartupDone();
      return;
    case 'E': {
      Result<pg::ServerError> error = pg::DecodeError(message.body);
      FailAttempt(error.ok() ? pg::Describe(*error) : error.status().message(),
                  false);
      return;
    }
    default:
      FailAttempt(std::string("the server sent an unexpected message '") +
                      message.type + "' while starting the session",
                  false);
  }
}

void PostgresConnection::OnStartupDone() {
  // A server, or someone in between, must not skip the login.
  if (!login_->done()) {
    FailAttempt("the server started the session without authenticating it",
                false);
    return;
  }
  Status target =
      CheckTargetSession(settings_->target_session, server_parameters_);
  if (!target.ok()) {
    FailAttempt(target.message(), false);
    return;
  }
  OnConnected();
}

void PostgresConnection::OnConnected() {
  timer_->cancel();  // the connect timeout
  login_.reset();    // and the copy of the password it holds
  state_ = State::kReady;
  const std::string url = url_.Masked();
  const Field fields[] = {{"url", url}, {"tls", transport_->tls() != nullptr}};
  lifecycle_.Connected(fields);
  WaitRead();
  SendHeld();  // the calls made while connecting, in order
}

void PostgresConnection::FailAttempt(const std::string& reason,
                                     bool timed_out) {
  const std::string why = Scrub(reason);
  const auto failure = timed_out ? ConnectionLifecycle::Failure::kConnectTimeout
                                 : ConnectionLifecycle::Failure::kBroken;
  Teardown();
  state_ = State::kBackingOff;
  std::deque<Call> held = pipeline_.TakeHeld();
  ScheduleReconnect(lifecycle_.Failed(why, failure));
  for (Call& call : held) {
    Deliver(call.done, lifecycle_.NotSent(why, failure));
  }
}

void PostgresConnection::ScheduleReconnect(
    std::optional<std::chrono::milliseconds> delay) {
  if (!delay) return;
  timer_->expires_after(*delay);
  timer_->async_wait([self = shared_from_this(),
                      generation = generation_](const error_code& ec) {
    if (ec || generation != self->generation_) return;
    self->Guarded([&] {
      if (self->state_ == State::kBackingOff) self->BeginAttempt();
    });
  });
}

// --- Moving bytes -----------------------------------------------------------

void PostgresConnection::WaitRead() { Wait(tcp::socket::wait_read); }

void PostgresConnection::WaitWrite() { Wait(tcp::socket::wait_write); }

void PostgresConnection::Wait(tcp::socket::wait_type what) {
  bool reading = what == tcp::socket::wait_read;
  bool& waiting = reading ? read_waiting_ : write_waiting_;
  if (waiting || !socket_) return;
  waiting = true;
  socket_->async_wait(what, [self = shared_from_this(), reading,
                             generation = generation_](const error_code& ec) {
    if (generation != self->generation_) return;
    (reading ? self->read_waiting_ : self->write_waiting_) = false;
    self->Guarded([&] {
      if (ec) {
        self->OnSocketError(ec);
      } else if (reading) {
        self->OnReadable();
      } else {
        self->OnWritable();
      }
    });
  });
}

void PostgresConnection::OnSocketError(const error_code& ec) {
  Failed(ec.message());
}

void PostgresConnection::OnReadable() {
  if (state_ == State::kConnecting && phase_ == Phase::kTlsAnswer) {
    OnTlsAnswer();
    return;
  }
  if (state_ == State::kConnecting && phase_ == Phase::kTlsHandshake) {
    ContinueHandshake();
    return;
  }
  if (state_ != State::kConnecting && state_ != State::kReady) return;
  std::uint64_t generation = generation_;
  // A TLS write may have waited for the socket to be readable.
  if (!output_.empty()) Flush();
  if (generation == generation_ && ReceiveMessages()) WaitRead();
}

void PostgresConnection::OnWritable() {
  if (state_ == State::kConnecting && phase_ == Phase::kTlsHandshake) {
    ContinueHandshake();
    return;
  }
  if (state_ != State::kConnecting && state_ != State::kReady) return;
  std::uint64_t generation = generation_;
  Flush();
  // A TLS read may have waited for the socket to be writable.
  if (transport_->tls() != nullptr && generation == generation_ &&
      ReceiveMessages()) {
    WaitRead();
  }
}

bool PostgresConnection::ReceiveMessages() {
  std::uint64_t generation = generation_;
  for (std::size_t received = 0;;) {
    if (received >= kReadPerTurn) {
      ContinueLater();
      return false;
    }
    Result<PostgresTransport::Io> io = transport_->Read(input_.Prepare());
    if (!io.ok() || io->closed) {
      Failed(io.ok() ? "the server closed the connection"
                     : io.status().message());
      return false;
    }
    if (io->want == PostgresTransport::Want::kWrite) WaitWrite();
    if (io->want != PostgresTransport::Want::kNothing) return true;
    received += io->bytes;
    input_.Commit(io->bytes);
    for (;;) {
      Result<std::optional<pg::Message>> message = input_.Next();
      if (!message.ok()) {
        Failed(message.status().message());
        return false;
      }
      if (!*message) break;
      HandMessage(**message);
      if (generation != generation_) return false;
    }
  }
}

// Reads on, and hands on what the socket has, on a later loop turn. (A
// wait for readability would not fire for bytes already there.)
void PostgresConnection::ContinueLater() {
  asio::post(io_, [self = shared_from_this(), generation = generation_] {
    if (generation != self->generation_) return;
    self->Guarded([&] { self->OnReadable(); });
  });
}

void PostgresConnection::HandMessage(const pg::Message& message) {
  switch (message.type) {
    case 'N':  // NoticeResponse: the server's remark, at any time
      LogNotice(message.body);
      return;
    case 'S': {  // ParameterStatus: a setting the server reports
      auto parameter = pg::DecodeParameterStatus(message.body);
      if (!parameter.ok()) {
        Failed(parameter.status().message());
        return;
      }
      auto known = server_parameters_.find(parameter->first);
      if (known != server_parameters_.end()) {
        known->second = std::string(parameter->second);
        return;
      }
      if (server_parameters_.size() == kMaxServerParameters) {
        Failed("the server reported more than " +
               std::to_string(kMaxServerParameters) +
               " parameters (ParameterStatus), more than any PostgreSQL "
               "does");
        return;
      }
      server_parameters_.emplace(std::string(parameter->first),
                                 std::string(parameter->second));
      return;
    }
    case 'A':  // NotificationResponse: nothing here LISTENs
      return;
    default:
      break;
  }
  if (state_ == State::kConnecting) {
    OnStartupMessage(message);
  } else {
    OnReadyMessage(message);
  }
}

void PostgresConnection::Flush() {
  while (!output_.empty()) {
    Result<PostgresTransport::Io> io = transport_->Write(output_);
    if (!io.ok()) {
      Failed(io.status().message());
      return;
    }
    if (io->want == PostgresTransport::Want::kRead) WaitRead();
    if (io->want == PostgresTransport::Want::kWrite) WaitWrite();
    if (io->want != PostgresTransport::Want::kNothing) return;
    output_.erase(0, io->bytes);
  }
}

void PostgresConnection::Failed(const std::string& reason) {
  if (state_ == State::kConnecting) {
    FailAttempt(reason, false);
  } else if (state_ == State::kReady) {
    Lost(reason, false);
  }
}

// --- Moving the pipeline's queries -----------------------------------------

void PostgresConnection::SendHeld() {
  if (state_ != State::kReady || !pipeline_.has_held()) return;
  pipeline_.SendHeld(output_);
  ArmOperationTimer();
  Flush();
}

void PostgresConnection::OnReadyMessage(const pg::Message& message) {
  PostgresPipeline::Step step = pipeline_.Take(message);
  if (!step.broken.ok()) {
    Lost(step.broken.message(), false);
    return;
  }
  if (!step.answered) return;
  ArmOperationTimer();
  Deliver(step.answered->done, std::move(*step.answered).Outcome());
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
  const std::string why = Scrub(reason);
  const auto failure = timed_out
                           ? ConnectionLifecycle::Failure::kOperationTimeout
                           : ConnectionLifecycle::Failure::kBroken;
  Teardown();
  state_ = State::kBackingOff;
  std::deque<Call> sent = pipeline_.TakeSent();
  std::deque<Call> held = pipeline_.TakeHeld();
  ScheduleReconnect(lifecycle_.Failed(why, failure));
  // Callbacks last: one may call Submit, which now fails at once.
  bool oldest = true;
  for (Call& call : sent) {
    Deliver(call.done, lifecycle_.Sent(why, failure, oldest));
    oldest = false;
  }
  for (Call& call : held) {
    Deliver(call.done, lifecycle_.NotSent(why, failure));
  }
}

void PostgresConnection::SayGoodbye() {
  // Only between whole messages; the server then ends the session without
  // logging an unexpected end of file. One try: nothing waits for it.
  if (state_ != State::kReady || !transport_ || !output_.empty()) return;
  std::string goodbye;
  pg::AppendTerminate(goodbye);
  (void)transport_->Write(goodbye);
}

void PostgresConnection::Teardown() {
  SayGoodbye();
  ++generation_;
  read_waiting_ = false;
  write_waiting_ = false;
  transport_.reset();  // and its TLS, before the socket they use
  login_.reset();
  socket_.reset();
  input_.Clear();
  output_.clear();
  if (timer_) timer_->cancel();
  if (operation_timer_) operation_timer_->cancel();
  if (resolver_) resolver_->cancel();
  operation_timer_armed_ = false;
  pipeline_.Reset();
}

void PostgresConnection::Deliver(Callback& done,
                                 Result<PostgresResult> result) {
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

void PostgresConnection::LogNotice(std::string_view body) {
  if (notices_ == kMaxLoggedNotices) {
    ++notices_;
    log_.Debug("store notices suppressed",
               {{"store", kStore},
                {"loop", loop_},
                {"logged", kMaxLoggedNotices},
                {"reason", "the session's later notices are not logged"}});
  }
  if (notices_ > kMaxLoggedNotices) return;
  ++notices_;
  Result<pg::ServerError> notice = pg::DecodeError(body);
  log_.Debug("store notice",
             {{"store", kStore},
              {"loop", loop_},
              {"notice", notice.ok() ? pg::Describe(*notice)
                                     : notice.status().message()}});
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

}  // namespace twelve::backing
