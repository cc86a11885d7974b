#include "tasks.hpp"

#include <twelve/process/task_loop.hpp>

#include "migrations.hpp"
#include "settings.hpp"
#include "visits.hpp"

namespace welcome {
namespace {

// What every task does around its one operation: choose and open the store
// on a loop of its own, run, close, and turn the outcome into an exit code.
class TaskRun {
 public:
  explicit TaskRun(const twelve::TaskContext& context) : context_(context) {}

  // Opens the store; false (with the exit code in `code`) when it cannot.
  bool Open(int& code) {
    twelve::Result<twelve::StoreUrl> url = ChooseStore(context_.settings);
    if (url.ok()) {
      options_ = twelve::StoreOptionsFrom(context_.settings);
      auto store =
          OpenCounterStore(*url, options_, loop_.loops(), context_.log);
      if (store.ok()) {
        store_ = std::move(*store);
        return true;
      }
      url = store.status();
    }
    context_.log.Error("cannot open the store",
                       {{"error", url.status().ToString()}});
    code = twelve::ExitCodeFor(url.status());
    return false;
  }

  std::chrono::milliseconds timeout() const {
    return options_.connect_timeout + options_.operation_timeout;
  }
  twelve::TaskLoop& loop() { return loop_; }
  CounterStore& store() { return *store_; }

  // Logs a failure and returns the exit code for `status`.
  int Finish(const twelve::Status& status) {
    store_->Close();
    if (!status.ok()) {
      context_.log.Error("task failed", {{"error", status.ToString()}});
    }
    return twelve::ExitCodeFor(status);
  }

 private:
  const twelve::TaskContext& context_;
  twelve::TaskLoop loop_;
  twelve::StoreOptions options_;
  std::unique_ptr<CounterStore> store_;
};

int Migrate(const twelve::TaskContext& context) {
  TaskRun run(context);
  int code = 0;
  if (!run.Open(code)) return code;
  std::vector<twelve::Migration> migrations = Migrations();
  twelve::Status status = run.loop().RunFor<twelve::Status>(
      [&](CounterStore::StatusCallback done) {
        run.store().Migrate(migrations, std::move(done));
      },
      run.timeout() * static_cast<long>(migrations.size() + 1));
  // Redis has no schema, so Migrate() there sends nothing: read the count
  // too, so that the release phase fails (69) when the store is unreachable.
  if (status.ok()) {
    status = run.loop()
                 .RunFor<twelve::Result<std::int64_t>>(
                     [&](CounterStore::ValueCallback done) {
                       Visits(run.store()).Count(std::move(done));
                     },
                     run.timeout())
                 .status();
  }
  if (status.ok()) {
    context.log.Info(
        "schema up to date",
        {{"store", run.store().kind()},
         {"migrations", static_cast<unsigned long>(migrations.size())}});
  }
  return run.Finish(status);
}

int ResetCounter(const twelve::TaskContext& context) {
  TaskRun run(context);
  int code = 0;
  if (!run.Open(code)) return code;
  Visits visits(run.store());
  twelve::Status status = run.loop().RunFor<twelve::Status>(
      [&](CounterStore::StatusCallback done) { visits.Reset(std::move(done)); },
      run.timeout());
  if (status.ok()) context.log.Info("visitor count reset", {{"count", 0}});
  return run.Finish(status);
}

int Count(const twelve::TaskContext& context) {
  TaskRun run(context);
  int code = 0;
  if (!run.Open(code)) return code;
  Visits visits(run.store());
  twelve::Result<std::int64_t> count =
      run.loop().RunFor<twelve::Result<std::int64_t>>(
          [&](CounterStore::ValueCallback done) {
            visits.Count(std::move(done));
          },
          run.timeout());
  if (count.ok()) {
    context.log.Info("visitor count",
                     {{"count", static_cast<long long>(*count)}});
  }
  return run.Finish(count.status());
}

}  // namespace

void AddTasks(twelve::App& app) {
  app.AddTask("migrate", "Create or upgrade the store's schema (release phase)",
              Migrate);
  app.AddTask("reset-counter", "Set the visitor count to 0", ResetCounter);
  app.AddTask("count", "Log the current visitor count", Count);
}

}  // namespace welcome
