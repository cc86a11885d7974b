#include "twelve/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace twelve {
namespace {

AsyncHandler Adapt(Handler handler) {
  return [handler = std::move(handler)](const Request& request,
                                        Responder responder) {
    responder.Send(handler(request));
  };
}

bool HasMethod(const std::vector<std::string>& methods,
               std::string_view method) {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// "GET, HEAD, POST": HEAD is implied by GET.
std::string AllowHeader(std::vector<std::string> methods) {
  if (HasMethod(methods, "GET") && !HasMethod(methods, "HEAD")) {
    methods.emplace_back("HEAD");
  }
  std::string allow;
  for (const std::string& method : methods) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  return allow;
}

}  // namespace

Router& Router::Get(std::string path, Handler handler) {
  return Handle("GET", std::move(path), std::move(handler));
}
Router& Router::Head(std::string path, Handler handler) {
  return Handle("HEAD", std::move(path), std::move(handler));
}
Router& Router::Post(std::string path, Handler handler) {
  return Handle("POST", std::move(path), std::move(handler));
}
Router& Router::Put(std::string path, Handler handler) {
  return Handle("PUT", std::move(path), std::move(handler));
}
Router& Router::Delete(std::string path, Handler handler) {
  return Handle("DELETE", std::move(path), std::move(handler));
}
Router& Router::Handle(std::string method, std::string path, Handler handler) {
  return HandleAsync(std::move(method), std::move(path),
                     Adapt(std::move(handler)));
}
Router& Router::GetAsync(std::string path, AsyncHandler handler) {
  return HandleAsync("GET", std::move(path), std::move(handler));
}

Router& Router::HandleAsync(std::string method, std::string path,
                            AsyncHandler handler) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("route path must start with '/': " + path);
  }
  Path& entry = PathEntry(std::move(path));
  for (const Route& route : entry.routes) {
    if (route.method == method) {
      throw std::logic_error("route registered twice: " + method + " " +
                             entry.path);
    }
  }
  entry.routes.push_back(Route{std::move(method), std::move(handler)});
  std::vector<std::string> methods;
  for (const Route& route : entry.routes) methods.push_back(route.method);
  entry.allow = AllowHeader(std::move(methods));
  return *this;
}

Router::Path& Router::PathEntry(std::string path) {
  for (Path& entry : paths_) {
    if (entry.path == path) return entry;
  }
  return paths_.emplace_back(Path{std::move(path), {}, {}});
}

// A linear scan: a service has a handful of routes, and comparing a few short
// strings beats hashing the path.
Router::Match Router::Find(std::string_view method,
                           std::string_view path) const {
  for (const Path& entry : paths_) {
    if (entry.path != path) continue;
    const AsyncHandler* get = nullptr;
    for (const Route& route : entry.routes) {
      if (route.method == method) return Match{&route.handler, 200, {}};
      if (route.method == "GET") get = &route.handler;
    }
    if (method == "HEAD" && get != nullptr) return Match{get, 200, {}};
    return Match{nullptr, 405, entry.allow};
  }
  return Match{nullptr, 404, {}};
}

}  // namespace twelve
