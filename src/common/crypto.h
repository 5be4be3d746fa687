// Small cryptographic primitives over OpenSSL, shared by the SigV4 signer, the trail's
// digests and the vault. Everything works on byte strings (std::string as bytes).
#ifndef TRAILWATCH_COMMON_CRYPTO_H_
#define TRAILWATCH_COMMON_CRYPTO_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace trailwatch {

// 32-byte digests (raw bytes; HexEncode them for text).
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths, never on where the inputs differ; use it
// for every comparison of a signature, key or token.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` bytes from the operating system's CSPRNG (OpenSSL RAND_bytes). Fails closed: an error,
// never weak bytes.
Result<std::string> RandomBytes(std::size_t n);

inline constexpr std::string_view kAlphanumeric =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// `n` characters drawn uniformly from `alphabet` (1-256 distinct characters; rejection
// sampling, so no character is favoured). For ids, suffixes and generated secrets.
Result<std::string> RandomString(std::size_t n, std::string_view alphabet);

// A random (version 4) UUID in its 8-4-4-4-12 lower-case hex form.
Result<std::string> NewUuid();

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_CRYPTO_H_
