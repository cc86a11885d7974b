#include "http/poller.hpp"

#include <errno.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace twelve::http {

Poller::Poller(boost::asio::io_context& io) : epoll_(io) {}

Poller::~Poller() = default;

Status Poller::Open() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable(std::string("cannot create an epoll set: ") +
                               std::strerror(errno));
  }
  epoll_.assign(fd);
  return Status::Ok();
}

Status Poller::Watch(int fd, Watcher* watcher) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = watcher;
  if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return Status::Unavailable(std::string("epoll_ctl: ") +
                               std::strerror(errno));
  }
  return Status::Ok();
}

// Explicit, although closing the descriptor would drop it from the set too:
// only if no other copy of it exists, which is not this class's to know.
void Poller::Forget(int fd) {
  ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
}

void Poller::Start() {
  stopped_ = false;
  Wait();
}

void Poller::Stop() {
  stopped_ = true;
  boost::system::error_code ec;
  epoll_.cancel(ec);
}

void Poller::Wait() {
  epoll_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                    [this](const boost::system::error_code& ec) {
                      if (ec || stopped_) return;
                      Dispatch();
                      Wait();
                    });
}

void Poller::DispatchReady() {
  if (!stopped_ && epoll_.is_open()) Dispatch();
}

// One batch per loop turn: if more sockets are ready than fit, the wait
// armed next reports the set ready again at once, after the turn's other
// handlers had their go.
void Poller::Dispatch() {
  int n;
  do {
    n = ::epoll_wait(epoll_.native_handle(), events_.data(),
                     static_cast<int>(events_.size()), 0);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) {
    static_cast<Watcher*>(events_[i].data.ptr)->OnReady(events_[i].events);
  }
}

}  // namespace twelve::http
