#pragma once
// Poller: the readiness of one worker's client sockets, as one epoll set
// that the worker's io_context watches as a single descriptor.
//
// Why not Asio's own reactor for the sockets: Asio re-registers a socket
// with epoll_ctl on every readiness wait (async_wait cannot be speculative),
// which was one system call per request at 50 keep-alive connections and
// one per batch pipelined. Here each socket is registered once, for its
// whole life, edge-triggered for reading, writing and hang-up, and the
// readiness of every socket that changed comes from one epoll_wait per loop
// turn. Timers, posted handlers, the acceptor and the stores stay on Asio.
//
// Edge-triggered means a watcher hears of a socket only when its state
// changes: it must read until EAGAIN (or a short read) before it may rely
// on the next event, and likewise for a write that came back short.
//
// Used from the worker's thread only.

#include <sys/epoll.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>

#include "twelve/status.hpp"

namespace twelve::http {

class Poller {
 public:
  class Watcher {
   public:
    // `events` is the epoll mask: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR,
    // EPOLLHUP. Called on the loop; may call Forget() on any descriptor.
    virtual void OnReady(std::uint32_t events) = 0;

   protected:
    ~Watcher() = default;
  };

  // Makes no system call: Open() creates the epoll set.
  explicit Poller(boost::asio::io_context& io);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Creates the epoll set, before any other call. kUnavailable when the
  // kernel refuses (EMFILE: the process is out of descriptors).
  Status Open();

  // Reports the readiness of `fd` to `watcher` until Forget(fd). The
  // watcher must stay alive until then, and until the end of the loop turn
  // in which it was forgotten (an event of this turn may still name it).
  // kUnavailable when epoll refuses the descriptor.
  Status Watch(int fd, Watcher* watcher);
  void Forget(int fd);

  // Starts waiting for events; Stop() cancels the wait.
  void Start();
  void Stop();

  // Reports, now, the events that are ready, as the next loop turn would
  // (one epoll_wait that does not block); nothing once stopped. For work
  // that should see what already waits in the kernel before it goes on
  // (EventLoops::TakeInReadyIo).
  void DispatchReady();

 private:
  void Wait();
  void Dispatch();

  boost::asio::posix::stream_descriptor epoll_;
  std::array<epoll_event, 128> events_{};
  bool stopped_ = false;
};

}  // namespace twelve::http
