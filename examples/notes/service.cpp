#include "service.hpp"

#include "routes.hpp"
#include "settings.hpp"

namespace notes {

twelve::Status Service::Start(twelve::ServeContext& context) {
  twelve::Result<twelve::StoreUrl> url = DatabaseUrl(context.settings());
  if (!url.ok()) return url.status();
  auto db =
      twelve::sql::Open(*url, twelve::StoreOptionsFrom(context.settings()),
                        context.loops(), context.log());
  if (!db.ok()) return db.status();
  db_ = std::move(*db);
  context.log().Info("store attached",
                     {{"store", db_->kind()}, {"url", url->Masked()}});
  notes_ = std::make_unique<Notes>(*db_);
  AddRoutes(context.router(), *notes_, context.log());
  context.AddReadinessCheck(std::string(db_->kind()),
                            [db = db_.get()] { return db->Ready(); });
  context.OnShutdown([db = db_.get()] { db->Close(); });
  return twelve::Status::Ok();
}

}  // namespace notes
