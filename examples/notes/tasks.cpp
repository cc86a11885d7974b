#include "tasks.hpp"

#include <twelve/backing/sql.hpp>

#include "migrations.hpp"
#include "settings.hpp"

namespace notes {
namespace {

// Applies the migrations, then counts the notes, so that the release phase
// fails (69) when the database cannot be reached.
twelve::Status RunMigrations(const twelve::TaskContext& context) {
  twelve::Result<twelve::StoreUrl> url = DatabaseUrl(context.settings);
  if (!url.ok()) return url.status();
  auto db = twelve::sql::BlockingClient::Open(
      *url, twelve::StoreOptionsFrom(context.settings), context.log);
  if (!db.ok()) return db.status();
  std::vector<twelve::Migration> migrations = Migrations((*db)->kind());
  const std::size_t count = migrations.size();
  if (twelve::Status status = (*db)->Migrate(std::move(migrations));
      !status.ok()) {
    return status;
  }
  twelve::Result<twelve::sql::ResultSet> notes =
      (*db)->Query("SELECT count(*) FROM notes");
  if (!notes.ok()) return notes.status();
  context.log.Info(
      "schema up to date",
      {{"store", (*db)->kind()},
       {"migrations", static_cast<unsigned long>(count)},
       {"notes", static_cast<long long>((*notes)[0].Int(0).value_or(0))}});
  return twelve::Status::Ok();
}

int Migrate(const twelve::TaskContext& context) {
  twelve::Status status = RunMigrations(context);
  if (!status.ok()) {
    context.log.Error("task failed", {{"error", status.ToString()}});
  }
  return ExitCodeFor(status);
}

}  // namespace

void AddTasks(twelve::App& app) {
  app.AddTask("migrate", "Create or upgrade the notes schema (release phase)",
              Migrate);
}

}  // namespace notes
