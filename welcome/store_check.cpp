#include "store_check.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <twelve/process/task_loop.hpp>

#include "migrations.hpp"
#include "settings.hpp"
#include "visits.hpp"

namespace welcome {
namespace {

std::int64_t LatestVersion() {
  std::int64_t latest = 0;
  for (const twelve::Migration& migration : Migrations()) {
    latest = std::max<std::int64_t>(latest, migration.version);
  }
  return latest;
}

// A SQLite file that does not exist would be created by opening it: the
// doctor writes nothing, so it says so instead.
twelve::Status CheckSqliteFile(const twelve::StoreUrl& url) {
  struct stat st {};
  if (::stat(url.path.c_str(), &st) == 0) return twelve::Status::Ok();
  return twelve::Status::Unavailable(url.Masked() +
                                     " does not exist: run `welcome migrate`");
}

// `status` with `context` before its message, of the same kind.
twelve::Status Explained(const twelve::Status& status,
                         const std::string& context) {
  std::string message = context + status.message();
  switch (status.code()) {
    case twelve::StatusCode::kInvalidArgument:
      return twelve::Status::InvalidArgument(std::move(message));
    case twelve::StatusCode::kUnavailable:
      return twelve::Status::Unavailable(std::move(message));
    case twelve::StatusCode::kTimeout:
      return twelve::Status::Timeout(std::move(message));
    case twelve::StatusCode::kAmbiguous:
      return twelve::Status::Ambiguous(std::move(message));
    default:
      return twelve::Status::Internal(std::move(message));
  }
}

}  // namespace

void AddDoctorChecks(twelve::App& app) {
  app.AddDoctorCheck("store", CheckStore);
}

twelve::Result<std::string> CheckStore(const twelve::TaskContext& context) {
  twelve::Result<twelve::StoreUrl> url = ChooseStore(context.settings);
  if (!url.ok()) return url.status();
  const std::string where = url->Masked();
  if (url->kind == twelve::StoreUrl::Kind::kSqlite) {
    if (twelve::Status file = CheckSqliteFile(*url); !file.ok()) return file;
  }
  const twelve::StoreOptions options =
      twelve::StoreOptionsFrom(context.settings);
  const auto timeout = options.connect_timeout + options.operation_timeout;
  twelve::TaskLoop loop;
  auto opened = OpenCounterStore(*url, options, loop.loops(), context.log);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<CounterStore> store = std::move(*opened);
  // Reachable: the count is read as the web process reads it.
  twelve::Result<std::int64_t> count =
      loop.RunFor<twelve::Result<std::int64_t>>(
          [&](CounterStore::ValueCallback done) {
            Visits(*store).Count(std::move(done));
          },
          timeout);
  // Read even when the count failed with an error from the store: a missing
  // table is "not migrated".
  const bool answered =
      count.ok() || count.status().code() == twelve::StatusCode::kInternal;
  twelve::Result<std::int64_t> version =
      answered ? loop.RunFor<twelve::Result<std::int64_t>>(
                     [&](CounterStore::ValueCallback done) {
                       store->SchemaVersion(std::move(done));
                     },
                     timeout)
               : count;
  store->Close();
  if (!version.ok()) {
    const twelve::Status& failure = version.status();
    const bool down = twelve::ExitCodeFor(failure) == twelve::kExitUnavailable;
    return Explained(failure, where + (down ? " unreachable: " : " failed: "));
  }
  if (url->kind == twelve::StoreUrl::Kind::kRedis) {
    return where + " reachable, no schema to migrate";
  }
  const std::int64_t latest = LatestVersion();
  if (*version < latest) {
    return twelve::Status::Unavailable(
        where + " reachable but not migrated: schema at version " +
        std::to_string(*version) + ", the migrations make version " +
        std::to_string(latest) + ": run `welcome migrate`");
  }
  if (!count.ok()) {
    return Explained(count.status(), where + " failed: ");
  }
  return where + " reachable, schema at version " + std::to_string(*version) +
         " (up to date)";
}

}  // namespace welcome
