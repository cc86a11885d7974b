#pragma once
// welcome's check for `welcome doctor`: the store the settings attach is
// reachable and migrated (its schema at the version welcome's migrations
// make), read without writing anything.

#include <string>
#include <twelve/process/app.hpp>

namespace welcome {

// Adds the "store" check to `welcome doctor`.
void AddDoctorChecks(twelve::App& app);

// Reachable and migrated: what was found ("redis://r:6379/0 reachable, no
// schema to migrate"), or the failure: kUnavailable when the store cannot be
// reached or is not migrated (exit 69), kInvalidArgument when none is
// attached (78), kInternal when it answers with an error (1).
twelve::Result<std::string> CheckStore(const twelve::TaskContext& context);

}  // namespace welcome
