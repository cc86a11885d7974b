#include "tests/support/scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

#include "tests/support/free_port.hpp"

namespace twelve::test_support {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxRecorded = 1024 * 1024;
constexpr int kBindAttempts = 20;

std::uint32_t BigEndian32(std::string_view bytes, std::size_t at) {
  std::uint32_t raw = 0;
  std::memcpy(&raw, bytes.data() + at, sizeof(raw));
  return ntohl(raw);
}

// "<digits>\r\n" at `at`: the number and the offset past the CRLF.
std::optional<std::pair<long, std::size_t>> RespNumber(std::string_view bytes,
                                                       std::size_t at) {
  const std::size_t end = bytes.find("\r\n", at);
  if (end == std::string_view::npos) return std::nullopt;
  long value = -1;
  std::from_chars(bytes.data() + at, bytes.data() + end, value);
  return std::make_pair(value, end + 2);
}

int Listen(std::uint16_t& port) {
  for (int attempt = 0; attempt < kBindAttempts; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(FreePort());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
            0 &&
        ::listen(fd, 64) == 0) {
      port = ntohs(address.sin_port);
      return fd;
    }
    ::close(fd);  // taken meanwhile by another process: another port
  }
  throw std::runtime_error("scripted server: cannot listen on loopback");
}

}  // namespace

// --- Framers ----------------------------------------------------------------

Framer Bytes(std::size_t n) {
  return
      [n](std::string_view received) { return received.size() >= n ? n : 0; };
}

Framer Anything() {
  return [](std::string_view received) { return received.size(); };
}

Framer PgStartup() {
  return [](std::string_view received) -> std::size_t {
    if (received.size() < 4) return 0;
    const std::uint32_t length = BigEndian32(received, 0);
    if (length < 4) return received.size();  // not the protocol: take it all
    return received.size() >= length ? length : 0;
  };
}

Framer PgMessagesThrough(char type) {
  return [type](std::string_view received) -> std::size_t {
    std::size_t at = 0;
    while (received.size() - at >= 5) {
      const char this_type = received[at];
      const std::uint32_t length = BigEndian32(received, at + 1);
      if (length < 4) return received.size();
      if (received.size() - at - 1 < length) return 0;
      at += 1 + length;
      if (this_type == type) return at;
    }
    return 0;
  };
}

Framer RespCommand() {
  return [](std::string_view received) -> std::size_t {
    if (received.empty()) return 0;
    if (received[0] != '*') {  // an inline command: one line
      const std::size_t end = received.find("\r\n");
      return end == std::string_view::npos ? 0 : end + 2;
    }
    auto count = RespNumber(received, 1);
    if (!count) return 0;
    std::size_t at = count->second;
    for (long i = 0; i < count->first; ++i) {
      if (at >= received.size()) return 0;
      auto length = RespNumber(received, at + 1);
      if (!length) return 0;
      at = length->second + static_cast<std::size_t>(length->first) + 2;
    }
    return at <= received.size() ? at : 0;
  };
}

Framer TlsRecord() {
  return [](std::string_view received) -> std::size_t {
    if (received.size() < 5) return 0;
    const std::size_t length = (static_cast<unsigned char>(received[3]) << 8) |
                               static_cast<unsigned char>(received[4]);
    return received.size() >= 5 + length ? 5 + length : 0;
  };
}

// --- Script -----------------------------------------------------------------

Script& Script::Read(Framer framer) {
  steps_.push_back({.kind = Step::Kind::kRead, .framer = std::move(framer)});
  return *this;
}

Script& Script::Send(std::string bytes) {
  steps_.push_back({.kind = Step::Kind::kSend, .bytes = std::move(bytes)});
  return *this;
}

Script& Script::Stream(std::string pattern, std::uint64_t total) {
  steps_.push_back({.kind = Step::Kind::kStream,
                    .bytes = std::move(pattern),
                    .total = total});
  return *this;
}

Script& Script::Respond(Answer answer) {
  steps_.push_back({.kind = Step::Kind::kRespond, .answer = std::move(answer)});
  return *this;
}

Script& Script::Pause(std::chrono::milliseconds duration) {
  steps_.push_back({.kind = Step::Kind::kPause, .pause = duration});
  return *this;
}

Script& Script::Close() {
  steps_.push_back({.kind = Step::Kind::kClose});
  return *this;
}

Script& Script::Reset() {
  steps_.push_back({.kind = Step::Kind::kReset});
  return *this;
}

Script& Script::Repeat() {
  repeat_from_ = steps_.size();
  return *this;
}

// --- ScriptedServer ---------------------------------------------------------

ScriptedServer::ScriptedServer(std::vector<Script> scripts)
    : scripts_(std::move(scripts)) {
  if (scripts_.empty()) throw std::runtime_error("scripted server: no script");
  listener_ = Listen(port_);
  acceptor_ = std::thread([this] { Accept(); });
}

ScriptedServer::~ScriptedServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // ends accept()
    for (const auto& [index, fd] : open_) ::shutdown(fd, SHUT_RDWR);
    stopped_.notify_all();
  }
  acceptor_.join();
  for (std::thread& player : players_) player.join();
  ::close(listener_);
}

std::string ScriptedServer::Received(int index) const {
  std::lock_guard lock(mutex_);
  if (index < 0 || static_cast<std::size_t>(index) >= received_.size()) {
    return {};
  }
  return received_[static_cast<std::size_t>(index)];
}

void ScriptedServer::Accept() {
  for (;;) {
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down (or broken): no more connections
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    const int index = accepted_.fetch_add(1);
    open_[index] = fd;
    received_.emplace_back();
    players_.emplace_back([this, index, fd] { Play(index, fd); });
  }
}

void ScriptedServer::Play(int index, int fd) {
  const Script& script =
      scripts_[std::min(static_cast<std::size_t>(index), scripts_.size() - 1)];
  std::string input;  // received, not yet read by a step
  std::string last;   // the unit the latest Read step took
  std::size_t next = 0;
  for (;;) {
    if (next == script.steps_.size()) {
      if (script.repeat_from_ == Script::kNoRepeat ||
          script.repeat_from_ == script.steps_.size()) {
        Drain(index, fd);
        Finish(fd, false);
        return;
      }
      next = script.repeat_from_;
    }
    const Script::Step& step = script.steps_[next++];
    if (step.kind == Script::Step::Kind::kClose ||
        step.kind == Script::Step::Kind::kReset) {
      Finish(fd, step.kind == Script::Step::Kind::kReset);
      return;
    }
    if (!Run(step, index, fd, input, last)) {
      Finish(fd, false);
      return;
    }
  }
}

// One step other than Close and Reset; false when the connection ended.
bool ScriptedServer::Run(const Script::Step& step, int index, int fd,
                         std::string& input, std::string& last) {
  using Kind = Script::Step::Kind;
  switch (step.kind) {
    case Kind::kRead: {
      std::size_t size = 0;
      while ((size = step.framer(input)) == 0) {
        if (!Receive(index, fd, input)) return false;
      }
      last = input.substr(0, size);
      input.erase(0, size);
      return true;
    }
    case Kind::kSend:
      return SendAll(fd, step.bytes);
    case Kind::kStream:
      return Stream(fd, step.bytes, step.total);
    case Kind::kRespond:
      return SendAll(fd, step.answer(last));
    case Kind::kPause: {
      std::unique_lock lock(mutex_);
      return !stopped_.wait_for(lock, step.pause,
                                [this] { return stopping_.load(); });
    }
    default:
      return false;
  }
}

bool ScriptedServer::Receive(int index, int fd, std::string& input) {
  char buffer[kChunk];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || stopping_) return false;
    const std::string_view got(buffer, static_cast<std::size_t>(n));
    input.append(got);
    std::lock_guard lock(mutex_);
    std::string& recorded = received_[static_cast<std::size_t>(index)];
    recorded.append(got.substr(
        0, std::min(got.size(),
                    kMaxRecorded - std::min(kMaxRecorded, recorded.size()))));
    return true;
  }
}

bool ScriptedServer::SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    if (stopping_) return false;
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // the client closed or reset
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Whole repetitions of the pattern per chunk keep the stream seamless.
bool ScriptedServer::Stream(int fd, const std::string& pattern,
                            std::uint64_t total) {
  if (pattern.empty()) return true;
  std::string chunk;
  while (chunk.size() < kChunk) chunk += pattern;
  for (std::uint64_t sent = 0; sent < total;) {
    const std::size_t size = static_cast<std::size_t>(
        std::min<std::uint64_t>(chunk.size(), total - sent));
    if (!SendAll(fd, std::string_view(chunk).substr(0, size))) return false;
    sent += size;
  }
  return true;
}

void ScriptedServer::Drain(int index, int fd) {
  std::string ignored;
  while (Receive(index, fd, ignored)) ignored.clear();
}

void ScriptedServer::Finish(int fd, bool reset) {
  std::lock_guard lock(mutex_);
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->second == fd) {
      open_.erase(it);
      break;
    }
  }
  if (reset) {  // no lingering: close() sends an RST
    const linger no_linger{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
  }
  ::close(fd);
}

}  // namespace twelve::test_support
