#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include "common/encoding.h"

namespace trailwatch {

namespace {

// Fetched once: OpenSSL 3's one-shot SHA256() looks the algorithm up in the provider store on
// every call, and SigV4 hashes three times per request.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    // A failure leaves entries in this thread's error queue, which a later TLS call would
    // take for its own.
    if (fetched == nullptr) ERR_clear_error();
    return fetched;
  }();
  return md != nullptr ? md : EVP_sha256();
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 Sha256Md(), nullptr) != 1) {
    // Only on allocation failure; SHA256() itself, which this replaces, cannot report one.
    ERR_clear_error();
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // OpenSSL 3's one-shot HMAC() fetches the MAC and the digest by name on every call. A
  // per-thread context with the digest set is copied instead; the copy holding the key is
  // freed at once, so no key outlives the call.
  struct Template {
    EVP_MAC_CTX* ctx = nullptr;
    Template() {
      EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      if (mac == nullptr) {
        ERR_clear_error();
        return;
      }
      ctx = EVP_MAC_CTX_new(mac);
      EVP_MAC_free(mac);  // the context holds its own reference
      char digest[] = "SHA256";
      const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                   OSSL_PARAM_construct_end()};
      if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
      if (ctx == nullptr) ERR_clear_error();
    }
    ~Template() { EVP_MAC_CTX_free(ctx); }
  };
  thread_local const Template t;
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  EVP_MAC_CTX* ctx = t.ctx != nullptr ? EVP_MAC_CTX_dup(t.ctx) : nullptr;
  std::size_t len = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx, k, key.size(), nullptr) == 1 &&
                  EVP_MAC_update(ctx, d, data.size()) == 1 &&
                  EVP_MAC_final(ctx, o, &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), d, data.size(), o, &n);
    len = n;
  }
  out.resize(len);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Status::Internal("the system random generator failed");
  }
  return out;
}

Result<std::string> RandomString(std::size_t n, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) {
    return Status::InvalidArgument("RandomString: the alphabet must have 1-256 characters");
  }
  // Bytes at or above the largest multiple of the alphabet size would favour its first
  // characters; they are drawn again.
  const std::size_t limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    auto bytes = RandomBytes(n - out.size() + 8);
    if (!bytes.ok()) return bytes.status();
    for (const char c : *bytes) {
      const auto v = static_cast<unsigned char>(c);
      if (v >= limit) continue;
      out += alphabet[v % alphabet.size()];
      if (out.size() == n) break;
    }
  }
  return out;
}

Result<std::string> NewUuid() {
  // Two per API call (request and event ids): random bytes are drawn for 32 ids at a time,
  // which spares a DRBG round (locks and a fork check) per id. The buffer is per thread and
  // per process, so neither another thread nor a forked child can hand out the same id.
  constexpr std::size_t kIds = 32;
  struct Pool {
    unsigned char bytes[16 * kIds];
    std::size_t used = kIds;
    pid_t pid = 0;
  };
  thread_local Pool pool;
  const pid_t pid = getpid();
  if (pool.used == kIds || pool.pid != pid) {
    if (RAND_bytes(pool.bytes, static_cast<int>(sizeof(pool.bytes))) != 1) {
      return Status::Internal("the system random generator failed");
    }
    pool.used = 0;
    pool.pid = pid;
  }
  unsigned char* b = pool.bytes + 16 * pool.used++;
  b[6] = static_cast<unsigned char>((b[6] & 0x0fu) | 0x40u);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3fu) | 0x80u);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t o = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;  // the dashes
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0x0f];
  }
  OPENSSL_cleanse(b, 16);  // an id handed out is not kept
  return out;
}

}  // namespace trailwatch
