#pragma once
// Which commands redis::Client refuses because every caller on a loop shares
// that loop's connection: one that changes the connection's state (its
// database, its login, a transaction, a subscription) would change it for
// every other caller, and one that blocks until something happens would
// hold up every reply behind it (and meet the operation timeout).
//
// Threading: none; a pure function.

#include <span>
#include <string_view>

#include "twelve/status.hpp"

namespace twelve::backing {

// Ok, or kInvalidArgument saying why `args` (args[0] the command, any case)
// cannot go on a shared connection and what to do instead. An empty `args`
// is refused too.
Status CheckSharedConnectionCommand(std::span<const std::string_view> args);

}  // namespace twelve::backing
