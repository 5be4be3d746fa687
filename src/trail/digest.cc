// Digest files (spec 3.2, 3.3): rendering, signing, and the parser validate-logs uses.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json_text.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {
namespace internal {
namespace {

void Key(std::string* out, std::string_view key) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += ':';
}

void Field(std::string* out, std::string_view key, std::string_view value) {
  Key(out, key);
  AppendJsonString(out, value);
}

void FieldOrNull(std::string* out, std::string_view key, const std::optional<std::string>& v) {
  Key(out, key);
  if (v) {
    AppendJsonString(out, *v);
  } else {
    *out += "null";
  }
}

}  // namespace

std::string RenderDigest(const TrailLocation& where, std::string_view account,
                         std::int64_t start_ms, std::int64_t end_ms, std::string_view key,
                         std::string_view fingerprint, const std::vector<LogFileInfo>& logs,
                         const std::optional<ChainLink>& previous) {
  std::optional<std::string> newest;
  std::optional<std::string> oldest;
  if (!logs.empty()) {
    const auto oldest_it =
        std::min_element(logs.begin(), logs.end(), [](const LogFileInfo& a, const LogFileInfo& b) {
          return a.oldest_event_ms < b.oldest_event_ms;
        });
    const auto newest_it =
        std::max_element(logs.begin(), logs.end(), [](const LogFileInfo& a, const LogFileInfo& b) {
          return a.newest_event_ms < b.newest_event_ms;
        });
    oldest = IsoSeconds(oldest_it->oldest_event_ms);
    newest = IsoSeconds(newest_it->newest_event_ms);
  }
  std::string out = "{";
  Field(&out, "awsAccountId", account);
  Field(&out, "digestStartTime", IsoSeconds(start_ms));
  Field(&out, "digestEndTime", IsoSeconds(end_ms));
  Field(&out, "digestS3Bucket", where.bucket);
  Field(&out, "digestS3Object", key);
  Field(&out, "digestPublicKeyFingerprint", fingerprint);
  Field(&out, "digestSignatureAlgorithm", kSignatureAlgorithm);
  FieldOrNull(&out, "newestEventTime", newest);
  FieldOrNull(&out, "oldestEventTime", oldest);
  const auto part = [&](auto member) -> std::optional<std::string> {
    if (!previous) return std::nullopt;
    return std::string((*previous).*member);
  };
  FieldOrNull(&out, "previousDigestS3Bucket", part(&ChainLink::bucket));
  FieldOrNull(&out, "previousDigestS3Object", part(&ChainLink::key));
  FieldOrNull(&out, "previousDigestHashValue", part(&ChainLink::sha256_hex));
  FieldOrNull(&out, "previousDigestHashAlgorithm",
              previous ? std::optional<std::string>(kHashAlgorithm) : std::nullopt);
  FieldOrNull(&out, "previousDigestSignature", part(&ChainLink::signature_hex));
  Key(&out, "logFiles");
  out += '[';
  for (std::size_t i = 0; i < logs.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    Field(&out, "s3Bucket", where.bucket);
    Field(&out, "s3Object", logs[i].key);
    Field(&out, "hashValue", logs[i].sha256_hex);
    Field(&out, "hashAlgorithm", kHashAlgorithm);
    Field(&out, "newestEventTime", IsoSeconds(logs[i].newest_event_ms));
    Field(&out, "oldestEventTime", IsoSeconds(logs[i].oldest_event_ms));
    out += '}';
  }
  out += "]}";
  return out;
}

std::string SigningString(std::string_view end_time, std::string_view bucket, std::string_view key,
                          std::string_view digest_sha256_hex,
                          const std::optional<std::string>& previous_signature) {
  return fmt::format("{}\n{}/{}\n{}\n{}", end_time, bucket, key, digest_sha256_hex,
                     previous_signature ? std::string_view(*previous_signature) : "null");
}

std::string RenderMetadata(std::string_view signature_hex) {
  std::string out = "{";
  Field(&out, "signature", signature_hex);
  Field(&out, "signature-algorithm", kSignatureAlgorithm);
  out += "}\n";
  return out;
}

Result<DigestMetadata> ParseMetadata(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("digest metadata is not a JSON object");
  const auto sig = j.find("signature");
  const auto alg = j.find("signature-algorithm");
  if (sig == j.end() || alg == j.end() || !sig->is_string() || !alg->is_string()) {
    return Status::Corruption("digest metadata lacks signature or signature-algorithm");
  }
  return DigestMetadata{sig->get<std::string>(), alg->get<std::string>()};
}

Result<DigestInfo> WriteDigest(const TrailLocation& where, const SigningKeys& keys,
                               std::string_view account, std::string_view region,
                               std::int64_t start_ms, std::int64_t end_ms,
                               const std::vector<LogFileInfo>& logs,
                               const std::optional<ChainLink>& previous) {
  DigestInfo info;
  info.account_id = account;
  info.region = region;
  info.start_ms = start_ms;
  info.end_ms = end_ms;
  info.log_files = logs.size();
  info.key = DigestKey(where, account, region, end_ms);
  const std::string text =
      RenderDigest(where, account, start_ms, end_ms, info.key, keys.fingerprint(), logs, previous);
  info.sha256_hex = HexEncode(Sha256(text));
  const std::optional<std::string> prev_sig =
      previous ? std::optional<std::string>(previous->signature_hex) : std::nullopt;
  auto sig = keys.Sign(
      SigningString(IsoSeconds(end_ms), where.bucket, info.key, info.sha256_hex, prev_sig));
  if (!sig.ok()) return sig.status();
  info.signature_hex = HexEncode(*sig);
  auto gz = GzipCompress(text);
  if (!gz.ok()) return gz.status();
  const std::string path = JoinPath(where.root, info.key);
  // Metadata first: a digest without its signature would read as tampered after a crash,
  // a lone sidecar is ignored.
  Status s =
      WriteFileAtomic(path + std::string(kMetadataSuffix), RenderMetadata(info.signature_hex));
  if (!s.ok()) return s;
  s = WriteFileAtomic(path, *gz);
  if (!s.ok()) return s;
  return info;
}

}  // namespace internal

namespace {

using Json = nlohmann::json;

Status Bad(std::string_view what) {
  return Status::Corruption(fmt::format("invalid digest: {}", what));
}

// Required string.
bool GetString(const Json& obj, const char* name, std::string* out) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

// String or null (absent counts as null); false when present with another type.
bool GetOptional(const Json& obj, const char* name, std::optional<std::string>* out) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    out->reset();
    return true;
  }
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace

Result<DigestFile> ParseDigestFile(std::string_view bytes) {
  std::string inflated;
  if (internal::LooksGzip(bytes)) {
    auto r = internal::GzipDecompress(bytes);
    if (!r.ok()) return Bad(r.status().message());
    inflated = std::move(r).value();
    bytes = inflated;
  }
  const Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not JSON");
  if (!j.is_object()) return Bad("not a JSON object");
  DigestFile d;
  if (!GetString(j, "digestStartTime", &d.digest_start_time) ||
      !GetString(j, "digestEndTime", &d.digest_end_time) ||
      !GetString(j, "digestS3Bucket", &d.digest_s3_bucket) ||
      !GetString(j, "digestS3Object", &d.digest_s3_object) ||
      !GetString(j, "digestPublicKeyFingerprint", &d.digest_public_key_fingerprint)) {
    return Bad("a required key is missing or not a string");
  }
  // validate-logs requires previousDigestSignature to be present, even if null.
  if (!j.contains("previousDigestSignature")) return Bad("previousDigestSignature is missing");
  (void)GetString(j, "awsAccountId", &d.aws_account_id);
  (void)GetString(j, "digestSignatureAlgorithm", &d.digest_signature_algorithm);
  if (!GetOptional(j, "newestEventTime", &d.newest_event_time) ||
      !GetOptional(j, "oldestEventTime", &d.oldest_event_time) ||
      !GetOptional(j, "previousDigestS3Bucket", &d.previous_digest_s3_bucket) ||
      !GetOptional(j, "previousDigestS3Object", &d.previous_digest_s3_object) ||
      !GetOptional(j, "previousDigestHashValue", &d.previous_digest_hash_value) ||
      !GetOptional(j, "previousDigestHashAlgorithm", &d.previous_digest_hash_algorithm) ||
      !GetOptional(j, "previousDigestSignature", &d.previous_digest_signature)) {
    return Bad("a key has the wrong type");
  }
  const auto logs = j.find("logFiles");
  if (logs == j.end() || !logs->is_array()) return Bad("logFiles is not an array");
  for (const Json& e : *logs) {
    if (!e.is_object()) return Bad("a logFiles entry is not an object");
    DigestLogFile f;
    if (!GetString(e, "s3Bucket", &f.s3_bucket) || !GetString(e, "s3Object", &f.s3_object) ||
        !GetString(e, "hashValue", &f.hash_value)) {
      return Bad("a logFiles entry lacks s3Bucket, s3Object or hashValue");
    }
    (void)GetString(e, "hashAlgorithm", &f.hash_algorithm);
    (void)GetString(e, "newestEventTime", &f.newest_event_time);
    (void)GetString(e, "oldestEventTime", &f.oldest_event_time);
    d.log_files.push_back(std::move(f));
  }
  return d;
}

}  // namespace trailwatch::trail
