#pragma once
// Worker: one I/O thread with its own io_context, its own acceptor on the
// shared listening socket, and the connections it accepted.
//
// A connection never leaves the worker that accepted it, so nothing on the
// request path is shared between threads. Control calls (AnnounceClose,
// StopAccepting, BeginDrain, Abort, Stop) are posted from the control thread.

#include <sys/socket.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/access_log.hpp"
#include "http/idle_connections.hpp"
#include "http/poller.hpp"
#include "http/request_metrics.hpp"
#include "http/response_writer.hpp"
#include "http/server_state.hpp"

namespace twelve::http {

class Connection;

class Worker {
 public:
  Worker(ServerState& state, int index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  boost::asio::io_context& io() { return io_; }
  int index() const { return index_; }

  // Adopts `fd`, a duplicate of the bound listening socket. Before Run().
  void Adopt(int fd, bool ipv6);
  // The server's workers, this one included, in index order: where to look
  // for an idle connection to close at HTTP_MAX_CONNECTIONS. Before Run().
  void SetPeers(std::vector<Worker*> peers);
  // The thread body: runs the loop until Stop().
  void Run();

  // Thread-safe; each runs on the worker's thread, and `done` there when it
  // has. The shutdown order: AnnounceClose (every answer from now on says
  // Connection: close), StopAccepting (once the server has stopped new
  // handshakes: takes what is queued, then closes the worker's descriptor
  // of the listener), BeginDrain (idle connections close; see
  // Connection::Drain).
  void AnnounceClose(std::function<void()> done);
  void StopAccepting(std::function<void()> done);
  void BeginDrain();
  // Closes every connection; adds the requests cut to the server's count
  // and then decrements `pending`.
  void Abort(std::atomic<int>& pending);
  void Stop();
  // Any thread: adds this worker's request metrics to `totals`.
  void AddMetricsTo(RequestTotals& totals) const {
    request_metrics_.AddTo(totals);
  }

  // For connections, on this worker's thread only.
  ServerState& state() { return state_; }
  DateCache& date() { return date_; }
  HeadCache& heads() { return heads_; }
  AccessLog& access_log() { return access_log_; }
  RequestMetrics& request_metrics() { return request_metrics_; }
  Poller& poller() { return poller_; }
  // Creates the worker's epoll set (Poller::Open); before Run().
  Status Open() { return poller_.Open(); }
  bool closing() const { return closing_; }
  bool InThisThread();
  char* read_buffer() { return read_buffer_.data(); }
  std::size_t read_buffer_size() const { return read_buffer_.size(); }
  std::vector<HeaderField>& header_scratch() { return header_scratch_; }
  // The path parameters of the request being dispatched.
  PathParamStorage& path_params() { return path_params_; }
  // The worker owns its open connections. Unregister() keeps a closed one
  // alive until the end of the loop turn: its caller is usually the
  // connection itself, and an event of this turn may still name it.
  using Registration = std::list<std::shared_ptr<Connection>>::iterator;
  Registration Register(std::shared_ptr<Connection> connection);
  void Unregister(Registration registration);
  // Writes a fresh request id ("3fa2c1d0-00000000002a") into `out` and
  // returns its length, or 0 when `size` is less than kRequestIdLength.
  static constexpr std::size_t kRequestIdLength = 8 + 1 + 12;
  std::size_t NextRequestId(char* out, std::size_t size);
  // Writes a fresh span id (16 lowercase hex digits, not all zeros) into
  // `out`: this server's span of a traced request.
  void NextSpanId(std::array<char, 16>& out);

 private:
  void DoAccept();
  void AcceptReady();
  int AcceptOne();
  bool OnAcceptError(int error);
  // A connection accepted at HTTP_MAX_CONNECTIONS, passed from worker to
  // worker to find the connection idle the longest.
  struct Newcomer {
    int fd;
    sockaddr_storage peer;
    std::size_t visited = 0;
    Worker* oldest_at = nullptr;
    std::chrono::steady_clock::time_point oldest_since{};
  };

  void Admit(int fd, const sockaddr_storage& peer);
  void StartConnection(int fd, const sockaddr_storage& peer);
  void SeekRoom(Newcomer newcomer);
  void MakeRoom(const Newcomer& newcomer);
  void RefuseBusy(int fd);
  std::vector<std::shared_ptr<Connection>> Snapshot() const;
  void ScheduleSweep();
  void Sweep();
  void DrainIdle();

  ServerState& state_;
  const int index_;
  boost::asio::io_context io_{1};
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  boost::asio::steady_timer sweep_timer_;
  bool sweep_scheduled_ = false;
  boost::asio::steady_timer accept_retry_timer_;
  Poller poller_;  // before the connections: they leave it when destroyed
  std::list<std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> closed_this_turn_;
  IdleConnections idle_;
  std::vector<Worker*> peers_;
  bool release_posted_ = false;
  DateCache date_;
  HeadCache heads_;
  AccessLog access_log_;  // after io_: it posts to it
  RequestMetrics request_metrics_;
  std::vector<char> read_buffer_;
  std::vector<HeaderField> header_scratch_;
  PathParamStorage path_params_;
  char request_id_prefix_[9];          // 8 hex digits and "-"
  char request_id_[kRequestIdLength];  // the prefix and the last counter
  std::uint64_t span_id_state_;        // splitmix64's; this worker's only
  bool closing_ = false;               // answers say Connection: close
  bool draining_ = false;  // the listener is closed: idle connections close
  std::chrono::steady_clock::time_point last_refusal_warning_{};
  std::chrono::steady_clock::time_point last_eviction_warning_{};
  std::chrono::steady_clock::time_point last_accept_warning_{};
};

}  // namespace twelve::http
