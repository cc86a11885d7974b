#include "service.hpp"

#include "routes.hpp"
#include "settings.hpp"

namespace welcome {

twelve::Status Service::Start(twelve::ServeContext& context) {
  twelve::Result<twelve::StoreUrl> url = ChooseStore(context.settings());
  if (!url.ok()) return url.status();
  twelve::Result<CounterMetrics> metrics =
      RegisterCounterMetrics(context.metrics());
  if (!metrics.ok()) return metrics.status();
  auto store =
      OpenCounterStore(*url, twelve::StoreOptionsFrom(context.settings()),
                       context.loops(), context.log());
  if (!store.ok()) return store.status();
  store_ = NewCoalescingCounterStore(std::move(*store), context.loops(),
                                     context.log(), *metrics);
  context.log().Info("store attached",
                     {{"store", store_->kind()}, {"url", url->Masked()}});
  visits_ = std::make_unique<Visits>(*store_);
  AddRoutes(context.router(), *visits_, context.log());
  context.AddReadinessCheck(std::string(store_->kind()),
                            [store = store_.get()] { return store->Ready(); });
  context.OnShutdown([store = store_.get()] { store->Close(); });
  return twelve::Status::Ok();
}

}  // namespace welcome
