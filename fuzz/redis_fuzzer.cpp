// Fuzz target (c): RESP replies through the Redis driver, from the socket
// to redis::Client's answers: hiredis' reply reader, RedisConnection's
// handshake (AUTH, SELECT or PING) and its matching of replies to commands,
// and the client's copy of each reply into a redis::Reply.
//
// The fuzzer plays Redis on a loopback socket this process listens on. Per
// input, a client is opened on one event loop (polled on this thread, so the
// run is deterministic), its commands are issued, and the fuzzer's bytes are
// written back as the replies, cut into pieces (byte 0, fuzz_support.hpp)
// with the loop run between them. Then the harness resets the connection.
//
// Input: byte 0 cuts the stream; byte 1 picks the handshake (low two bits:
// PING, AUTH password, AUTH user password, AUTH + SELECT 3) and three
// commands (two bits each: INCRBY, GET, SET, none); the rest are replies.
//
// Invariants, beyond the sanitizers: every command is answered exactly
// once, by the reply or by the failure of the connection; no answer and no
// log line holds the password unless the fuzzer sent it; log lines are one
// line each.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "process/event_loops.hpp"
#include "twelve/backing/redis.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::fuzz {
namespace {

namespace asio = boost::asio;

// Neither its first nor its last character can come out of the log
// encoder's escapes (\r, \n, \u00XX...), so a log line holds it only if the
// input did: "rp-..." was once made from an input's "\rp-...".
constexpr std::string_view kPassword = "Qp-5b2d8e1Z";

// Checks each line: one line, and no password unless the input held it.
class CheckingSink final : public LogSink {
 public:
  void Write(std::string_view lines) override {
    Require(lines.ends_with('\n'), "a log write ends in a newline");
    std::string_view body = lines.substr(0, lines.size() - 1);
    for (char c : body) {
      Require(c == '\n' || static_cast<unsigned char>(c) >= 0x20,
              "a log line holds no control character");
    }
    Require(password_allowed || lines.find(kPassword) == lines.npos,
            "no log line holds the password");
  }
  void Flush() override {}

  bool password_allowed = false;
};

class Harness {
 public:
  Harness()
      : log_(sink_, LogLevel::kDebug, LogFormat::kJson),
        loops_({&io_}),
        work_(asio::make_work_guard(io_)) {
    listener_ =
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    Require(listener_ >= 0 && ::bind(listener_, raw, size) == 0 &&
                ::listen(listener_, 16) == 0 &&
                ::getsockname(listener_, raw, &size) == 0,
            "a loopback listener");
    port_ = ntohs(address.sin_port);
  }

  void Run(std::uint8_t split, std::uint8_t shape, std::string_view replies) {
    sink_.password_allowed = replies.find(kPassword) != replies.npos;
    Result<StoreUrl> url = ParseStoreUrl(Url(shape & 3));
    Require(url.ok(), "the harness's URL parses");
    StoreOptions options;
    // Nothing times out or reconnects within one input.
    options.connect_timeout = options.operation_timeout =
        std::chrono::minutes(10);
    options.min_backoff = options.max_backoff = std::chrono::minutes(10);
    Result<redis::Client> client =
        redis::Client::Open(*url, options, loops_, log_);
    Require(client.ok(), "the client opens");

    issued_ = answered_ = 0;
    for (int i = 0; i < 3; ++i) Issue(*client, (shape >> (2 + 2 * i)) & 3);
    int server = Accept();
    Splitter splitter(split);
    for (std::string_view piece : splitter.Cut(replies)) {
      Drain(server);
      if (::send(server, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
      Settle();
    }
    Reset(server);
    Settle();
    Require(answered_ == issued_, "every command is answered exactly once");
    client->Close();
    Settle();
  }

 private:
  std::string Url(int handshake) const {
    std::string where = "127.0.0.1:" + std::to_string(port_);
    std::string password(kPassword);
    switch (handshake) {
      case 1:
        return "redis://:" + password + "@" + where;
      case 2:
        return "redis://fuzz:" + password + "@" + where;
      case 3:
        return "redis://:" + password + "@" + where + "/3";
      default:
        return "redis://" + where;
    }
  }

  void Issue(redis::Client& client, int command) {
    auto answer = [this](const Result<redis::Reply>& reply) {
      if (!reply.ok()) return Answered(reply.status().message());
      Answered(reply->is_error() ? reply->text() : "");
    };
    switch (command) {
      case 0:
        client.Command({"INCRBY", "visits", "1"}, answer);
        break;
      case 1:
        client.Command({"GET", "visits"}, answer);
        break;
      case 2:
        client.Command({"SET", "visits", "42"}, answer);
        break;
      default:
        return;
    }
    ++issued_;
  }

  void Answered(const std::string& error) {
    ++answered_;
    Require(answered_ <= issued_, "no command is answered twice");
    Require(sink_.password_allowed || error.find(kPassword) == error.npos,
            "no answer holds the password");
  }

  // The client's connection, once its connect reached the listener.
  int Accept() {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      Settle();
      int fd =
          ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) return fd;
    }
    Fail("the client connects");
  }

  // Reads and drops what the client sent: its commands.
  static void Drain(int fd) {
    char buffer[4096];
    while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
  }

  // Closes with a reset, so no socket of either side lingers in TIME_WAIT
  // across thousands of inputs.
  static void Reset(int fd) {
    linger abort{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
  }

  void Settle() {
    while (io_.poll() > 0) {
    }
  }

  CheckingSink sink_;
  Logger log_;
  asio::io_context io_{1};
  EventLoops loops_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  int issued_ = 0, answered_ = 0;
};

}  // namespace
}  // namespace twelve::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2) return 0;
  static auto* harness = new twelve::fuzz::Harness();
  harness->Run(
      data[0], data[1],
      std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  return 0;
}
