#include "twelve/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace twelve {
namespace {

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
  return Add(Route{std::move(method), std::move(handler), {}}, std::move(path));
}
Router& Router::GetAsync(std::string path, AsyncHandler handler) {
  return HandleAsync("GET", std::move(path), std::move(handler));
}

Router& Router::HandleAsync(std::string method, std::string path,
                            AsyncHandler handler) {
  return Add(Route{std::move(method), {}, std::move(handler)}, std::move(path));
}

Router& Router::Add(Route route, std::string path) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("route path must start with '/': " + path);
  }
  if (!route.handler && !route.async_handler) {
    throw std::invalid_argument("route without a handler: " + route.method +
                                " " + path);
  }
  Path& entry = PathEntry(std::move(path));
  for (const Route& existing : entry.routes) {
    if (existing.method == route.method) {
      throw std::logic_error("route registered twice: " + route.method + " " +
                             entry.path);
    }
  }
  entry.routes.push_back(std::move(route));
  std::vector<std::string> methods;
  for (const Route& existing : entry.routes) methods.push_back(existing.method);
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
    const Route* get = nullptr;
    for (const Route& route : entry.routes) {
      if (route.method == method) return route.Found();
      if (route.method == "GET") get = &route;
    }
    if (method == "HEAD" && get != nullptr) return get->Found();
    return Match{nullptr, nullptr, 405, entry.allow};
  }
  return Match{nullptr, nullptr, 404, {}};
}

}  // namespace twelve
