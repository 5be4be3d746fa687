// Digest signing keys: RSA-2048, SHA256withRSA, and the published public key list.
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/time.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {
namespace {

using internal::JoinPath;
using internal::PublicKeyEntry;

constexpr std::string_view kPrivateKeyFile = "private-key.pem";
constexpr int kKeyBits = 2048;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Result<Pkey> Generate() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kKeyBits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return Status::Internal("cannot generate an RSA key pair");
  }
  return Pkey(raw);
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<std::string> PublicDer(EVP_PKEY* key) {
  // For RSA keys i2d_PublicKey writes the PKCS#1 RSAPublicKey, the form ListPublicKeys returns.
  unsigned char* buf = nullptr;
  const int n = i2d_PublicKey(key, &buf);
  if (n <= 0) return Status::Internal("cannot encode the public key");
  std::string der(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return der;
}

Result<std::string> PublicPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return Status::Internal("cannot encode the public key as PEM");
  }
  return BioText(bio.get());
}

Result<std::string> PrivatePem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("cannot encode the private key");
  }
  return BioText(bio.get());
}

Status SavePublicKeys(const std::string& dir, const std::vector<PublicKeyEntry>& keys) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const PublicKeyEntry& k : keys) {
    nlohmann::ordered_json e;
    e["Value"] = Base64Encode(k.der);
    e["ValidityStartTime"] = k.validity_start;
    if (k.validity_end) e["ValidityEndTime"] = *k.validity_end;
    e["Fingerprint"] = k.fingerprint;
    list.push_back(std::move(e));
  }
  nlohmann::ordered_json doc;
  doc["PublicKeyList"] = std::move(list);
  return WriteFileAtomic(JoinPath(dir, internal::kPublicKeysFile), doc.dump(4) + "\n");
}

// Adds `key` to the published list (and its PEM) unless it is there already.
Status Publish(const std::string& dir, EVP_PKEY* key, const std::string& der,
               const std::string& fingerprint, std::int64_t now_ms) {
  std::vector<PublicKeyEntry> keys;
  auto loaded = internal::LoadPublicKeys(dir);
  if (loaded.ok()) {
    keys = std::move(loaded).value();
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    return loaded.status();
  }
  const bool known = std::any_of(keys.begin(), keys.end(), [&](const PublicKeyEntry& k) {
    return k.fingerprint == fingerprint;
  });
  auto pem = PublicPem(key);
  if (!pem.ok()) return pem.status();
  Status s = WriteFileAtomic(JoinPath(dir, "public-keys/" + fingerprint + ".pem"), *pem);
  if (!s.ok() || known) return s;
  for (PublicKeyEntry& k : keys) {
    if (!k.validity_end) k.validity_end = internal::IsoSeconds(now_ms);
  }
  keys.push_back({fingerprint, der, internal::IsoSeconds(now_ms), std::nullopt});
  return SavePublicKeys(dir, keys);
}

}  // namespace

struct SigningKeys::Impl {
  std::string dir;
  Pkey key;
  std::string der;
  std::string fingerprint;
};

SigningKeys::SigningKeys(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKeys::SigningKeys(SigningKeys&&) noexcept = default;
SigningKeys& SigningKeys::operator=(SigningKeys&&) noexcept = default;
SigningKeys::~SigningKeys() = default;

const std::string& SigningKeys::fingerprint() const { return impl_->fingerprint; }

Result<SigningKeys> SigningKeys::Open(const std::string& dir, const Clock& clock) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", dir, ec.message()));
  ::chmod(dir.c_str(), 0700);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  const std::string key_path = JoinPath(dir, kPrivateKeyFile);
  auto pem = ReadFile(key_path);
  if (pem.ok()) {
    Bio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    impl->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!impl->key || EVP_PKEY_get_base_id(impl->key.get()) != EVP_PKEY_RSA) {
      return Status::Corruption(fmt::format("{} is not an RSA private key", key_path));
    }
    // A key someone widened by hand is narrowed again: only the daemon may read it.
    ::chmod(key_path.c_str(), 0600);
  } else if (pem.status().code() == StatusCode::kNotFound) {
    auto key = Generate();
    if (!key.ok()) return key.status();
    impl->key = std::move(key).value();
    auto text = PrivatePem(impl->key.get());
    if (!text.ok()) return text.status();
    Status s = WriteFileAtomic(key_path, *text, 0600);
    if (!s.ok()) return s;
  } else {
    return pem.status();
  }
  auto der = PublicDer(impl->key.get());
  if (!der.ok()) return der.status();
  impl->der = std::move(der).value();
  impl->fingerprint = internal::Fingerprint(impl->der);
  Status s = Publish(dir, impl->key.get(), impl->der, impl->fingerprint,
                     clock.Now().time_since_epoch().count());
  if (!s.ok()) return s;
  return SigningKeys(std::move(impl));
}

Status SigningKeys::Rotate(const Clock& clock) {
  auto key = Generate();
  if (!key.ok()) return key.status();
  auto der = PublicDer(key->get());
  if (!der.ok()) return der.status();
  const std::string fp = internal::Fingerprint(*der);
  // Publish first: a crash before the private key is replaced leaves an unused public key,
  // never a private key whose public half nobody can find.
  Status s = Publish(impl_->dir, key->get(), *der, fp, clock.Now().time_since_epoch().count());
  if (!s.ok()) return s;
  auto text = PrivatePem(key->get());
  if (!text.ok()) return text.status();
  s = WriteFileAtomic(JoinPath(impl_->dir, kPrivateKeyFile), *text, 0600);
  if (!s.ok()) return s;
  impl_->key = std::move(key).value();
  impl_->der = std::move(der).value();
  impl_->fingerprint = fp;
  return Status::Ok();
}

Result<std::string> SigningKeys::Sign(std::string_view data) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return Status::Internal("cannot sign the digest");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return Status::Internal("cannot sign the digest");
  }
  sig.resize(len);
  return sig;
}

namespace internal {

std::string Fingerprint(std::string_view der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(der.data(), der.size(), md, &n, EVP_md5(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), n));
}

Status VerifySignature(std::string_view der, std::string_view data, std::string_view signature) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkey key(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
  if (!key) return Status::InvalidArgument("cannot load the PKCS #1 public key");
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return Status::InvalidArgument("cannot load the PKCS #1 public key");
  }
  const int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(data.data()), data.size());
  if (rc != 1) return Status::Corruption("signature verification failed");
  return Status::Ok();
}

Result<std::vector<PublicKeyEntry>> LoadPublicKeys(const std::string& signing_dir) {
  const std::string path = JoinPath(signing_dir, kPublicKeysFile);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const auto list = doc.is_object() ? doc.find("PublicKeyList") : doc.end();
  if (list == doc.end() || !list->is_array()) {
    return Status::Corruption(fmt::format("{}: no PublicKeyList array", path));
  }
  std::vector<PublicKeyEntry> keys;
  for (const auto& e : *list) {
    const auto str = [&](const char* name) -> std::optional<std::string> {
      const auto it = e.is_object() ? e.find(name) : e.end();
      if (it == e.end() || !it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    const auto value = str("Value");
    const auto fp = str("Fingerprint");
    const auto der = value ? Base64Decode(*value) : Result<std::string>(Status::Corruption(""));
    if (!fp || !der.ok()) return Status::Corruption(fmt::format("{}: bad key entry", path));
    keys.push_back({*fp, *der, str("ValidityStartTime").value_or(""), str("ValidityEndTime")});
  }
  return keys;
}

}  // namespace internal
}  // namespace trailwatch::trail
