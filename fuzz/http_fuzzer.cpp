// Fuzz target (a): the HTTP connection's byte stream as a whole — parser,
// framing checks, pipelining, chunked bodies, batching and the order of
// asynchronous answers — through the real Worker, Connection and Poller,
// over a real socket pair.
//
// One Worker is built per process with a router of synchronous and
// asynchronous routes; each input is one connection. Its first byte picks
// how the rest is cut into writes (fuzz_support.hpp); the worker's loop runs
// on this thread between writes until it is quiet, and the answers are read
// as they come. Then the client half-closes and the server must answer what
// it accepted and close.
//
// Seam: the Worker's acceptor is skipped. Connection is handed one end of a
// socketpair() as Worker::Admit() hands it an accepted socket, and the
// worker's io_context is polled here instead of by Worker::Run(), so the
// whole exchange runs on one thread, deterministically, without ports.
//
// Invariants, beyond the sanitizers: the answers parse as HTTP/1.1
// responses (fuzz/http_response_stream.hpp); there are no more of them than
// requests could have been sent; every request a handler took is answered,
// in request order (X-Seq); nothing follows "Connection: close"; the server
// never stops reading while the client writes, closes once the client has
// half-closed and everything was answered, and leaves no connection open;
// every log line is one line of JSON.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/http_response_stream.hpp"
#include "http/connection.hpp"
#include "http/server_state.hpp"
#include "http/worker.hpp"
#include "twelve/http/json.hpp"
#include "twelve/http/router.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::fuzz {
namespace {

namespace asio = boost::asio;

// Lines are checked as they are logged: a request's bytes must not be able
// to break a line or forge an event.
class CheckingSink final : public LogSink {
 public:
  void Write(std::string_view lines) override {
    while (!lines.empty()) {
      std::size_t end = lines.find('\n');
      Require(end != std::string_view::npos, "a log write ends in a newline");
      std::string_view line = lines.substr(0, end);
      Require(line.starts_with("{\"ts\":\"") && line.ends_with("}"),
              "a log line is one JSON object");
      for (char c : line) {
        Require(static_cast<unsigned char>(c) >= 0x20,
                "a log line holds no control character");
      }
      Require(line.find("invalid response from handler") == line.npos,
              "the harness's handlers answer valid responses");
      lines.remove_prefix(end + 1);
    }
  }
  void Flush() override {}
};

ServerConfig Limits() {
  ServerConfig config;
  // Small, so that inputs of a few KiB reach the 431 and 413 answers.
  config.max_header_bytes = 2048;
  config.max_body_bytes = 1024;
  return config;
}

// What the handlers saw during one input.
struct Calls {
  std::uint64_t last_seq = 0;         // each answer's X-Seq, in call order
  std::set<std::uint64_t> head_seqs;  // ... of HEAD requests
  std::uint64_t failing = 0;          // /throw and /drop: answered 500
};

class Harness {
 public:
  Harness()
      : log_(sink_, LogLevel::kInfo, LogFormat::kJson),
        state_(Limits(), router_, log_, true),
        worker_(state_, 0),
        work_(asio::make_work_guard(worker_.io())) {
    AddRoutes();
    Require(worker_.Open().ok(), "the worker's epoll set opens");
    worker_.poller().Start();
  }

  void Run(std::string_view input) {
    if (input.empty()) return;
    Splitter splitter(static_cast<std::uint8_t>(input[0]));
    std::string_view stream = input.substr(1);
    calls_ = Calls{};
    received_.clear();
    client_closed_ = false;

    int fds[2];
    Require(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                         fds) == 0,
            "socketpair");
    client_ = fds[0];
    Admit(fds[1]);
    Settle();
    for (std::string_view piece : splitter.Cut(stream)) {
      if (!Send(piece)) break;
    }
    ::shutdown(client_, SHUT_WR);
    Settle();
    Require(client_closed_,
            "the server closes once the client half-closed and all was "
            "answered");
    Require(state_.open_connections.load() == 0, "no connection is left");
    ::close(client_);
    Check(stream);
  }

 private:
  void AddRoutes() {
    router_.Get("/", [this](const Request& request) {
      return Numbered(request, Response::Text("hello\n"));
    });
    router_.Post("/echo", [this](const Request& request) {
      return Numbered(request, BodySize(request));
    });
    router_.Get("/throw", [this](const Request&) -> Response {
      ++calls_.failing;
      throw std::runtime_error("thrown by the harness");
    });
    router_.GetAsync("/later", [this](const Request& request, Responder r) {
      AnswerLater(1, std::move(r), Numbered(request, Response::Text("1\n")));
    });
    router_.GetAsync("/slow", [this](const Request& request, Responder r) {
      AnswerLater(3, std::move(r), Numbered(request, Response::Text("3\n")));
    });
    router_.HandleAsync(
        "POST", "/async-echo", [this](const Request& request, Responder r) {
          AnswerLater(2, std::move(r), Numbered(request, BodySize(request)));
        });
    router_.GetAsync("/drop", [this](const Request&, Responder) {
      ++calls_.failing;  // the Responder dies unanswered: 500
    });
    // Path parameters, the query and JSON bodies: their decoders read the
    // client's bytes too.
    router_.Get("/items/{id}/parts/{part}", [this](const Request& request) {
      return Numbered(request, Parameters(request));
    });
    router_.Post("/json", [this](const Request& request) {
      Result<boost::json::value> body = ParseJsonBody(request);
      return Numbered(request, body.ok()
                                   ? JsonResponse(*body)
                                   : JsonError(400, body.status().message()));
    });
  }

  // A pattern's values are never empty nor longer than the path, and the
  // route is the pattern, whatever the path held.
  static Response Parameters(const Request& request) {
    Require(request.route == "/items/{id}/parts/{part}",
            "a pattern's route is the pattern");
    std::string text;
    for (std::string_view name : {"id", "part"}) {
      std::optional<std::string_view> value = request.Param(name);
      Require(value && !value->empty() && value->size() < request.path.size(),
              "a path parameter is one decoded, non-empty segment");
      text += std::to_string(value->size()) + " ";
    }
    std::optional<std::string> q = request.QueryParam("q");
    Require(!q || q->size() <= request.query.size(),
            "a query value is no longer than the query");
    return Response::Text(text + (q ? std::to_string(q->size()) : "-") + "\n");
  }

  static Response BodySize(const Request& request) {
    return Response::Text(std::to_string(request.body.size()) + "\n");
  }

  Response Numbered(const Request& request, Response response) {
    std::uint64_t seq = ++calls_.last_seq;
    if (request.method == "HEAD") calls_.head_seqs.insert(seq);
    return std::move(response.With("X-Seq", std::to_string(seq)));
  }

  // Answers on a later turn of the loop, as a store's reply would.
  void AnswerLater(int turns, Responder responder, Response response) {
    auto held = std::make_shared<Responder>(std::move(responder));
    Continue(turns, std::move(held), std::move(response));
  }
  void Continue(int turns, std::shared_ptr<Responder> held, Response response) {
    asio::post(worker_.io(), [this, turns, held = std::move(held),
                              response = std::move(response)]() mutable {
      if (turns > 1) {
        Continue(turns - 1, std::move(held), std::move(response));
      } else {
        held->Send(std::move(response));
      }
    });
  }

  // As Worker::Admit() does with an accepted socket.
  void Admit(int fd) {
    sockaddr_storage peer{};
    auto& v4 = reinterpret_cast<sockaddr_in&>(peer);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(40000);
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    state_.open_connections.fetch_add(1);
    asio::post(worker_.io(), [this, fd, peer] {
      std::make_shared<http::Connection>(worker_, fd, peer)->Start();
    });
  }

  // Writes `piece`, letting the server run in between; false once the
  // server closed its end.
  bool Send(std::string_view piece) {
    while (!piece.empty()) {
      ssize_t n = ::send(client_, piece.data(), piece.size(), MSG_NOSIGNAL);
      if (n > 0) {
        piece.remove_prefix(static_cast<std::size_t>(n));
        Settle();
      } else if (n < 0 && errno == EAGAIN) {
        Require(Settle(), "the server reads, or closes, while a client sends");
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return false;  // EPIPE: the server closed
      }
    }
    return true;
  }

  // Runs the loop and reads the answers until neither makes progress.
  // True if anything happened.
  bool Settle() {
    bool progress = false;
    for (;;) {
      std::size_t ran = worker_.io().poll();
      bool read = Receive();
      if (ran == 0 && !read) return progress;
      progress = true;
    }
  }

  bool Receive() {
    if (client_closed_) return false;
    bool got = false;
    char buffer[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(client_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        got = true;
      } else if (n == 0 || errno == ECONNRESET) {
        client_closed_ = true;
        return true;
      } else if (errno != EINTR) {
        return got;  // EAGAIN
      }
    }
  }

  void Check(std::string_view stream) {
    ResponseStream parser(calls_.head_seqs);
    std::vector<SeenResponse> responses = parser.Parse(received_);
    // Each request needs an empty line to end its head; one more answer
    // may refuse an unfinished one.
    std::size_t bound = CountOf(stream, "\n\r\n") + CountOf(stream, "\n\n") + 1;
    Require(responses.size() <= bound, "no more answers than requests sent");
    std::uint64_t last_seq = 0, numbered = 0, failed = 0;
    for (std::size_t i = 0; i < responses.size(); ++i) {
      const SeenResponse& response = responses[i];
      Require(!response.close || i + 1 == responses.size(),
              "nothing follows an answer with Connection: close");
      if (response.seq) {
        Require(*response.seq > last_seq, "answers come in request order");
        last_seq = *response.seq;
        ++numbered;
      } else if (response.status == 500) {
        ++failed;
      }
    }
    Require(numbered == calls_.last_seq,
            "every request a handler took is answered");
    Require(failed == calls_.failing, "every failed handler is answered 500");
  }

  CheckingSink sink_;
  Logger log_;
  Router router_;
  http::ServerState state_;
  http::Worker worker_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  Calls calls_;
  int client_ = -1;
  bool client_closed_ = false;
  std::string received_;
};

}  // namespace
}  // namespace twelve::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  // Built once, never destroyed: the worker outlives every input.
  static auto* harness = new twelve::fuzz::Harness();
  harness->Run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
