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

Router::Match WithStatus(int status, std::string_view route,
                         std::uint32_t route_index) {
  Router::Match match;
  match.status = status;
  match.route = route;
  match.route_index = route_index;
  return match;
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

Router::Match Router::ForMethod(const Path& entry, std::uint32_t index,
                                std::string_view method) {
  const Route* found = nullptr;
  for (const Route& route : entry.routes) {
    if (route.method == method) {
      found = &route;
      break;
    }
    if (route.method == "GET" && method == "HEAD") found = &route;
  }
  Match match;
  match.route = entry.path;
  match.route_index = index;
  if (found == nullptr) {
    match.status = 405;
    match.allow = entry.allow;
  } else if (found->handler) {
    match.handler = &found->handler;
  } else {
    match.async_handler = &found->async_handler;
  }
  return match;
}

// A linear scan: a service has a handful of routes, and comparing a few short
// strings beats hashing the path. Exact paths come first, so that patterns
// cost nothing to the routes that have none.
Router::Match Router::Find(std::string_view method, std::string_view path,
                           PathParamStorage& storage) const {
  for (std::size_t i = 0; i < exact_.size(); ++i) {
    if (exact_[i].path == path) {
      return ForMethod(exact_[i], static_cast<std::uint32_t>(i), method);
    }
  }
  if (patterns_.empty()) return WithStatus(404, {}, 0);
  return FindPattern(method, path, storage);
}

Router::Match Router::FindPattern(std::string_view method,
                                  std::string_view path,
                                  PathParamStorage& storage) const {
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const Path& entry = patterns_[i];
    // Patterns are numbered after the exact paths.
    const auto index = static_cast<std::uint32_t>(exact_.size() + i);
    switch (MatchRoutePattern(entry.segments, path, storage)) {
      case PatternMatch::kNo:
        continue;
      case PatternMatch::kMalformedEscape:
        return WithStatus(400, entry.path, index);
      case PatternMatch::kYes: {
        Match match = ForMethod(entry, index, method);
        if (match.status == 200) match.params = storage.params;
        return match;
      }
    }
  }
  return WithStatus(404, {}, 0);
}

}  // namespace twelve
