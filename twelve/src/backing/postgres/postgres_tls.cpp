// TLS to PostgreSQL on a libssl loaded on demand (openssl_library.*), past
// the usual length: libpq's sslmode semantics (certificate and host-name
// checks, client keys and their permissions, channel binding's server
// end-point hash) belong together with the session they configure.

#include "backing/postgres/postgres_tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "backing/postgres/openssl_library.hpp"

namespace twelve::backing::pg {
namespace {

using Verify = TlsSettings::Verify;

// Owners that free through the loaded table: OpenSSL is not linked.
struct ContextFree {
  const Openssl* ossl;
  void operator()(SSL_CTX* context) const { ossl->SSL_CTX_free(context); }
};
struct SslFree {
  const Openssl* ossl;
  void operator()(SSL* ssl) const { ossl->SSL_free(ssl); }
};
struct X509Free {
  const Openssl* ossl;
  void operator()(X509* cert) const { ossl->X509_free(cert); }
};
using ContextPtr = std::unique_ptr<SSL_CTX, ContextFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

Status Error(const std::string& what) {
  return Status::Unavailable("postgres: TLS: " + what);
}

// Empties this thread's OpenSSL error queue into "reason; reason": the
// reason alone ("certificate verify failed") reads better than the whole
// "error:0A000086:SSL routines::..." line, which is kept only when OpenSSL
// has no text for the reason. A system error is its errno's text.
std::string DrainErrors(const Openssl& ossl) {
  std::string text;
  while (unsigned long code = ossl.ERR_get_error()) {
    if (!text.empty()) text += "; ";
    if (ERR_SYSTEM_ERROR(code)) {
      text += std::strerror(ERR_GET_REASON(code));
    } else if (const char* reason = ossl.ERR_reason_error_string(code)) {
      text += reason;
    } else {
      char line[256];
      ossl.ERR_error_string_n(code, line, sizeof(line));
      text += line;
    }
  }
  return text;
}

// `what`, then what OpenSSL queued about it.
Status OpensslError(const Openssl& ossl, const std::string& what) {
  const std::string errors = DrainErrors(ossl);
  return Error(errors.empty() ? what : what + ": " + errors);
}

// A client key must not be readable by others, as libpq (15) requires: 0600
// or less when the process owns it; a root-owned key may also be readable
// by its group (0640, a key shared through a group such as ssl-cert). A key
// owned by another user passes, as in libpq: its owner manages it.
Status CheckKeyPermissions(const std::string& key) {
  struct stat info {};
  if (stat(key.c_str(), &info) != 0) {
    return Error("cannot read the private key file " + Quoted(key) + ": " +
                 std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return Error("the private key file " + Quoted(key) +
                 " is not a regular file");
  }
  if (info.st_uid == geteuid() && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Error("the private key file " + Quoted(key) +
                 " has group or world access; it must be 0600 or less");
  }
  if (info.st_uid == 0 && (info.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0) {
    return Error("the private key file " + Quoted(key) +
                 " has group or world access; it must be 0640 or less when "
                 "owned by root");
  }
  return Status::Ok();
}

Status LoadRootCertificates(const Openssl& ossl, SSL_CTX* context,
                            const TlsSettings& settings) {
  ossl.ERR_clear_error();
  if (settings.root_cert.empty()) {
    return Error(
        "sslmode verify-ca and verify-full need a root certificate file "
        "(sslrootcert)");
  }
  if (ossl.SSL_CTX_load_verify_file(context, settings.root_cert.c_str()) != 1) {
    return OpensslError(ossl, "cannot load the root certificate file " +
                                  Quoted(settings.root_cert));
  }
  if (settings.crl.empty()) return Status::Ok();
  X509_STORE* store = ossl.SSL_CTX_get_cert_store(context);
  if (ossl.X509_STORE_load_file(store, settings.crl.c_str()) != 1) {
    return OpensslError(ossl, "cannot load the certificate revocation list " +
                                  Quoted(settings.crl));
  }
  // Both flags, as libpq sets them: every certificate of the chain is
  // checked, not only the server's.
  ossl.X509_STORE_set_flags(store,
                            X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return Status::Ok();
}

Status UseClientCertificate(const Openssl& ossl, SSL_CTX* context,
                            const TlsSettings& settings) {
  ossl.ERR_clear_error();
  if (settings.cert.empty()) return Status::Ok();
  if (settings.key.empty()) {
    return Error("the client certificate " + Quoted(settings.cert) +
                 " needs its private key file (sslkey)");
  }
  if (ossl.SSL_CTX_use_certificate_chain_file(context, settings.cert.c_str()) !=
      1) {
    return OpensslError(ossl, "cannot load the client certificate file " +
                                  Quoted(settings.cert));
  }
  if (Status status = CheckKeyPermissions(settings.key); !status.ok()) {
    return status;
  }
  // No passphrase is configured: without this callback OpenSSL would prompt
  // on the terminal for an encrypted key, and block the loop.
  ossl.SSL_CTX_set_default_passwd_cb(context,
                                     [](char*, int, int, void*) { return 0; });
  if (ossl.SSL_CTX_use_PrivateKey_file(context, settings.key.c_str(),
                                       SSL_FILETYPE_PEM) != 1) {
    return OpensslError(
        ossl, "cannot load the private key file " + Quoted(settings.key));
  }
  if (ossl.SSL_CTX_check_private_key(context) != 1) {
    return OpensslError(ossl, "the private key file " + Quoted(settings.key) +
                                  " does not match the client certificate " +
                                  Quoted(settings.cert));
  }
  return Status::Ok();
}

Result<ContextPtr> NewContext(const Openssl& ossl,
                              const TlsSettings& settings) {
  ContextPtr context(ossl.SSL_CTX_new(ossl.TLS_client_method()),
                     ContextFree{&ossl});
  if (context == nullptr) {
    return OpensslError(ossl, "cannot create a TLS context");
  }
  // SSL_CTX_set_min_proto_version, a macro.
  if (ossl.SSL_CTX_ctrl(context.get(), SSL_CTRL_SET_MIN_PROTO_VERSION,
                        TLS1_2_VERSION, nullptr) != 1) {
    return OpensslError(ossl, "cannot require TLS 1.2");
  }
  if (settings.verify == Verify::kNone) {
    ossl.SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    ossl.SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    Status status = LoadRootCertificates(ossl, context.get(), settings);
    if (!status.ok()) return status;
  }
  Status status = UseClientCertificate(ossl, context.get(), settings);
  if (!status.ok()) return status;
  return context;
}

// The address `host` spells, as X509_VERIFY_PARAM_set1_ip wants it (4 or 16
// bytes in network order); empty when `host` is a DNS name.
std::string IpAddressBytes(const std::string& host) {
  unsigned char bytes[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<char*>(bytes), sizeof(in_addr));
  }
  if (inet_pton(AF_INET6, host.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<char*>(bytes), sizeof(in6_addr));
  }
  return {};
}

// SNI for a DNS name (RFC 6066 forbids addresses) and, for kFull, the name
// or address the certificate must carry, matched as libpq matches it.
Status SetPeerName(const Openssl& ossl, SSL* ssl, const TlsSettings& settings) {
  const std::string& host = settings.host;
  const std::string ip = IpAddressBytes(host);
  if (!host.empty() && ip.empty() &&
      ossl.SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,  // a macro's expansion
                    TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(host.c_str())) != 1) {
    return OpensslError(ossl, "cannot send the server name " + Quoted(host));
  }
  if (settings.verify != Verify::kFull) return Status::Ok();
  if (host.empty()) {
    return Error("sslmode verify-full needs the server's host name");
  }
  if (!ip.empty()) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(ip.data());
    if (ossl.X509_VERIFY_PARAM_set1_ip(ossl.SSL_get0_param(ssl), bytes,
                                       ip.size()) != 1) {
      return OpensslError(ossl, "cannot check the address " + Quoted(host));
    }
    return Status::Ok();
  }
  // libpq accepts a wildcard only as a whole first label ("*.example.com").
  ossl.SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (ossl.SSL_set1_host(ssl, host.c_str()) != 1) {
    return OpensslError(ossl, "cannot check the name " + Quoted(host));
  }
  return Status::Ok();
}

Status Attach(const Openssl& ossl, SSL* ssl, int fd,
              const TlsSettings& settings) {
  ossl.ERR_clear_error();
  if (ossl.SSL_set_fd(ssl, fd) != 1) {
    return OpensslError(ossl, "cannot attach to the socket");
  }
  // SSL_set_mode, a macro. Partial writes let Write return what a
  // non-blocking socket took; a moving buffer lets the caller retry from a
  // buffer that grew (and moved) since the want.
  ossl.SSL_ctrl(
      ssl, SSL_CTRL_MODE,
      SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
      nullptr);
  return SetPeerName(ossl, ssl, settings);
}

// OpenSSL sends with write(2), which raises SIGPIPE on a socket the server
// has closed. The kit's commands ignore SIGPIPE, but a process embedding the
// kit may not: as libpq does, block it on this thread around each OpenSSL
// call that may write, and swallow the one that call raised.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t previous_;
  bool was_pending_ = false;
};

}  // namespace

struct TlsSession::Impl {
  const Openssl* ossl;
  SslPtr ssl;
  std::string host;

  // Why the last call failed: OpenSSL's queue, else errno, then the
  // certificate's verification result when it is what failed.
  Status Failure(int error, int saved_errno, const char* during) const {
    std::string text = DrainErrors(*ossl);
    if (text.empty() && error == SSL_ERROR_SYSCALL) {
      text = saved_errno != 0
                 ? std::string(std::strerror(saved_errno)) + " during " + during
                 : std::string("the server closed the connection during ") +
                       during;
    } else if (text.empty()) {
      text =
          std::string("error ") + std::to_string(error) + " during " + during;
    }
    const long verify = ossl->SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      text += std::string(": ") + ossl->X509_verify_cert_error_string(verify);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
          verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        text += " (the server certificate does not name " + Quoted(host) + ")";
      }
    }
    return Error(text);
  }

  Status Closed(const char* during) const {
    return Error(std::string("the server closed the connection during ") +
                 during);
  }

  // Runs one OpenSSL call that moves bytes on the socket (`call` returns
  // its result and sets the bytes moved) and sorts the outcome: done,
  // waiting for the socket, closed by the server, or failed (with why).
  template <typename Call>
  Result<Io> Run(Call call, const char* during) const {
    ossl->ERR_clear_error();
    std::size_t bytes = 0;
    int rc = 0;
    int saved_errno = 0;
    {
      const SigpipeBlocked sigpipe_blocked;
      errno = 0;
      rc = call(bytes);
      saved_errno = errno;
    }
    if (rc == 1) return Io{.bytes = bytes};
    const int error = ossl->SSL_get_error(ssl.get(), rc);
    if (error == SSL_ERROR_WANT_READ) return Io{.want = Want::kRead};
    if (error == SSL_ERROR_WANT_WRITE) return Io{.want = Want::kWrite};
    if (error == SSL_ERROR_ZERO_RETURN) return Io{.closed = true};
    return Failure(error, saved_errno, during);
  }
};

Result<std::unique_ptr<TlsSession>> TlsSession::Start(
    int fd, const TlsSettings& settings) {
  Result<const Openssl*> loaded = ProcessOpenssl();
  if (!loaded.ok()) return loaded.status();
  const Openssl& ossl = **loaded;
  ossl.ERR_clear_error();
  Result<ContextPtr> context = NewContext(ossl, settings);
  if (!context.ok()) return context.status();
  // The SSL holds its own reference to the context.
  SslPtr ssl(ossl.SSL_new(context->get()), SslFree{&ossl});
  if (ssl == nullptr) return OpensslError(ossl, "cannot create a session");
  if (Status status = Attach(ossl, ssl.get(), fd, settings); !status.ok()) {
    return status;
  }
  auto impl = std::make_unique<Impl>(
      Impl{.ossl = &ossl, .ssl = std::move(ssl), .host = settings.host});
  return std::unique_ptr<TlsSession>(new TlsSession(std::move(impl)));
}

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// No close_notify: the socket is the caller's and may already be closed
// (or its number reused), and PostgreSQL's Terminate message ends the
// session anyway.
TlsSession::~TlsSession() = default;

Result<TlsSession::Want> TlsSession::Handshake() {
  Result<Io> io = impl_->Run(
      [&](std::size_t&) { return impl_->ossl->SSL_connect(impl_->ssl.get()); },
      "the handshake");
  if (!io.ok()) return io.status();
  if (io->closed) return impl_->Closed("the handshake");
  return io->want;
}

Result<TlsSession::Io> TlsSession::Read(std::span<char> into) {
  if (into.empty()) return Io{};
  return impl_->Run(
      [&](std::size_t& bytes) {
        return impl_->ossl->SSL_read_ex(impl_->ssl.get(), into.data(),
                                        into.size(), &bytes);
      },
      "a read");
}

Result<TlsSession::Io> TlsSession::Write(std::span<const char> from) {
  if (from.empty()) return Io{};
  Result<Io> io = impl_->Run(
      [&](std::size_t& bytes) {
        return impl_->ossl->SSL_write_ex(impl_->ssl.get(), from.data(),
                                         from.size(), &bytes);
      },
      "a write");
  if (io.ok() && io->closed) return impl_->Closed("a write");
  return io;
}

Result<std::string> TlsSession::ServerEndPointHash() const {
  const Openssl& ossl = *impl_->ossl;
  ossl.ERR_clear_error();
  X509Ptr cert(ossl.SSL_get1_peer_certificate(impl_->ssl.get()),
               X509Free{&ossl});
  if (cert == nullptr) return Error("the server sent no certificate");
  // RFC 5929, section 4.1: the signature's hash, but SHA-256 for MD5 and
  // SHA-1.
  int hash_nid = NID_undef;
  if (ossl.OBJ_find_sigid_algs(ossl.X509_get_signature_nid(cert.get()),
                               &hash_nid, nullptr) != 1 ||
      hash_nid == NID_undef) {
    return Error(
        "the server certificate's signature has no hash for channel binding");
  }
  if (hash_nid == NID_md5 || hash_nid == NID_sha1) hash_nid = NID_sha256;
  // EVP_get_digestbynid, a macro.
  const EVP_MD* digest = ossl.EVP_get_digestbyname(ossl.OBJ_nid2sn(hash_nid));
  if (digest == nullptr) {
    return Error(std::string("no digest ") + ossl.OBJ_nid2sn(hash_nid) +
                 " for channel binding");
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (ossl.X509_digest(cert.get(), digest, hash, &length) != 1) {
    return OpensslError(ossl, "cannot hash the server certificate");
  }
  return std::string(reinterpret_cast<const char*>(hash), length);
}

}  // namespace twelve::backing::pg
