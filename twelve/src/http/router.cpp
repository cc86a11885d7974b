#include "twelve/http/router.hpp"

#include <algorithm>
#include <stdexcept>

#include "http/route_pattern.hpp"

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
  const bool pattern = IsRoutePattern(path);
  std::vector<Path>& entries = pattern ? patterns_ : exact_;
  for (Path& entry : entries) {
    if (entry.path == path) return entry;
  }
  if (!pattern) return entries.emplace_back(Path{std::move(path), {}, {}, {}});
  std::vector<std::string> segments = SplitRoutePattern(path);
  for (const Path& entry : patterns_) {
    // The later one could never match: the earlier one wins its paths.
    if (SameRouteShape(entry.segments, segments)) {
      throw std::logic_error("route pattern '" + path +
                             "' matches the same paths as '" + entry.path +
                             "': register its methods on '" + entry.path + "'");
    }
  }
  return entries.emplace_back(
      Path{std::move(path), {}, {}, std::move(segments)});
}

Router::Match Router::ForMethod(const Path& entry, std::string_view method) {
  const Route* get = nullptr;
  for (const Route& route : entry.routes) {
    if (route.method == method) {
      get = &route;
      break;
    }
    if (route.method == "GET" && method == "HEAD") get = &route;
  }
  if (get == nullptr)
    return Match{nullptr, nullptr, 405, entry.allow, entry.path, {}, {}};
  return Match{get->handler ? &get->handler : nullptr,
               get->handler ? nullptr : &get->async_handler,
               200,
               {},
               entry.path,
               {},
               {}};
}

// A linear scan: a service has a handful of routes, and comparing a few short
// strings beats hashing the path. Exact paths come first, so that patterns
// cost nothing to the routes that have none.
Router::Match Router::Find(std::string_view method, std::string_view path,
                           PathParamStorage& storage) const {
  for (const Path& entry : exact_) {
    if (entry.path == path) return ForMethod(entry, method);
  }
  if (patterns_.empty()) return Match{nullptr, nullptr, 404, {}, {}, {}, {}};
  return FindPattern(method, path, storage);
}

Router::Match Router::FindPattern(std::string_view method,
                                  std::string_view path,
                                  PathParamStorage& storage) const {
  for (const Path& entry : patterns_) {
    switch (MatchRoutePattern(entry.segments, path, storage)) {
      case PatternMatch::kNo:
        continue;
      case PatternMatch::kMalformedEscape:
        return Match{nullptr,
                     nullptr,
                     400,
                     {},
                     entry.path,
                     {},
                     "malformed percent-encoding in a path parameter: "
                     "expected '%' and two hex digits"};
      case PatternMatch::kYes: {
        Match match = ForMethod(entry, method);
        if (match.status == 200) match.params = storage.params;
        return match;
      }
    }
  }
  return Match{nullptr, nullptr, 404, {}, {}, {}, {}};
}

}  // namespace twelve
