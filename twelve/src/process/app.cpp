#include "twelve/process/app.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <exception>
#include <iostream>
#include <vector>

#include "config/config_report.hpp"
#include "process/doctor.hpp"
#include "process/health_probe.hpp"
#include "process/serve_command.hpp"
#include "twelve/build_info.hpp"

namespace twelve {
namespace {

constexpr std::chrono::seconds kHealthcheckTimeout{2};

struct Task {
  std::string name;
  std::string doc;
  std::function<int(const TaskContext&)> run;
};

int PrintVersion(const std::string& app_name) {
  const BuildInfo& build = GetBuildInfo();
  std::cout << app_name << " " << build.version << " (commit " << build.commit
            << ", built " << build.build_time << " with " << build.compiler
            << ", " << build.build_type << ")\n";
  return kExitOk;
}

// Parses the environment for a one-off command; on errors prints them on
// stderr and returns kInvalidArgument (the caller exits 78).
Result<Settings> ParseOrReport(const SettingsTable& table) {
  auto parsed = table.Parse(Environment::FromProcess());
  if (auto* errors = std::get_if<std::vector<SettingError>>(&parsed)) {
    for (const SettingError& error : *errors) {
      std::cerr << "config error: " << error.ToString() << "\n";
    }
    return Status::InvalidArgument(std::to_string(errors->size()) +
                                   " invalid settings");
  }
  return std::get<Settings>(std::move(parsed));
}

int PrintConfig(const SettingsTable& table) {
  Result<Settings> settings = ParseOrReport(table);
  if (!settings.ok()) return ExitCodeFor(settings.status());
  PrintEffectiveConfig(std::cout, *settings);
  return kExitOk;
}

int Healthcheck(const SettingsTable& table) {
  Result<Settings> settings = ParseOrReport(table);
  if (!settings.ok()) return ExitCodeFor(settings.status());
  KitConfig config = KitConfigFrom(*settings);
  Status ready = ProbeReadiness(ProbeHost(config.server.bind),
                                config.server.port, kHealthcheckTimeout);
  if (!ready.ok()) {
    std::cerr << "not ready: " << ready.message() << "\n";
    return kExitFailure;
  }
  std::cout << "ready\n";
  return kExitOk;
}

int RunTask(const Task& task, const SettingsTable& table) {
  std::signal(SIGPIPE, SIG_IGN);
  StdoutSink sink;
  const Result<LoadedConfig> loaded = LoadConfigOrReport(table, sink);
  if (!loaded.ok()) return ExitCodeFor(loaded.status());
  Logger log(sink, loaded->kit.log.level, loaded->kit.log.format);
  auto started = std::chrono::steady_clock::now();
  int code = task.run(TaskContext{loaded->settings, loaded->kit, log});
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  log.Log(code == kExitOk ? LogLevel::kInfo : LogLevel::kError, "task finished",
          {{"task", task.name},
           {"exit_code", code},
           {"duration_ms", static_cast<long long>(elapsed.count())}});
  return code;
}

}  // namespace

class App::Impl {
 public:
  explicit Impl(std::string name) : name_(std::move(name)) {
    AddKitSettings(table_);
  }

  int Run(int argc, char** argv);

  std::string name_;
  SettingsTable table_;
  Router router_;
  std::function<Status(ServeContext&)> setup_;
  std::vector<Task> tasks_;
  std::vector<DoctorCheck> doctor_checks_;
};

int App::Impl::Run(int argc, char** argv) {
  CLI::App cli(name_ +
                   ": a twelve-factor web service. Configuration comes "
                   "from the environment only; see `" +
                   name_ + " config`.",
               name_);
  cli.require_subcommand(0, 1);
  cli.add_subcommand("serve", "Serve HTTP on $PORT until SIGTERM (default)");
  cli.add_subcommand("config",
                     "Print the effective configuration (secrets masked)");
  cli.add_subcommand("version", "Print the version and build information");
  cli.add_subcommand("healthcheck",
                     "Exit 0 when the local server's /readyz answers 200");
  cli.add_subcommand("doctor",
                     "Check config, environment, port, stdout, filesystem "
                     "and the app's backing services before serving");
  for (const Task& task : tasks_) cli.add_subcommand(task.name, task.doc);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = cli.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  std::string command = cli.get_subcommands().empty()
                            ? "serve"
                            : cli.get_subcommands()[0]->get_name();
  if (command == "config") return PrintConfig(table_);
  if (command == "version") return PrintVersion(name_);
  if (command == "healthcheck") return Healthcheck(table_);
  if (command == "doctor") {
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is a finding
    return RunDoctor(table_, doctor_checks_);
  }
  for (const Task& task : tasks_) {
    if (task.name == command) return RunTask(task, table_);
  }
  std::vector<std::string> task_names;
  for (const Task& task : tasks_) task_names.push_back(task.name);
  return RunServe(
      ServeOptions{name_, &table_, &router_, &setup_, std::move(task_names)});
}

App::App(std::string name) : impl_(std::make_unique<Impl>(std::move(name))) {}
App::~App() = default;

Router& App::router() { return impl_->router_; }
SettingsTable& App::settings() { return impl_->table_; }

void App::OnServe(std::function<Status(ServeContext&)> setup) {
  impl_->setup_ = std::move(setup);
}

void App::AddTask(std::string name, std::string doc,
                  std::function<int(const TaskContext&)> run) {
  impl_->tasks_.push_back(
      Task{std::move(name), std::move(doc), std::move(run)});
}

void App::AddDoctorCheck(
    std::string name,
    std::function<Result<std::string>(const TaskContext&)> check) {
  impl_->doctor_checks_.push_back(
      DoctorCheck{std::move(name), std::move(check)});
}

int App::Run(int argc, char** argv) {
  try {
    return impl_->Run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << impl_->name_ << ": fatal: " << error.what() << "\n";
  } catch (...) {
    std::cerr << impl_->name_ << ": fatal: unknown exception\n";
  }
  return kExitFailure;
}

}  // namespace twelve
