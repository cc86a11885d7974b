#pragma once
// welcome's HTTP routes: thin adapters from requests to Visits.

#include <twelve/http/router.hpp>

#include "visits.hpp"

namespace welcome {

// GET / counts a visit and greets with its number; HEAD / answers the same
// headers without counting. A store that is down gives 503 + Retry-After.
void AddRoutes(twelve::Router& router, Visits& visits,
               const twelve::Logger& log);

}  // namespace welcome
