// welcome: the system of KodeKloud's "12 Factor App" course on the twelve kit.
#include <twelve/app.hpp>

int main(int argc, char** argv) {
  twelve::App app("welcome");
  app.router().Get("/", [](const twelve::Request&) {
    return twelve::Response::Html("Welcome to KODEKLOUD!");
  });
  return app.Run(argc, argv);
}
