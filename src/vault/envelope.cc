#include "vault/envelope.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/crypto.h"

namespace trailwatch::vault {
namespace internal {
namespace {

constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// Fetched once: passing EVP_aes_256_gcm() makes every Init look the cipher up in OpenSSL 3's
// provider store again, and GetSecretValue opens two sealed values per call.
const EVP_CIPHER* Gcm() {
  static EVP_CIPHER* const cipher = [] {
    EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (fetched == nullptr) ERR_clear_error();  // or a later TLS call takes it for its own
    return fetched;
  }();
  return cipher != nullptr ? cipher : EVP_aes_256_gcm();
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Length-prefixed parts, so ("ab","c") and ("a","bc") give different AADs.
std::string Aad(std::string_view purpose, std::string_view arn, std::string_view version_id) {
  std::string out;
  for (std::string_view part : {purpose, arn, version_id}) {
    out += std::to_string(part.size());
    out += ':';
    out += part;
  }
  return out;
}

}  // namespace

Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad) {
  if (key.size() != MasterKey::kSize) return Status::Internal("AES-256-GCM needs a 32-byte key");
  auto nonce = RandomBytes(kNonceSize);
  if (!nonce.ok()) return nonce.status();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::Internal("EVP_CIPHER_CTX_new failed");
  std::string out = *nonce;
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  int len = 0;
  int total = 0;
  if (EVP_EncryptInit_ex(ctx.get(), Gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(key), U(*nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) {
    return Status::Internal("AES-GCM setup failed");
  }
  unsigned char* body = U(out) + kNonceSize;
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), body, &len, U(plaintext),
                                              static_cast<int>(plaintext.size())) != 1) {
    return Status::Internal("AES-GCM encryption failed");
  }
  total = plaintext.empty() ? 0 : len;
  if (EVP_EncryptFinal_ex(ctx.get(), body + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          body + plaintext.size()) != 1) {
    return Status::Internal("AES-GCM finalisation failed");
  }
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != MasterKey::kSize) return Status::Internal("AES-256-GCM needs a 32-byte key");
  if (sealed.size() < kNonceSize + kTagSize) return Status::Corruption("sealed value too short");
  const std::size_t n = sealed.size() - kNonceSize - kTagSize;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::Internal("EVP_CIPHER_CTX_new failed");
  std::string out(n, '\0');
  std::string tag(sealed.substr(kNonceSize + n));
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), Gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key), U(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) {
    return Status::Internal("AES-GCM setup failed");
  }
  if (n > 0 && EVP_DecryptUpdate(ctx.get(), U(out), &len, U(sealed.substr(kNonceSize)),
                                 static_cast<int>(n)) != 1) {
    return Status::Corruption("AES-GCM decryption failed");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), U(tag)) !=
      1) {
    return Status::Internal("AES-GCM tag setup failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), U(out) + (n > 0 ? len : 0), &final_len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Status::Corruption("the sealed value does not authenticate");
  }
  return out;
}

Status SealValue(const MasterKey& key, std::string_view arn, std::string_view version_id,
                 std::string_view plaintext, store::VersionRow* row) {
  auto data_key = RandomBytes(MasterKey::kSize);
  if (!data_key.ok()) return data_key.status();
  auto sealed = AeadSeal(*data_key, plaintext, Aad("value", arn, version_id));
  if (!sealed.ok()) {
    OPENSSL_cleanse(data_key->data(), data_key->size());
    return sealed.status();
  }
  auto wrapped = key.Seal(*data_key, Aad("data-key", arn, version_id));
  OPENSSL_cleanse(data_key->data(), data_key->size());
  if (!wrapped.ok()) return wrapped.status();
  row->nonce = sealed->substr(0, kNonceSize);
  row->ciphertext = sealed->substr(kNonceSize);
  row->wrapped_key = std::move(wrapped).value();
  return Status::Ok();
}

Result<std::string> OpenValue(const MasterKey& key, std::string_view arn,
                              const store::VersionRow& row) {
  auto data_key = key.Open(row.wrapped_key, Aad("data-key", arn, row.version_id));
  if (!data_key.ok()) return data_key.status();
  auto plain = AeadOpen(*data_key, row.nonce + row.ciphertext, Aad("value", arn, row.version_id));
  OPENSSL_cleanse(data_key->data(), data_key->size());
  return plain;
}

}  // namespace internal

MasterKey::~MasterKey() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

Result<MasterKey> MasterKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) return Status::InvalidArgument("a master key is 32 bytes");
  return MasterKey(std::string(bytes));
}

Result<std::string> MasterKey::Seal(std::string_view plaintext, std::string_view aad) const {
  return internal::AeadSeal(key_, plaintext, aad);
}

Result<std::string> MasterKey::Open(std::string_view sealed, std::string_view aad) const {
  return internal::AeadOpen(key_, sealed, aad);
}

Result<MasterKey> MasterKey::LoadOrCreate(const std::string& path, bool create_if_missing) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create_if_missing) {
    auto bytes = RandomBytes(kSize);
    if (!bytes.ok()) return bytes.status();
    // O_EXCL: if another process raced us to it, read theirs instead of overwriting it.
    const int wfd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (wfd >= 0) {
      const ssize_t w = ::write(wfd, bytes->data(), bytes->size());
      const bool ok = w == static_cast<ssize_t>(kSize) && ::fsync(wfd) == 0;
      ::close(wfd);
      OPENSSL_cleanse(bytes->data(), bytes->size());
      if (!ok) {
        ::unlink(path.c_str());
        return Status::IoError("cannot write the master key file " + path);
      }
    } else if (errno != EEXIST) {
      return Status::IoError("cannot create the master key file " + path);
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) return Status::IoError("cannot open the master key file " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("the master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::InvalidArgument("the master key file " + path +
                                   " is accessible by group or others; chmod 600 it");
  }
  std::string key(kSize + 1, '\0');
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kSize)) {
    OPENSSL_cleanse(key.data(), key.size());
    return Status::InvalidArgument("the master key file " + path + " must hold exactly 32 bytes");
  }
  key.resize(kSize);
  return MasterKey(std::move(key));
}

Result<MasterKey> MasterKey::ForDataDir(const std::string& data_dir) {
  const char* env = std::getenv("TRAILWATCH_MASTER_KEY_FILE");
  if (env != nullptr && *env != '\0') return LoadOrCreate(env, /*create_if_missing=*/false);
  return LoadOrCreate(data_dir + "/master.key", /*create_if_missing=*/true);
}

}  // namespace trailwatch::vault
