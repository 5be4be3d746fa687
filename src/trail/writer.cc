// TrailWriter: buffers records, delivers log files, closes digest periods, keeps chain heads.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {
namespace internal {

Result<ChainState> LoadChainState(const std::string& signing_dir) {
  const std::string path = JoinPath(signing_dir, kChainStateFile);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const auto chains = j.is_object() ? j.find("chains") : j.end();
  if (chains == j.end() || !chains->is_array()) {
    return Status::Corruption(fmt::format("{}: no chains array", path));
  }
  ChainState state;
  const auto clean = j.find("stoppedCleanly");
  state.stopped_cleanly = clean != j.end() && clean->is_boolean() && clean->get<bool>();
  for (const auto& c : *chains) {
    const auto str = [&](const char* name) {
      const auto it = c.is_object() ? c.find(name) : c.end();
      return it != c.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    ChainHead h{str("accountId"),
                str("region"),
                str("digestS3Bucket"),
                str("digestS3Object"),
                str("hashValue"),
                str("signature"),
                0};
    const auto end = ParseIso8601Millis(str("digestEndTime"));
    if (h.account_id.empty() || h.region.empty() || h.key.empty() || !end) {
      return Status::Corruption(fmt::format("{}: bad chain entry", path));
    }
    h.end_ms = *end;
    state.heads.push_back(std::move(h));
  }
  return state;
}

Status SaveChainState(const std::string& signing_dir, const ChainState& state) {
  nlohmann::ordered_json chains = nlohmann::ordered_json::array();
  for (const ChainHead& h : state.heads) {
    nlohmann::ordered_json c;
    c["accountId"] = h.account_id;
    c["region"] = h.region;
    c["digestS3Bucket"] = h.bucket;
    c["digestS3Object"] = h.key;
    c["digestEndTime"] = IsoSeconds(h.end_ms);
    c["hashValue"] = h.sha256_hex;
    c["signature"] = h.signature_hex;
    chains.push_back(std::move(c));
  }
  nlohmann::ordered_json doc;
  doc["stoppedCleanly"] = state.stopped_cleanly;
  doc["chains"] = std::move(chains);
  return WriteFileAtomic(JoinPath(signing_dir, kChainStateFile), doc.dump(2) + "\n");
}

}  // namespace internal

namespace {

using ChainId = std::pair<std::string, std::string>;  // account, region

std::int64_t FloorTo(std::int64_t ms, std::int64_t unit) { return ms - ms % unit; }

}  // namespace

struct TrailWriter::State {
  TrailWriterOptions options;
  const Clock* clock = nullptr;
  SigningKeys keys;
  std::mutex mu;
  std::map<ChainId, std::vector<std::string>> pending;
  std::map<ChainId, std::vector<LogFileInfo>> delivered;  // in the open digest period
  std::map<ChainId, internal::ChainHead> heads;
  std::int64_t period_start = 0;
  std::int64_t period_end = 0;
  std::int64_t last_delivery = 0;
  bool closed = false;

  State(TrailWriterOptions o, const Clock& c, SigningKeys k)
      : options(std::move(o)), clock(&c), keys(std::move(k)) {}

  std::int64_t Now() const { return clock->Now().time_since_epoch().count(); }

  Status SaveHeads(bool stopped_cleanly) {
    internal::ChainState state;
    state.stopped_cleanly = stopped_cleanly;
    for (const auto& [id, head] : heads) state.heads.push_back(head);
    return internal::SaveChainState(options.signing_dir, state);
  }

  Result<std::vector<LogFileInfo>> FlushLocked(std::int64_t now) {
    std::vector<LogFileInfo> out;
    for (auto& [id, records] : pending) {
      if (records.empty()) continue;
      auto info = WriteLogFile(options.location, id.first, id.second, records, now);
      // Records stay buffered on failure; the next Tick tries again.
      if (!info.ok()) return info.status();
      records.clear();
      delivered[id].push_back(*info);
      out.push_back(std::move(info).value());
    }
    last_delivery = now;
    return out;
  }

  Result<std::vector<DigestInfo>> DigestLocked(std::int64_t end, bool stopped_cleanly) {
    std::map<ChainId, bool> chains;
    for (const auto& [id, head] : heads) chains[id] = true;
    for (const auto& [id, logs] : delivered) chains[id] = true;
    std::vector<DigestInfo> out;
    for (const auto& [id, unused] : chains) {
      std::optional<internal::ChainLink> previous;
      std::int64_t start = period_start;
      std::int64_t chain_end = FloorTo(end, 1000);
      if (const auto it = heads.find(id); it != heads.end()) {
        const internal::ChainHead& h = it->second;
        previous = internal::ChainLink{h.bucket, h.key, h.sha256_hex, h.signature_hex};
        start = std::max(start, h.end_ms);
        // Digest names have second resolution: never reuse (overwrite) the previous name.
        chain_end = std::max(chain_end, FloorTo(h.end_ms, 1000) + 1000);
      }
      static const std::vector<LogFileInfo> kNone;
      const auto logs = delivered.find(id);
      auto info = internal::WriteDigest(options.location, keys, id.first, id.second,
                                        FloorTo(start, 1000), chain_end,
                                        logs == delivered.end() ? kNone : logs->second, previous);
      if (!info.ok()) {
        // Chains already advanced must be remembered, or a restart would fork them.
        (void)SaveHeads(false);
        return info.status();
      }
      heads[id] = internal::ChainHead{id.first,    id.second,        options.location.bucket,
                                      info->key,   info->sha256_hex, info->signature_hex,
                                      info->end_ms};
      if (logs != delivered.end()) delivered.erase(logs);
      out.push_back(std::move(info).value());
    }
    Status s = SaveHeads(stopped_cleanly);
    if (!s.ok()) return s;
    return out;
  }
};

TrailWriter::TrailWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

TrailWriter::~TrailWriter() {
  if (state_ && !state_->closed) (void)Close();
}

Result<std::unique_ptr<TrailWriter>> TrailWriter::Open(TrailWriterOptions options,
                                                       const Clock& clock) {
  if (options.location.root.empty() || options.signing_dir.empty()) {
    return Status::InvalidArgument("the trail writer needs a trail root and a signing dir");
  }
  if (options.digest_period_ms < 1000 || options.delivery_interval_ms < 1) {
    return Status::InvalidArgument("digest period and delivery interval must be positive");
  }
  auto keys = SigningKeys::Open(options.signing_dir, clock);
  if (!keys.ok()) return keys.status();
  auto state = std::make_unique<State>(std::move(options), clock, std::move(keys).value());
  auto loaded = internal::LoadChainState(state->options.signing_dir);
  if (loaded.ok()) {
    for (internal::ChainHead& h : loaded->heads) {
      state->heads[{h.account_id, h.region}] = std::move(h);
    }
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    return loaded.status();
  }
  const std::int64_t now = state->Now();
  state->period_start = now;
  state->period_end =
      FloorTo(now, state->options.digest_period_ms) + state->options.digest_period_ms;
  state->last_delivery = now;
  // Running: until Close() says otherwise, validate-logs must allow undigested files.
  Status s = state->SaveHeads(false);
  if (!s.ok()) return s;
  return std::unique_ptr<TrailWriter>(new TrailWriter(std::move(state)));
}

Status TrailWriter::Append(std::string_view account_id, std::string_view region,
                           std::string record) {
  // Checked now so one bad record cannot block a whole log file later.
  if (!internal::SafeSegment(account_id) || !internal::SafeSegment(region)) {
    return Status::InvalidArgument(
        fmt::format("bad account id or region for the trail: '{}', '{}'", account_id, region));
  }
  const auto j = nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false);
  const auto t = j.is_object() ? j.find("eventTime") : j.end();
  if (t == j.end() || !t->is_string() || !ParseIso8601Millis(t->get_ref<const std::string&>())) {
    return Status::InvalidArgument("a trail record must be a JSON object with an eventTime");
  }
  std::lock_guard lock(state_->mu);
  if (state_->closed) return Status::Internal("the trail writer is closed");
  state_->pending[{std::string(account_id), std::string(region)}].push_back(std::move(record));
  return Status::Ok();
}

Status TrailWriter::Tick() {
  std::lock_guard lock(state_->mu);
  if (state_->closed) return Status::Internal("the trail writer is closed");
  const std::int64_t now = state_->Now();
  // Digests first: files delivered from now on belong to the next period.
  while (now >= state_->period_end) {
    auto digests = state_->DigestLocked(state_->period_end, false);
    if (!digests.ok()) return digests.status();
    state_->period_start = state_->period_end;
    state_->period_end += state_->options.digest_period_ms;
  }
  if (now - state_->last_delivery >= state_->options.delivery_interval_ms) {
    auto files = state_->FlushLocked(now);
    if (!files.ok()) return files.status();
  }
  return Status::Ok();
}

Result<std::vector<LogFileInfo>> TrailWriter::Flush() {
  std::lock_guard lock(state_->mu);
  if (state_->closed) return Status::Internal("the trail writer is closed");
  return state_->FlushLocked(state_->Now());
}

Result<std::vector<DigestInfo>> TrailWriter::Close() {
  std::lock_guard lock(state_->mu);
  if (state_->closed) return Status::Internal("the trail writer is closed");
  const std::int64_t now = state_->Now();
  auto files = state_->FlushLocked(now);
  if (!files.ok()) return files.status();
  auto digests = state_->DigestLocked(now, true);
  if (!digests.ok()) return digests.status();
  state_->closed = true;
  return digests;
}

Status TrailWriter::RotateSigningKey() {
  std::lock_guard lock(state_->mu);
  return state_->keys.Rotate(*state_->clock);
}

}  // namespace trailwatch::trail
