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

}  // namespace

void AddRoutes(twelve::Router& router, Visits& visits,
               const twelve::Logger& log) {
  router.HandleAsync(
      "GET", "/",
      [&visits, &log](const twelve::Request&, twelve::Responder responder) {
        auto shared = std::make_shared<twelve::Responder>(std::move(responder));
        visits.Record([shared, &log](twelve::Result<std::int64_t> count) {
          Answer(*shared, log, count);
        });
      });
  router.HandleAsync(
      "HEAD", "/",
      [&visits, &log](const twelve::Request&, twelve::Responder responder) {
        auto shared = std::make_shared<twelve::Responder>(std::move(responder));
        visits.Count([shared, &log](twelve::Result<std::int64_t> count) {
          Answer(*shared, log, count);
        });
      });
}

}  // namespace welcome
