// Internal to trail/: file helpers, gzip, key names and digest (de)serialisation shared by the
// writer and the validator.
#ifndef TRAILWATCH_TRAIL_INTERNAL_H_
#define TRAILWATCH_TRAIL_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/files.h"
#include "common/status.h"
#include "trail/trail.h"

namespace trailwatch::trail::internal {

// Digest and log files are small; anything that inflates beyond this is not ours.
inline constexpr std::size_t kMaxInflated = std::size_t{64} << 20;
inline constexpr std::string_view kSignatureAlgorithm = "SHA256withRSA";
inline constexpr std::string_view kHashAlgorithm = "SHA-256";
inline constexpr std::string_view kMetadataSuffix = ".metadata.json";
inline constexpr std::string_view kChainStateFile = "chain-state.json";
inline constexpr std::string_view kPublicKeysFile = "public-keys.json";

// ---- files (files.cc)
// Reading and writing whole files: common/files.h (ReadFile, WriteFileAtomic).
std::string JoinPath(std::string_view dir, std::string_view rel);

// ---- gzip (files.cc)
Result<std::string> GzipCompress(std::string_view data);
// Corruption when not gzip or damaged; ResourceExhausted beyond `max_output`.
Result<std::string> GzipDecompress(std::string_view data, std::size_t max_output = kMaxInflated);
bool LooksGzip(std::string_view data);

// ---- names (files.cc)
// Account ids and regions become path segments: only [A-Za-z0-9-], 1 to 64 characters, so a
// caller's value can never climb out of the trail root.
bool SafeSegment(std::string_view s);
// "YYYYMMDDTHHmmZ" (log files) and "YYYYMMDDTHHMMSSZ" (digests).
std::string MinuteStamp(std::int64_t ms);
std::string SecondStamp(std::int64_t ms);
// "YYYY/MM/DD".
std::string DatePath(std::int64_t ms);
// "2025-03-04T09:12:37Z": CloudTrail's time format, always to the second.
std::string IsoSeconds(std::int64_t ms);
// Parses the stamps above back; nullopt when malformed.
std::optional<std::int64_t> ParseStamp(std::string_view stamp);
std::string DigestKey(const TrailLocation& where, std::string_view account, std::string_view region,
                      std::int64_t end_ms);
// The delivery/end stamp in a log-file or digest file name; nullopt when the name is not one.
std::optional<std::int64_t> LogFileStampOf(std::string_view key);
std::optional<std::int64_t> DigestStampOf(std::string_view key);

// ---- digest JSON (digest.cc)
struct ChainLink {  // the previous digest, as the next one records it
  std::string bucket;
  std::string key;
  std::string sha256_hex;
  std::string signature_hex;
};
// The uncompressed digest text in AWS's key order.
std::string RenderDigest(const TrailLocation& where, std::string_view account,
                         std::int64_t start_ms, std::int64_t end_ms, std::string_view key,
                         std::string_view fingerprint, const std::vector<LogFileInfo>& logs,
                         const std::optional<ChainLink>& previous);
// The four-line data-signing string of spec 3.3.
std::string SigningString(std::string_view end_time, std::string_view bucket, std::string_view key,
                          std::string_view digest_sha256_hex,
                          const std::optional<std::string>& previous_signature);
// {"signature":"<hex>","signature-algorithm":"SHA256withRSA"}: the S3 user metadata AWS
// stores with a digest object, as a sidecar file.
std::string RenderMetadata(std::string_view signature_hex);
struct DigestMetadata {
  std::string signature;
  std::string signature_algorithm;
};
Result<DigestMetadata> ParseMetadata(std::string_view text);

// Writes digest + metadata sidecar for one chain and returns what was written.
Result<DigestInfo> WriteDigest(const TrailLocation& where, const SigningKeys& keys,
                               std::string_view account, std::string_view region,
                               std::int64_t start_ms, std::int64_t end_ms,
                               const std::vector<LogFileInfo>& logs,
                               const std::optional<ChainLink>& previous);

// ---- signing (signing.cc)
struct PublicKeyEntry {
  std::string fingerprint;
  std::string der;  // PKCS#1 RSAPublicKey
  std::string validity_start;
  std::optional<std::string> validity_end;
};
// Reads <dir>/public-keys.json.
Result<std::vector<PublicKeyEntry>> LoadPublicKeys(const std::string& signing_dir);
// OK when `signature` is a valid SHA256withRSA signature of `data` under `der`;
// InvalidArgument when the key does not load, Corruption when the signature is wrong.
Status VerifySignature(std::string_view der, std::string_view data, std::string_view signature);
std::string Fingerprint(std::string_view der);

// ---- chain heads (writer.cc, read by the validator)
struct ChainHead {
  std::string account_id;
  std::string region;
  std::string bucket;
  std::string key;
  std::string sha256_hex;
  std::string signature_hex;
  std::int64_t end_ms = 0;
};
struct ChainState {
  std::vector<ChainHead> heads;
  bool stopped_cleanly = false;
};
// NotFound when there is no state file yet.
Result<ChainState> LoadChainState(const std::string& signing_dir);
Status SaveChainState(const std::string& signing_dir, const ChainState& state);

}  // namespace trailwatch::trail::internal

#endif  // TRAILWATCH_TRAIL_INTERNAL_H_
