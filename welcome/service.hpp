#pragma once
// Service: what `welcome serve` runs on top of the kit — the attached store,
// the visitor counter and its routes — started once the config is valid and
// stopped after the server has drained.

#include <memory>
#include <twelve/process/app.hpp>

#include "counter/counter_store.hpp"
#include "visits.hpp"

namespace welcome {

class Service {
 public:
  // Opens the store chosen by the settings (connecting in the background),
  // adds the routes and the store's readiness check. kInvalidArgument when
  // no store is attached (exit 78).
  twelve::Status Start(twelve::ServeContext& context);

 private:
  std::unique_ptr<CounterStore> store_;
  std::unique_ptr<Visits> visits_;
};

}  // namespace welcome
