#pragma once
// Openssl: the libssl and libcrypto functions TLS to PostgreSQL calls
// (postgres_tls.hpp), loaded with dlopen() when a server agrees to TLS
// instead of linked.
//
// Why: libssl and libcrypto are about 5 MiB of code to map and relocate;
// linked, every process pays for them at exec whichever store it attaches
// and whether or not its connection is encrypted.
//
// One handle is enough: libssl depends on libcrypto, and dlsym() on
// libssl's handle searches its dependencies too, so the libcrypto functions
// resolve through it.
//
// Every pointer is typed from OpenSSL's own headers
// (decltype(&::SSL_connect)), so the compiler checks each call as if
// OpenSSL were linked. The binaries do not link it, so a direct SSL_* call
// left somewhere fails to link. OpenSSL's function-like macros
// (SSL_set_tlsext_host_name, SSL_CTX_set_min_proto_version, SSL_set_mode,
// EVP_get_digestbynid) are not symbols: callers spell out the functions
// they expand to (SSL_ctrl, SSL_CTX_ctrl, EVP_get_digestbyname).
//
// Threading: an Openssl is immutable; use it from any thread. LoadOpenssl
// may be called from any thread; ProcessOpenssl loads once per process.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "twelve/status.hpp"

namespace twelve::backing {

// libssl's SONAME for OpenSSL 3, shipped by Debian's libssl3.
inline constexpr const char* kOpensslSoname = "libssl.so.3";

// Every OpenSSL function TlsSession calls, in one list, so that none can be
// added to the table without being resolved: the table and the loader are
// both expanded from it.
#define TWELVE_OPENSSL_FUNCTIONS(X)     \
  /* libssl */                          \
  X(TLS_client_method)                  \
  X(SSL_CTX_new)                        \
  X(SSL_CTX_free)                       \
  X(SSL_CTX_ctrl)                       \
  X(SSL_CTX_set_verify)                 \
  X(SSL_CTX_load_verify_file)           \
  X(SSL_CTX_get_cert_store)             \
  X(SSL_CTX_use_certificate_chain_file) \
  X(SSL_CTX_use_PrivateKey_file)        \
  X(SSL_CTX_check_private_key)          \
  X(SSL_CTX_set_default_passwd_cb)      \
  X(SSL_new)                            \
  X(SSL_free)                           \
  X(SSL_ctrl)                           \
  X(SSL_set_fd)                         \
  X(SSL_set1_host)                      \
  X(SSL_set_hostflags)                  \
  X(SSL_get0_param)                     \
  X(SSL_connect)                        \
  X(SSL_read_ex)                        \
  X(SSL_write_ex)                       \
  X(SSL_get_error)                      \
  X(SSL_get_verify_result)              \
  X(SSL_get1_peer_certificate)          \
  /* libcrypto, through libssl */       \
  X(ERR_get_error)                      \
  X(ERR_clear_error)                    \
  X(ERR_reason_error_string)            \
  X(ERR_error_string_n)                 \
  X(X509_free)                          \
  X(X509_STORE_load_file)               \
  X(X509_STORE_set_flags)               \
  X(X509_VERIFY_PARAM_set1_ip)          \
  X(X509_verify_cert_error_string)      \
  X(X509_get_signature_nid)             \
  X(X509_digest)                        \
  X(OBJ_find_sigid_algs)                \
  X(OBJ_nid2sn)                         \
  X(EVP_get_digestbyname)

// Named as OpenSSL names them, so that `ossl.SSL_connect(ssl)` reads like
// the OpenSSL manual.
// NOLINTBEGIN(readability-identifier-naming)
struct Openssl {
// `name` is a declarator here, which parentheses would not improve.
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define TWELVE_OPENSSL_POINTER(name) decltype(&::name) name = nullptr;
  TWELVE_OPENSSL_FUNCTIONS(TWELVE_OPENSSL_POINTER)
#undef TWELVE_OPENSSL_POINTER
};
// NOLINTEND(readability-identifier-naming)

// dlopen()s `library` (RTLD_NOW | RTLD_LOCAL) and resolves every function
// of the table through it. kUnavailable when the library cannot be loaded
// or lacks a function; the message names DATABASE_URL, the library, the
// Debian package to install and dlerror()'s reason. A library that resolved
// stays loaded for the life of the process; one that did not is closed
// again.
Result<Openssl> LoadOpenssl(const char* library);

// The process's OpenSSL (kOpensslSoname): the first call loads it,
// concurrent first calls wait for that one, and every call returns the same
// table or the same failure.
Result<const Openssl*> ProcessOpenssl();

}  // namespace twelve::backing
