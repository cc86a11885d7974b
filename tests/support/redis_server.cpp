#include "tests/support/redis_server.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/free_port.hpp"
#include "tests/support/server_environment.hpp"
#include "tests/support/stopped_process.hpp"

namespace twelve::test_support {
namespace {

using std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kPoll = std::chrono::milliseconds(10);

std::string MakeTempDir() {
  std::string pattern = "/tmp/twelve-redis-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return pattern;
}

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
using Reply = std::unique_ptr<redisReply, void (*)(void*)>;

Reply Run(redisContext* context, const std::vector<std::string>& argv) {
  std::vector<const char*> words;
  std::vector<std::size_t> lengths;
  words.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const std::string& word : argv) {
    words.push_back(word.c_str());
    lengths.push_back(word.size());
  }
  void* raw = redisCommandArgv(context, static_cast<int>(argv.size()),
                               words.data(), lengths.data());
  return Reply(static_cast<redisReply*>(raw), freeReplyObject);
}

std::string ReplyText(const redisReply* reply) {
  if (reply == nullptr) return "(no reply)";
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(reply->str, reply->len);
    default:
      return "(array)";
  }
}

}  // namespace

RedisServer::RedisServer(std::string password)
    : password_(std::move(password)), dir_(MakeTempDir()), port_(FreePort()) {
  Start();
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisServer::Start() {
  if (pid_ > 0) return;
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {"redis-server", "--port",    port,
                                   "--bind",       "127.0.0.1", "--dir",
                                   dir_,           "--save",    "",
                                   "--appendonly", "no",        "--requirepass",
                                   password_,      "--logfile", log,
                                   "--daemonize",  "no"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork: the test process has threads.
  const ServerEnvironment environment(dir_);
  if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(),
                     environment.envp()) != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot run redis-server: is it installed?");
  }
  paused_ = false;
  const auto deadline = steady_clock::now() + kStartTimeout;
  while (!Answers()) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_ ||
        steady_clock::now() > deadline) {
      std::ifstream file(log);
      std::stringstream text;
      text << file.rdbuf();
      Kill();
      throw std::runtime_error("redis-server did not start: " + text.str());
    }
    std::this_thread::sleep_for(kPoll);
  }
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  Resume();
  ::kill(pid_, SIGTERM);
  Reap();
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Reap();
}

void RedisServer::Reap() {
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  paused_ = false;
}

void RedisServer::Pause() {
  if (pid_ > 0 && !paused_ && ::kill(pid_, SIGSTOP) == 0) WaitStopped(pid_);
  paused_ = true;
}

void RedisServer::Resume() {
  if (pid_ > 0 && paused_) ::kill(pid_, SIGCONT);
  paused_ = false;
}

bool RedisServer::Answers() const { return Command({"PING"}) == "PONG"; }

std::string RedisServer::Command(std::initializer_list<std::string> argv,
                                 int database) const {
  const timeval timeout{1, 0};
  Context context(redisConnectWithTimeout("127.0.0.1", port_, timeout));
  if (!context || context->err) return "(cannot connect)";
  redisSetTimeout(context.get(), timeout);
  Reply auth = Run(context.get(), {"AUTH", password_});
  if (!auth || auth->type == REDIS_REPLY_ERROR) return ReplyText(auth.get());
  if (database != 0) {
    Run(context.get(), {"SELECT", std::to_string(database)});
  }
  Reply reply = Run(context.get(), std::vector<std::string>(argv));
  return ReplyText(reply.get());
}

}  // namespace twelve::test_support
