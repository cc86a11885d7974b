#pragma once
// Router: maps method + exact path to a handler.
//
// Unknown path -> 404. Known path, other method -> 405 with an Allow header.
// HEAD is answered by the GET handler (the server drops the body) unless a
// HEAD handler is registered for that path. Register routes before serving;
// Find() is then safe to call from every I/O thread at once.

#include <string>
#include <string_view>
#include <vector>

#include "twelve/http/message.hpp"

namespace twelve {

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
    int status = 200;        // 200, 404 or 405
    std::string_view allow;  // for 405: "GET, HEAD"
  };
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    Handler handler;  // one of the two
    AsyncHandler async_handler;
    Match Found() const {
      return Match{handler ? &handler : nullptr,
                   handler ? nullptr : &async_handler,
                   200,
                   {}};
    }
  };
  struct Path {
    std::string path;
    std::vector<Route> routes;
    std::string allow;
  };
  Router& Add(Route route, std::string path);
  Path& PathEntry(std::string path);

  std::vector<Path> paths_;
};

}  // namespace twelve
