#include "routes.hpp"

#include <twelve/http/request_log.hpp>

namespace welcome {
namespace {

// What a request keeps while its count is on the way: the answer to send
// and the request's ids for its events. It travels inside the store's
// callback (no allocation per visit), which is why it must fit inline.
struct Pending {
  twelve::Responder responder;
  twelve::RequestLog log;
};
static_assert(Visits::CountCallback::StoresInline<Pending>,
              "a visit's callback would allocate: raise "
              "CounterStore::kCallbackInlineBytes");

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
    (visits.*count)([pending = Pending{std::move(responder),
                                       twelve::RequestLog(log, request)}](
                        twelve::Result<std::int64_t> value) mutable {
      Answer(pending, value);
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
