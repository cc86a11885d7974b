// welcome: the system of KodeKloud's "12 Factor App" course on the twelve
// kit — a visitor counter kept in an attached backing service.
#include <twelve/process/app.hpp>

#include "service.hpp"
#include "settings.hpp"
#include "store_check.hpp"
#include "tasks.hpp"

int main(int argc, char** argv) {
  twelve::App app("welcome");
  welcome::AddSettings(app.settings());
  welcome::AddTasks(app);
  welcome::AddDoctorChecks(app);
  welcome::Service service;
  app.OnServe([&service](twelve::ServeContext& context) {
    return service.Start(context);
  });
  return app.Run(argc, argv);
}
