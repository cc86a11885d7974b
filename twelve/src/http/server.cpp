#include "http/server.hpp"

#include <linux/filter.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "http/server_state.hpp"
#include "http/worker.hpp"
#include "process/event_loops.hpp"
#include "thread_name.hpp"

namespace twelve::http {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kDrainPollInterval{5};

std::string SignalName(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "signal " + std::to_string(signal);
  }
}

// Stops new connections before the listener closes: a filter on the
// listening socket drops segments that open one (SYN without ACK), so a
// client that connects now retransmits its SYN and is refused once the
// listener is gone, while the handshakes already under way complete and
// queue for the workers' last accepts. Without it a connection could
// complete between a worker's last accept and the close, and be reset with
// its request. (A filter sees the TCP header at offset 0.)
bool StopNewHandshakes(int listener) {
  static const sock_filter kDropSyn[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),           // the TCP flags byte
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),        // SYN | ACK
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),  // SYN alone:
      BPF_STMT(BPF_RET | BPF_K, 0),                     // dropped
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),            // else kept whole
  };
  sock_fprog program{static_cast<unsigned short>(std::size(kDropSyn)),
                     const_cast<sock_filter*>(kDropSyn)};
  return ::setsockopt(listener, SOL_SOCKET, SO_ATTACH_FILTER, &program,
                      sizeof program) == 0;
}

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerConfig& config, const Router& router, const Logger& log,
       bool access_log, bool metrics, std::string listener)
      : state_(config, router, log, access_log, metrics),
        listener_(std::move(listener)),
        signals_(control_, SIGTERM, SIGINT),
        tick_timer_(control_),
        drain_timer_(control_) {
    std::vector<asio::io_context*> contexts;
    for (int i = 0; i < config.threads; ++i) {
      workers_.push_back(std::make_unique<Worker>(state_, i));
      contexts.push_back(&workers_.back()->io());
    }
    loops_ = std::make_unique<EventLoops>(std::move(contexts));
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      loops_->SetReadyIo(i, [worker = workers_[i].get()] {
        worker->poller().DispatchReady();
      });
    }
    std::vector<Worker*> peers;
    for (auto& worker : workers_) peers.push_back(worker.get());
    for (auto& worker : workers_) worker->SetPeers(peers);
  }
  ~Impl() { CloseListener(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Listen();
  std::uint16_t port() const { return port_; }
  EventLoops& loops() { return *loops_; }
  ServerStats Stats() const;
  void Shutdown() {
    asio::post(control_, [this] {
      if (!draining_) OnSignal(SIGTERM);
    });
  }
  ShutdownReport Serve(const ShutdownConfig& shutdown, const ServeHooks& hooks);

 private:
  void WaitForSignal();
  void OnSignal(int signal);
  void OnAnnounced();
  void OnListenerClosed();
  void Tick();
  void StartDrain();
  void CloseListener();
  void PollDrain();
  void PollAbort();
  void Finish();

  ServerState state_;
  const std::string listener_;  // "web", "admin": names its events
  asio::io_context control_{1};
  // The bound socket, in no loop: the workers accept on copies of it.
  int listener_fd_ = -1;
  asio::signal_set signals_;
  asio::steady_timer tick_timer_;
  asio::steady_timer drain_timer_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<EventLoops> loops_;
  std::uint16_t port_ = 0;

  ShutdownConfig shutdown_;
  ServeHooks hooks_;
  ShutdownReport report_;
  bool draining_ = false;
  std::size_t announcing_ = 0;  // workers yet to announce Connection: close
  std::size_t closing_listener_ = 0;  // workers yet to close their listener
  Clock::time_point drain_started_{};
  std::atomic<int> aborting_{0};
};

// SO_REUSEPORT, which Asio does not name.
using ReusePort =
    asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

Status Server::Impl::Listen() {
  const ServerConfig& config = state_.config;
  std::string where = config.bind + ":" + std::to_string(config.port);
  error_code ec;
  asio::ip::address address = asio::ip::make_address(config.bind, ec);
  if (ec) {
    return Status::InvalidArgument("BIND=\"" + config.bind +
                                   "\" is not an IP address");
  }
  asio::ip::tcp::endpoint endpoint(address, config.port);
  asio::ip::tcp::acceptor acceptor(control_);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && config.reuse_port) {
    acceptor.set_option(ReusePort(true), ec);
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable(
        "cannot listen on " + where + ": " + ec.message() +
        (config.reuse_port ? " (check PORT and BIND)"
                           : " (check PORT and BIND; REUSE_PORT=on "
                             "lets processes share a port)"));
  }
  port_ = acceptor.local_endpoint(ec).port();
  for (auto& worker : workers_) {
    if (Status opened = worker->Open(); !opened.ok()) return opened;
    int fd = ::dup(acceptor.native_handle());
    if (fd < 0) return Status::Unavailable("cannot share the listener");
    worker->Adopt(fd, address.is_v6());
  }
  // The workers accept; this thread keeps the socket only to stop and close
  // it when draining. Left in the control loop's epoll set (Asio adds a
  // socket when it opens it), every new connection woke this thread too:
  // ~10 us of CPU a connection, measured by the bench's CPU split.
  listener_fd_ = acceptor.release(ec);
  if (ec) return Status::Unavailable("cannot hand the listener over");
  return Status::Ok();
}

ShutdownReport Server::Impl::Serve(const ShutdownConfig& shutdown,
                                   const ServeHooks& hooks) {
  shutdown_ = shutdown;
  hooks_ = hooks;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    threads.emplace_back(
        [w = workers_[i].get(), name = listener_ + "-" + std::to_string(i)] {
          NameThisThread(name);
          w->Run();
        });
  }
  WaitForSignal();
  Tick();
  control_.run();
  for (std::thread& thread : threads) thread.join();
  report_.requests_served = state_.requests.load();
  report_.requests_cut = state_.requests_cut.load();
  return report_;
}

void Server::Impl::WaitForSignal() {
  signals_.async_wait([this](const error_code& ec, int signal) {
    if (!ec) OnSignal(signal);
  });
}

// Runs on the control loop: the real signal handler (Asio's) only recorded
// the signal.
void Server::Impl::OnSignal(int signal) {
  std::string name = SignalName(signal);
  if (draining_) {
    if (hooks_.on_second_signal) hooks_.on_second_signal(name);
    return;
  }
  draining_ = true;
  report_.signal = name;
  WaitForSignal();
  // Every answer says Connection: close before readiness turns and the
  // delay starts, so no answer after "draining" invites another request.
  announcing_ = workers_.size();
  for (auto& worker : workers_) {
    worker->AnnounceClose(
        [this] { asio::post(control_, [this] { OnAnnounced(); }); });
  }
}

void Server::Impl::OnAnnounced() {
  if (--announcing_ > 0) return;
  if (hooks_.on_drain_start) hooks_.on_drain_start(report_.signal);
  drain_timer_.expires_after(shutdown_.delay);
  drain_timer_.async_wait([this](const error_code& ec) {
    if (!ec) StartDrain();
  });
}

void Server::Impl::Tick() {
  if (!hooks_.on_tick) return;
  tick_timer_.expires_after(hooks_.on_tick());
  tick_timer_.async_wait([this](const error_code& ec) {
    if (!ec) Tick();
  });
}

void Server::Impl::StartDrain() {
  if (!StopNewHandshakes(listener_fd_)) {
    state_.log.Warn(
        "cannot stop new handshakes before closing the listener",
        {{"error", std::error_code(errno, std::system_category()).message()}});
  }
  CloseListener();
  drain_started_ = Clock::now();
  closing_listener_ = workers_.size();
  for (auto& worker : workers_) {
    worker->StopAccepting(
        [this] { asio::post(control_, [this] { OnListenerClosed(); }); });
  }
}

void Server::Impl::CloseListener() {
  if (listener_fd_ < 0) return;
  ::close(listener_fd_);
  listener_fd_ = -1;
}

// Every descriptor of the listener is closed: new clients are refused.
void Server::Impl::OnListenerClosed() {
  if (--closing_listener_ > 0) return;
  state_.log.Info("listener closed",
                  {{"listener", listener_},
                   {"open_connections",
                    static_cast<long long>(state_.open_connections.load())}});
  for (auto& worker : workers_) worker->BeginDrain();
  PollDrain();
}

void Server::Impl::PollDrain() {
  if (state_.open_connections.load() == 0) {
    Finish();
    return;
  }
  if (Clock::now() - drain_started_ >= shutdown_.timeout) {
    report_.connections_cut = state_.open_connections.load();
    aborting_ = static_cast<int>(workers_.size());
    for (auto& worker : workers_) worker->Abort(aborting_);
    PollAbort();
    return;
  }
  drain_timer_.expires_after(kDrainPollInterval);
  drain_timer_.async_wait([this](const error_code& ec) {
    if (!ec) PollDrain();
  });
}

void Server::Impl::PollAbort() {
  if (aborting_.load() == 0) {
    Finish();
    return;
  }
  drain_timer_.expires_after(kDrainPollInterval);
  drain_timer_.async_wait([this](const error_code& ec) {
    if (!ec) PollAbort();
  });
}

void Server::Impl::Finish() {
  report_.drain_time = std::chrono::duration_cast<std::chrono::milliseconds>(
      Clock::now() - drain_started_);
  for (auto& worker : workers_) worker->Stop();
  signals_.cancel();
  tick_timer_.cancel();
  control_.stop();
}

ServerStats Server::Impl::Stats() const {
  ServerStats stats;
  if (state_.metrics) {
    for (const auto& worker : workers_) worker->AddMetricsTo(stats.requests);
  }
  stats.open_connections = state_.open_connections.load();
  stats.requests_served = state_.requests.load();
  stats.connections_refused = state_.connections_refused.load();
  stats.connections_evicted = state_.connections_evicted.load();
  // A connection refused at the limit is a request rejected by a limit.
  stats.requests.rejected[static_cast<std::size_t>(Rejection::kLimit)] +=
      stats.connections_refused;
  return stats;
}

Server::Server(const ServerConfig& config, const Router& router,
               const Logger& log, bool access_log, bool metrics,
               std::string listener)
    : impl_(std::make_unique<Impl>(config, router, log, access_log, metrics,
                                   std::move(listener))) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }
std::uint16_t Server::port() const { return impl_->port(); }
EventLoops& Server::loops() { return impl_->loops(); }
ServerStats Server::Stats() const { return impl_->Stats(); }
void Server::Shutdown() { impl_->Shutdown(); }
ShutdownReport Server::Serve(const ShutdownConfig& shutdown,
                             const ServeHooks& hooks) {
  return impl_->Serve(shutdown, hooks);
}

}  // namespace twelve::http
