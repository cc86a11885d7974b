#pragma once
// The schema migrations in welcome/migrations/, compiled into the binary so
// that the artifact carries its schema (factor V).

#include <twelve/backing/migration.hpp>
#include <vector>

namespace welcome {

// In version order.
std::vector<twelve::Migration> Migrations();

}  // namespace welcome
