#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/capturing_sink.hpp"

namespace twelve::http {
namespace {

using test_support::CapturingSink;

// Sends `request` on a fresh connection and returns everything the server
// answers until it closes (the requests below ask it to).
std::string Exchange(std::uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
      0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

// A real server on a free loopback port, serving on its own thread until
// the test sends the process SIGTERM.
class ServerTest : public ::testing::Test {
 protected:
  void StartServing() {
    ServerConfig config;
    config.bind = "127.0.0.1";
    config.port = 0;  // any free port
    config.threads = 2;
    server_ = std::make_unique<Server>(config, router_, log_, true);
    ASSERT_TRUE(server_->Listen().ok());
    serving_ = std::thread(
        [this] { report_ = server_->Serve(ShutdownConfig{}, ServeHooks{}); });
  }
  void StopServing() {
    ::kill(::getpid(), SIGTERM);
    serving_.join();
  }

  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kInfo, LogFormat::kJson};
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread serving_;
  ShutdownReport report_;
};

constexpr const char* kCloseRequest =
    "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

TEST_F(ServerTest, HandlerThatThrowsAnswers500AndLogsAnErrorEvent) {
  router_.Get("/boom", [](const Request&) -> Response {
    throw std::runtime_error("kaboom");
  });
  router_.Get("/fine", [](const Request&) { return Response::Text("fine"); });
  StartServing();
  std::string answer = Exchange(server_->port(), kCloseRequest);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 500 ")) << answer;
  std::string after =
      Exchange(server_->port(),
               "GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(after.starts_with("HTTP/1.1 200 ")) << after;
  StopServing();
  std::string logs = sink_.All();
  EXPECT_NE(logs.find(R"("msg":"handler failed")"), std::string::npos) << logs;
  EXPECT_NE(logs.find("kaboom"), std::string::npos) << logs;
  EXPECT_EQ(report_.requests_cut, 0u);
}

TEST_F(ServerTest, AsyncAnswerFromAnotherThreadArrivesInOrder) {
  router_.GetAsync("/later", [](const Request&, Responder responder) {
    std::thread([responder = std::move(responder)]() mutable {
      responder.Send(Response::Text("later"));
    }).detach();
  });
  router_.Get("/now", [](const Request&) { return Response::Text("now"); });
  StartServing();
  std::string answer =
      Exchange(server_->port(),
               "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t later = answer.find("\r\n\r\nlater");
  std::size_t now = answer.find("\r\n\r\nnow");
  ASSERT_NE(later, std::string::npos) << answer;
  ASSERT_NE(now, std::string::npos) << answer;
  EXPECT_LT(later, now);
  StopServing();
}

// Answers that wait in the connection's queue (an asynchronous handler's,
// here from another thread) log their own request's id: a client's as sent,
// a generated one (kept quoted in its slot) as generated.
TEST_F(ServerTest, QueuedAnswersLogTheirOwnRequestIds) {
  router_.GetAsync("/later", [](const Request& request, Responder responder) {
    std::thread([responder = std::move(responder),
                 id = std::string(request.request_id)]() mutable {
      responder.Send(Response::Text("<" + id + ">"));
    }).detach();
  });
  StartServing();
  const std::string answer = Exchange(
      server_->port(),
      "GET /later HTTP/1.1\r\nHost: x\r\nX-Request-ID: client.id:1\r\n\r\n"
      "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  StopServing();
  const std::regex sent(R"(<([^>]+)>)");
  std::vector<std::string> answered;
  for (auto it = std::sregex_iterator(answer.begin(), answer.end(), sent);
       it != std::sregex_iterator(); ++it) {
    answered.push_back((*it)[1]);
  }
  ASSERT_EQ(answered.size(), 3u) << answer;
  EXPECT_EQ(answered[0], "client.id:1");
  EXPECT_TRUE(
      std::regex_match(answered[1], std::regex("[0-9a-f]{8}-[0-9a-f]{12}")))
      << answered[1];
  std::vector<std::string> logged;
  for (const std::string& line : sink_.Lines(R"("msg":"request")")) {
    const boost::json::object event = boost::json::parse(line).as_object();
    logged.emplace_back(event.at("request_id").as_string());
  }
  EXPECT_EQ(logged, answered);
}

// Generated request ids are the worker's prefix and a hex counter that
// counts up by one, carrying across digits (0x09 -> 0x0a, 0x0f -> 0x10).
TEST_F(ServerTest, GeneratedRequestIdsCountUpInHex) {
  router_.Get("/id", [](const Request& request) {
    return Response::Text("<" + std::string(request.request_id) + ">");
  });
  StartServing();
  std::string requests;
  for (int i = 0; i < 39; ++i)
    requests += "GET /id HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string answer = Exchange(server_->port(), requests);
  StopServing();
  const std::regex id(R"(<([0-9a-f]{8})-([0-9a-f]{12})>)");
  std::vector<std::uint64_t> counters;
  std::string prefix;
  for (auto it = std::sregex_iterator(answer.begin(), answer.end(), id);
       it != std::sregex_iterator(); ++it) {
    if (prefix.empty()) prefix = (*it)[1];
    EXPECT_EQ((*it)[1], prefix);  // one connection: one worker
    counters.push_back(std::stoull((*it)[2], nullptr, 16));
  }
  ASSERT_EQ(counters.size(), 40u) << answer;
  for (std::size_t i = 1; i < counters.size(); ++i) {
    EXPECT_EQ(counters[i], counters[i - 1] + 1) << i;
  }
}

TEST_F(ServerTest, InvalidResponseHeaderBecomes500) {
  router_.Get("/boom", [](const Request&) {
    return Response::Text("x").With("X-Evil", "a\r\nSet-Cookie: b");
  });
  StartServing();
  std::string answer = Exchange(server_->port(), kCloseRequest);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 500 ")) << answer;
  EXPECT_EQ(answer.find("Set-Cookie"), std::string::npos) << answer;
  StopServing();
}

TEST_F(ServerTest, HandlersSeeRouteParamsAndQueryOfTheirOwnRequest) {
  auto describe = [](const Request& request) {
    return std::string(request.route) +
           " id=" + std::string(request.Param("id").value_or("-")) +
           " q=" + request.QueryParam("q").value_or("-");
  };
  router_.Get("/notes/{id}",
              [&](const Request& r) { return Response::Text(describe(r)); });
  router_.GetAsync("/later/{id}", [&](const Request& r, Responder responder) {
    std::thread([text = describe(r),
                 responder = std::move(responder)]() mutable {
      responder.Send(Response::Text(text));
    }).detach();
  });
  router_.Get("/plain",
              [&](const Request& r) { return Response::Text(describe(r)); });
  StartServing();
  // Pipelined in one write: each handler sees its own request's values.
  std::string answer = Exchange(
      server_->port(),
      "GET /notes/a%20b?q=x+y HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /later/7 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /notes/%C3%A9?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /plain?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /notes/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t at = 0;
  for (const std::string expected :
       {"\r\n\r\n/notes/{id} id=a b q=x y", "\r\n\r\n/later/{id} id=7 q=-",
        "\r\n\r\n/notes/{id} id=\xC3\xA9 q=-", "\r\n\r\n/plain id=- q=1",
        "HTTP/1.1 400 Bad Request"}) {
    std::size_t found = answer.find(expected, at);
    ASSERT_NE(found, std::string::npos) << expected << " in " << answer;
    at = found + expected.size();
  }
  EXPECT_NE(answer.find("malformed percent-encoding in a path parameter", at),
            std::string::npos)
      << answer;
  StopServing();
}

}  // namespace
}  // namespace twelve::http
