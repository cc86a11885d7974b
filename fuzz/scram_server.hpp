#pragma once
// The server's half of SCRAM-SHA-256 (RFC 5802), just enough for the
// PostgreSQL fuzz target to play an honest server: from the messages both
// sides sent, the ServerSignature that proves the server knows the
// password. Computed with nettle, as the driver does, but from the RFC's
// definitions rather than the driver's code.

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace twelve::fuzz {

// "v=" + base64(HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage)), or
// nullopt when `server_first` has no usable salt and iteration count (the
// client has refused it then).
inline std::optional<std::string> ScramServerFinal(
    std::string_view password, std::string_view client_first_bare,
    std::string_view server_first, std::string_view client_final_bare) {
  std::optional<std::string_view> salt64, iterations;
  for (std::string_view rest = server_first; !rest.empty();) {
    std::size_t comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    if (field.starts_with("s=")) salt64 = field.substr(2);
    if (field.starts_with("i=")) iterations = field.substr(2);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  if (!salt64 || !iterations || iterations->empty() || iterations->size() > 9) {
    return std::nullopt;
  }
  unsigned count = 0;
  for (char c : *iterations) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + static_cast<unsigned>(c - '0');
  }
  std::string salt(BASE64_DECODE_LENGTH(salt64->size()), '\0');
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  std::size_t salt_size = salt.size();
  if (count == 0 ||
      !base64_decode_update(&ctx, &salt_size,
                            reinterpret_cast<std::uint8_t*>(salt.data()),
                            salt64->size(), salt64->data()) ||
      !base64_decode_final(&ctx)) {
    return std::nullopt;
  }
  auto bytes = [](std::string_view text) {
    return reinterpret_cast<const std::uint8_t*>(text.data());
  };
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> salted, server_key, signature;
  pbkdf2_hmac_sha256(password.size(), bytes(password), count, salt_size,
                     bytes(salt), salted.size(), salted.data());
  hmac_sha256_ctx hmac;
  hmac_sha256_set_key(&hmac, salted.size(), salted.data());
  hmac_sha256_update(&hmac, 10, bytes("Server Key"));
  hmac_sha256_digest(&hmac, server_key.size(), server_key.data());
  std::string auth_message = std::string(client_first_bare) + "," +
                             std::string(server_first) + "," +
                             std::string(client_final_bare);
  hmac_sha256_set_key(&hmac, server_key.size(), server_key.data());
  hmac_sha256_update(&hmac, auth_message.size(), bytes(auth_message));
  hmac_sha256_digest(&hmac, signature.size(), signature.data());
  std::string encoded(BASE64_ENCODE_RAW_LENGTH(signature.size()), '\0');
  base64_encode_raw(encoded.data(), signature.size(), signature.data());
  return "v=" + encoded;
}

}  // namespace twelve::fuzz
