#pragma once
// welcome's admin tasks (factor XII): one-off processes of the same binary,
// with the same environment and the same JSON logs as the web process.
//
//   welcome migrate        create or upgrade the schema (no-op for Redis)
//   welcome reset-counter  set the visitor count to 0 (the course's script)
//   welcome count          log the current visitor count
//
// Exit codes: 0 done, 69 the store cannot be reached, 78 bad config,
// 1 the store refused (e.g. no schema: run migrate).

#include <twelve/process/app.hpp>

namespace welcome {

void AddTasks(twelve::App& app);

}  // namespace welcome
