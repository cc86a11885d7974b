#include "routes.hpp"

#include <memory>

namespace welcome {
namespace {

// Store callbacks are std::function, which must be copyable; a Responder is
// not, so it travels behind a shared_ptr.
using SharedResponder = std::shared_ptr<twelve::Responder>;

// Answers the greeting for `count`, or the failure mapped to HTTP (and
// logged, since the client only learns the kind).
void Answer(twelve::Responder& responder, const twelve::Logger& log,
            const twelve::Result<std::int64_t>& count) {
  if (count.ok()) {
    responder.Send(twelve::Response::Html(Visits::Greeting(*count)));
    return;
  }
  log.Warn("visit not counted", {{"error", count.status().ToString()}});
  responder.Send(twelve::ErrorResponse(count.status()));
}

// A handler that asks Visits for a count (`count` is Record or Count) and
// greets with it.
twelve::AsyncHandler Greeter(Visits& visits, const twelve::Logger& log,
                             void (Visits::*count)(Visits::CountCallback)) {
  return [&visits, &log, count](const twelve::Request&,
                                twelve::Responder responder) {
    auto shared = std::make_shared<twelve::Responder>(std::move(responder));
    (visits.*count)([shared, &log](twelve::Result<std::int64_t> value) {
      Answer(*shared, log, value);
    });
  };
}

}  // namespace

void AddRoutes(twelve::Router& router, Visits& visits,
               const twelve::Logger& log) {
  router.HandleAsync("GET", "/", Greeter(visits, log, &Visits::Record));
  router.HandleAsync("HEAD", "/", Greeter(visits, log, &Visits::Count));
}

}  // namespace welcome
