#include "backing/postgres/openssl_library.hpp"

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
  return Status::Unavailable(
      "DATABASE_URL attaches PostgreSQL over TLS, but " + std::string(library) +
      " " + what + " (" + reason +
      "): install the Debian package libssl3 (OpenSSL 3)");
}

// Resolves `name` into `slot`; false when neither the library nor its
// dependencies have such a symbol.
template <typename Function>
bool Resolve(void* handle, const char* name, Function& slot) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) return false;
  slot = reinterpret_cast<Function>(symbol);
  return true;
}

}  // namespace

Result<Openssl> LoadOpenssl(const char* library) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return CannotLoad(library, "cannot be loaded", Reason());
  }
  Openssl ossl;
  const char* missing = nullptr;
#define TWELVE_OPENSSL_RESOLVE(name) \
  if (missing == nullptr && !Resolve(handle, #name, ossl.name)) missing = #name;
  TWELVE_OPENSSL_FUNCTIONS(TWELVE_OPENSSL_RESOLVE)
#undef TWELVE_OPENSSL_RESOLVE
  if (missing != nullptr) {
    std::string reason = Reason();  // before dlclose() replaces it
    dlclose(handle);
    return CannotLoad(library, "has no " + std::string(missing), reason);
  }
  return ossl;
}

Result<const Openssl*> ProcessOpenssl() {
  // A function-local static: the first caller loads, concurrent callers
  // wait for it (C++11), and nobody loads twice.
  static const Result<Openssl> kLoaded = LoadOpenssl(kOpensslSoname);
  if (!kLoaded.ok()) return kLoaded.status();
  return &*kLoaded;
}

}  // namespace twelve::backing
