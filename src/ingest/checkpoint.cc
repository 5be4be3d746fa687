// File checkpoints: their stored form and the default commit.
#include <fmt/format.h>
#include <simdjson.h>

#include "ingest/ingest.h"

namespace trailwatch::ingest {

std::string CheckpointName(std::string_view path) {
  return std::string(kCheckpointPrefix) + std::string(path);
}

std::string FileCheckpoint::ToState() const {
  return fmt::format(
      R"({{"v":1,"mode":"{}","dev":{},"ino":{},"offset":{},"records":{},"complete":{},)"
      R"("fp":"{:016x}","fp_bytes":{}}})",
      mode == Mode::kLines ? "lines" : "document", device, inode, offset, records,
      complete ? "true" : "false", fingerprint, fingerprint_bytes);
}

Result<FileCheckpoint> FileCheckpoint::FromState(std::string_view path, std::string_view state) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const simdjson::padded_string padded(state);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::Corruption(fmt::format("checkpoint of {} is not a JSON object", path));
  }
  FileCheckpoint cp;
  cp.path = std::string(path);
  std::uint64_t version = 0;
  std::string_view mode, fp;
  bool ok = doc["v"].get(version) == simdjson::SUCCESS && version == 1 &&
            doc["mode"].get(mode) == simdjson::SUCCESS &&
            doc["dev"].get(cp.device) == simdjson::SUCCESS &&
            doc["ino"].get(cp.inode) == simdjson::SUCCESS &&
            doc["offset"].get(cp.offset) == simdjson::SUCCESS &&
            doc["records"].get(cp.records) == simdjson::SUCCESS &&
            doc["complete"].get(cp.complete) == simdjson::SUCCESS &&
            doc["fp"].get(fp) == simdjson::SUCCESS;
  std::uint64_t fp_bytes = 0;
  ok = ok && doc["fp_bytes"].get(fp_bytes) == simdjson::SUCCESS && fp_bytes <= 1024 &&
       (mode == "lines" || mode == "document") && fp.size() == 16;
  if (ok) {
    cp.mode = mode == "lines" ? Mode::kLines : Mode::kDocument;
    cp.fingerprint_bytes = static_cast<std::uint32_t>(fp_bytes);
    for (char c : fp) {
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (digit < 0) ok = false;
      cp.fingerprint = (cp.fingerprint << 4) | static_cast<std::uint64_t>(digit < 0 ? 0 : digit);
    }
  }
  if (!ok) return Status::Corruption(fmt::format("checkpoint of {} is not understood", path));
  return cp;
}

Status SaveCheckpoints(store::Transaction& tx, std::span<const FileCheckpoint> files,
                       std::int64_t now_ms) {
  for (const FileCheckpoint& cp : files) {
    if (Status st = tx.PutCheckpoint(CheckpointName(cp.path), cp.ToState(), now_ms); !st.ok()) {
      return st;
    }
  }
  return Status::Ok();
}

Result<std::vector<FileCheckpoint>> LoadCheckpoints(store::Store& store) {
  std::vector<FileCheckpoint> out;
  Status st = store.Read([&](store::Transaction& tx) {
    auto rows = tx.ListCheckpoints(kCheckpointPrefix);
    if (!rows.ok()) return rows.status();
    for (const auto& [name, state] : *rows) {
      auto cp =
          FileCheckpoint::FromState(std::string_view(name).substr(kCheckpointPrefix.size()), state);
      // A state this build cannot read is dropped: the file is then read again, which repeats
      // rather than loses.
      if (cp.ok()) out.push_back(std::move(cp).value());
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Status RecordSink::Commit(store::Store& store, std::span<const FileCheckpoint> files,
                          std::int64_t now_ms) {
  return store.Write([&](store::Transaction& tx) { return SaveCheckpoints(tx, files, now_ms); });
}

}  // namespace trailwatch::ingest
