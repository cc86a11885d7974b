#include "backing/postgres/libpq_library.hpp"

#include <dlfcn.h>

#include <string>

namespace twelve::backing {
namespace {

std::string Reason() {
  const char* error = dlerror();
  return error == nullptr ? std::string("no reason given") : error;
}

Status CannotLoad(const char* library, const std::string& what,
                  const std::string& reason) {
  return Status::Unavailable("DATABASE_URL attaches PostgreSQL, but " +
                             std::string(library) + " " + what + " (" + reason +
                             "): install the Debian package libpq5 (libpq 14 "
                             "or later)");
}

// Resolves `name` into `slot`; false when the library has no such symbol.
template <typename Function>
bool Resolve(void* handle, const char* name, Function& slot) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) return false;
  slot = reinterpret_cast<Function>(symbol);
  return true;
}

}  // namespace

Result<Libpq> LoadLibpq(const char* library) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return CannotLoad(library, "cannot be loaded", Reason());
  }
  Libpq pq;
  const char* missing = nullptr;
#define TWELVE_LIBPQ_RESOLVE(name) \
  if (missing == nullptr && !Resolve(handle, #name, pq.name)) missing = #name;
  TWELVE_LIBPQ_FUNCTIONS(TWELVE_LIBPQ_RESOLVE)
#undef TWELVE_LIBPQ_RESOLVE
  if (missing != nullptr) {
    std::string reason = Reason();  // before dlclose() replaces it
    dlclose(handle);
    return CannotLoad(library, "has no " + std::string(missing), reason);
  }
  return pq;
}

Result<const Libpq*> ProcessLibpq() {
  // A function-local static: the first caller loads, concurrent callers
  // wait for it (C++11), and nobody loads twice.
  static const Result<Libpq> kLoaded = LoadLibpq(kLibpqSoname);
  if (!kLoaded.ok()) return kLoaded.status();
  return &*kLoaded;
}

}  // namespace twelve::backing
