#pragma once
// Migration: one versioned schema change of an app's SQL database, compiled
// into the app and applied by its migrate task (factor XII), through
// sql::Client::Migrate (or BlockingClient::Migrate). The database records
// what it applied in a schema_migrations table, so a migration runs once per
// database, whichever process runs the task.

#include <string>

namespace twelve {

// A schema change, applied once by the migrate task, in version order.
struct Migration {
  int version;       // 1, 2, 3, ...: never reused, never edited once shipped
  std::string name;  // "create_counters"
  std::string sql;   // one or more statements; no BEGIN/COMMIT (each runs
                     // inside the transaction that records it)
};

}  // namespace twelve
