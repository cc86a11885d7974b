#pragma once
// notes' web process: attaches the database, adds the routes and the
// readiness check, and closes the database on shutdown.

#include <memory>
#include <twelve/backing/sql.hpp>
#include <twelve/process/serve_context.hpp>

#include "notes.hpp"

namespace notes {

class Service {
 public:
  twelve::Status Start(twelve::ServeContext& context);

 private:
  std::unique_ptr<twelve::sql::Client> db_;
  std::unique_ptr<Notes> notes_;
};

}  // namespace notes
