// trailwatch's SNS signing key and certificate (SignatureVersion 2, spec cloudwatch.md 4.6).
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/files.h"
#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

constexpr char kKeyFile[] = "sns-signing-key.pem";
constexpr char kCertFile[] = "sns-signing-cert.pem";
constexpr std::int64_t kDaySeconds = 86'400;
constexpr std::int64_t kCertValidDays = 10 * 365;
constexpr std::int64_t kRenewBeforeDays = 30;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

std::string Errno(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

// Whole file, or nullopt when it does not exist.
Result<std::optional<std::string>> ReadOptional(const std::string& path) {
  auto text = ReadFile(path);
  if (text.ok()) return std::optional<std::string>(std::move(*text));
  if (text.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  return text.status();
}

std::string BioText(BIO* bio) {
  std::string out(static_cast<std::size_t>(BIO_pending(bio)), '\0');
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

Bio MemoryBio(std::string_view data) {
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

Result<Pkey> LoadOrCreateKey(const std::string& path) {
  Result<std::optional<std::string>> pem = ReadOptional(path);
  if (!pem.ok()) return pem.status();
  if (*pem) {
    // A key copied in with a loose mode is tightened rather than refused.
    if (::chmod(path.c_str(), 0600) != 0) return Status::IoError(Errno("cannot chmod", path));
    Bio bio = MemoryBio(**pem);
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
      return Status::Corruption(path + ": not an RSA private key in PEM");
    }
    return key;
  }
  Pkey key(EVP_RSA_gen(2048));
  if (!key) return Status::Internal("RSA key generation failed");
  Bio out(BIO_new(BIO_s_mem()));
  if (!out ||
      PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("cannot encode the signing key");
  }
  std::string text = BioText(out.get());
  Status s = WriteFileAtomic(path, text, 0600);
  OPENSSL_cleanse(text.data(), text.size());
  if (!s.ok()) return s;
  return key;
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Result<Cert> IssueCertificate(EVP_PKEY* key, std::int64_t now_s) {
  Cert cert(X509_new());
  Result<std::string> serial = RandomBytes(16);
  if (!cert || !serial.ok()) return Status::Internal("cannot create a certificate");
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial->data()), 16, nullptr), BN_free);
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto text = [](const char* s) { return reinterpret_cast<const unsigned char*>(s); };
  // Backdated an hour for receivers whose clocks run a little behind.
  const auto not_before = static_cast<std::time_t>(now_s - 3600);
  const auto not_after = static_cast<std::time_t>(now_s + kCertValidDays * kDaySeconds);
  const bool ok =
      bn && X509_set_version(cert.get(), 2) == 1 &&
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr &&
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) != nullptr &&
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, text("trailwatch"), -1, -1, 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, text("trailwatch SNS message signing"),
                                 -1, -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 && X509_set_pubkey(cert.get(), key) == 1 &&
      AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
      AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature") &&
      X509_sign(cert.get(), key, EVP_sha256()) > 0;
  if (!ok) return Status::Internal("cannot issue the signing certificate");
  return cert;
}

// Whether `pem` is a certificate for `key` that stays valid for kRenewBeforeDays.
bool Usable(const std::string& pem, EVP_PKEY* key, std::int64_t now_s) {
  Bio bio = MemoryBio(pem);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert || X509_check_private_key(cert.get(), key) != 1) return false;
  auto until = static_cast<std::time_t>(now_s + kRenewBeforeDays * kDaySeconds);
  return X509_cmp_time(X509_get0_notAfter(cert.get()), &until) > 0;
}

}  // namespace

struct MessageSigner::Impl {
  Pkey key;
  std::string cert_pem;
  std::string file_name;
  std::string base_url;
};

MessageSigner::MessageSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MessageSigner::MessageSigner(MessageSigner&&) noexcept = default;
MessageSigner& MessageSigner::operator=(MessageSigner&&) noexcept = default;
MessageSigner::~MessageSigner() = default;

Result<MessageSigner> MessageSigner::LoadOrCreate(const std::string& dir, std::string cert_base_url,
                                                  const Clock& clock) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError(Errno("cannot create", dir));
  }
  Result<Pkey> key = LoadOrCreateKey(dir + "/" + kKeyFile);
  if (!key.ok()) return key.status();
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  const std::string cert_path = dir + "/" + kCertFile;
  Result<std::optional<std::string>> pem = ReadOptional(cert_path);
  if (!pem.ok()) return pem.status();
  auto impl = std::make_unique<Impl>();
  if (*pem && Usable(**pem, key->get(), now_s)) {
    impl->cert_pem = **pem;
  } else {
    Result<Cert> cert = IssueCertificate(key->get(), now_s);
    if (!cert.ok()) return cert.status();
    Bio out(BIO_new(BIO_s_mem()));
    if (!out || PEM_write_bio_X509(out.get(), cert->get()) != 1) {
      return Status::Internal("cannot encode the signing certificate");
    }
    impl->cert_pem = BioText(out.get());
    Status s = WriteFileAtomic(cert_path, impl->cert_pem, 0644);
    if (!s.ok()) return s;
  }
  // Name the certificate by its DER fingerprint, as AWS names its PEMs by a hash.
  Bio bio = MemoryBio(impl->cert_pem);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  const int der_len = cert ? i2d_X509(cert.get(), &der) : -1;
  if (der_len <= 0) return Status::Corruption(cert_path + ": unreadable certificate");
  const std::string digest = Sha256(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  impl->file_name = "SimpleNotificationService-" + HexEncode(digest).substr(0, 32) + ".pem";
  while (!cert_base_url.empty() && cert_base_url.back() == '/') cert_base_url.pop_back();
  impl->base_url = std::move(cert_base_url);
  impl->key = std::move(*key);
  return MessageSigner(std::move(impl));
}

Result<std::string> MessageSigner::Sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1) {
    return Status::Internal("cannot sign the SNS message");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes,
                     data.size()) != 1) {
    return Status::Internal("cannot sign the SNS message");
  }
  sig.resize(len);
  return Base64Encode(sig);
}

const std::string& MessageSigner::CertificatePem() const { return impl_->cert_pem; }
const std::string& MessageSigner::CertificateFileName() const { return impl_->file_name; }
std::string MessageSigner::SigningCertUrl() const {
  return impl_->base_url + "/" + impl_->file_name;
}

}  // namespace trailwatch::notify
