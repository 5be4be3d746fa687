// The trail: CloudTrail records for vault API calls, delivered as CloudTrail log files with
// signed, chained digest files in the S3 key layout, and `validate-logs` over such a tree.
//
// Layout under the trail root (the local stand-in for an S3 bucket; docs/trail.md):
//   AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<stamp>_<16>.json.gz
//   AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_
//       <trail>_<home region>_<YYYYMMDDTHHMMSSZ>.json.gz  (+ ".metadata.json": the signature)
// Signing keys, the published public key list and the chain heads live in a separate signing
// directory (the data dir's `trail-signing/`).
//
// All times are UTC milliseconds since the Unix epoch. Functions return Status/Result for
// expected failures (I/O, bad input) and never throw.
//
// Thread safety: free functions are safe to call concurrently on distinct paths. SigningKeys
// is immutable after Open/Rotate (Rotate needs exclusive access). TrailWriter is internally
// synchronised: any thread may call any method.
#ifndef TRAILWATCH_TRAIL_TRAIL_H_
#define TRAILWATCH_TRAIL_TRAIL_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::trail {

// ---------------------------------------------------------------------------------------------
// Records

// The record version we emit: the current documented version (spec 1.1). We emit no field that
// needs more than 1.08.
inline constexpr std::string_view kEventVersion = "1.11";

enum class PrincipalType { kIamUser, kRoot, kAnonymous };

struct Principal {
  PrincipalType type = PrincipalType::kAnonymous;
  std::string principal_id;  // AIDA... for users; the account id for root
  std::string arn;           // arn:aws:iam::<acct>:user/<name> or :root
  std::string account_id;
  std::string access_key_id;  // AKIA...; may be empty
  std::string user_name;      // IAM user name; for root the account alias if any, else empty
};

struct TlsDetails {
  std::string tls_version;   // "TLSv1.3"
  std::string cipher_suite;  // "TLS_AES_128_GCM_SHA256"
  std::string client_provided_host_header;
};

struct ResourceRef {
  std::string arn;
  std::string account_id;  // omitted when empty
  std::string type;        // "AWS::SecretsManager::Secret"; omitted when empty
};

// One API call, already redacted by the caller: secret values must never be in here.
struct ApiCall {
  std::int64_t event_time_ms = 0;  // written to the second, as CloudTrail does
  std::string request_id;          // the x-amzn-RequestId returned to the client
  std::string event_id;            // empty: a fresh UUID v4
  Principal principal;
  std::string source_ip;
  std::string user_agent;  // omitted when empty; truncated to 1 KB like CloudTrail
  std::string event_source = "secretsmanager.amazonaws.com";
  std::string event_name;  // "GetSecretValue"
  std::string region;
  std::string recipient_account_id;
  // JSON object text, or nullopt for JSON null.
  std::optional<std::string> request_parameters;
  std::optional<std::string> response_elements;
  std::string error_code;     // "AccessDenied"; omitted when empty
  std::string error_message;  // omitted when empty
  bool read_only = false;
  std::vector<ResourceRef> resources;  // omitted when empty (as for Secrets Manager in AWS)
  std::optional<TlsDetails> tls;       // only for calls that came in over TLS
};

// The record as compact JSON text in CloudTrail's field order. InvalidArgument when
// request_parameters/response_elements is not a JSON object, or a required field is empty.
Result<std::string> BuildRecord(const ApiCall& call);

// ---------------------------------------------------------------------------------------------
// Log files

// Where the trail lives and how its S3 names read. The bucket name only appears inside
// digests and validate-logs output (s3://<bucket>/<key>); keys are paths under `root`.
struct TrailLocation {
  std::string root;                   // directory that plays the bucket
  std::string bucket = "trailwatch";  // digestS3Bucket / logFiles[].s3Bucket
  std::string trail_name = "trailwatch";
  std::string home_region = "us-east-1";
};

// What a digest needs to know about one delivered log file.
struct LogFileInfo {
  std::string account_id;
  std::string region;
  std::string key;         // S3 key = path relative to the root
  std::string sha256_hex;  // of the UNCOMPRESSED {"Records":[...]} bytes
  std::int64_t oldest_event_ms = 0;
  std::int64_t newest_event_ms = 0;
  std::int64_t delivered_ms = 0;
  std::size_t record_count = 0;
};

// Writes `records` (each a JSON object text, e.g. from BuildRecord) as one gzip'ed log file
// delivered at `delivered_ms`, atomically (temp file, fsync, rename, fsync dir).
// InvalidArgument if `records` is empty or a record is not a JSON object with an eventTime;
// IoError on file system failures.
Result<LogFileInfo> WriteLogFile(const TrailLocation& where, std::string_view account_id,
                                 std::string_view region, std::span<const std::string> records,
                                 std::int64_t delivered_ms);

// ---------------------------------------------------------------------------------------------
// Signing keys

// The digest signing key pair, kept in a directory:
//   private-key.pem        the current RSA-2048 key (PKCS#8 PEM, mode 0600)
//   public-keys.json       {"PublicKeyList":[...]} in the shape of `aws cloudtrail
//                          list-public-keys` (Value = base64 DER PKCS#1), old keys included
//   public-keys/<fp>.pem   each public key as SubjectPublicKeyInfo PEM (for openssl)
class SigningKeys {
 public:
  // Loads the key pair, generating one (and the directory, mode 0700) on first use.
  static Result<SigningKeys> Open(const std::string& dir, const Clock& clock);
  SigningKeys(SigningKeys&&) noexcept;
  SigningKeys& operator=(SigningKeys&&) noexcept;
  ~SigningKeys();

  // Hex MD5 of the DER PKCS#1 public key (32 characters), as digestPublicKeyFingerprint.
  const std::string& fingerprint() const;
  // RSA PKCS#1 v1.5 SHA-256 signature (raw bytes) of `data`.
  Result<std::string> Sign(std::string_view data) const;
  // Generates a new key pair; the old public key stays in public-keys.json with a
  // ValidityEndTime so digests it signed still validate. REQUIRES: no concurrent use.
  Status Rotate(const Clock& clock);

 private:
  struct Impl;
  explicit SigningKeys(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Digest files

struct DigestLogFile {
  std::string s3_bucket;
  std::string s3_object;
  std::string hash_value;
  std::string hash_algorithm;
  std::string newest_event_time;  // as written ("2025-03-04T09:12:37Z")
  std::string oldest_event_time;
};

// A parsed digest file. Optional strings are JSON null (or absent).
struct DigestFile {
  std::string aws_account_id;
  std::string digest_start_time;
  std::string digest_end_time;
  std::string digest_s3_bucket;
  std::string digest_s3_object;
  std::string digest_public_key_fingerprint;
  std::string digest_signature_algorithm;
  std::optional<std::string> newest_event_time;
  std::optional<std::string> oldest_event_time;
  std::optional<std::string> previous_digest_s3_bucket;
  std::optional<std::string> previous_digest_s3_object;
  std::optional<std::string> previous_digest_hash_value;
  std::optional<std::string> previous_digest_hash_algorithm;
  std::optional<std::string> previous_digest_signature;
  std::vector<DigestLogFile> log_files;
};

// Parses digest bytes, gzip'ed or not (gunzip capped at 64 MiB). Corruption when the bytes
// are not a JSON object with the keys validate-logs requires (digestStartTime, digestEndTime,
// digestS3Bucket, digestS3Object, digestPublicKeyFingerprint, previousDigestSignature,
// logFiles) of the right types.
Result<DigestFile> ParseDigestFile(std::string_view bytes);

// What was written for one account/region at the end of a digest period.
struct DigestInfo {
  std::string account_id;
  std::string region;
  std::string key;
  std::string sha256_hex;     // of the uncompressed digest
  std::string signature_hex;  // also in <key>.metadata.json
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::size_t log_files = 0;
};

// ---------------------------------------------------------------------------------------------
// Writer: buffering, log file delivery and the digest chain

struct TrailWriterOptions {
  TrailLocation location;
  std::string signing_dir;                            // see SigningKeys
  std::int64_t delivery_interval_ms = 5 * 60 * 1000;  // log files, like CloudTrail
  std::int64_t digest_period_ms = 60 * 60 * 1000;     // digests, like CloudTrail
};

// Turns records into log files and digests. Per account/region one digest chain; chain heads
// live in <signing_dir>/chain-state.json so a restart continues the chain. Digest periods are
// aligned to multiples of digest_period_ms; the first window starts when the writer opens.
// Every account/region that ever had a digest gets one every period, even with no log files.
class TrailWriter {
 public:
  static Result<std::unique_ptr<TrailWriter>> Open(TrailWriterOptions options, const Clock& clock);
  ~TrailWriter();
  TrailWriter(const TrailWriter&) = delete;
  TrailWriter& operator=(const TrailWriter&) = delete;

  // Buffers one record (BuildRecord output) until the next delivery.
  Status Append(std::string_view account_id, std::string_view region, std::string record);
  // Call periodically (e.g. every few seconds): writes the digests of periods that have ended,
  // then delivers buffered records when delivery_interval_ms has passed since the last delivery.
  Status Tick();
  // Delivers every buffered record now (one log file per account/region).
  Result<std::vector<LogFileInfo>> Flush();
  // Flush, then a final digest per chain ending now, and records a clean stop (validate-logs
  // then expects every log file to be covered). The writer is unusable afterwards.
  Result<std::vector<DigestInfo>> Close();
  // Rotates the signing key (see SigningKeys::Rotate); later digests use the new key.
  Status RotateSigningKey();

 private:
  struct State;
  explicit TrailWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// ---------------------------------------------------------------------------------------------
// validate-logs

struct ValidateOptions {
  std::string trail_dir;
  std::string signing_dir;               // empty: <trail_dir>/../trail-signing
  std::string bucket;                    // empty: the bucket the newest digest of each chain names
  std::optional<std::int64_t> start_ms;  // empty: the oldest digest's start
  std::optional<std::int64_t> end_ms;    // empty: now
  bool verbose = false;                  // also print the `valid` lines
};

struct ValidateReport {
  int exit_code = 0;  // 0 everything valid, 1 anything INVALID or missing, 2 bad usage
  std::string out;    // what `aws cloudtrail validate-logs` prints on stdout
  std::string err;    // ... and on stderr (INVALID lines, gaps)
  std::size_t digests_valid = 0;
  std::size_t digests_invalid = 0;
  std::size_t logs_valid = 0;
  std::size_t logs_invalid = 0;
};

// Walks each account/region digest chain from the newest digest backwards (see docs/trail.md).
ValidateReport ValidateLogs(const ValidateOptions& options, const Clock& clock);
// The same, printing to `out`/`err`; returns the exit code.
int ValidateLogs(const ValidateOptions& options, const Clock& clock, std::FILE* out,
                 std::FILE* err);

}  // namespace trailwatch::trail

#endif  // TRAILWATCH_TRAIL_TRAIL_H_
