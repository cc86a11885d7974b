#pragma once
// Connection: one client socket, read in batches and answered in order.
//
// The hot path is readiness-based, like a bare epoll loop: read what the
// socket has into the worker's shared buffer, parse every complete request
// in it, answer each (handlers usually answer at once), append all responses
// to one buffer and send them with one write. Only a partial request is
// copied into the connection's own buffer, so an idle connection holds no
// read buffer at all.
//
// Asynchronous handlers answer later through a Responder; their responses
// wait in `pending_` and go out in request order. While any are pending the
// connection stops reading, which bounds the pipeline. Answers that arrive
// in one loop turn (a store's batch of replies) go out in one write.
//
// The socket is registered once with the worker's Poller (edge-triggered):
// waiting to read or to write costs no system call. Deadlines are checked
// by the worker's sweep, not by a timer per read.

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/poller.hpp"
#include "http/request_metrics.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"
#include "http/reuse_queue.hpp"
#include "http/worker.hpp"
#include "twelve/http/message.hpp"
#include "twelve/http/router.hpp"

namespace twelve::http {

class Connection final : public detail::ResponseSink,
                         public Poller::Watcher,
                         public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes ownership of `fd`, a non-blocking socket accepted from `peer`.
  Connection(Worker& worker, int fd, const sockaddr_storage& peer);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers with the worker and its Poller, and reads what came.
  void Start();
  // Server shutdown, at the signal: from now on the connection's answers
  // say Connection: close, starting with what it has already received; no
  // request it has is dropped.
  void AnnounceClose();
  // Server shutdown, once the listener is closed; called again by every
  // sweep: closes the connection if it is idle and its client has been
  // silent for a moment. A busy one closes after its last answer.
  void Drain(Clock::time_point now);
  // Closes now; returns how many requests were in flight and are cut.
  std::size_t Abort();
  // Whether the current deadline (header, idle, write or linger) passed.
  bool Expired(Clock::time_point now) const {
    return !closed_ && now >= deadline_;
  }
  // Closes a connection whose deadline passed.
  void TimeOut();
  // While the connection is idle (no request begun, nothing to answer or
  // send, not closing): when its client was last heard from, the read that
  // brought its last request (or the accept). Taken before the answer is
  // sent, so a client that sends after reading an answer is always heard
  // from later, whichever thread serves it. nullopt while not idle.
  std::optional<Clock::time_point> IdleSince() const;
  // Whether bytes wait in the socket, unread: a request has reached it.
  bool HasUnreadBytes();
  // Closes an idle connection to make room for a new one, unless bytes wait
  // in its socket. True when it closed.
  bool Evict();

  void Complete(std::uint64_t id, Response&& response) override;
  void OnReady(std::uint32_t events) override;

 private:
  // The request being dispatched; its views are valid during Dispatch only.
  struct InFlight {
    std::uint64_t id;
    const Request* request;
    ResponseFraming framing;
    Clock::time_point began;
    RouteLabel route;  // the metrics' label: the route's pattern
    bool answered = false;
  };
  // A request whose handler has not answered yet, or answered out of turn.
  // Reused (ReuseQueue): every field is assigned when it is taken.
  struct Slot {
    std::uint64_t id;
    ResponseFraming framing;
    Clock::time_point began;
    // request_id between its quotes when the connection generated it (no
    // JSON escape needed), so that its access line copies it.
    std::string method, path, request_id;
    bool request_id_quoted = false;
    RouteLabel route;  // views the Router or a constant: no copy
    std::optional<TraceContext> trace;
    bool done = false;
    Response response;
  };
  struct AccessInfo {
    std::string_view method, path, request_id;
    Clock::time_point began;
    const TraceContext* trace = nullptr;
    RouteLabel route;
    // request_id as a JSON string when it needs no escape (generated).
    std::string_view request_id_json = {};
  };

  void ReadLoop();
  bool ReadSome();
  void AwaitData();
  void Resume();
  void Consume(const char* data, std::size_t size, bool own_buffer);
  void FitPartial();
  void Dispatch(Request& request, const ResponseFraming& framing);
  void CallHandler(const Router::Match& match, const Request& request,
                   std::uint64_t id);
  void LogHandlerFailure(const Request& request, std::string_view error);
  void Reject(int status, std::string_view reason, int version);
  void Emit(std::uint64_t id, const Response& response, ResponseFraming framing,
            const AccessInfo& access);
  void EmitReadySlots();
  void Flush();
  void WriteRest();
  bool SendOutput();
  void OnFlushed();
  void CloseGracefully();
  void Close();
  void MaybeSendContinue();
  bool CanRead() const;
  bool Idle() const;
  void Identify(Request& request);
  Slot& PushSlot(const InFlight& current);
  static AccessInfo AccessOf(const Slot& slot);
  std::string_view GeneratedIdJson(std::string_view request_id) const;

  Worker& worker_;
  ServerState& state_;
  int fd_;
  Worker::Registration registration_;
  // The remote address between quotes: remote_address_ views the address,
  // remote_json_ the quoted form when it needs no JSON escape (always, for
  // what inet_ntop writes; checked once per connection).
  char remote_[66] = {};
  // The last generated request id between quotes (the id needs no JSON
  // escape: hex digits and '-'), so that its access line copies it.
  char request_id_[40] = {};
  TraceContext trace_;  // the request being dispatched's, when it has one
  std::string_view remote_address_;
  std::string_view remote_json_;

  // Bytes received and not answered: a request not yet complete, or the
  // requests a batch limit left (backlog_).
  std::string partial_;
  std::optional<RequestParser> parser_;
  std::vector<FieldSpan> spans_;
  bool continue_sent_ = false;
  Clock::time_point request_began_{};
  // When the read that completed the header arrived, if its body is still
  // coming; the epoch until then.
  Clock::time_point body_began_{};

  std::uint64_t next_id_ = 1;
  InFlight* current_ = nullptr;
  ReuseQueue<Slot> pending_;

  std::string out_;
  bool writing_ = false;       // out_ waits for room in the socket
  bool flush_posted_ = false;  // answers wait for a posted Flush()

  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point last_heard_{};
  std::uint64_t close_after_id_ = UINT64_MAX;
  bool in_read_loop_ = false;
  // Read until EAGAIN or a short read: the next data will be announced by
  // the Poller, so reading before that would only find nothing.
  bool drained_ = false;
  // Bytes in partial_ that a batch or pipeline limit left unparsed.
  bool backlog_ = false;
  bool processing_ = false;
  bool stop_parsing_ = false;
  bool close_after_write_ = false;
  // The client said Connection: close (or HTTP/1.0 without keep-alive).
  bool client_closes_ = false;
  bool lingering_ = false;
  bool closed_ = false;
};

}  // namespace twelve::http
