#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>

#include "common/time.h"

namespace trailwatch::engine {
namespace fs = std::filesystem;

Result<std::vector<Input>> ResolveSources(const std::vector<std::string>& sources) {
  std::vector<Input> out;
  for (const std::string& src : sources) {
    if (src == "-") {
      out.push_back({"-", true});
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(src, ec);
    if (ec || !fs::exists(st))
      return Status::NotFound(fmt::format("{}: no such file or directory", src));
    if (!fs::is_directory(st)) {
      out.push_back({src, false});
      continue;
    }
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator
             it(src, fs::directory_options::skip_permission_denied, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      std::error_code fec;
      if (it->is_regular_file(fec)) files.push_back(it->path().string());
    }
    if (ec) return Status::IoError(fmt::format("{}: {}", src, ec.message()));
    std::sort(files.begin(), files.end());
    for (std::string& f : files) out.push_back({std::move(f), false});
  }
  return out;
}

CommonFields CommonFields::Register(event::PathRegistry* registry) {
  auto key = [](std::initializer_list<const char*> keys) {
    event::JsonPath p;
    for (const char* k : keys) p.steps.push_back({event::PathStep::Kind::kKey, k, 0});
    return p;
  };
  CommonFields f;
  f.event_time = registry->Add(key({"eventTime"}));
  f.event_source = registry->Add(key({"eventSource"}));
  f.event_name = registry->Add(key({"eventName"}));
  f.principal_arn = registry->Add(key({"userIdentity", "arn"}));
  f.identity_type = registry->Add(key({"userIdentity", "type"}));
  f.source_ip = registry->Add(key({"sourceIPAddress"}));
  f.region = registry->Add(key({"awsRegion"}));
  f.error_code = registry->Add(key({"errorCode"}));
  return f;
}

std::uint32_t RegisterEventTime(event::PathRegistry* registry) {
  event::JsonPath p;
  p.steps.push_back({event::PathStep::Kind::kKey, "eventTime", 0});
  return registry->Add(p);
}

namespace {

// Everything one input produced, waiting to be handed on in order.
struct InputResult {
  std::string matches;
  std::vector<std::string> problems;
  ScanStats stats;
  bool done = false;
};

bool ReadWhole(const Input& input, std::string* out, std::string* error) {
  if (input.is_stdin) {
    out->assign(std::istreambuf_iterator<char>(std::cin.rdbuf()), {});
    return true;
  }
  std::ifstream f(input.name, std::ios::binary);
  if (!f) {
    *error = "cannot open file";
    return false;
  }
  f.seekg(0, std::ios::end);
  const auto size = f.tellg();
  f.seekg(0, std::ios::beg);
  if (size < 0) {
    *error = "cannot read file";
    return false;
  }
  out->resize(static_cast<std::size_t>(size));
  if (size > 0 && !f.read(out->data(), size)) {
    *error = "read error";
    return false;
  }
  return true;
}

class Worker final : public event::RecordHandler {
 public:
  explicit Worker(const ScanOptions& options) : options_(options), reader_(options.read) {}

  void Process(const Input& input, InputResult* result) {
    result_ = result;
    result->stats.inputs = 1;
    result->stats.matched_by_program.assign(options_.programs.size(), 0);
    std::string error;
    if (!ReadWhole(input, &bytes_, &error)) {
      ++result->stats.malformed;
      result->problems.push_back(error);
      return;
    }
    result->stats.bytes_read = bytes_.size();
    const event::ReadResult read = reader_.Read(bytes_, this);
    result->stats.bytes_decoded = read.decoded_bytes;
    if (read.format == event::InputFormat::kDigest) ++result->stats.digests;
  }

  void OnRecord(std::string_view json, const event::RecordInfo& info) override {
    extractor_.Extract(*options_.paths, json, &view_);
    if (!view_.is_json_object()) {
      return Malformed(info.index, "not a valid JSON object");
    }
    std::int64_t time = info.timestamp_ms;
    bool have_time = false;
    view_.AnyValue(options_.event_time_slot, [&](const event::Value& v) {
      if (v.kind != event::ValueKind::kString) return false;
      if (auto t = ParseIso8601Millis(v.text)) {
        time = *t;
        have_time = true;
      }
      return true;
    });
    if (!have_time && time < 0) {
      return Malformed(info.index, view_.HasValue(options_.event_time_slot) ? "invalid eventTime"
                                                                            : "no eventTime");
    }
    ScanStats& st = result_->stats;
    if ((options_.start_ms && time < *options_.start_ms) ||
        (options_.end_ms && time >= *options_.end_ms)) {
      ++st.out_of_range;
      return;
    }
    ++st.events;
    bool any = false;
    for (std::size_t i = 0; i < options_.programs.size(); ++i) {
      if (options_.programs[i]->Matches(view_)) {
        ++st.matched_by_program[i];
        any = true;
      }
    }
    if (!any) return;
    ++st.matched;
    if (options_.collect_matches) {
      result_->matches.append(json);
      result_->matches.push_back('\n');
    }
  }

  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    Malformed(index, reason);
  }

 private:
  void Malformed(std::uint64_t index, std::string_view reason) {
    ++result_->stats.malformed;
    if (index == event::kWholeInput) {
      Problem(std::string(reason));
    } else {
      Problem(fmt::format("record {}: {}", index, reason));
    }
  }
  void Problem(std::string message) { result_->problems.push_back(std::move(message)); }

  const ScanOptions& options_;
  event::Reader reader_;
  event::Extractor extractor_;
  event::EventView view_;
  std::string bytes_;
  InputResult* result_ = nullptr;
};

void Add(ScanStats* total, const ScanStats& s) {
  total->inputs += s.inputs;
  total->events += s.events;
  total->matched += s.matched;
  total->malformed += s.malformed;
  total->out_of_range += s.out_of_range;
  total->digests += s.digests;
  total->bytes_read += s.bytes_read;
  total->bytes_decoded += s.bytes_decoded;
  for (std::size_t i = 0; i < s.matched_by_program.size(); ++i) {
    total->matched_by_program[i] += s.matched_by_program[i];
  }
}

}  // namespace

ScanStats RunScan(const std::vector<Input>& inputs, const ScanOptions& options,
                  ScanObserver* observer) {
  ScanStats total;
  total.matched_by_program.assign(options.programs.size(), 0);
  const std::size_t n = inputs.size();
  std::vector<InputResult> results(n);
  std::mutex mu;
  std::condition_variable done_cv;   // a result completed
  std::condition_variable space_cv;  // the writer moved on
  std::atomic<std::size_t> next{0};
  std::size_t written = 0;
  // Workers may run at most this far ahead of the writer, which bounds buffered output.
  const std::size_t window = std::max<unsigned>(options.threads, 1) * 4;

  auto work = [&] {
    Worker worker(options);
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      {
        std::unique_lock lock(mu);
        space_cv.wait(lock, [&] { return i < written + window; });
      }
      InputResult local;
      worker.Process(inputs[i], &local);
      {
        std::lock_guard lock(mu);
        results[i] = std::move(local);
        results[i].done = true;
      }
      done_cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  const unsigned count = std::max(
      1u, std::min<unsigned>(options.threads, static_cast<unsigned>(std::max<std::size_t>(n, 1))));
  for (unsigned t = 0; t < count; ++t) threads.emplace_back(work);

  auto last_progress = std::chrono::steady_clock::now();
  while (written < n) {
    InputResult r;
    {
      std::unique_lock lock(mu);
      done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return results[written].done; });
      if (!results[written].done) {
        observer->OnProgress(total, written, n);
        continue;
      }
      r = std::move(results[written]);
      ++written;
    }
    space_cv.notify_all();
    Add(&total, r.stats);
    const Input& input = inputs[written - 1];
    if (!r.matches.empty()) observer->OnMatches(input, r.matches);
    for (std::size_t p = 0; p < r.problems.size() && p < options.problems_per_input; ++p) {
      observer->OnProblem(input, r.problems[p]);
    }
    if (r.problems.size() > options.problems_per_input) {
      observer->OnProblem(input, fmt::format("{} more problems not shown",
                                             r.problems.size() - options.problems_per_input));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::milliseconds(100)) {
      observer->OnProgress(total, written, n);
      last_progress = now;
    }
  }
  for (std::thread& t : threads) t.join();
  observer->OnProgress(total, written, n);
  return total;
}

}  // namespace trailwatch::engine
