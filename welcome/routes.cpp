#include "routes.hpp"

#include <memory>
#include <twelve/http/request_log.hpp>

namespace welcome {
namespace {

// What a request's store callback keeps: the answer to send and the
// request's ids for its events. Store callbacks are std::function, which
// must be copyable; a Responder is not, so they travel behind a shared_ptr.
struct Pending {
  twelve::Responder responder;
  twelve::RequestLog log;
};

// Answers the greeting for `count`, or the failure mapped to HTTP (and
// logged with the request's ids, since the client only learns the kind).
void Answer(Pending& pending, const twelve::Result<std::int64_t>& count) {
  if (count.ok()) {
    pending.responder.Send(twelve::Response::Html(Visits::Greeting(*count)));
    return;
  }
  pending.log.Warn("visit not counted", {{"error", count.status().ToString()}});
  pending.responder.Send(twelve::ErrorResponse(count.status()));
}

// A handler that asks Visits for a count (`count` is Record or Count) and
// greets with it.
twelve::AsyncHandler Greeter(Visits& visits, const twelve::Logger& log,
                             void (Visits::*count)(Visits::CountCallback)) {
  return [&visits, &log, count](const twelve::Request& request,
                                twelve::Responder responder) {
    auto pending = std::make_shared<Pending>(
        Pending{std::move(responder), twelve::RequestLog(log, request)});
    (visits.*count)([pending](twelve::Result<std::int64_t> value) {
      Answer(*pending, value);
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
