#include "http/worker.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <random>

#include "http/connection.hpp"

namespace twelve::http {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;
// Deadlines are checked this often: the precision of every HTTP timeout.
constexpr std::chrono::milliseconds kSweepInterval{100};
// After the process runs out of descriptors, wait before accepting again
// instead of spinning on the error.
constexpr std::chrono::milliseconds kAcceptRetry{100};

// Connections accepted in one loop turn at most, so that a flood of them
// cannot starve the connections already open.
constexpr int kMaxAcceptsPerTurn = 64;

// Whether a warning about a lasting condition may be logged again: once a
// second at most, so that the condition cannot flood the log.
bool DueForWarning(std::chrono::steady_clock::time_point& last_logged) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_logged < std::chrono::seconds(1)) return false;
  last_logged = now;
  return true;
}

bool IsResourceExhaustion(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS ||
         error == ENOMEM;
}

}  // namespace

Worker::Worker(ServerState& state, int index)
    : state_(state),
      index_(index),
      sweep_timer_(io_),
      accept_retry_timer_(io_),
      poller_(io_),
      access_log_(state.log, state.access_log, io_),
      read_buffer_(kReadBufferSize),
      span_id_state_((std::uint64_t{std::random_device{}()} << 32) |
                     std::random_device{}()) {
  // "3fa2c1d0-": random per worker, so ids differ across processes.
  constexpr char kHex[] = "0123456789abcdef";
  const std::uint32_t random = std::random_device{}();
  for (int i = 0; i < 8; ++i) {
    request_id_prefix_[i] = kHex[(random >> (4 * (7 - i))) & 0xf];
  }
  request_id_prefix_[8] = '-';
  std::memcpy(request_id_, request_id_prefix_, sizeof request_id_prefix_);
  std::memset(request_id_ + sizeof request_id_prefix_, '0',
              kRequestIdLength - sizeof request_id_prefix_);
}

Worker::~Worker() = default;

void Worker::Adopt(int fd, bool ipv6) {
  acceptor_.emplace(io_);
  acceptor_->assign(ipv6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
  error_code ec;
  acceptor_->non_blocking(true, ec);
}

void Worker::SetPeers(std::vector<Worker*> peers) { peers_ = std::move(peers); }

void Worker::Run() {
  auto guard = asio::make_work_guard(io_);
  poller_.Start();
  DoAccept();
  io_.run();
  access_log_.Publish();  // a turn's events whose publishing was not run
}

bool Worker::InThisThread() {
  return io_.get_executor().running_in_this_thread();
}

Worker::Registration Worker::Register(std::shared_ptr<Connection> connection) {
  if (!sweep_scheduled_) {
    // The wall clock may have been stepped while the worker slept.
    access_log_.SyncWallClock();
    ScheduleSweep();
  }
  return connections_.insert(connections_.end(), std::move(connection));
}

void Worker::Unregister(Registration registration) {
  closed_this_turn_.push_back(std::move(*registration));
  connections_.erase(registration);
  if (release_posted_) return;
  release_posted_ = true;
  asio::post(io_, [this] {
    release_posted_ = false;
    closed_this_turn_.clear();
  });
}

std::vector<std::shared_ptr<Connection>> Worker::Snapshot() const {
  return {connections_.begin(), connections_.end()};
}

// Hex digits by hand: snprintf was a tenth of a pipelined request's cost.
// The prefix is the same for every id of the worker, written once; the
// counter's 12 digits go two at a time.
std::size_t Worker::NextRequestId(char* out, std::size_t size) {
  if (size < kRequestIdLength) return 0;
  // The counter's hex digits are incremented in place, carrying like an
  // odometer (past "ffffffffffff" they start again from zero): usually one
  // digit changes, where formatting the twelve took ~80 instructions.
  char* digit = request_id_ + kRequestIdLength;
  while (--digit >= request_id_ + sizeof request_id_prefix_) {
    if (*digit == '9') {
      *digit = 'a';
      break;
    }
    if (*digit != 'f') {
      ++*digit;
      break;
    }
    *digit = '0';
  }
  std::memcpy(out, request_id_, kRequestIdLength);
  return kRequestIdLength;
}

// splitmix64: span ids need to be unique, not secret, and a worker's
// thread draws them without a lock.
void Worker::NextSpanId(std::array<char, 16>& out) {
  constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t id = 0;
  while (id == 0) {
    std::uint64_t z = (span_id_state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    id = z ^ (z >> 31);
  }
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(15 - i)] = kHex[(id >> (4 * i)) & 0xf];
  }
}

void Worker::DoAccept() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  acceptor_->async_wait(asio::socket_base::wait_read,
                        [this](const error_code& ec) {
                          if (ec || !acceptor_->is_open()) return;
                          AcceptReady();
                        });
}

// Accepts what is waiting, the sockets non-blocking from the start (no
// fcntl per connection); they are the Poller's, never Asio's.
void Worker::AcceptReady() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  for (int i = 0; i < kMaxAcceptsPerTurn; ++i) {
    if (int error = AcceptOne(); error != 0) {
      if (OnAcceptError(error)) DoAccept();
      return;
    }
  }
  asio::post(io_, [this] { AcceptReady(); });  // more may wait: next turn
}

// Accepts and admits one connection: 0, or accept's errno.
int Worker::AcceptOne() {
  sockaddr_storage peer{};
  socklen_t size = sizeof peer;
  int fd =
      ::accept4(acceptor_->native_handle(), reinterpret_cast<sockaddr*>(&peer),
                &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return errno;
  Admit(fd, peer);
  return 0;
}

// Whether to wait for the next connection at once (false: retry later).
bool Worker::OnAcceptError(int error) {
  if (!IsResourceExhaustion(error)) return true;  // EAGAIN, a peer's reset
  if (DueForWarning(last_accept_warning_)) {
    state_.log.Warn(
        "accept failed",
        {{"error", std::error_code(error, std::system_category()).message()},
         {"retry_ms", kAcceptRetry.count()}});
  }
  accept_retry_timer_.expires_after(kAcceptRetry);
  accept_retry_timer_.async_wait([this](const error_code& wait_ec) {
    if (!wait_ec) DoAccept();
  });
  return false;
}

void Worker::Admit(int fd, const sockaddr_storage& peer) {
  std::int64_t open =
      state_.open_connections.fetch_add(1, std::memory_order_relaxed);
  if (open < state_.config.max_connections) {
    StartConnection(fd, peer);
  } else {
    // Counted while it looks for room, so a drain waits for it too.
    SeekRoom(Newcomer{fd, peer});
  }
}

void Worker::StartConnection(int fd, const sockaddr_storage& peer) {
  std::make_shared<Connection>(*this, fd, peer)->Start();
}

// At HTTP_MAX_CONNECTIONS the newcomer visits every worker, this one first,
// to find the connection idle the longest; that worker closes it and takes
// the newcomer. A worker knows only its own connections, so asking each is
// the exact way; it costs a loop turn per worker, and only at the limit.
void Worker::SeekRoom(Newcomer newcomer) {
  std::optional<Clock::time_point> oldest = idle_.Oldest(connections_);
  if (oldest &&
      (newcomer.oldest_at == nullptr || *oldest < newcomer.oldest_since)) {
    newcomer.oldest_at = this;
    newcomer.oldest_since = *oldest;
  }
  const std::size_t workers = std::max<std::size_t>(peers_.size(), 1);
  if (++newcomer.visited < workers) {
    Worker* next = peers_[(static_cast<std::size_t>(index_) + 1) % workers];
    asio::post(next->io_, [next, newcomer] { next->SeekRoom(newcomer); });
  } else if (newcomer.oldest_at == this) {
    MakeRoom(newcomer);
  } else if (Worker* holder = newcomer.oldest_at) {
    asio::post(holder->io_, [holder, newcomer] { holder->MakeRoom(newcomer); });
  } else {
    RefuseBusy(newcomer.fd);  // every connection is busy with a request
  }
}

// Closes this worker's connection idle the longest and takes its place.
void Worker::MakeRoom(const Newcomer& newcomer) {
  if (!idle_.EvictOldest(connections_)) {  // all busy since they were seen
    RefuseBusy(newcomer.fd);
    return;
  }
  std::uint64_t evicted =
      state_.connections_evicted.fetch_add(1, std::memory_order_relaxed) + 1;
  if (DueForWarning(last_eviction_warning_)) {
    const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(
        Clock::now() - newcomer.oldest_since);
    state_.log.Warn("idle connection closed",
                    {{"reason", "HTTP_MAX_CONNECTIONS reached"},
                     {"max_connections", state_.config.max_connections},
                     {"idle_ms", static_cast<long long>(idle.count())},
                     {"evicted", evicted}});
  }
  StartConnection(newcomer.fd, newcomer.peer);
}

// At HTTP_MAX_CONNECTIONS with every connection busy: answer 503 in one
// non-blocking write and close, so the client learns why instead of seeing a
// bare reset.
void Worker::RefuseBusy(int fd) {
  state_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  state_.connections_refused.fetch_add(1, std::memory_order_relaxed);
  std::string answer = "HTTP/1.1 503 Service Unavailable\r\nDate: ";
  answer += date_.Now();
  answer +=
      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n"
      "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n";
  ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  if (DueForWarning(last_refusal_warning_)) {
    state_.log.Warn("connection refused",
                    {{"reason", "HTTP_MAX_CONNECTIONS reached, none idle"},
                     {"max_connections", state_.config.max_connections}});
  }
}

// The sweep runs while the worker has connections (their timeouts, the
// drain's idle ones); an idle worker sleeps until its next connection
// instead of waking ten times a second.
void Worker::ScheduleSweep() {
  sweep_scheduled_ = true;
  sweep_timer_.expires_after(kSweepInterval);
  sweep_timer_.async_wait([this](const error_code& ec) {
    sweep_scheduled_ = false;
    if (ec) return;
    Sweep();
    if (!connections_.empty()) ScheduleSweep();
  });
}

void Worker::Sweep() {
  access_log_.SyncWallClock();
  idle_.Forget();
  auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Connection>> expired;
  for (const auto& connection : connections_) {
    if (connection->Expired(now)) expired.push_back(connection);
  }
  for (auto& connection : expired) connection->TimeOut();
  if (draining_) DrainIdle();
}

void Worker::AnnounceClose(std::function<void()> done) {
  asio::post(io_, [this, done = std::move(done)] {
    closing_ = true;
    for (auto& connection : connections_) connection->AnnounceClose();
    done();
  });
}

// Takes every connection already queued on the listener before closing it:
// closing would reset them, with the requests they have sent. The server
// has stopped new handshakes first, so the queue only shrinks.
void Worker::StopAccepting(std::function<void()> done) {
  asio::post(io_, [this, done = std::move(done)] {
    if (acceptor_ && acceptor_->is_open()) {
      for (int error = 0; error == 0 || error == ECONNABORTED ||
                          error == EINTR || error == EPROTO;) {
        error = AcceptOne();
      }
    }
    error_code ec;
    if (acceptor_) acceptor_->close(ec);
    accept_retry_timer_.cancel();
    done();
  });
}

void Worker::BeginDrain() {
  asio::post(io_, [this] {
    draining_ = true;
    DrainIdle();
  });
}

void Worker::DrainIdle() {
  const Clock::time_point now = Clock::now();
  for (auto& connection : Snapshot()) connection->Drain(now);
}

void Worker::Abort(std::atomic<int>& pending) {
  asio::post(io_, [this, &pending] {
    std::uint64_t cut = 0;
    for (auto& connection : Snapshot()) cut += connection->Abort();
    state_.requests_cut.fetch_add(cut);
    pending.fetch_sub(1);
  });
}

void Worker::Stop() {
  asio::post(io_, [this] {
    error_code ec;
    sweep_timer_.cancel();
    accept_retry_timer_.cancel();
    poller_.Stop();
    if (acceptor_) acceptor_->close(ec);
    io_.stop();
  });
}

}  // namespace twelve::http
