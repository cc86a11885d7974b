// How the tests run PostgreSQL; the pytest fixtures mirror these commands.
// As root, each command is prefixed with `runuser -u postgres --` (the
// Debian package's system user: PostgreSQL refuses to run as root), DIR is
// a fresh temp dir owned by postgres with mode 0700, and B is
// /usr/lib/postgresql/15/bin:
//
//   B/initdb -D DIR/data --username=postgres --pwfile=DIR/pwfile
//            --auth-host=scram-sha-256 --auth-local=trust
//            --encoding=UTF8 --locale=C --no-sync --no-instructions
//   B/pg_ctl -D DIR/data -l DIR/postgres.log -w -t 60 start
//            -o "-c listen_addresses=127.0.0.1 -p PORT -k DIR
//                -c fsync=off -c synchronous_commit=off
//                -c full_page_writes=off"
//   B/pg_ctl -D DIR/data -m fast -w -t 60 stop        (a clean stop)
//   B/pg_ctl -D DIR/data -m immediate -w -t 60 stop   (cleanup)
//
// TCP needs the password (SCRAM); the Unix socket in DIR (only postgres and
// root can reach it) trusts, for administration. Freezing the server: the
// postmaster's pid is the first line of DIR/data/postmaster.pid; SIGSTOP it
// and its children (the backends); SIGCONT to thaw.

#include "tests/support/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/free_port.hpp"
#include "tests/support/server_environment.hpp"

namespace twelve::test_support {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

std::string RandomPassword() {
  std::random_device random;
  char text[32];
  std::snprintf(text, sizeof(text), "pw-%08x%08x", random(), random());
  return text;
}

std::string OneLine(const char* text) {
  std::string line(text == nullptr ? "" : text);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

// The parent pid in /proc/<pid>/stat ("pid (comm) state ppid ...").
int ParentOf(const std::filesystem::path& proc_entry) {
  std::ifstream in(proc_entry / "stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close_paren + 1));
  char state = 0;
  int ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

}  // namespace

PostgresServer::PostgresServer() : password_(RandomPassword()) {
  char dir[] = "/tmp/twelve-postgres-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = dir;
  data_dir_ = dir_ + "/data";
  port_ = FreePort();
  std::string pwfile = dir_ + "/pwfile";
  std::ofstream(pwfile) << password_ << "\n";
  if (geteuid() == 0) {
    passwd* postgres = getpwnam("postgres");
    if (postgres == nullptr) {
      error_ = "no `postgres` user: install the postgresql package";
      return;
    }
    if (chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0 ||
        chown(pwfile.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      error_ = "chown failed";
      return;
    }
  }
  chmod(dir_.c_str(), 0700);
  int rc = Run(
      {std::string(kBin) + "initdb", "-D", data_dir_, "--username=" + user_,
       "--pwfile=" + pwfile, "--auth-host=scram-sha-256", "--auth-local=trust",
       "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"});
  if (rc != 0) error_ = "initdb failed; see " + dir_ + "/commands.log";
}

PostgresServer::~PostgresServer() {
  if (running_) {
    Resume();
    if (Run({std::string(kBin) + "pg_ctl", "-D", data_dir_, "-m", "immediate",
             "-w", "-t", "60", "stop"}) != 0) {
      for (int pid : ServerPids()) kill(pid, SIGKILL);
    }
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool PostgresServer::Start() {
  if (!ok()) return false;
  std::string options = "-c listen_addresses=127.0.0.1 -p " +
                        std::to_string(port_) + " -k " + dir_ +
                        " -c fsync=off -c synchronous_commit=off"
                        " -c full_page_writes=off";
  running_ = Run({std::string(kBin) + "pg_ctl", "-D", data_dir_, "-l",
                  dir_ + "/postgres.log", "-w", "-t", "60", "-o", options,
                  "start"}) == 0;
  return running_;
}

bool PostgresServer::Stop() {
  bool stopped = Run({std::string(kBin) + "pg_ctl", "-D", data_dir_, "-m",
                      "fast", "-w", "-t", "60", "stop"}) == 0;
  if (stopped) running_ = false;
  return stopped;
}

void PostgresServer::Pause() {
  // The postmaster first, so that it starts no new backend meanwhile.
  for (int pid : ServerPids()) kill(pid, SIGSTOP);
}

void PostgresServer::Resume() {
  for (int pid : ServerPids()) kill(pid, SIGCONT);
}

std::string PostgresServer::Url(std::string_view database) const {
  return UrlWithPassword(database, password_);
}

std::string PostgresServer::UrlWithPassword(std::string_view database,
                                            std::string_view password) const {
  return "postgres://" + user_ + ":" + std::string(password) +
         "@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

PGconn* PostgresServer::ConnectTo(std::string_view database) const {
  const std::string port = std::to_string(port_);
  const std::string db(database);
  const char* keys[] = {
      "host", "port", "user", "password", "dbname", "connect_timeout", nullptr};
  const char* values[] = {
      "127.0.0.1", port.c_str(), user_.c_str(), password_.c_str(),
      db.c_str(),  "10",         nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  // Notices ("... does not exist, skipping") stay off the test output.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

std::string PostgresServer::Exec(std::string_view database,
                                 std::string_view sql) const {
  PGconn* conn = ConnectTo(database);
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = OneLine(PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(conn, std::string(sql).c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      error = OneLine(PQresultErrorMessage(result));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

std::optional<std::string> PostgresServer::QueryValue(
    std::string_view database, std::string_view sql) const {
  PGconn* conn = ConnectTo(database);
  std::optional<std::string> value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, std::string(sql).c_str());
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

bool PostgresServer::CreateDatabase(std::string_view name) const {
  std::string quoted = "\"" + std::string(name) + "\"";
  return Exec("postgres", "DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)")
             .empty() &&
         Exec("postgres", "CREATE DATABASE " + quoted).empty();
}

int PostgresServer::Run(std::vector<std::string> argv) const {
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = dir_ + "/commands.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The postgres user cannot enter root's working directory.
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(),
                        ServerEnvironment(dir_).envp());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<int> PostgresServer::ServerPids() const {
  std::vector<int> pids;
  std::ifstream pid_file(data_dir_ + "/postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) return pids;
  pids.push_back(postmaster);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ParentOf(entry.path()) == postmaster) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace twelve::test_support
