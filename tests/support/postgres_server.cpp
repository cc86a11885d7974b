// How the tests run PostgreSQL; the pytest fixtures mirror these commands.
// Past the usual length: each step below (initdb, TLS files, start, wait,
// stop) is short, and the order they run in reads best in one place.
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
//
// Other login methods: ahead of initdb's host lines, pg_hba.conf gets
//   host all twelve_md5 127.0.0.1/32 md5
//   host all twelve_cleartext 127.0.0.1/32 password
//   host all twelve_trust 127.0.0.1/32 trust
// and the first start creates those roles, superusers with the superuser's
// password, twelve_md5's stored as MD5 (SET password_encryption = 'md5').
// TLS (Options::tls): in DIR, with CNF a minimal openssl config (sections
// ca, server with SAN DNS:localhost,IP:127.0.0.1, client), each certificate
// is made by
//   openssl req -config CNF -x509 -extensions SECTION -newkey ec
//       -pkeyopt ec_paramgen_curve:prime256v1 -noenc -days 2 -subj /CN=NAME
//       -keyout DIR/N.key -out DIR/N.crt [-CA DIR/ca.crt -CAkey DIR/ca.key]
// for ca, other_ca (self-signed), server and client (CN=postgres, signed by
// ca); postgresql.conf gets ssl=on, ssl_cert_file, ssl_key_file (0600,
// owned by postgres) and ssl_ca_file = DIR/ca.crt, and pg_hba.conf
//   hostssl cert_login all 127.0.0.1/32 cert

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
#include "tests/support/stopped_process.hpp"

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

// The parent pid in /proc/<pid>/stat ("pid (comm) state ppid ..."); -1
// when the process is gone. It may exit between the listing of /proc and
// the read: the read then fails with ESRCH, which libstdc++'s filebuf
// throws as std::ios_base::failure.
int ParentOf(const std::filesystem::path& proc_entry) {
  std::string stat;
  try {
    std::ifstream in(proc_entry / "stat");
    stat.assign(std::istreambuf_iterator<char>(in),
                std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return -1;
  }
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close_paren + 1));
  char state = 0;
  int ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

constexpr const char* kMd5Role = "twelve_md5";
constexpr const char* kCleartextRole = "twelve_cleartext";
constexpr const char* kTrustRole = "twelve_trust";

// Enough of an openssl config for `req` to make each kind of certificate
// without the system's (whose defaults would make every one a CA).
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
)";

// Hands `path` to the server's user when the tests run as root.
bool GiveToServerUser(const std::string& path) {
  if (geteuid() != 0) return true;
  passwd* postgres = getpwnam("postgres");
  return postgres != nullptr &&
         chown(path.c_str(), postgres->pw_uid, postgres->pw_gid) == 0;
}

}  // namespace

PostgresServer::PostgresServer(Options options) : password_(RandomPassword()) {
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
  if (rc != 0) {
    error_ = "initdb failed; see " + dir_ + "/commands.log";
  } else if (!AddLoginRules(options.tls)) {
    error_ = "cannot edit " + data_dir_ + "/pg_hba.conf";
  } else if (options.tls && !SetUpTls()) {
    error_ = "cannot set up TLS; see " + dir_ + "/commands.log";
  }
}

bool PostgresServer::AddLoginRules(bool tls) {
  const std::string path = data_dir_ + "/pg_hba.conf";
  std::ifstream in(path);
  std::string rules;
  bool added = false;
  for (std::string line; std::getline(in, line);) {
    if (!added && line.starts_with("host")) {
      rules += "host all " + std::string(kMd5Role) + " 127.0.0.1/32 md5\n";
      rules += "host all " + std::string(kCleartextRole) +
               " 127.0.0.1/32 password\n";
      rules += "host all " + std::string(kTrustRole) + " 127.0.0.1/32 trust\n";
      if (tls) {
        rules += "hostssl " + std::string(kCertDatabase) +
                 " all 127.0.0.1/32 cert\n";
      }
      added = true;
    }
    rules += line + "\n";
  }
  if (!added) return false;
  std::ofstream out(path, std::ios::trunc);
  out << rules;
  return static_cast<bool>(out.flush());
}

bool PostgresServer::CreateLoginRoles() {
  const std::string with = " LOGIN SUPERUSER PASSWORD '" + password_ + "'; ";
  std::string sql = "CREATE ROLE " + std::string(kCleartextRole) + with;
  sql += "CREATE ROLE " + std::string(kTrustRole) + " LOGIN SUPERUSER; ";
  // Stored as MD5, or the server asks for SCRAM even on an md5 line.
  sql += "SET password_encryption = 'md5'; ";
  sql += "CREATE ROLE " + std::string(kMd5Role) + with;
  return Exec("postgres", sql).empty();
}

bool PostgresServer::SetUpTls() {
  const std::string config = dir_ + "/openssl.cnf";
  // `openssl ca`'s database, for the revocation lists.
  std::ofstream(config) << kOpensslConfig << "[crl]\ndatabase = " << dir_
                        << "/index.txt\ncrlnumber = " << dir_
                        << "/crlnumber\ndefault_md = sha256\n"
                           "default_crl_days = 2\n";
  if (!GiveToServerUser(config) ||
      !MakeCertificate("ca", "ca", "/CN=twelve test CA", "") ||
      !MakeCertificate("other_ca", "ca", "/CN=twelve other CA", "") ||
      !MakeCertificate("server", "server", "/CN=localhost", "ca") ||
      !MakeCertificate("client", "client", "/CN=" + user_, "ca") ||
      !MakeRevocationLists()) {
    return false;
  }
  ca_file_ = dir_ + "/ca.crt";
  other_ca_file_ = dir_ + "/other_ca.crt";
  server_cert_file_ = dir_ + "/server.crt";
  client_cert_file_ = dir_ + "/client.crt";
  client_key_file_ = dir_ + "/client.key";
  std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
  conf << "ssl = on\n"
       << "ssl_cert_file = '" << server_cert_file_ << "'\n"
       << "ssl_key_file = '" << dir_ << "/server.key'\n"
       << "ssl_ca_file = '" << ca_file_ << "'\n";
  return static_cast<bool>(conf.flush());
}

// Two lists signed by the CA: one that revokes nothing, then one that
// revokes the server's certificate.
bool PostgresServer::MakeRevocationLists() {
  const std::string database = dir_ + "/index.txt";
  const std::string number = dir_ + "/crlnumber";
  std::ofstream{database};  // empty: nothing revoked yet
  std::ofstream(number) << "01\n";
  if (!GiveToServerUser(database) || !GiveToServerUser(number)) return false;
  crl_file_ = dir_ + "/nothing_revoked.crl";
  server_revoked_crl_file_ = dir_ + "/server_revoked.crl";
  const std::vector<std::string> ca = {"openssl",  "ca",
                                       "-config",  dir_ + "/openssl.cnf",
                                       "-name",    "crl",
                                       "-keyfile", dir_ + "/ca.key",
                                       "-cert",    dir_ + "/ca.crt"};
  auto with = [&ca](std::initializer_list<std::string> more) {
    std::vector<std::string> argv = ca;
    argv.insert(argv.end(), more);
    return argv;
  };
  return Run(with({"-gencrl", "-out", crl_file_})) == 0 &&
         Run(with({"-revoke", dir_ + "/server.crt"})) == 0 &&
         Run(with({"-gencrl", "-out", server_revoked_crl_file_})) == 0;
}

bool PostgresServer::MakeCertificate(const std::string& name,
                                     const std::string& extensions,
                                     const std::string& subject,
                                     const std::string& issuer) {
  const std::string key = dir_ + "/" + name + ".key";
  const std::string cert = dir_ + "/" + name + ".crt";
  std::vector<std::string> argv = {"openssl", "req", "-config",
                                   dir_ + "/openssl.cnf", "-x509"};
  argv.insert(argv.end(), {"-extensions", extensions, "-subj", subject});
  argv.insert(argv.end(), {"-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-noenc"});
  argv.insert(argv.end(), {"-days", "2", "-keyout", key, "-out", cert});
  if (!issuer.empty()) {
    argv.insert(argv.end(), {"-CA", dir_ + "/" + issuer + ".crt", "-CAkey",
                             dir_ + "/" + issuer + ".key"});
  }
  // PostgreSQL and libpq both refuse a key that others can read.
  return Run(argv) == 0 && chmod(key.c_str(), 0600) == 0;
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
  if (running_ && !roles_created_) {
    roles_created_ = CreateLoginRoles();
    if (!roles_created_) error_ = "cannot create the login roles";
  }
  return running_ && roles_created_;
}

bool PostgresServer::Stop() {
  bool stopped = Run({std::string(kBin) + "pg_ctl", "-D", data_dir_, "-m",
                      "fast", "-w", "-t", "60", "stop"}) == 0;
  if (stopped) running_ = false;
  return stopped;
}

void PostgresServer::Pause() {
  // The postmaster first, so that it starts no new backend meanwhile.
  for (int pid : ServerPids()) {
    if (kill(pid, SIGSTOP) == 0) WaitStopped(pid);
  }
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

std::string PostgresServer::UrlFor(Login login,
                                   std::string_view database) const {
  std::string role = user_;
  if (login == Login::kMd5) role = kMd5Role;
  if (login == Login::kCleartext) role = kCleartextRole;
  if (login == Login::kTrust) role = kTrustRole;
  return "postgres://" + role + ":" + password_ +
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
