#include "process/doctor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/setting_typos.hpp"
#include "twelve/config/kit_config.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/process/exit_codes.hpp"

namespace twelve {
namespace {

// Where the check lines go: stdout, or stderr once stdout failed.
class Report {
 public:
  // Checks stdout by writing its own line to it first.
  void CheckStdout() {
    const int flags = ::fcntl(1, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
      FailStdout(flags < 0 ? std::strerror(errno) : "opened read-only");
      return;
    }
    if (!Write(1, "ok   stdout: writable (" + Kind() + ")\n")) {
      FailStdout(std::strerror(errno));
    }
  }

  // One line: "ok   name: detail"; a failure's Status sets the exit code.
  void Line(std::string_view mark, std::string_view name,
            std::string_view detail) {
    std::string line(mark);
    line.resize(5, ' ');
    line.append(name).append(": ").append(detail).push_back('\n');
    if (Write(fd_, line) || fd_ == 2) return;
    FailStdout(std::strerror(errno));
    Write(fd_, line);
  }
  void Ok(std::string_view name, std::string_view detail) {
    Line("ok", name, detail);
  }
  void Fail(std::string_view name, const Status& status) {
    Line("FAIL", name, status.message());
    Worsen(ExitCodeFor(status));
  }

  int exit_code() const { return exit_code_; }

 private:
  static bool Write(int fd, std::string_view text) {
    while (!text.empty()) {
      const ssize_t n = ::write(fd, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  static std::string Kind() {
    struct stat st {};
    if (::fstat(1, &st) != 0) return "unknown";
    if (S_ISFIFO(st.st_mode)) return "a pipe";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    if (S_ISCHR(st.st_mode)) return ::isatty(1) ? "a terminal" : "a device";
    if (S_ISREG(st.st_mode)) return "a file";
    return "unknown";
  }

  void FailStdout(const std::string& why) {
    fd_ = 2;
    Line("FAIL", "stdout", "not writable: " + why + " (logs go to stdout)");
    Worsen(kExitFailure);
  }

  // 78 before 69 before 1: the most fundamental failure names the fix.
  void Worsen(int code) {
    auto rank = [](int c) {
      return c == kExitConfig ? 3 : c == kExitUnavailable ? 2 : c != 0 ? 1 : 0;
    };
    if (rank(code) > rank(exit_code_)) exit_code_ = code;
  }

  int fd_ = 1;
  int exit_code_ = kExitOk;
};

void CheckTypos(Report& report, const Environment& env,
                const SettingsTable& table) {
  const std::vector<SettingTypo> typos = FindSettingTypos(env, table);
  for (const SettingTypo& typo : typos) {
    report.Line("warn", "env",
                typo.variable + " is not a setting; did you mean " +
                    typo.setting + "?");
  }
  if (typos.empty()) {
    report.Ok("env", "no unknown variable resembles a setting");
  }
}

// Binds the address serve would bind, as it would, and closes at once.
Status BindOnce(const ServerConfig& server) {
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, server.bind.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(server.port);
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, server.bind.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(server.port);
    length = sizeof *v6;
  } else {
    return Status::InvalidArgument("BIND=\"" + server.bind +
                                   "\" is not an IP address");
  }
  const std::string where = server.bind + ":" + std::to_string(server.port);
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Status::Unavailable("cannot open a socket: " +
                               std::string(std::strerror(errno)));
  }
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (server.reuse_port) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  }
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  // A listening socket conflicts with a bound one only at listen().
  if (rc == 0) rc = ::listen(fd, 1);
  const int error = errno;
  ::close(fd);
  if (rc != 0) {
    return Status::Unavailable(where + " cannot be bound: " +
                               std::strerror(error) + " (check PORT and BIND)");
  }
  return Status::Ok();
}

// Factor VI: the process keeps no state on its disk. A setting that points
// at a writable path would let it; a sqlite: URL is the one such file an
// app may name, and is shown as what it writes.
void ReportSqliteFile(Report& report, const std::string& setting,
                      const std::string& path) {
  report.Line("info", "filesystem",
              "the app writes " + path + " (" + setting +
                  ", SQLite), and its -wal and -shm files beside it");
}

void CheckFilesystem(Report& report, const SettingsTable& table,
                     const Settings& settings) {
  bool flagged = false;
  for (const Setting& setting : table.settings()) {
    if (!settings.Has(setting.name)) continue;
    if (setting.type == SettingType::kStoreUrl) {
      const StoreUrl& url = settings.Url(setting.name);
      if (url.kind != StoreUrl::Kind::kSqlite) continue;
      ReportSqliteFile(report, setting.name, url.path);
      flagged = true;
      continue;
    }
    if (setting.type != SettingType::kString) continue;
    const std::string& value = settings.String(setting.name);
    if (value.starts_with("sqlite://")) {
      ReportSqliteFile(report, setting.name,
                       value.substr(std::string("sqlite://").size()));
      flagged = true;
      continue;
    }
    const bool looks_like_path = value.starts_with("/") ||
                                 value.starts_with("./") ||
                                 value.starts_with("file:");
    const std::string path =
        value.starts_with("file:") ? value.substr(5) : value;
    if (looks_like_path && ::access(path.c_str(), W_OK) == 0) {
      report.Fail("filesystem",
                  Status::InvalidArgument(
                      setting.name + " points at " + path +
                      ", a writable path: keep state in a backing service "
                      "(factor VI)"));
      flagged = true;
    }
  }
  if (!flagged) {
    report.Ok("filesystem", "no setting points the app at a writable path");
  }
}

void RunAppChecks(Report& report, const std::vector<DoctorCheck>& checks,
                  const Settings& settings, const KitConfig& config) {
  if (checks.empty()) return;
  // The drivers' events (a refused connection, a retry) go to stderr, so
  // that stdout holds the check lines only.
  StdoutSink sink(2);
  const Logger log(sink, config.log.level, config.log.format);
  const TaskContext context{settings, config, log};
  for (const DoctorCheck& check : checks) {
    Result<std::string> result = check.run(context);
    sink.Flush();
    if (result.ok()) {
      report.Ok(check.name, *result);
    } else {
      report.Fail(check.name, result.status());
    }
  }
}

}  // namespace

int RunDoctor(const SettingsTable& table,
              const std::vector<DoctorCheck>& app_checks) {
  Report report;
  report.CheckStdout();
  const Environment env = Environment::FromProcess();
  auto parsed = table.Parse(env);
  if (auto* errors = std::get_if<std::vector<SettingError>>(&parsed)) {
    for (const SettingError& error : *errors) {
      report.Fail("config", Status::InvalidArgument(error.ToString()));
    }
    CheckTypos(report, env, table);
    report.Line("skip", "port, filesystem, app checks",
                "they need a valid config");
    return report.exit_code();
  }
  const Settings& settings = std::get<Settings>(parsed);
  report.Ok("config",
            std::to_string(table.settings().size()) + " settings valid");
  CheckTypos(report, env, table);
  const KitConfig config = KitConfigFrom(settings);
  if (Status bound = BindOnce(config.server); bound.ok()) {
    report.Ok("port", config.server.bind + ":" +
                          std::to_string(config.server.port) + " can be bound");
  } else {
    report.Fail("port", bound);
  }
  CheckFilesystem(report, table, settings);
  RunAppChecks(report, app_checks, settings, config);
  return report.exit_code();
}

}  // namespace twelve
