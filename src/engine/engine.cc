#include "engine/engine.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
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
      out.push_back({"-", true, nullptr});
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(src, ec);
    if (ec || !fs::exists(st))
      return Status::NotFound(fmt::format("{}: no such file or directory", src));
    if (!fs::is_directory(st)) {
      out.push_back({src, false, nullptr});
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
    for (std::string& f : files) out.push_back({std::move(f), false, nullptr});
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

constexpr std::size_t kFlushBytes = 1 << 20;       // hand matches on in chunks of about this
constexpr std::size_t kMaxPending = 16u << 20;     // per input not yet at the head of the line
constexpr std::uint64_t kStreamAbove = 32u << 20;  // files larger than this are streamed

// What one input produced, handed on in input order. Guarded by Shared::mu.
struct InputResult {
  std::deque<std::string> chunks;
  std::size_t pending = 0;
  std::vector<std::string> problems;
  ScanStats stats;
  bool done = false;
};

struct Shared {
  std::mutex mu;
  std::condition_variable ready;  // a chunk arrived or an input finished
  std::condition_variable space;  // the writer moved on or drained chunks
  std::vector<InputResult> results;
  std::size_t head = 0;  // the input being written out
  std::atomic<std::uint64_t> live_events{0};
  std::atomic<std::uint64_t> live_bytes{0};
};

class Worker final : public event::RecordHandler {
 public:
  Worker(const ScanOptions& options, Shared* shared)
      : options_(options), shared_(shared), reader_(options.read) {
    if (options.make_hook) hook_ = options.make_hook();
  }

  std::unique_ptr<EventHook> TakeHook() { return std::move(hook_); }

  void Process(const Input& input, std::size_t index) {
    index_ = index;
    stats_ = ScanStats{};
    stats_.inputs = 1;
    stats_.matched_by_program.assign(options_.programs.size(), 0);
    problems_.clear();
    Read(input);
    Flush();
    std::lock_guard lock(shared_->mu);
    InputResult& r = shared_->results[index_];
    r.problems = std::move(problems_);
    r.stats = std::move(stats_);
    r.done = true;
    shared_->ready.notify_all();
  }

  void OnRecord(std::string_view json, const event::RecordInfo& info) override {
    extractor_.Extract(*options_.paths, json, &view_, info.padded);
    Handle(json, info);
  }

  bool WantsParsedRecords() const override { return true; }
  void OnParsedRecord(const event::ParsedRecord& parsed, const event::RecordInfo& info) override {
    extractor_.Extract(*options_.paths, parsed, &view_);
    Handle(parsed, info);
  }

  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    Malformed(index == event::kWholeInput ? index : record_base_ + index, reason);
  }

 private:
  // After extraction: the time range, the programs, the hook and the output. The text of the
  // record is asked for only when it is printed or a hook wants it.
  void Handle(const event::RecordText& json, const event::RecordInfo& info) {
    const std::uint64_t record = record_base_ + info.index;
    if (!view_.is_json_object()) return Malformed(record, "not a valid JSON object");
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
      return Malformed(
          record, view_.HasValue(options_.event_time_slot) ? "invalid eventTime" : "no eventTime");
    }
    if ((options_.start_ms && time < *options_.start_ms) ||
        (options_.end_ms && time >= *options_.end_ms)) {
      ++stats_.out_of_range;
      return;
    }
    ++stats_.events;
    if ((stats_.events & 1023) == 0) shared_->live_events.fetch_add(1024);
    bool any = false;
    matched_.assign(options_.programs.size(), false);
    for (std::size_t i = 0; i < options_.programs.size(); ++i) {
      if (options_.programs[i]->Matches(view_)) {
        ++stats_.matched_by_program[i];
        matched_[i] = true;
        any = true;
      }
    }
    if (hook_) hook_->OnEvent(view_, json, time, matched_, index_, record);
    if (!any) return;
    ++stats_.matched;
    if (!options_.collect_matches) return;
    out_.append(json.get());
    out_.push_back('\n');
    if (out_.size() >= kFlushBytes) Flush();
  }

  void Read(const Input& input) {
    if (input.read) {
      // Records are numbered across the parts, as in one file.
      for (record_base_ = 0;;) {
        auto more = input.read(&bytes_);
        if (!more.ok()) {
          Malformed(event::kWholeInput, fmt::format("cannot read: {}", more.status().message()));
          break;
        }
        if (!*more) break;
        stats_.bytes_read += bytes_.size();
        const event::ReadResult part = reader_.Read(bytes_, this);
        record_base_ += part.records + part.malformed;
        Finish(part);
      }
      record_base_ = 0;
      return;
    }
    int fd = 0;
    std::uint64_t size = 0;
    if (!input.is_stdin) {
      std::error_code ec;
      size = fs::file_size(input.name, ec);
      fd = ::open(input.name.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ec) {
        if (fd >= 0) ::close(fd);
        Malformed(event::kWholeInput,
                  fmt::format("cannot open: {}", ec ? ec.message() : std::strerror(errno)));
        return;
      }
    }
    event::ReadResult read;
    if (input.is_stdin || size > kStreamAbove) {
      std::uint64_t taken = 0;
      read = reader_.ReadStream(fd, this, &taken);
      stats_.bytes_read = taken;
    } else {
      bytes_.resize(size);
      std::size_t got = 0;
      while (got < size) {
        const ssize_t n = ::read(fd, bytes_.data() + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      bytes_.resize(got);
      stats_.bytes_read = got;
      read = reader_.Read(bytes_, this);
    }
    if (!input.is_stdin) ::close(fd);
    Finish(read);
  }

  void Finish(const event::ReadResult& read) {
    stats_.bytes_decoded += read.decoded_bytes;
    shared_->live_bytes.fetch_add(read.decoded_bytes);
    shared_->live_events.fetch_add(stats_.events & 1023);
    if (read.format == event::InputFormat::kDigest) ++stats_.digests;
  }

  // Hands the collected matches on; an input that is not at the head of the line waits while
  // too much of its output is pending, which bounds memory whatever the inputs' sizes.
  void Flush() {
    if (out_.empty()) return;
    std::unique_lock lock(shared_->mu);
    InputResult& r = shared_->results[index_];
    r.pending += out_.size();
    r.chunks.push_back(std::move(out_));
    out_ = std::string();
    shared_->ready.notify_all();
    shared_->space.wait(lock, [&] { return index_ == shared_->head || r.pending <= kMaxPending; });
  }

  // Counts every problem; keeps the text of the first few (the rest are summed up later).
  void Malformed(std::uint64_t index, std::string_view reason) {
    ++stats_.malformed;
    if (problems_.size() >= options_.problems_per_input) return;
    if (index == event::kWholeInput) {
      problems_.emplace_back(reason);
    } else {
      problems_.push_back(fmt::format("record {}: {}", index, reason));
    }
  }

  const ScanOptions& options_;
  Shared* shared_;
  event::Reader reader_;
  event::Extractor extractor_;
  event::EventView view_;
  std::string bytes_;
  std::string out_;
  std::size_t index_ = 0;
  std::uint64_t record_base_ = 0;  // records of the earlier parts of a remote input
  std::unique_ptr<EventHook> hook_;
  std::vector<bool> matched_;
  ScanStats stats_;
  std::vector<std::string> problems_;
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
                  ScanObserver* observer, std::vector<std::unique_ptr<EventHook>>* hooks) {
  ScanStats total;
  total.matched_by_program.assign(options.programs.size(), 0);
  const std::size_t n = inputs.size();
  Shared shared;
  shared.results.resize(n);
  std::atomic<std::size_t> next{0};
  // Workers start at most this many inputs ahead of the writer.
  const std::size_t window = std::max<std::size_t>(options.threads, 1) * 4;

  std::mutex hooks_mu;
  auto work = [&] {
    Worker worker(options, &shared);
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) {
        if (hooks != nullptr) {
          std::lock_guard lock(hooks_mu);
          if (auto hook = worker.TakeHook()) hooks->push_back(std::move(hook));
        }
        return;
      }
      {
        std::unique_lock lock(shared.mu);
        shared.space.wait(lock, [&] { return i < shared.head + window; });
      }
      worker.Process(inputs[i], i);
    }
  };
  const unsigned count =
      static_cast<unsigned>(std::clamp<std::size_t>(n, 1, std::max<unsigned>(options.threads, 1)));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < count; ++t) threads.emplace_back(work);

  auto last_progress = std::chrono::steady_clock::now();
  auto progress = [&](bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_progress < std::chrono::milliseconds(100)) return;
    last_progress = now;
    ScanStats live = total;
    live.events = std::max(total.events, shared.live_events.load());
    live.bytes_decoded = std::max(total.bytes_decoded, shared.live_bytes.load());
    observer->OnProgress(live, shared.head, n);
  };
  while (true) {
    std::unique_lock lock(shared.mu);
    if (shared.head >= n) break;
    InputResult& r = shared.results[shared.head];
    if (!shared.ready.wait_for(lock, std::chrono::milliseconds(100),
                               [&] { return !r.chunks.empty() || r.done; })) {
      lock.unlock();
      progress(false);
      continue;
    }
    const Input& input = inputs[shared.head];
    if (!r.chunks.empty()) {
      std::string chunk = std::move(r.chunks.front());
      r.chunks.pop_front();
      r.pending -= chunk.size();
      lock.unlock();
      shared.space.notify_all();
      observer->OnMatches(input, chunk);
      continue;
    }
    InputResult done = std::move(r);
    ++shared.head;
    lock.unlock();
    shared.space.notify_all();
    Add(&total, done.stats);
    for (const std::string& p : done.problems) observer->OnProblem(input, p);
    const std::size_t shown = done.problems.size();
    if (done.stats.malformed > shown) {
      observer->OnProblem(input,
                          fmt::format("{} more problems not shown", done.stats.malformed - shown));
    }
    progress(false);
  }
  for (std::thread& t : threads) t.join();
  progress(true);
  return total;
}

RecordMatcher::RecordMatcher(ScanOptions options)
    : options_(std::move(options)), extractor_(std::make_unique<event::Extractor>()) {
  if (options_.make_hook) hook_ = options_.make_hook();
}

RecordMatcher::~RecordMatcher() = default;

Result<bool> RecordMatcher::Process(std::string_view json, std::size_t input,
                                    std::uint64_t record) {
  extractor_->Extract(*options_.paths, json, &view_);
  if (!view_.is_json_object()) return Status::InvalidArgument("not a valid JSON object");
  std::optional<std::int64_t> time;
  view_.AnyValue(options_.event_time_slot, [&](const event::Value& v) {
    if (v.kind == event::ValueKind::kString) time = ParseIso8601Millis(v.text);
    return true;
  });
  if (!time) {
    return Status::InvalidArgument(view_.HasValue(options_.event_time_slot) ? "invalid eventTime"
                                                                            : "no eventTime");
  }
  bool any = false;
  matched_.assign(options_.programs.size(), false);
  for (std::size_t i = 0; i < options_.programs.size(); ++i) {
    if (options_.programs[i]->Matches(view_)) matched_[i] = any = true;
  }
  if (hook_) hook_->OnEvent(view_, json, *time, matched_, input, record);
  return any;
}

}  // namespace trailwatch::engine
