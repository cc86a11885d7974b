#pragma once
// RedisServer: a real redis-server for tests, on a free loopback port, in a
// temp dir of its own, with a password, no persistence. Started by the
// constructor; the destructor kills it and removes the dir. Failures to
// start throw std::runtime_error (test setup, not production code).

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "twelve/backing/store_url.hpp"

namespace twelve::test_support {

// The URL of a Redis (real or scripted) on loopback `port`, with `password`
// (none when empty).
inline StoreUrl LoopbackRedisUrl(std::uint16_t port,
                                 std::string password = "") {
  StoreUrl url;
  url.kind = StoreUrl::Kind::kRedis;
  url.host = "127.0.0.1";
  url.port = port;
  url.password = std::move(password);
  return url;
}

class RedisServer {
 public:
  explicit RedisServer(std::string password = "redis-test-pass-7d1f");
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it (again, on the same port) and waits until it answers PING.
  void Start();
  // SIGTERM, and waits for it to exit.
  void Stop();
  // SIGKILL: connections are reset, nothing is answered.
  void Kill();
  // SIGSTOP / SIGCONT: the kernel still accepts connections and bytes, but
  // nothing is answered until Resume(). Pause returns once it has stopped.
  void Pause();
  void Resume();

  std::uint16_t port() const { return port_; }
  const std::string& password() const { return password_; }
  StoreUrl url() const { return LoopbackRedisUrl(port_, password_); }

  // Runs one command on a fresh blocking connection to database `database`
  // and returns the reply as text: the string, the integer in decimal,
  // "(nil)", or the error text. For tests to set up and check state.
  std::string Command(std::initializer_list<std::string> argv,
                      int database = 0) const;

 private:
  bool Answers() const;
  void Reap();

  std::string password_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace twelve::test_support
