#pragma once
// ScriptedServer: a TCP server on loopback that plays a script to each
// connection, to test a client against a broken or hostile peer: read what
// the client sends (a number of bytes, or one protocol unit that a Framer
// cuts out), send bytes, a large generated payload (streamed in chunks,
// never held whole), an answer computed from what was read, pause, close,
// reset. Connection n plays scripts[min(n, size - 1)]: a hostile script
// first and a well-behaved one after it proves that the client reconnects
// and recovers, and connections() that it did.
//
// Runs on threads of its own (one accepting, one per connection); every
// blocking call ends when the server is destroyed. Failures to listen
// throw std::runtime_error (test setup, not production code).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace twelve::test_support {

// How many bytes at the front of `received` make one whole unit (a message,
// a command); 0 while more are needed.
using Framer = std::function<std::size_t(std::string_view received)>;

// Exactly `n` bytes.
Framer Bytes(std::size_t n);
// Whatever has arrived, at least one byte.
Framer Anything();
// PostgreSQL: a message without a type byte (StartupMessage, SSLRequest).
Framer PgStartup();
// PostgreSQL: the typed messages up to and including the first of `type`
// (such as 'S', the Sync that ends each of the driver's queries).
Framer PgMessagesThrough(char type);
// Redis: one command, an array of bulk strings.
Framer RespCommand();
// TLS: one record (a 5-byte header and the length it gives).
Framer TlsRecord();

class Script {
 public:
  using Answer = std::function<std::string(std::string_view last_read)>;

  // Reads the next unit `framer` cuts out of what the client sends.
  Script& Read(Framer framer);
  Script& Send(std::string bytes);
  // Sends `total` bytes, `pattern` repeated (the last repetition cut
  // short), in chunks: a payload of any size costs one chunk of memory.
  Script& Stream(std::string pattern, std::uint64_t total);
  // Sends what `answer` makes of the last unit read.
  Script& Respond(Answer answer);
  Script& Pause(std::chrono::milliseconds duration);
  // Ends the connection with a FIN (Close) or an RST (Reset).
  Script& Close();
  Script& Reset();
  // The steps after this one repeat until the client closes.
  Script& Repeat();
  // A script whose steps run out without Close, Reset or Repeat keeps the
  // connection open, reading and dropping what arrives, until the client
  // closes it.

 private:
  friend class ScriptedServer;
  struct Step {
    enum class Kind { kRead, kSend, kStream, kRespond, kPause, kClose, kReset };
    Kind kind = Kind::kSend;
    Framer framer{};
    std::string bytes{};  // kSend; kStream's pattern
    std::uint64_t total = 0;
    Answer answer{};
    std::chrono::milliseconds pause{0};
  };
  static constexpr std::size_t kNoRepeat = static_cast<std::size_t>(-1);

  std::vector<Step> steps_;
  std::size_t repeat_from_ = kNoRepeat;
};

class ScriptedServer {
 public:
  // Listens at once on 127.0.0.1:port().
  explicit ScriptedServer(std::vector<Script> scripts);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Connections accepted so far.
  int connections() const { return accepted_.load(); }
  // What the client sent on connection `index` (from 0), up to 1 MiB.
  std::string Received(int index) const;

 private:
  void Accept();
  void Play(int index, int fd);
  bool Run(const Script::Step& step, int index, int fd, std::string& input,
           std::string& last);
  bool Receive(int index, int fd, std::string& input);
  bool SendAll(int fd, std::string_view bytes);
  bool Stream(int fd, const std::string& pattern, std::uint64_t total);
  void Drain(int index, int fd);
  void Finish(int fd, bool reset);

  const std::vector<Script> scripts_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable stopped_;  // wakes pauses at destruction
  std::map<int, int> open_;          // connection index -> fd, while open
  std::vector<std::thread> players_;
  std::vector<std::string> received_;
};

}  // namespace twelve::test_support
