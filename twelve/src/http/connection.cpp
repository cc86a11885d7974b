// One HTTP/1.1 connection's life (read, parse, dispatch, answer in order,
// write, time out, drain, close) kept in one file, past the usual length:
// pipelining ties the read side to the queue of answers awaited and to the
// write side, and those transitions read best side by side. Parsing is
// request_parser.cpp's business, framing.cpp's which answers may keep the
// connection open, response_writer.cpp's the bytes of an answer.

#include "http/connection.hpp"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cstring>
#include <exception>
#include <optional>

#include "http/peer_address.hpp"
#include "log/log_encoding.hpp"
#include "twelve/http/request_log.hpp"

namespace twelve::http {
namespace asio = boost::asio;

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
// Once the server drains, an idle connection closes when its client has been
// silent this long: a request sent just before may still be on the wire,
// and closing under it would cut it. Covers a round trip on a LAN or within
// a region; the worker's 100 ms sweep adds up to that much.
constexpr std::chrono::milliseconds kDrainIdleGrace{200};
// Output buffers larger than this are released once sent.
constexpr std::size_t kKeepOutputCapacity = 64 * 1024;
// A partial request up to this size is moved to the front of the worker's
// read buffer before the next read (a copy per read, so kept small); a
// longer one grows in the connection's own buffer.
constexpr std::size_t kMaxPartialInFront = 16 * 1024;
// The connection's own buffer is shrunk when it uses less than this share
// of its capacity (and the capacity is worth returning).
constexpr std::size_t kShrinkRatio = 4;
constexpr std::size_t kMinShrinkCapacity = 4 * 1024;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace

Connection::Connection(Worker& worker, int fd, const sockaddr_storage& peer)
    : worker_(worker), state_(worker.state()), fd_(fd) {
  PeerAddressText address;
  const std::string_view formatted = FormatPeerAddress(peer, address);
  remote_[0] = '"';
  std::memcpy(remote_ + 1, formatted.data(), formatted.size());
  remote_[formatted.size() + 1] = '"';
  remote_address_ = std::string_view(remote_ + 1, formatted.size());
  const std::string_view quoted(remote_, formatted.size() + 2);
  char json[6 * sizeof address + 2];  // JsonStringBound of any address
  const char* const end = log_encoding::PutJsonString(json, remote_address_);
  if (std::string_view(json, static_cast<std::size_t>(end - json)) == quoted) {
    remote_json_ = quoted;
  }
}

Connection::~Connection() {
  if (!closed_) ::close(fd_);  // the worker is being destroyed
}

void Connection::Start() {
  last_heard_ = Clock::now();
  if (worker_.closing()) close_after_id_ = next_id_;  // its first answer
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  registration_ = worker_.Register(shared_from_this());
  if (Status watched = worker_.poller().Watch(fd_, this); !watched.ok()) {
    state_.log.Warn("cannot watch connection", {{"error", watched.message()}});
    Close();
    return;
  }
  ReadLoop();
}

void Connection::OnReady(std::uint32_t events) {
  if (closed_) return;  // an event of the turn in which it closed
  if (writing_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) WriteRest();
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
    drained_ = false;
    if (!closed_) ReadLoop();
  }
}

bool Connection::CanRead() const {
  return !closed_ && !writing_ && pending_.empty() && !close_after_write_ &&
         out_.empty();
}

bool Connection::Idle() const {
  return !parser_ && partial_.empty() && pending_.empty() && !writing_ &&
         out_.empty();
}

// Answers the requests already buffered, then reads until the socket is
// drained (EAGAIN or a short read: the Poller announces the next data), or
// until the connection has to wait for its answers or for room to send them.
void Connection::ReadLoop() {
  in_read_loop_ = true;
  while (lingering_ ? !closed_ : CanRead()) {
    if (backlog_ && !lingering_) {
      Consume(partial_.data(), partial_.size(), true);
    } else if (drained_ || !ReadSome()) {
      break;
    }
  }
  in_read_loop_ = false;
  if (drained_ && !closed_ && (lingering_ || CanRead())) AwaitData();
}

// One read, and the requests it completes. False once the socket is drained
// or closed.
//
// partial_ holds only the bytes received: a short partial request (a header
// that arrived in pieces) joins the new bytes in the worker's shared buffer
// and what stays unfinished is copied back; a long one (a large header or
// body) grows by the bytes each read brings. Reading into partial_ itself
// would make every slow connection hold a whole read buffer.
bool Connection::ReadSome() {
  char* const buffer = worker_.read_buffer();
  const std::size_t held = lingering_ ? 0 : partial_.size();
  const bool in_front = held <= kMaxPartialInFront;
  const std::size_t offset = in_front ? held : 0;
  const std::size_t room = worker_.read_buffer_size() - offset;
  ssize_t got;
  do {
    got = ::recv(fd_, buffer + offset, room, 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0 && WouldBlock(errno)) {
    drained_ = true;
    return false;
  }
  if (got <= 0) {  // EOF or reset: whatever was partial is abandoned
    Close();
    return false;
  }
  const std::size_t n = static_cast<std::size_t>(got);
  drained_ = n < room;
  if (lingering_) return true;  // discard what a closing client still sends
  if (in_front) {
    std::memcpy(buffer, partial_.data(), held);
    Consume(buffer, held + n, false);
  } else {
    partial_.append(buffer, n);
    Consume(partial_.data(), partial_.size(), true);
  }
  return true;
}

// Nothing to read until the Poller says so: the header, idle or linger
// deadline runs.
void Connection::AwaitData() {
  if (lingering_) {
    // keep the linger deadline
  } else if (parser_ && parser_->header_complete()) {
    // The body has a whole-body deadline of its own, from the end of the
    // header: a slow but steady upload within it is not cut by the header
    // timeout, and a body that trickles forever still is.
    deadline_ = body_began_ + state_.config.body_timeout;
  } else if (parser_ || !partial_.empty()) {
    deadline_ = request_began_ + state_.config.header_timeout;
  } else {
    deadline_ = Clock::now() + state_.config.idle_timeout;
  }
}

// Continues after answers were sent: first the complete requests that are
// already buffered, then the socket.
void Connection::Resume() {
  if (CanRead()) ReadLoop();
}

void Connection::Consume(const char* data, std::size_t size, bool own_buffer) {
  processing_ = true;
  // The requests of one read arrived together: one clock read serves them
  // all as their start (a clock read per request showed in profiles).
  const Clock::time_point arrived = Clock::now();
  last_heard_ = arrived;
  std::size_t start = 0;
  std::size_t handled = 0;
  bool need_more = false;
  while (start < size && !stop_parsing_ && handled < kMaxBatch &&
         pending_.size() < kMaxPending) {
    if (next_id_ > close_after_id_) {
      stop_parsing_ = true;  // the connection closes after its last answer
      break;
    }
    if (!parser_) {
      parser_.emplace(state_.config.max_header_bytes,
                      state_.config.max_body_bytes, spans_);
      request_began_ = arrived;
      body_began_ = {};
      continue_sent_ = false;
    }
    RequestParser::State parsed = parser_->Feed(data + start, size - start);
    if (parsed == RequestParser::State::kNeedMore) {
      if (parser_->request_begun()) {
        if (parser_->header_complete() && body_began_ == Clock::time_point{}) {
          body_began_ = arrived;
        }
        MaybeSendContinue();
      } else {
        // Only empty lines before a request line (RFC 9112 section 2.2),
        // such as an old client's CRLF after a body: skipped, and the
        // connection stays idle (idle timeout, closed when draining).
        start += parser_->consumed();
        parser_.reset();
      }
      need_more = true;
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
    Identify(request);
    ResponseFraming framing{request.version, parser_->keep_alive(),
                            request.method == "HEAD"};
    Dispatch(request, framing);
    start += parser_->consumed();
    parser_.reset();
    ++handled;
    // Nothing behind a request that closes the connection is processed
    // (RFC 9112 9.6), even while earlier answers are still awaited.
    if (!framing.keep_alive) stop_parsing_ = client_closes_ = true;
  }
  processing_ = false;
  // A batch or pipeline limit left requests unparsed: ReadLoop() answers
  // them before it reads again.
  backlog_ = !stop_parsing_ && !need_more && start < size;
  if (stop_parsing_) {
    partial_.clear();
    parser_.reset();
  } else if (own_buffer) {
    partial_.erase(0, start);
  } else {
    partial_.assign(data + start, size - start);
  }
  FitPartial();
  // Waiting on handlers: they have deadlines of their own; this one only
  // keeps a lost answer from holding the connection forever.
  if (!pending_.empty()) deadline_ = Clock::now() + state_.config.idle_timeout;
  Flush();
}

// The connection's memory follows the bytes it holds: nothing once the
// last request is complete, little more than the bytes of an unfinished one.
void Connection::FitPartial() {
  if (partial_.empty()) {
    if (partial_.capacity() > std::string().capacity()) {
      std::string().swap(partial_);
    }
  } else if (partial_.capacity() > kMinShrinkCapacity &&
             partial_.size() < partial_.capacity() / kShrinkRatio) {
    partial_.shrink_to_fit();
  }
}

namespace {

// `name` equals `lower`, a lowercase header name, ignoring case.
bool IsHeader(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

// The request's ids, from one pass over its header: a sane X-Request-ID or
// a generated one, and the trace of a valid traceparent (a second one makes
// it ambiguous: ignored) with a new span id for this server's span.
void Connection::Identify(Request& request) {
  std::optional<std::string_view> sent_id;
  std::optional<std::string_view> traceparent;
  int traceparents = 0;
  for (const HeaderField& field : request.headers) {
    if (!sent_id && IsHeader(field.name, "x-request-id")) {
      sent_id = field.value;
    } else if (IsHeader(field.name, "traceparent")) {
      traceparent = field.value;
      ++traceparents;
    }
  }
  if (sent_id && IsSaneRequestId(*sent_id)) {
    request.request_id = *sent_id;
  } else {
    const std::size_t size =
        worker_.NextRequestId(request_id_ + 1, sizeof request_id_ - 2);
    request_id_[0] = '"';
    request_id_[size + 1] = '"';
    request.request_id = std::string_view(request_id_ + 1, size);
  }
  if (traceparents != 1) return;
  std::optional<TraceParent> parent = ParseTraceparent(*traceparent);
  if (!parent) return;
  trace_.trace_id = parent->trace_id;
  trace_.parent_span_id = parent->parent_id;
  worker_.NextSpanId(trace_.span_id);
  request.trace = &trace_;
}

void Connection::MaybeSendContinue() {
  if (continue_sent_ || !parser_->header_complete() ||
      !parser_->expects_continue()) {
    return;
  }
  continue_sent_ = true;
  out_.append(kContinue);
}

// Routes the request, then answers it or calls its handler, with the
// matched route and path parameters set on it.
void Connection::Dispatch(Request& request, const ResponseFraming& framing) {
  InFlight current{next_id_++, &request, framing, request_began_, {}};
  current_ = &current;
  Router::Match match =
      state_.router.Find(request.method, request.path, worker_.path_params());
  request.route = match.route;
  request.params = match.params;
  // The metrics' label: the registered pattern, never a client's path (a
  // 404 has none, so it is labelled "unmatched").
  current.route = match.route.empty()
                      ? kUnmatchedLabel
                      : RouterRouteLabel(match.route, match.route_index);
  if (match.status == 404) {
    Complete(current.id, ErrorResponse(Status::NotFound("no route")));
  } else if (match.status == 400) {
    Complete(current.id,
             Response::Text(std::string(Router::kMalformedParam) + "\n", 400));
  } else if (match.status != 200) {
    Response refusal = Response::Text("method not allowed\n", 405);
    refusal.With("Allow", std::string(match.allow));
    Complete(current.id, std::move(refusal));
  } else {
    CallHandler(match, request, current.id);
  }
  current_ = nullptr;
  if (!current.answered) PushSlot(current);
}

// A synchronous handler answers by returning (no Responder, no shared
// ownership taken per request); an asynchronous one through its Responder,
// which answers 500 if it is dropped unanswered, also while unwinding.
void Connection::CallHandler(const Router::Match& match, const Request& request,
                             std::uint64_t id) {
  try {
    if (match.handler != nullptr) {
      Complete(id, (*match.handler)(request));
    } else {
      (*match.async_handler)(request, Responder(shared_from_this(), id));
    }
    return;
  } catch (const std::exception& e) {
    LogHandlerFailure(request, e.what());
  } catch (...) {
    LogHandlerFailure(request, "unknown exception");
  }
  if (match.handler != nullptr) {
    Complete(id, ErrorResponse(Status::Internal("handler failed")));
  }
}

void Connection::LogHandlerFailure(const Request& request,
                                   std::string_view error) {
  RequestLog(state_.log, request)
      .Error("handler failed", {{"path", request.path}, {"error", error}});
}

// The strings are assigned into a reused slot: no allocation once the
// connection's queue has held as many.
Connection::Slot& Connection::PushSlot(const InFlight& current) {
  Slot& slot = pending_.PushBack();
  slot.id = current.id;
  slot.framing = current.framing;
  slot.began = current.began;
  slot.method = current.request->method;
  slot.path = current.request->path;
  const std::string_view id_json = GeneratedIdJson(current.request->request_id);
  slot.request_id_quoted = !id_json.empty();
  slot.request_id =
      slot.request_id_quoted ? id_json : current.request->request_id;
  slot.done = false;
  if (current.request->trace != nullptr) {
    slot.trace = *current.request->trace;
  } else {
    slot.trace.reset();  // a reused slot may hold an earlier request's
  }
  slot.route = current.route;
  return slot;
}

void Connection::Reject(int status, std::string_view reason, int version) {
  Response answer = Response::Text(std::string(reason) + "\n", status);
  ResponseFraming framing{version, false, false};
  std::uint64_t id = next_id_++;
  if (state_.metrics) {
    worker_.request_metrics().Reject(RejectionForStatus(status));
  }
  if (worker_.access_log().enabled()) {
    state_.log.Info(
        "rejected request",
        {{"status", status}, {"reason", reason}, {"remote", remote_address_}});
  }
  if (pending_.empty()) {
    Emit(id, answer, framing,
         AccessInfo{"-", "-", "-", request_began_, nullptr, kRejectedLabel});
  } else {
    Slot& slot = pending_.PushBack();
    slot.id = id;
    slot.framing = framing;
    slot.began = request_began_;
    slot.method = slot.path = slot.request_id = "-";
    slot.request_id_quoted = false;
    slot.route = kRejectedLabel;
    slot.trace.reset();
    slot.done = true;
    slot.response = std::move(answer);
  }
  stop_parsing_ = true;
}

void Connection::Complete(std::uint64_t id, Response&& response) {
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
                      current_->began, request.trace, current_->route,
                      GeneratedIdJson(request.request_id)});
    } else {
      Slot& slot = PushSlot(*current_);
      slot.done = true;
      slot.response = std::move(response);
    }
    return;
  }
  if (pending_.empty() || id < pending_.front().id) return;  // answered
  std::size_t index = id - pending_.front().id;
  if (index >= pending_.size() || pending_[index].done) return;
  if (index == 0) {
    // The answer awaited first, as a store's in-order replies are: sent
    // from here, without a stop in the slot.
    Slot& slot = pending_.front();
    Emit(slot.id, response, slot.framing, AccessOf(slot));
    pending_.PopFront();
  } else {
    pending_[index].done = true;
    pending_[index].response = std::move(response);
  }
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
    Emit(slot.id, slot.response, slot.framing, AccessOf(slot));
    pending_.PopFront();
  }
}

Connection::AccessInfo Connection::AccessOf(const Slot& slot) {
  std::string_view id = slot.request_id;
  std::string_view id_json;
  if (slot.request_id_quoted) {
    id_json = id;
    id = id.substr(1, id.size() - 2);
  }
  return AccessInfo{slot.method,
                    slot.path,
                    id,
                    slot.began,
                    slot.trace ? &*slot.trace : nullptr,
                    slot.route,
                    id_json};
}

// The id this connection generated last, still in its buffer, in its
// quoted form; empty for any other id (a client's may need escapes).
std::string_view Connection::GeneratedIdJson(
    std::string_view request_id) const {
  if (request_id.data() != request_id_ + 1) return {};
  return std::string_view(request_id_, request_id.size() + 2);
}

void Connection::Emit(std::uint64_t id, const Response& response,
                      ResponseFraming framing, const AccessInfo& access) {
  if (close_after_write_) return;  // the client was told we are closing
  const bool closing = id >= close_after_id_;
  framing.keep_alive = framing.keep_alive && !closing;
  std::string_view why;
  const Response* sent = &response;
  Response fallback;
  if (!AppendResponse(out_, response, worker_.date().Now(), framing, &why,
                      &worker_.heads())) {
    RequestLog(state_.log, access.request_id, access.trace)
        .Error("invalid response from handler",
               {{"path", access.path}, {"reason", why}});
    fallback = ErrorResponse(Status::Internal("invalid response"));
    AppendResponse(out_, fallback, worker_.date().Now(), framing);
    sent = &fallback;
  }
  if (!framing.keep_alive) {
    close_after_write_ = true;
    stop_parsing_ = true;
  }
  state_.requests.fetch_add(1, std::memory_order_relaxed);
  if (state_.metrics) {
    worker_.request_metrics().Record(access.method, access.route, sent->status,
                                     access.began);
  }
  worker_.access_log().Record(
      AccessEvent{access.method, access.path, sent->status, sent->body.size(),
                  remote_address_, access.request_id, access.trace,
                  remote_json_, access.request_id_json},
      access.began);
}

// Sends what is buffered with one write; what the kernel does not take
// waits for the Poller to report room (WriteRest).
void Connection::Flush() {
  // The answers leave now: one clock read stamps their access lines and
  // their durations.
  AccessLog& access_log = worker_.access_log();
  RequestMetrics& metrics = worker_.request_metrics();
  if (access_log.pending() || metrics.pending()) {
    const Clock::time_point now = Clock::now();
    access_log.Stamp(now);
    metrics.Stamp(now);
  }
  if (closed_ || writing_) return;
  if (SendOutput()) {
    OnFlushed();
  } else if (!closed_) {
    writing_ = true;
    deadline_ = Clock::now() + state_.config.write_timeout;
  }
}

// The Poller said the socket has room again.
void Connection::WriteRest() {
  if (!SendOutput()) return;
  writing_ = false;
  OnFlushed();
  if (!in_read_loop_) Resume();
}

// Sends what the kernel takes of out_: true once all of it is sent, false
// if the rest has to wait for room (or the connection failed and closed).
bool Connection::SendOutput() {
  std::size_t sent = 0;
  while (sent < out_.size()) {
    const ssize_t n =
        ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      const bool blocked = WouldBlock(errno);
      out_.erase(0, sent);
      if (!blocked) Close();
      return false;
    }
  }
  out_.clear();
  return true;
}

void Connection::OnFlushed() {
  if (out_.capacity() > kKeepOutputCapacity) std::string().swap(out_);
  if (!close_after_write_) return;
  // A client that asked to close sends nothing more (RFC 9112 9.6): with
  // nothing of it unread, a full close cannot reset the answer, and waiting
  // for its FIN would only cost a wake-up and a descriptor for a while.
  if (client_closes_ && !HasUnreadBytes()) {
    Close();
  } else {
    CloseGracefully();
  }
}

// Half-closes and discards what the client still sends for a moment, so the
// kernel does not answer unread data with a reset that destroys the reply.
void Connection::CloseGracefully() {
  if (closed_ || lingering_) return;
  lingering_ = true;
  ::shutdown(fd_, SHUT_WR);
  deadline_ = Clock::now() + kLingerTime;
  if (!in_read_loop_) ReadLoop();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  worker_.poller().Forget(fd_);
  ::close(fd_);
  worker_.Unregister(registration_);
  state_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  pending_.Clear();
  parser_.reset();
  std::string().swap(partial_);
}

bool Connection::HasUnreadBytes() {
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0;
}

// The request the client has begun (or sent, unread), else the last one
// awaiting its answer, is the last this connection answers: that answer says
// Connection: close. Idle, its next request is the last.
void Connection::AnnounceClose() {
  if (closed_) return;
  const bool begun = parser_ || !partial_.empty() || HasUnreadBytes();
  close_after_id_ = begun || pending_.empty() ? next_id_ : pending_.back().id;
}

void Connection::Drain(Clock::time_point now) {
  std::optional<Clock::time_point> since = IdleSince();
  if (!since || now - *since < kDrainIdleGrace || HasUnreadBytes()) return;
  Close();
}

std::size_t Connection::Abort() {
  if (closed_) return 0;
  std::size_t cut = pending_.size();
  if (parser_ || !partial_.empty() || HasUnreadBytes()) ++cut;
  if (cut == 0 && (writing_ || !out_.empty())) cut = 1;
  Close();
  return cut;
}

std::optional<Connection::Clock::time_point> Connection::IdleSince() const {
  if (closed_ || lingering_ || close_after_write_ || !Idle()) {
    return std::nullopt;
  }
  return last_heard_;
}

bool Connection::Evict() {
  if (!IdleSince() || HasUnreadBytes()) return false;
  Close();
  return true;
}

void Connection::TimeOut() {
  // An idle keep-alive connection timing out is normal; one with a request
  // begun or an answer unsent is a request rejected.
  if (state_.metrics && (parser_ || !partial_.empty() || writing_)) {
    worker_.request_metrics().Reject(Rejection::kTimeout);
  }
  if (state_.log.Enabled(LogLevel::kDebug)) {
    state_.log.Debug("connection timed out", {{"remote", remote_address_}});
  }
  Close();
}

}  // namespace twelve::http
