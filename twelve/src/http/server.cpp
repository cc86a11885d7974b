#include "http/server.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "event_loops.hpp"
#include "http/server_state.hpp"
#include "http/worker.hpp"

namespace twelve::http {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// How often readiness is checked for the "ready" event: often enough that the
// event follows the store's connection by milliseconds.
constexpr std::chrono::milliseconds kTickInterval{5};
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

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerConfig& config, const Router& router, const Logger& log,
       bool access_log)
      : state_(config, router, log, access_log),
        acceptor_(control_),
        signals_(control_, SIGTERM, SIGINT),
        tick_timer_(control_),
        drain_timer_(control_) {
    std::vector<asio::io_context*> contexts;
    for (int i = 0; i < config.threads; ++i) {
      workers_.push_back(std::make_unique<Worker>(state_, i));
      contexts.push_back(&workers_.back()->io());
    }
    loops_ = std::make_unique<EventLoops>(std::move(contexts));
    std::vector<Worker*> peers;
    for (auto& worker : workers_) peers.push_back(worker.get());
    for (auto& worker : workers_) worker->SetPeers(peers);
  }

  Status Listen();
  std::uint16_t port() const { return port_; }
  EventLoops& loops() { return *loops_; }
  ShutdownReport Serve(const ShutdownConfig& shutdown, const ServeHooks& hooks);

 private:
  void WaitForSignal();
  void OnSignal(int signal);
  void Tick();
  void StartDrain();
  void PollDrain();
  void PollAbort();
  void Finish();

  ServerState state_;
  asio::io_context control_{1};
  asio::ip::tcp::acceptor acceptor_;
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
  Clock::time_point drain_started_{};
  std::atomic<int> aborting_{0};
};

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
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + where + ": " +
                               ec.message() + " (check PORT and BIND)");
  }
  port_ = acceptor_.local_endpoint(ec).port();
  for (auto& worker : workers_) {
    int fd = ::dup(acceptor_.native_handle());
    if (fd < 0) return Status::Unavailable("cannot share the listener");
    worker->Adopt(fd, address.is_v6());
  }
  return Status::Ok();
}

ShutdownReport Server::Impl::Serve(const ShutdownConfig& shutdown,
                                   const ServeHooks& hooks) {
  shutdown_ = shutdown;
  hooks_ = hooks;
  std::vector<std::thread> threads;
  for (auto& worker : workers_) {
    threads.emplace_back([w = worker.get()] { w->Run(); });
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
  if (hooks_.on_drain_start) hooks_.on_drain_start(name);
  WaitForSignal();
  drain_timer_.expires_after(shutdown_.delay);
  drain_timer_.async_wait([this](const error_code& ec) {
    if (!ec) StartDrain();
  });
}

void Server::Impl::Tick() {
  if (hooks_.on_tick) hooks_.on_tick();
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](const error_code& ec) {
    if (!ec) Tick();
  });
}

void Server::Impl::StartDrain() {
  error_code ec;
  acceptor_.close(ec);
  for (auto& worker : workers_) {
    worker->StopAccepting();
    worker->BeginDrain();
  }
  drain_started_ = Clock::now();
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

Server::Server(const ServerConfig& config, const Router& router,
               const Logger& log, bool access_log)
    : impl_(std::make_unique<Impl>(config, router, log, access_log)) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }
std::uint16_t Server::port() const { return impl_->port(); }
EventLoops& Server::loops() { return impl_->loops(); }
ShutdownReport Server::Serve(const ShutdownConfig& shutdown,
                             const ServeHooks& hooks) {
  return impl_->Serve(shutdown, hooks);
}

}  // namespace twelve::http
