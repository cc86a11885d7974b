#include "process/health_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace twelve {
namespace {

// Owns a socket descriptor.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd entry{fd, events, 0};
  return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1;
}

Status Connect(const Socket& socket, const sockaddr* address, socklen_t size,
               std::chrono::milliseconds timeout) {
  if (::connect(socket.fd(), address, size) == 0) return Status::Ok();
  if (errno != EINPROGRESS) return Status::Unavailable(std::strerror(errno));
  if (!WaitFor(socket.fd(), POLLOUT, timeout)) {
    return Status::Timeout("no connection within the timeout");
  }
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return Status::Unavailable(std::strerror(error));
  return Status::Ok();
}

}  // namespace

std::string ProbeHost(const std::string& bind) {
  if (bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "::1";
  return bind;
}

Status ProbeReadiness(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    size = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    size = sizeof *v6;
  } else {
    return Status::InvalidArgument("not an IP address: " + host);
  }
  Socket socket(::socket(storage.ss_family,
                         SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return Status::Unavailable(std::strerror(errno));
  Status connected =
      Connect(socket, reinterpret_cast<sockaddr*>(&storage), size, timeout);
  if (!connected.ok()) return connected;

  std::string request =
      "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return Status::Unavailable("could not send the request");
  }
  char answer[64] = {};
  std::size_t got = 0;
  while (got < 12 && WaitFor(socket.fd(), POLLIN, timeout)) {
    ssize_t n = ::recv(socket.fd(), answer + got, sizeof answer - 1 - got, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  std::string_view status_line(answer, got);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) {
    return Status::Unavailable("no HTTP answer");
  }
  std::string_view code = status_line.substr(9, 3);
  if (code != "200")
    return Status::Unavailable("answered " + std::string(code));
  return Status::Ok();
}

}  // namespace twelve
