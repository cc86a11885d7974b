// notes: a small JSON API on the twelve kit, its notes kept in the SQL
// database DATABASE_URL names (PostgreSQL or SQLite).
#include <twelve/process/app.hpp>

#include "service.hpp"
#include "settings.hpp"
#include "tasks.hpp"

int main(int argc, char** argv) {
  twelve::App app("notes");
  notes::AddSettings(app.settings());
  notes::AddTasks(app);
  notes::Service service;
  app.OnServe([&service](twelve::ServeContext& context) {
    return service.Start(context);
  });
  return app.Run(argc, argv);
}
