// vault: the Secrets Manager JSON 1.1 operations over the store, with envelope encryption.
//
// Vault::Handle takes the operation name (the part of `X-Amz-Target: secretsmanager.<Op>` after
// the dot) and the JSON request body, and returns the HTTP status and JSON body AWS would send,
// together with the fields the CloudTrail record needs. It never throws and never puts a
// secret value (SecretString, SecretBinary, RandomPassword) into an error, a log or the audit
// fields.
//
// Two seams keep the vault independent of IAM and CloudTrail:
//  - Authorizer: called once the secret is resolved (ARN, tags, resource policy) and before
//    anything is read or changed. A deny becomes HTTP 400 AccessDeniedException; the audit
//    fields then say errorCode "AccessDenied", as CloudTrail logs denied calls.
//  - AuditFn: turns a finished call into the record JSON text. The vault appends that record to
//    the store's audit journal in the same transaction as the call's changes (writes) or
//    through the group-commit writer before returning (reads and denials). If the record
//    cannot be made durable the call fails with 500 InternalServiceError: nothing is answered
//    without its audit record.
//
// Values are sealed with AES-256-GCM under a fresh 32-byte data key per version; the data key
// is sealed under the master key. Both AADs bind the secret ARN and the version id, so moving a
// ciphertext to another row fails to decrypt.
//
// Thread safety: Vault::Handle and RotateDue may be called from any number of threads.
#ifndef TRAILWATCH_VAULT_VAULT_H_
#define TRAILWATCH_VAULT_VAULT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace trailwatch::vault {

// The 32-byte master key. Copies share nothing; the bytes are wiped when destroyed.
class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;

  // Reads the key file at `path`. With `create_if_missing`, a missing file is created with
  // mode 0600 and 32 random bytes. Fails closed (kInvalidArgument) when the file is not a
  // regular file, is readable or writable by group or others, or is not exactly 32 bytes.
  static Result<MasterKey> LoadOrCreate(const std::string& path, bool create_if_missing);
  // The data dir's key: the file named by TRAILWATCH_MASTER_KEY_FILE if set (never created),
  // else `<data_dir>/master.key` (created on first start).
  static Result<MasterKey> ForDataDir(const std::string& data_dir);
  // For tests and tools that hold the bytes already. REQUIRES: bytes.size() == kSize.
  static Result<MasterKey> FromBytes(std::string_view bytes);

  MasterKey(const MasterKey& other) = default;
  MasterKey& operator=(const MasterKey& other) = default;
  MasterKey(MasterKey&& other) noexcept = default;
  MasterKey& operator=(MasterKey&& other) noexcept = default;
  ~MasterKey();

  // AES-256-GCM under the master key: returns nonce(12) || ciphertext || tag(16). `aad` is
  // authenticated, not stored: Open needs the same aad. Used for access keys and data keys.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // Fails with kCorruption when the tag, the aad or the key does not match.
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

  const std::string& bytes() const { return key_; }

 private:
  explicit MasterKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

struct Principal {
  std::string type = "IAMUser";  // CloudTrail userIdentity.type
  std::string arn;               // arn:aws:iam::<account>:user/<name>
  std::string account_id;
  std::string principal_id;  // AIDA…
  std::string access_key_id;
  std::string user_name;
};

struct CallContext {
  Principal principal;
  std::string source_ip;
  std::string user_agent;
  std::string request_id;  // the x-amzn-RequestId returned to the client
  bool tls = false;
  std::string tls_version;   // when tls
  std::string cipher_suite;  // when tls
  std::string host_header;
  TimePoint time;  // when the call was received (from the server's injectable Clock)
};

struct AuthzRequest {
  std::string action;                                     // "secretsmanager:GetSecretValue"
  std::string resource_arn;                               // the secret's ARN, or the pattern
  std::vector<std::pair<std::string, std::string>> tags;  // the secret's tags (empty if none)
  std::optional<std::string> resource_policy;             // the secret's policy document
  bool secret_exists = false;
};

struct AuthzDecision {
  bool allowed = false;
  std::string message;  // AWS's denial text, returned as the AccessDeniedException message
};

using Authorizer = std::function<AuthzDecision(const AuthzRequest&, const CallContext&)>;

// One finished call: the HTTP answer plus what its CloudTrail record needs.
struct Response {
  int http_status = 200;
  std::string body;  // JSON: the output shape, or {"__type":…,"message":…}
  std::string event_name;
  bool read_only = false;
  std::string request_parameters = "null";  // JSON; never contains secret values
  std::string response_elements = "null";   // JSON; null for reads, as AWS
  std::vector<std::string> resources;       // ARNs the call touched
  std::string error_code;                   // audit errorCode ("AccessDenied" for denials)
  std::string error_message;
  // Further records the call produces: BatchGetSecretValue logs one GetSecretValue per secret.
  std::vector<Response> related;
};

// Turns a call into the CloudTrail record JSON text appended to the journal.
using AuditFn = std::function<Result<std::string>(const Response&, const CallContext&)>;

struct VaultOptions {
  std::string account_id = "123456789012";
  std::string region = "us-east-1";
  Authorizer authorizer;  // required
  AuditFn audit;          // required
  // Optional: called with each call's CloudTrail records once they are durable in the journal,
  // before the call is answered (the daemon's monitor takes them from here, in-process, instead
  // of waiting for the trail's log files), with their journal seq. Runs on the calling
  // thread; must not block.
  std::function<void(std::vector<store::JournalEntry> records)> recorded;
};

class Vault {
 public:
  // REQUIRES: `store` outlives the Vault.
  static Result<std::unique_ptr<Vault>> Create(store::Store* store, MasterKey key,
                                               VaultOptions options);
  virtual ~Vault() = default;

  // One Secrets Manager call. `operation` is e.g. "GetSecretValue"; unknown names give
  // 400 UnknownOperationException.
  virtual Response Handle(std::string_view operation, std::string_view request_json,
                          const CallContext& context) = 0;

  // Built-in rotation for every secret with rotation enabled whose NextRotationDate <= now
  // (the daemon's timer). Each rotation is journalled as a RotationSucceeded service event via
  // the AuditFn. Returns how many secrets were rotated.
  virtual Result<int> RotateDue(TimePoint now) = 0;
};

}  // namespace trailwatch::vault

#endif  // TRAILWATCH_VAULT_VAULT_H_
