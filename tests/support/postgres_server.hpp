#pragma once
// PostgresServer: a real PostgreSQL 15 cluster for tests, in a temp dir, on
// a free loopback port, with a password (SCRAM) on TCP. Start it once per
// suite: initdb takes about a second.
//
// Under root (as the tests run in CI) every server command runs as the
// `postgres` system user, since PostgreSQL refuses to run as root.

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twelve::test_support {

class PostgresServer {
 public:
  // Creates the cluster (initdb); does not start it. Check ok().
  PostgresServer();
  // Kills the server if it runs and removes the temp dir.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // False when the cluster could not be created; error() says why.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Starts the server (again: same port, same data) and waits until it
  // accepts connections.
  bool Start();
  // Fast shutdown: sessions are ended, the port closes. Waits.
  bool Stop();
  // Freezes the postmaster and every backend (SIGSTOP): connections stay
  // open, nothing answers. Resume() thaws them.
  void Pause();
  void Resume();

  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // postgres://user:password@127.0.0.1:port/database
  std::string Url(std::string_view database) const;
  std::string UrlWithPassword(std::string_view database,
                              std::string_view password) const;

  // Runs `sql` (blocking libpq over TCP) in `database`; returns the error
  // message, empty on success.
  std::string Exec(std::string_view database, std::string_view sql) const;
  // The first column of the first row of `sql`, or nullopt (no row, error).
  std::optional<std::string> QueryValue(std::string_view database,
                                        std::string_view sql) const;
  // Drops `name` if it exists and creates it afresh.
  bool CreateDatabase(std::string_view name) const;

 private:
  // A blocking connection to `database` as the superuser.
  PGconn* ConnectTo(std::string_view database) const;
  int Run(std::vector<std::string> argv) const;
  std::vector<int> ServerPids() const;

  std::string dir_;
  std::string data_dir_;
  std::string user_ = "postgres";
  std::string password_;
  std::uint16_t port_ = 0;
  bool running_ = false;
  std::string error_;
};

}  // namespace twelve::test_support
