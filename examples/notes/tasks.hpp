#pragma once
// notes' admin tasks (factor XII): the same binary and environment as the
// web process.
//   notes migrate   create or upgrade the schema (the release phase)

#include <twelve/process/app.hpp>

namespace notes {

void AddTasks(twelve::App& app);

}  // namespace notes
