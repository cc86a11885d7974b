// The seed's first app, as a user of the kit writes it: the Flask original's
// `@app.route("/")` returning "Welcome to KODEKLOUD!".
#include <twelve/process/app.hpp>

int main(int argc, char** argv) {
  twelve::App app("hello");
  app.router().Get("/", [](const twelve::Request&) {
    return twelve::Response::Html("Welcome to KODEKLOUD!");
  });
  return app.Run(argc, argv);
}
