// validate-logs over a local trail tree, modelled on `aws cloudtrail validate-logs` (spec 3.4).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {
namespace {

using internal::JoinPath;

constexpr std::int64_t kHourMs = 60 * 60 * 1000;
constexpr std::int64_t kMinuteMs = 60 * 1000;

struct ChainFiles {
  std::vector<std::pair<std::int64_t, std::string>> digests;  // (end stamp, key)
  std::vector<std::pair<std::int64_t, std::string>> logs;     // (delivery stamp, key)
};
using ChainId = std::pair<std::string, std::string>;  // account, region

// Keys come from digests; even signed ones must not name files outside the trail root.
bool SafeKey(std::string_view key) {
  if (key.empty() || key.front() == '/') return false;
  std::size_t pos = 0;
  while (pos <= key.size()) {
    const std::size_t slash = std::min(key.find('/', pos), key.size());
    if (key.substr(pos, slash - pos) == "..") return false;
    pos = slash + 1;
  }
  return true;
}

// Finds AWSLogs/[o-org/]<acct>/CloudTrail[-Digest]/<region>/... files under the root.
std::map<ChainId, ChainFiles> Discover(const std::string& root) {
  std::map<ChainId, ChainFiles> chains;
  std::error_code ec;
  const std::filesystem::path base(root);
  std::filesystem::recursive_directory_iterator it(base / "AWSLogs", ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") || !name.ends_with(".json.gz")) continue;
    const std::string key = it->path().lexically_relative(base).generic_string();
    std::vector<std::string> parts;
    for (const auto& p : std::filesystem::path(key)) parts.push_back(p.string());
    for (std::size_t i = 2; i + 1 < parts.size(); ++i) {
      const bool digest = parts[i] == "CloudTrail-Digest";
      if (!digest && parts[i] != "CloudTrail") continue;
      ChainFiles& c = chains[{parts[i - 1], parts[i + 1]}];
      const auto stamp = digest ? internal::DigestStampOf(key) : internal::LogFileStampOf(key);
      if (stamp) (digest ? c.digests : c.logs).emplace_back(*stamp, key);
      break;
    }
  }
  for (auto& [id, c] : chains) {
    std::sort(c.digests.begin(), c.digests.end());
    std::sort(c.logs.begin(), c.logs.end());
  }
  return chains;
}

// Output in the AWS CLI's shape: INVALID lines go to stderr framed by blank lines, `valid`
// lines to stdout with --verbose only.
class Printer {
 public:
  explicit Printer(ValidateReport* r, bool verbose) : r_(r), verbose_(verbose) {}
  void Error(const std::string& line) {
    r_->err += double_space_ ? line + "\n\n" : "\n" + line + "\n\n";
    double_space_ = true;
  }
  void Valid(const std::string& line) {
    if (!verbose_) return;
    double_space_ = false;
    r_->out += line + "\n";
  }
  bool double_space() const { return double_space_; }

 private:
  ValidateReport* r_;
  bool verbose_;
  bool double_space_ = false;
};

struct Expected {  // what the newer digest recorded about the one we go to next
  std::string newer_key;
  std::optional<std::string> hash;
  std::optional<std::string> signature;
};

class Validator {
 public:
  Validator(const ValidateOptions& o, std::int64_t end, ValidateReport* r)
      : o_(o), end_(end), report_(r), print_(r, o.verbose) {}

  void LoadKeys(const std::string& signing_dir) {
    auto keys = internal::LoadPublicKeys(signing_dir);
    if (keys.ok()) {
      for (auto& k : *keys) keys_[k.fingerprint] = std::move(k.der);
    }
    auto state = internal::LoadChainState(signing_dir);
    if (state.ok()) state_ = std::move(state).value();
  }

  void Run() {
    auto chains = Discover(o_.trail_dir);
    for (const internal::ChainHead& h : state_.heads) chains[{h.account_id, h.region}];
    for (auto& [id, files] : chains) Chain(id, files);
  }

  bool double_space() const { return print_.double_space(); }

  std::optional<std::int64_t> earliest_start, found_start, found_end;

 private:
  std::int64_t start() const {
    return o_.start_ms.value_or(std::numeric_limits<std::int64_t>::min());
  }
  std::string S3(const std::string& bucket, std::string_view key) const {
    return fmt::format("s3://{}/{}", bucket, key);
  }
  void InvalidDigest(const std::string& bucket, std::string_view key, std::string_view msg) {
    ++report_->digests_invalid;
    print_.Error(fmt::format("Digest file\t{}\tINVALID: {}", S3(bucket, key), msg));
  }
  void InvalidLog(const std::string& bucket, std::string_view key, std::string_view msg) {
    ++report_->logs_invalid;
    print_.Error(fmt::format("Log file\t{}\tINVALID: {}", S3(bucket, key), msg));
  }

  const internal::ChainHead* Head(const ChainId& id) const {
    for (const auto& h : state_.heads) {
      if (h.account_id == id.first && h.region == id.second) return &h;
    }
    return nullptr;
  }

  std::string BucketFor(const ChainId& id, const ChainFiles& files) const {
    if (!o_.bucket.empty()) return o_.bucket;
    if (const auto* h = Head(id)) return h->bucket;
    if (!files.digests.empty()) {
      auto bytes = ReadFile(JoinPath(o_.trail_dir, files.digests.back().second));
      auto d = bytes.ok() ? ParseDigestFile(*bytes) : Result<DigestFile>(bytes.status());
      if (d.ok()) return d->digest_s3_bucket;
    }
    return TrailLocation{}.bucket;
  }

  void Chain(const ChainId& id, ChainFiles& files) {
    const std::string bucket = BucketFor(id, files);
    // The listing the walk falls back on, oldest first; popped from the back like the CLI.
    std::vector<std::pair<std::int64_t, std::string>> listing;
    for (const auto& d : files.digests) {
      if (d.first >= start() && d.first <= end_ + kHourMs) listing.push_back(d);
    }
    // A deleted newest digest leaves no trace in the listing; the chain head remembers it.
    if (const auto* h = Head(id); h && h->end_ms >= start() && h->end_ms <= end_ + kHourMs &&
                                  !std::filesystem::exists(JoinPath(o_.trail_dir, h->key))) {
      InvalidDigest(bucket, h->key, "not found");
    }
    std::set<std::string> covered;
    std::vector<std::pair<std::int64_t, std::int64_t>> windows;
    std::set<std::string> visited;
    const auto next_older = [&](std::int64_t before) -> std::optional<std::string> {
      while (!listing.empty()) {
        auto [stamp, key] = listing.back();
        listing.pop_back();
        if (stamp < before) return key;
      }
      return std::nullopt;
    };
    std::optional<std::string> cur;
    if (!listing.empty()) {
      cur = listing.back().second;
      listing.pop_back();
    }
    std::optional<Expected> expected;
    std::int64_t last_start = std::numeric_limits<std::int64_t>::max();
    while (cur && start() <= last_start && visited.insert(*cur).second) {
      const std::string key = *cur;
      const std::int64_t stamp =
          internal::DigestStampOf(key).value_or(std::numeric_limits<std::int64_t>::min());
      const auto fail = [&](std::string_view msg) {
        InvalidDigest(bucket, key, msg);
        expected.reset();
        cur = next_older(stamp);
      };
      auto bytes = SafeKey(key) ? ReadFile(JoinPath(o_.trail_dir, key))
                                : Result<std::string>(Status::NotFound(""));
      if (!bytes.ok()) {
        fail("not found");
        continue;
      }
      auto inflated = internal::GzipDecompress(*bytes);
      auto digest =
          inflated.ok() ? ParseDigestFile(*inflated) : Result<DigestFile>(inflated.status());
      const auto d_start =
          digest.ok() ? ParseIso8601Millis(digest->digest_start_time) : std::nullopt;
      const auto d_end = digest.ok() ? ParseIso8601Millis(digest->digest_end_time) : std::nullopt;
      if (!digest.ok() || !d_start || !d_end) {
        fail("invalid format");
        continue;
      }
      const DigestFile& d = *digest;
      // Listed files of a digest that fails are not "uncovered": that digest is the finding.
      for (const auto& f : d.log_files) covered.insert(f.s3_object);
      earliest_start = std::min(earliest_start.value_or(*d_start), *d_start);
      if (d.digest_s3_bucket != bucket || d.digest_s3_object != key) {
        fail("has been moved from its original location");
        continue;
      }
      auto meta_text =
          ReadFile(JoinPath(o_.trail_dir, key) + std::string(internal::kMetadataSuffix));
      auto meta = meta_text.ok() ? internal::ParseMetadata(*meta_text)
                                 : Result<internal::DigestMetadata>(meta_text.status());
      const auto pub = keys_.find(d.digest_public_key_fingerprint);
      if (pub == keys_.end()) {
        fail(fmt::format("public key not found in region {} for fingerprint {}", id.second,
                         d.digest_public_key_fingerprint));
        continue;
      }
      auto sig = meta.ok() ? HexDecode(meta->signature) : Result<std::string>(meta.status());
      const std::string digest_hash = HexEncode(Sha256(*inflated));
      Status verified = sig.ok()
                            ? internal::VerifySignature(
                                  pub->second,
                                  internal::SigningString(d.digest_end_time, d.digest_s3_bucket,
                                                          d.digest_s3_object, digest_hash,
                                                          d.previous_digest_signature),
                                  *sig)
                            : Status::Corruption("no signature");
      if (verified.code() == StatusCode::kInvalidArgument) {
        fail(fmt::format("Unable to load PKCS #1 key with fingerprint {}",
                         d.digest_public_key_fingerprint));
        continue;
      }
      if (!verified.ok() || meta->signature_algorithm != internal::kSignatureAlgorithm) {
        fail("signature verification failed");
        continue;
      }
      // Beyond the CLI: the newer digest signed this one's hash and signature; a digest
      // swapped for another validly signed one breaks that link.
      if (expected && (expected->hash != digest_hash || expected->signature != HexEncode(*sig))) {
        fail(
            fmt::format("does not match the previousDigestHashValue/previousDigestSignature "
                        "recorded in {}",
                        S3(bucket, expected->newer_key)));
        continue;
      }
      ++report_->digests_valid;
      print_.Valid(fmt::format("Digest file\t{}\tvalid", S3(bucket, key)));
      found_start =
          std::min(found_start.value_or(std::max(*d_start, start())), std::max(*d_start, start()));
      found_end = std::max(found_end.value_or(std::min(*d_end, end_)), std::min(*d_end, end_));
      windows.emplace_back(*d_start, *d_end);
      for (const DigestLogFile& f : d.log_files) Log(f);
      last_start = *d_start;
      if (!d.previous_digest_s3_bucket || !d.previous_digest_s3_object) {
        expected.reset();
        const std::int64_t before = stamp;
        cur = next_older(before);
        if (cur) {
          print_.Error(fmt::format("No log files were delivered by CloudTrail between {} and {}",
                                   internal::IsoSeconds(internal::DigestStampOf(*cur).value_or(0)),
                                   internal::IsoSeconds(last_start)));
        }
      } else if (*d.previous_digest_s3_bucket != bucket) {
        // The chain continues in another bucket, which is not in this tree.
        expected.reset();
        cur = next_older(stamp);
      } else {
        expected = Expected{key, d.previous_digest_hash_value, d.previous_digest_signature};
        cur = *d.previous_digest_s3_object;
      }
    }
    Uncovered(id, bucket, files, covered, windows);
  }

  void Log(const DigestLogFile& f) {
    auto bytes = SafeKey(f.s3_object) ? ReadFile(JoinPath(o_.trail_dir, f.s3_object))
                                      : Result<std::string>(Status::NotFound(""));
    if (!bytes.ok()) {
      InvalidLog(f.s3_bucket, f.s3_object, "not found");
      return;
    }
    auto inflated = internal::GzipDecompress(*bytes);
    if (!inflated.ok()) {
      InvalidLog(f.s3_bucket, f.s3_object, "invalid format");
      return;
    }
    if (HexEncode(Sha256(*inflated)) != f.hash_value) {
      InvalidLog(f.s3_bucket, f.s3_object, "hash value doesn't match");
      return;
    }
    ++report_->logs_valid;
    print_.Valid(fmt::format("Log file\t{}\tvalid", S3(f.s3_bucket, f.s3_object)));
  }

  // Beyond the CLI: a log file inside a window a valid digest covers must be listed in it, and
  // after a clean stop every delivered file must be listed somewhere.
  void Uncovered(const ChainId& id, const std::string& bucket, const ChainFiles& files,
                 const std::set<std::string>& covered,
                 const std::vector<std::pair<std::int64_t, std::int64_t>>& windows) {
    if (windows.empty()) return;
    std::int64_t first = windows.front().first;
    for (const auto& w : windows) first = std::min(first, w.first);
    const auto* head = Head(id);
    const bool clean = state_.stopped_cleanly && head != nullptr;
    for (const auto& [stamp, key] : files.logs) {
      if (covered.count(key) || stamp < start() || stamp > end_) continue;
      bool inside = clean && stamp >= first - kMinuteMs;
      for (const auto& [from, to] : windows) {
        inside = inside || (stamp >= from && stamp + kMinuteMs <= to);
      }
      if (inside) InvalidLog(bucket, key, "not listed in any digest file");
    }
  }

  const ValidateOptions& o_;
  std::int64_t end_;
  ValidateReport* report_;
  Printer print_;
  std::map<std::string, std::string> keys_;
  internal::ChainState state_;
};

std::string Ratio(std::size_t valid, std::size_t invalid, std::string_view name) {
  const std::size_t total = valid + invalid;
  if (total == 0) return "";
  std::string s = fmt::format("\n{}/{} {} files valid", valid, total, name);
  if (invalid > 0) s += fmt::format(", {}/{} {} files INVALID", invalid, total, name);
  return s;
}

}  // namespace

ValidateReport ValidateLogs(const ValidateOptions& options, const Clock& clock) {
  ValidateReport report;
  const std::int64_t end = options.end_ms.value_or(clock.Now().time_since_epoch().count());
  if (options.trail_dir.empty() || (options.start_ms && *options.start_ms > end)) {
    report.exit_code = 2;
    report.err = options.trail_dir.empty() ? "trailwatch: validate-logs needs --trail-dir\n"
                                           : "trailwatch: --start-time is after --end-time\n";
    return report;
  }
  const std::string signing_dir =
      options.signing_dir.empty()
          ? (std::filesystem::path(options.trail_dir) / ".." / "trail-signing")
                .lexically_normal()
                .string()
          : options.signing_dir;
  Validator v(options, end, &report);
  v.LoadKeys(signing_dir);
  v.Run();
  const std::int64_t start = options.start_ms.value_or(v.earliest_start.value_or(end));
  std::string out =
      fmt::format("Validating log files in {} between {} and {}\n\n", options.trail_dir,
                  internal::IsoSeconds(start), internal::IsoSeconds(end));
  out += report.out;
  if (!v.double_space()) out += '\n';
  out += fmt::format("Results requested for {} to {}\n", internal::IsoSeconds(start),
                     internal::IsoSeconds(end));
  if (report.digests_valid + report.digests_invalid == 0) {
    out += "No digests found\n";
  } else {
    if (!v.found_start || !v.found_end) {
      out += "No valid digests found in range\n";
    } else {
      out += fmt::format("Results found for {} to {}:\n", internal::IsoSeconds(*v.found_start),
                         internal::IsoSeconds(*v.found_end));
    }
    out += Ratio(report.digests_valid, report.digests_invalid, "digest");
    out += Ratio(report.logs_valid, report.logs_invalid, "log");
    out += '\n';
  }
  report.out = std::move(out);
  report.exit_code = report.digests_invalid + report.logs_invalid > 0 ? 1 : 0;
  return report;
}

int ValidateLogs(const ValidateOptions& options, const Clock& clock, std::FILE* out,
                 std::FILE* err) {
  const ValidateReport r = ValidateLogs(options, clock);
  std::fputs(r.out.c_str(), out);
  std::fputs(r.err.c_str(), err);
  std::fflush(out);
  std::fflush(err);
  return r.exit_code;
}

}  // namespace trailwatch::trail
