#pragma once
// Router: maps method + path to a handler. Paths are exact ("/livez") or
// patterns with parameters ("/notes/{id}").
//
// A `{name}` segment matches one non-empty path segment (no '/'); the
// handler reads it with Request::Param("name"), percent-decoded. Exact paths
// win over patterns; among patterns, the one registered first wins, methods
// and all (a later pattern is not tried for a method the first lacks).
//
// Unknown path -> 404. Known path, other method -> 405 with an Allow header.
// A pattern's parameter segment with a malformed percent-escape ("%zz") ->
// 400: the path is the pattern's, but no value can be given to the handler.
// HEAD is answered by the GET handler (the server drops the body) unless a
// HEAD handler is registered for that path.
//
// Registration errors are bugs, found at startup: a path not starting with
// '/', an empty handler, or a malformed pattern (an empty `{}`, a name twice,
// a brace not making a whole `{name}` segment, a name other than letters,
// digits and '_') throws std::invalid_argument naming the path; the same
// method on the same path, or a pattern of the same shape as an earlier one
// with other names ("/notes/{id}" then "/notes/{key}"), throws
// std::logic_error. Register routes before serving; Find() is then safe to
// call from every I/O thread at once.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/http/message.hpp"

namespace twelve {

// Where Find() puts a request's path parameters. Owned by the caller (the
// server keeps one per I/O thread) and reused, so that a steady stream of
// requests allocates nothing.
struct PathParamStorage {
  std::vector<PathParam> params;
  std::string decoded;  // percent-decoded values point here
};

class Router {
 public:
  Router& Get(std::string path, Handler handler);
  Router& Head(std::string path, Handler handler);
  Router& Post(std::string path, Handler handler);
  Router& Put(std::string path, Handler handler);
  Router& Delete(std::string path, Handler handler);
  Router& Handle(std::string method, std::string path, Handler handler);

  Router& GetAsync(std::string path, AsyncHandler handler);
  Router& HandleAsync(std::string method, std::string path,
                      AsyncHandler handler);

  // When status is 200, exactly one of the handlers is set: a synchronous
  // handler is called directly (its answer needs no Responder).
  struct Match {
    const Handler* handler = nullptr;
    const AsyncHandler* async_handler = nullptr;
    int status = 200;        // 200, 400, 404 or 405
    std::string_view allow;  // for 405: "GET, HEAD"
    // The registered path that matched ("/notes/{id}"), for 200, 400 and
    // 405; empty for 404. Logs and metrics label requests with it, never
    // with the raw path. Points into the Router: valid while it lives.
    std::string_view route;
    // With `route` (not for 404): the registered path's position among the
    // router's paths, so that per-route tables (the metrics) index rather
    // than compare names. Stable once routes are registered.
    std::uint32_t route_index = 0;
    // For 200: the path parameters, views into the storage given to Find()
    // and into the path. Empty for an exact path.
    std::span<const PathParam> params;
  };
  // Why a Match has status 400 (the one reason the router has).
  static constexpr std::string_view kMalformedParam =
      "malformed percent-encoding in a path parameter: expected '%' and two "
      "hex digits";
  // `storage` is cleared and refilled when a pattern matches; the params
  // point into it (and into `path`) until the next call with it.
  Match Find(std::string_view method, std::string_view path,
             PathParamStorage& storage) const;

 private:
  struct Route {
    std::string method;
    Handler handler;  // one of the two
    AsyncHandler async_handler;
  };
  // One registered path, exact or a pattern, with its routes.
  struct Path {
    std::string path;
    std::vector<Route> routes;
    std::string allow;
    // A pattern's segments ("notes", "{id}"), after the leading '/'; empty
    // for an exact path.
    std::vector<std::string> segments;
  };
  Router& Add(Route route, std::string path);
  Path& PathEntry(std::string path);
  static Match ForMethod(const Path& entry, std::uint32_t index,
                         std::string_view method);
  Match FindPattern(std::string_view method, std::string_view path,
                    PathParamStorage& storage) const;

  std::vector<Path> exact_;
  std::vector<Path> patterns_;
};

}  // namespace twelve
