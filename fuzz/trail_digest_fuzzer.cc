// Fuzzes the digest file parser validate-logs uses: the input is the bytes of a digest file
// (gzip'ed or plain JSON), as read from an untrusted trail directory.
//
// Besides memory errors (ASan/UBSan), it checks that parsing is deterministic, that every
// error is a Corruption with a message, and that what parses can be turned into the data-
// signing string and checked against a signature without crashing (the validator's next steps).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "trail/internal.h"
#include "trail/trail.h"

namespace {

namespace trail = trailwatch::trail;

// Real digests are a few KB per hundred log files; larger inputs only slow each run down.
constexpr std::size_t kMaxInput = 65536;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Summary(const trailwatch::Result<trail::DigestFile>& r) {
  if (!r.ok()) return r.status().ToString();
  std::string s = r->digest_end_time + "|" + r->digest_s3_bucket + "|" + r->digest_s3_object + "|" +
                  r->previous_digest_signature.value_or("null") + "|";
  for (const auto& f : r->log_files) s += f.s3_object + "=" + f.hash_value + ";";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto first = trail::ParseDigestFile(bytes);
  auto second = trail::ParseDigestFile(bytes);
  Check(Summary(first) == Summary(second));
  if (!first.ok()) {
    Check(first.status().code() == trailwatch::StatusCode::kCorruption);
    Check(!first.status().message().empty());
  } else {
    const trail::DigestFile& d = *first;
    const std::string to_sign =
        trail::internal::SigningString(d.digest_end_time, d.digest_s3_bucket, d.digest_s3_object,
                                       std::string(64, '0'), d.previous_digest_signature);
    Check(to_sign.size() >= d.digest_end_time.size());
    (void)trail::internal::DigestStampOf(d.digest_s3_object);
    for (const auto& f : d.log_files) (void)trail::internal::LogFileStampOf(f.s3_object);
    // A key that does not load must be reported, not crash.
    Check(!trail::internal::VerifySignature(d.digest_public_key_fingerprint, to_sign, "sig").ok());
  }
  // The same bytes as signature metadata: another small parser on untrusted input.
  (void)trail::internal::ParseMetadata(bytes);
  return 0;
}
