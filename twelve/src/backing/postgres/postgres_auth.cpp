#include "backing/postgres/postgres_auth.hpp"

#include <nettle/base16.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>
#include <string.h>  // explicit_bzero
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace twelve::backing::pg {
namespace {

constexpr std::string_view kGs2NoBinding = "n,,";
constexpr std::string_view kGs2CouldBind = "y,,";
constexpr std::string_view kGs2Binding = "p=tls-server-end-point,,";

std::string_view Gs2Header(const ScramChannelBinding& binding) {
  if (!binding.server_end_point.empty()) return kGs2Binding;
  return binding.client_supports ? kGs2CouldBind : kGs2NoBinding;
}
constexpr std::size_t kNonceBytes = 18;  // what libpq sends

// A SHA-256 sized secret that wipes itself, so derived keys do not linger
// in dead stack frames.
struct Key {
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> bytes{};
  ~Key() { explicit_bzero(bytes.data(), bytes.size()); }
};

const std::uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const std::uint8_t*>(text.data());
}

Status ScramError(std::string what) {
  return Status::Unavailable("postgres: SCRAM " + std::move(what));
}

std::string Base64Encode(std::span<const std::uint8_t> data) {
  std::string out(BASE64_ENCODE_RAW_LENGTH(data.size()), '\0');
  base64_encode_raw(out.data(), data.size(), data.data());
  return out;
}

std::string Base64Encode(std::string_view data) {
  return Base64Encode(std::span(Bytes(data), data.size()));
}

// Strict: nettle checks the padding and the leftover bits, but skips
// whitespace and takes a lone character padded with "===" as nothing.
std::optional<std::string> Base64Decode(std::string_view text) {
  bool alphabet = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
  });
  if (!alphabet || std::count(text.begin(), text.end(), '=') > 2) {
    return std::nullopt;
  }
  std::string out(BASE64_DECODE_LENGTH(text.size()), '\0');
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  std::size_t length = out.size();
  if (!base64_decode_update(&ctx, &length,
                            reinterpret_cast<std::uint8_t*>(out.data()),
                            text.size(), text.data()) ||
      !base64_decode_final(&ctx)) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string Md5Hex(std::string_view first, std::string_view second) {
  md5_ctx ctx;
  md5_init(&ctx);
  md5_update(&ctx, first.size(), Bytes(first));
  md5_update(&ctx, second.size(), Bytes(second));
  std::array<std::uint8_t, MD5_DIGEST_SIZE> digest;
  md5_digest(&ctx, digest.size(), digest.data());
  std::string hex(BASE16_ENCODE_LENGTH(digest.size()), '\0');
  base16_encode_update(hex.data(), digest.size(), digest.data());
  return hex;
}

Key Hmac(std::span<const std::uint8_t> key, std::string_view message) {
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, key.size(), key.data());
  hmac_sha256_update(&ctx, message.size(), Bytes(message));
  Key out;
  hmac_sha256_digest(&ctx, out.bytes.size(), out.bytes.data());
  explicit_bzero(&ctx, sizeof ctx);  // holds the key, padded
  return out;
}

Key Sha256(const Key& input) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, input.bytes.size(), input.bytes.data());
  Key out;
  sha256_digest(&ctx, out.bytes.size(), out.bytes.data());
  explicit_bzero(&ctx, sizeof ctx);
  return out;
}

// RFC 5802 saslname: ',' and '=' would break the attribute syntax.
std::string SaslName(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string_view> SplitAttributes(std::string_view message) {
  std::vector<std::string_view> fields;
  for (;;) {
    std::size_t comma = message.find(',');
    fields.push_back(message.substr(0, comma));
    if (comma == std::string_view::npos) return fields;
    message.remove_prefix(comma + 1);
  }
}

// The value of `field` if it is "<name>=<value>".
std::optional<std::string_view> Attribute(std::string_view field, char name) {
  if (field.size() < 2 || field[0] != name || field[1] != '=') {
    return std::nullopt;
  }
  return field.substr(2);
}

struct ServerFirst {
  std::string_view nonce;
  std::string salt;
  unsigned iterations = 0;
};

Status CheckNonce(std::string_view server_nonce, std::string_view ours) {
  if (!server_nonce.starts_with(ours)) {
    return ScramError("server nonce does not start with the client nonce");
  }
  if (server_nonce.size() == ours.size()) {
    return ScramError("server nonce adds nothing to the client nonce");
  }
  return Status::Ok();
}

Result<std::string> ParseSalt(std::string_view text) {
  std::optional<std::string> salt = Base64Decode(text);
  if (!salt) return ScramError("salt (s=) is not valid base64");
  if (salt->empty()) return ScramError("salt (s=) is empty");
  return std::move(*salt);
}

Result<unsigned> ParseIterations(std::string_view text) {
  // from_chars alone would accept a leading '-'.
  bool digits =
      !text.empty() && std::all_of(text.begin(), text.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return ScramError("iteration count (i=) is not a decimal integer");
  }
  long count = 0;
  std::errc error =
      std::from_chars(text.data(), text.data() + text.size(), count).ec;
  if (error == std::errc::result_out_of_range ||
      count > ScramSha256::kMaxIterations) {
    return ScramError("iteration count (i=) exceeds the limit of " +
                      std::to_string(ScramSha256::kMaxIterations));
  }
  if (count == 0) return ScramError("iteration count (i=) is zero");
  return static_cast<unsigned>(count);
}

// server-first-message = nonce "," salt "," iteration-count; PostgreSQL
// sends nothing else, and a mandatory extension (m=) must be refused.
Result<ServerFirst> ParseServerFirst(std::string_view message,
                                     std::string_view client_nonce) {
  std::vector<std::string_view> fields = SplitAttributes(message);
  if (Attribute(fields[0], 'm')) {
    return ScramError("server requires an unsupported extension (m=)");
  }
  std::optional<std::string_view> nonce = Attribute(fields[0], 'r');
  if (!nonce) return ScramError("server-first-message does not start with r=");
  std::optional<std::string_view> salt;
  if (fields.size() > 1) salt = Attribute(fields[1], 's');
  if (!salt) return ScramError("server-first-message has no s= after r=");
  std::optional<std::string_view> iterations;
  if (fields.size() > 2) iterations = Attribute(fields[2], 'i');
  if (!iterations) return ScramError("server-first-message has no i= after s=");
  if (fields.size() > 3) {
    return ScramError("server-first-message has unexpected data after i=");
  }

  if (Status status = CheckNonce(*nonce, client_nonce); !status.ok()) {
    return status;
  }
  Result<std::string> salt_bytes = ParseSalt(*salt);
  if (!salt_bytes.ok()) return salt_bytes.status();
  Result<unsigned> count = ParseIterations(*iterations);
  if (!count.ok()) return count.status();
  return ServerFirst{*nonce, std::move(*salt_bytes), *count};
}

}  // namespace

std::string Md5PasswordResponse(std::string_view user,
                                std::string_view password,
                                std::string_view salt) {
  std::string inner = Md5Hex(password, user);
  std::string response = "md5" + Md5Hex(inner, salt);
  // The inner hash is what pg_authid stores: as good as the password.
  explicit_bzero(inner.data(), inner.size());
  return response;
}

ScramSha256::ScramSha256(std::string password, std::string nonce,
                         ScramChannelBinding binding, std::string user)
    : password_(std::move(password)),
      nonce_(std::move(nonce)),
      gs2_header_(Gs2Header(binding)),
      channel_binding_(std::move(binding.server_end_point)),
      client_first_bare_("n=" + SaslName(user) + ",r=" + nonce_) {
  assert(!nonce_.empty() && nonce_.find(',') == std::string::npos);
}

ScramSha256::~ScramSha256() {
  explicit_bzero(password_.data(), password_.size());
  explicit_bzero(server_signature_.data(), server_signature_.size());
}

Result<std::string> ScramSha256::RandomNonce() {
  std::array<std::uint8_t, kNonceBytes> bytes;
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(std::string("no random bytes for the SCRAM "
                                             "nonce (getrandom: ") +
                                 std::strerror(errno) + ")");
    }
    filled += static_cast<std::size_t>(got);
  }
  return Base64Encode(bytes);
}

std::string_view ScramSha256::mechanism() const {
  return channel_binding_.empty() ? "SCRAM-SHA-256" : "SCRAM-SHA-256-PLUS";
}

std::string ScramSha256::ClientFirstMessage() const {
  return gs2_header_ + client_first_bare_;
}

Result<std::string> ScramSha256::ClientFinalMessage(
    std::string_view server_first) {
  Result<ServerFirst> parsed = ParseServerFirst(server_first, nonce_);
  if (!parsed.ok()) return parsed.status();

  std::string without_proof =
      "c=" + Base64Encode(gs2_header_ + channel_binding_) +
      ",r=" + std::string(parsed->nonce);
  std::string auth_message = client_first_bare_ + "," +
                             std::string(server_first) + "," + without_proof;

  Key salted;
  pbkdf2_hmac_sha256(password_.size(), Bytes(password_), parsed->iterations,
                     parsed->salt.size(), Bytes(parsed->salt),
                     salted.bytes.size(), salted.bytes.data());
  Key client_key = Hmac(salted.bytes, "Client Key");
  Key proof = Hmac(Sha256(client_key).bytes, auth_message);
  memxor(proof.bytes.data(), client_key.bytes.data(), proof.bytes.size());
  Key signature = Hmac(Hmac(salted.bytes, "Server Key").bytes, auth_message);

  explicit_bzero(server_signature_.data(), server_signature_.size());
  server_signature_.assign(signature.bytes.begin(), signature.bytes.end());
  return without_proof + ",p=" + Base64Encode(proof.bytes);
}

Status ScramSha256::VerifyServerFinal(std::string_view server_final) const {
  if (server_signature_.empty()) {
    return ScramError("server-final-message checked before ClientFinalMessage");
  }
  if (std::optional<std::string_view> reason = Attribute(server_final, 'e')) {
    return ScramError("server refused the exchange: " + std::string(*reason));
  }
  std::optional<std::string_view> value = Attribute(server_final, 'v');
  if (!value) {
    return ScramError("server-final-message has neither v= nor e=");
  }
  std::optional<std::string> signature = Base64Decode(*value);
  if (!signature)
    return ScramError("server signature (v=) is not valid base64");
  // Constant time, so that timing reveals nothing of the expected value.
  if (signature->size() != server_signature_.size() ||
      !memeql_sec(signature->data(), server_signature_.data(),
                  server_signature_.size())) {
    return ScramError(
        "server signature does not match: the server did not prove it knows "
        "the password");
  }
  return Status::Ok();
}

}  // namespace twelve::backing::pg
