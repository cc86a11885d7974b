#pragma once
// PostgresServer: a real PostgreSQL 15 cluster for tests, in a temp dir, on
// a free loopback port, with a password (SCRAM) on TCP. Start it once per
// suite: initdb takes about a second.
//
// Optionally with TLS, on certificates made for it by the `openssl` CLI (a
// test CA, a server certificate for localhost and 127.0.0.1, a client
// certificate for the superuser, and an unrelated CA); and always with one
// role per other login method (UrlFor), for the driver's auth tests.
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
  struct Options {
    // ssl=on, with the certificates below; plain TCP still works.
    bool tls = false;
  };
  // How a role of UrlFor() logs in over TCP: SCRAM-SHA-256 (the
  // superuser), MD5 (its password stored as MD5, or the server would ask
  // for SCRAM anyway), the password in clear (pg_hba `password`), or no
  // password at all.
  enum class Login { kScram, kMd5, kCleartext, kTrust };
  // With tls, this database is reached by client certificate only (pg_hba
  // `hostssl ... cert`, the certificate's CN naming the user): a login to
  // it proves the client certificate was sent and accepted.
  static constexpr const char* kCertDatabase = "cert_login";

  // Creates the cluster (initdb, and the certificates with tls); does not
  // start it. Check ok(). (Two constructors rather than a default argument:
  // Options' member initializers are not usable inside this class.)
  PostgresServer() : PostgresServer(Options{}) {}
  explicit PostgresServer(Options options);
  // Kills the server if it runs and removes the temp dir.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // False when the cluster could not be created; error() says why.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Starts the server (again: same port, same data) and waits until it
  // accepts connections. The first start also creates UrlFor()'s roles.
  bool Start();
  // Fast shutdown: sessions are ended, the port closes. Waits.
  bool Stop();
  // Freezes the postmaster and every backend (SIGSTOP): connections stay
  // open, nothing answers. Returns once they have stopped. Resume() thaws
  // them.
  void Pause();
  void Resume();

  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // postgres://user:password@127.0.0.1:port/database
  std::string Url(std::string_view database) const;
  std::string UrlWithPassword(std::string_view database,
                              std::string_view password) const;
  // postgres://role:password@127.0.0.1:port/database, for a role that logs
  // in with `login` (a superuser, so it can create tables anywhere). The
  // roles exist once Start() has succeeded.
  std::string UrlFor(Login login, std::string_view database) const;

  // With tls, PEM files in the temp dir (empty without): the CA that signed
  // the server's and the client's certificates; a CA that signed nothing
  // here; the server's certificate (SAN DNS:localhost, IP:127.0.0.1); the
  // client's certificate (CN = user()) and its key (mode 0600).
  const std::string& ca_file() const { return ca_file_; }
  const std::string& other_ca_file() const { return other_ca_file_; }
  const std::string& server_cert_file() const { return server_cert_file_; }
  // Revocation lists signed by ca_file()'s CA: one revokes nothing, the
  // other the server's certificate.
  const std::string& crl_file() const { return crl_file_; }
  const std::string& server_revoked_crl_file() const {
    return server_revoked_crl_file_;
  }
  const std::string& client_cert_file() const { return client_cert_file_; }
  const std::string& client_key_file() const { return client_key_file_; }

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
  // pg_hba.conf lines for UrlFor's roles (and kCertDatabase), ahead of
  // initdb's own host lines, which would match first.
  bool AddLoginRules(bool tls);
  bool CreateLoginRoles();
  // Makes the certificates with `openssl` and turns ssl on.
  bool SetUpTls();
  bool MakeRevocationLists();
  bool MakeCertificate(const std::string& name, const std::string& extensions,
                       const std::string& subject, const std::string& issuer);

  std::string dir_;
  std::string data_dir_;
  std::string user_ = "postgres";
  std::string password_;
  std::uint16_t port_ = 0;
  bool running_ = false;
  bool roles_created_ = false;
  std::string error_;
  std::string ca_file_;
  std::string other_ca_file_;
  std::string server_cert_file_;
  std::string crl_file_;
  std::string server_revoked_crl_file_;
  std::string client_cert_file_;
  std::string client_key_file_;
};

}  // namespace twelve::test_support
