#include "http/connection.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "http/server.hpp"
#include "tests/support/capturing_sink.hpp"

namespace twelve::http {
namespace {

using test_support::CapturingSink;

// A client socket that sends in pieces and reads until the server closes.
class Client {
 public:
  explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address),
                           sizeof address) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  // Sends `data` in pieces of `piece` bytes, pausing between them so that
  // most arrive as reads of their own.
  void SendInPieces(const std::string& data, std::size_t piece) {
    for (std::size_t at = 0; at < data.size(); at += piece) {
      std::string_view part = std::string_view(data).substr(at, piece);
      ::send(fd_, part.data(), part.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::string ReadUntilClosed() {
    std::string answer;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0;) {
      answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// Bytes that show where they came from: a piece in the wrong place or
// repeated changes the digest.
std::string Pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  }
  return out;
}

std::string Digest(std::string_view data) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (char c : data) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return std::to_string(data.size()) + ":" + std::to_string(hash);
}

// A real server on a free loopback port that answers with the digest of what
// it received, serving on its own thread until the test sends SIGTERM.
class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Post("/body", [](const Request& request) {
      return Response::Text(Digest(request.body));
    });
    router_.Get("/header", [](const Request& request) {
      return Response::Text(Digest(request.Header("X-Big").value_or("")));
    });
    router_.Get("/now", [](const Request&) { return Response::Text("now"); });
    ServerConfig config;
    config.bind = "127.0.0.1";
    config.port = 0;  // any free port
    config.threads = 1;
    config.max_header_bytes = 256 * 1024;
    config.max_body_bytes = 4 * 1024 * 1024;
    server_ = std::make_unique<Server>(config, router_, log_, false);
    ASSERT_TRUE(server_->Listen().ok());
    serving_ = std::thread(
        [this] { report_ = server_->Serve(ShutdownConfig{}, ServeHooks{}); });
  }
  void TearDown() override {
    ::kill(::getpid(), SIGTERM);
    serving_.join();
    EXPECT_EQ(report_.requests_cut, 0u);
  }

  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kInfo, LogFormat::kJson};
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread serving_;
  ShutdownReport report_;
};

constexpr const char* kLast =
    "GET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

// Pieces both shorter and longer than what is moved to the front of the
// shared read buffer, a body several times that buffer, and a pipelined
// request in the same piece as the body's end.
TEST_F(ConnectionTest, BodyArrivingInPiecesIsReceivedWhole) {
  const std::string body = Pattern(300 * 1000);
  const std::string request =
      "POST /body HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body + kLast;
  for (std::size_t piece : {1000u, 9000u, 40000u}) {
    Client client(server_->port());
    ASSERT_TRUE(client.connected());
    client.SendInPieces(request, piece);
    std::string answer = client.ReadUntilClosed();
    EXPECT_NE(answer.find("\r\n\r\n" + Digest(body)), std::string::npos)
        << "pieces of " << piece << ": " << answer.substr(0, 300);
    EXPECT_NE(answer.find("\r\n\r\nnow"), std::string::npos) << answer;
  }
}

TEST_F(ConnectionTest, HeaderArrivingInPiecesIsReceivedWhole) {
  const std::string value = Pattern(100 * 1000);
  const std::string request =
      "GET /header HTTP/1.1\r\nHost: x\r\nX-Big: " + value + "\r\n\r\n" + kLast;
  for (std::size_t piece : {500u, 3000u, 20000u}) {
    Client client(server_->port());
    ASSERT_TRUE(client.connected());
    client.SendInPieces(request, piece);
    std::string answer = client.ReadUntilClosed();
    EXPECT_NE(answer.find("\r\n\r\n" + Digest(value)), std::string::npos)
        << "pieces of " << piece << ": " << answer.substr(0, 300);
    EXPECT_NE(answer.find("\r\n\r\nnow"), std::string::npos) << answer;
  }
}

}  // namespace
}  // namespace twelve::http
