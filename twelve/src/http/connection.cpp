#include "http/connection.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <exception>

namespace twelve::http {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Requests parsed from one read before the answers are sent; bounds the
// output buffer of one batch.
constexpr std::size_t kMaxBatch = 256;
// Asynchronous requests waiting for answers before the connection stops
// parsing more.
constexpr std::size_t kMaxPending = 64;
// How long a closing connection waits for the client to finish sending, so
// that the last response is not destroyed by a TCP reset.
constexpr std::chrono::seconds kLingerTime{1};
// Output buffers larger than this are released once sent.
constexpr std::size_t kKeepOutputCapacity = 64 * 1024;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view FormatEndpoint(const asio::ip::tcp::endpoint& endpoint,
                                char (&out)[64]) {
  std::string text = endpoint.address().to_string();
  if (endpoint.address().is_v6()) text = "[" + text + "]";
  text += ":" + std::to_string(endpoint.port());
  std::size_t size = std::min(text.size(), sizeof out - 1);
  std::memcpy(out, text.data(), size);
  return std::string_view(out, size);
}

}  // namespace

Connection::Connection(Worker& worker, asio::ip::tcp::socket socket)
    : worker_(worker), state_(worker.state()), socket_(std::move(socket)) {
  error_code ec;
  asio::ip::tcp::endpoint remote = socket_.remote_endpoint(ec);
  remote_address_ =
      ec ? std::string_view("-") : FormatEndpoint(remote, remote_);
}

Connection::~Connection() = default;

void Connection::Start() {
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  registration_ = worker_.Register(this);
  ReadLoop();
}

bool Connection::CanRead() const {
  return !closed_ && !writing_ && pending_.empty() && !close_after_write_ &&
         out_.empty();
}

bool Connection::Idle() const {
  return !parser_ && partial_.empty() && pending_.empty() && !writing_ &&
         out_.empty();
}

// Reads until the socket is drained (the reactor is edge-triggered), a read
// comes back short, or the connection has to wait for its answers.
void Connection::ReadLoop() {
  if (wait_armed_) return;  // the pending wait reads when data comes
  in_read_loop_ = true;
  while (lingering_ ? !closed_ : CanRead()) {
    const bool own = !partial_.empty();
    std::size_t room = worker_.read_buffer_size();
    std::size_t old_size = partial_.size();
    char* target = worker_.read_buffer();
    if (own) {
      partial_.resize(old_size + room);
      target = partial_.data() + old_size;
    }
    error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(target, room), ec);
    if (own) partial_.resize(old_size + n);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      WaitReadable();
      break;
    }
    if (ec) {  // EOF or reset: whatever was partial is abandoned
      Close();
      break;
    }
    if (lingering_) continue;  // discard what a closing client still sends
    if (own) {
      Consume(partial_.data(), partial_.size(), true);
    } else {
      Consume(target, n, false);
    }
    if (n < room && CanRead()) {
      WaitReadable();
      break;
    }
  }
  in_read_loop_ = false;
}

void Connection::WaitReadable() {
  if (lingering_) {
    // keep the linger deadline
  } else if (parser_ || !partial_.empty()) {
    deadline_ = request_began_ + state_.config.header_timeout;
  } else {
    deadline_ = Clock::now() + state_.config.idle_timeout;
  }
  wait_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const error_code& ec) {
                       self->wait_armed_ = false;
                       if (ec || self->closed_) return;
                       self->ReadLoop();
                     });
}

// Continues after answers were sent: first the complete requests that are
// already buffered, then the socket.
void Connection::Resume() {
  if (!CanRead()) return;
  if (!partial_.empty() &&
      (!parser_ || parser_->consumed() < partial_.size())) {
    Consume(partial_.data(), partial_.size(), true);
    if (!CanRead()) return;
  }
  ReadLoop();
}

void Connection::Consume(const char* data, std::size_t size, bool own_buffer) {
  processing_ = true;
  // The requests of one read arrived together: one clock read serves them
  // all as their start (a clock read per request showed in profiles).
  const Clock::time_point arrived = Clock::now();
  std::size_t start = 0;
  std::size_t handled = 0;
  while (start < size && !stop_parsing_ && handled < kMaxBatch &&
         pending_.size() < kMaxPending) {
    if (worker_.draining() && next_id_ > close_after_id_) break;
    if (!parser_) {
      parser_.emplace(state_.config.max_header_bytes,
                      state_.config.max_body_bytes, spans_);
      request_began_ = arrived;
      continue_sent_ = false;
    }
    RequestParser::State parsed = parser_->Feed(data + start, size - start);
    if (parsed == RequestParser::State::kNeedMore) {
      MaybeSendContinue();
      break;
    }
    if (parsed == RequestParser::State::kError) {
      Reject(parser_->error_status(), parser_->error_reason(),
             parser_->version());
      break;
    }
    Request request;
    parser_->Fill(data + start, worker_.header_scratch(), request);
    request.remote_address = remote_address_;
    request.request_id = RequestId(request);
    ResponseFraming framing{request.version, parser_->keep_alive(),
                            request.method == "HEAD"};
    Dispatch(request, framing);
    start += parser_->consumed();
    parser_.reset();
    ++handled;
  }
  processing_ = false;
  if (stop_parsing_) {
    partial_.clear();
    parser_.reset();
  } else if (own_buffer) {
    partial_.erase(0, start);
  } else if (start < size) {
    partial_.assign(data + start, size - start);
  }
  if (partial_.empty() && partial_.capacity() > kKeepOutputCapacity) {
    std::string().swap(partial_);
  }
  // Waiting on handlers: they have deadlines of their own; this one only
  // keeps a lost answer from holding the connection forever.
  if (!pending_.empty()) deadline_ = Clock::now() + state_.config.idle_timeout;
  Flush();
}

std::string_view Connection::RequestId(const Request& request) {
  std::optional<std::string_view> sent = request.Header("X-Request-ID");
  if (sent && IsSaneRequestId(*sent)) return *sent;
  return std::string_view(
      request_id_, worker_.NextRequestId(request_id_, sizeof request_id_));
}

void Connection::MaybeSendContinue() {
  if (continue_sent_ || !parser_->header_complete() ||
      !parser_->expects_continue()) {
    return;
  }
  continue_sent_ = true;
  out_.append(kContinue);
}

void Connection::Dispatch(const Request& request,
                          const ResponseFraming& framing) {
  InFlight current{next_id_++, &request, framing, request_began_};
  current_ = &current;
  Router::Match match = state_.router.Find(request.method, request.path);
  if (match.handler == nullptr) {
    Response answer = match.status == 404
                          ? ErrorResponse(Status::NotFound("no route"))
                          : Response::Text("method not allowed\n", 405)
                                .With("Allow", std::string(match.allow));
    Complete(current.id, std::move(answer));
  } else {
    try {
      (*match.handler)(request, Responder(shared_from_this(), current.id));
    } catch (const std::exception& e) {
      // The Responder, destroyed unanswered while unwinding, sent the 500.
      state_.log.Error("handler failed", {{"path", request.path},
                                          {"error", e.what()},
                                          {"request_id", request.request_id}});
    } catch (...) {
      state_.log.Error("handler failed", {{"path", request.path},
                                          {"error", "unknown exception"},
                                          {"request_id", request.request_id}});
    }
  }
  current_ = nullptr;
  if (!current.answered) pending_.push_back(MakeSlot(current));
}

Connection::Slot Connection::MakeSlot(const InFlight& current) const {
  Slot slot;
  slot.id = current.id;
  slot.framing = current.framing;
  slot.began = current.began;
  slot.method = current.request->method;
  slot.path = current.request->path;
  slot.request_id = current.request->request_id;
  return slot;
}

void Connection::Reject(int status, std::string_view reason, int version) {
  Response answer = Response::Text(std::string(reason) + "\n", status);
  ResponseFraming framing{version, false, false};
  std::uint64_t id = next_id_++;
  if (worker_.access_log().enabled()) {
    state_.log.Info(
        "rejected request",
        {{"status", status}, {"reason", reason}, {"remote", remote_address_}});
  }
  if (pending_.empty()) {
    Emit(id, answer, framing, AccessInfo{"-", "-", "-", request_began_});
  } else {
    Slot slot;
    slot.id = id;
    slot.framing = framing;
    slot.began = request_began_;
    slot.method = slot.path = slot.request_id = "-";
    slot.done = true;
    slot.response = std::move(answer);
    pending_.push_back(std::move(slot));
  }
  stop_parsing_ = true;
}

void Connection::Complete(std::uint64_t id, Response response) {
  if (!worker_.InThisThread()) {
    asio::post(worker_.io(), [self = shared_from_this(), id,
                              response = std::move(response)]() mutable {
      self->Complete(id, std::move(response));
    });
    return;
  }
  if (closed_) return;
  if (current_ != nullptr && current_->id == id) {
    current_->answered = true;
    const Request& request = *current_->request;
    if (pending_.empty()) {
      Emit(id, response, current_->framing,
           AccessInfo{request.method, request.path, request.request_id,
                      current_->began});
    } else {
      Slot slot = MakeSlot(*current_);
      slot.done = true;
      slot.response = std::move(response);
      pending_.push_back(std::move(slot));
    }
    return;
  }
  if (pending_.empty() || id < pending_.front().id) return;  // answered
  std::size_t index = id - pending_.front().id;
  if (index >= pending_.size() || pending_[index].done) return;
  pending_[index].done = true;
  pending_[index].response = std::move(response);
  EmitReadySlots();
  if (processing_) return;  // Consume() sends what it answered
  if (pending_.empty()) {
    // The last answer awaited: send it now, and read again on a fresh
    // stack (the caller may be a store client delivering a batch).
    Flush();
    if (CanRead()) {
      asio::post(worker_.io(), [self = shared_from_this()] { self->Resume(); });
    }
  } else if (!flush_posted_) {
    // More answers are awaited, most likely in the same batch of replies:
    // send at the end of this loop turn, all of them in one write.
    flush_posted_ = true;
    asio::post(worker_.io(), [self = shared_from_this()] {
      self->flush_posted_ = false;
      self->Flush();
      self->Resume();
    });
  }
}

void Connection::EmitReadySlots() {
  while (!pending_.empty() && pending_.front().done) {
    Slot& slot = pending_.front();
    Emit(slot.id, slot.response, slot.framing,
         AccessInfo{slot.method, slot.path, slot.request_id, slot.began});
    pending_.pop_front();
  }
}

void Connection::Emit(std::uint64_t id, const Response& response,
                      ResponseFraming framing, const AccessInfo& access) {
  if (close_after_write_) return;  // the client was told we are closing
  bool closing = worker_.draining() && id >= close_after_id_;
  framing.keep_alive = framing.keep_alive && !closing;
  std::string_view why;
  const Response* sent = &response;
  Response fallback;
  if (!AppendResponse(out_, response, worker_.date().Now(), framing, &why)) {
    state_.log.Error("invalid response from handler",
                     {{"path", access.path},
                      {"reason", why},
                      {"request_id", access.request_id}});
    fallback = Response::Text("internal error\n", 500);
    AppendResponse(out_, fallback, worker_.date().Now(), framing);
    sent = &fallback;
  }
  if (!framing.keep_alive) {
    close_after_write_ = true;
    stop_parsing_ = true;
  }
  state_.requests.fetch_add(1, std::memory_order_relaxed);
  worker_.access_log().Record(
      AccessEvent{access.method, access.path, sent->status, sent->body.size(),
                  remote_address_, access.request_id},
      access.began);
}

// Sends what is buffered with one write; only what the kernel did not take
// is left for an asynchronous write.
void Connection::Flush() {
  worker_.access_log().Stamp();  // the answers leave now
  if (closed_ || writing_) return;
  if (out_.empty()) {
    OnFlushed();
    return;
  }
  error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    Close();
    return;
  }
  if (n == out_.size()) {
    out_.clear();
    OnFlushed();
    return;
  }
  out_.erase(0, n);
  writing_ = true;
  deadline_ = Clock::now() + state_.config.write_timeout;
  asio::async_write(
      socket_, asio::buffer(out_),
      [self = shared_from_this()](const error_code& ec, std::size_t) {
        self->writing_ = false;
        if (ec || self->closed_) {
          self->Close();
          return;
        }
        self->out_.clear();
        self->OnFlushed();
        if (!self->in_read_loop_) self->Resume();
      });
}

void Connection::OnFlushed() {
  if (out_.capacity() > kKeepOutputCapacity) std::string().swap(out_);
  if (close_after_write_) {
    CloseGracefully();
  } else if (worker_.draining() && Idle()) {
    Close();
  }
}

// Half-closes and discards what the client still sends for a moment, so the
// kernel does not answer unread data with a reset that destroys the reply.
void Connection::CloseGracefully() {
  if (closed_ || lingering_) return;
  lingering_ = true;
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  deadline_ = Clock::now() + kLingerTime;
  if (!in_read_loop_) ReadLoop();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket_.close(ec);
  worker_.Unregister(registration_);
  state_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  pending_.clear();
  parser_.reset();
  std::string().swap(partial_);
}

bool Connection::HasUnreadBytes() {
  char byte;
  ssize_t n =
      ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0;
}

void Connection::Drain() {
  if (closed_) return;
  if (parser_ || !partial_.empty() || HasUnreadBytes()) {
    // A request has begun: it is answered, with Connection: close.
    close_after_id_ = next_id_;
  } else if (!pending_.empty()) {
    close_after_id_ = pending_.back().id;
  } else if (!writing_ && out_.empty()) {
    Close();
  }
  // Otherwise a write is in flight; OnFlushed() closes once it is done.
}

std::size_t Connection::Abort() {
  if (closed_) return 0;
  std::size_t cut = pending_.size();
  if (parser_ || !partial_.empty() || HasUnreadBytes()) ++cut;
  if (cut == 0 && (writing_ || !out_.empty())) cut = 1;
  Close();
  return cut;
}

void Connection::TimeOut() {
  if (state_.log.Enabled(LogLevel::kDebug)) {
    state_.log.Debug("connection timed out", {{"remote", remote_address_}});
  }
  Close();
}

}  // namespace twelve::http
