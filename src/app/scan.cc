#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "app/commands.h"
#include "common/json_text.h"
#include "common/time.h"
#include "engine/engine.h"
#include "ingest/ingest.h"

namespace trailwatch::app {
namespace {

std::string HumanBytes(double b) {
  if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{:.0f} B", b);
}

std::string HumanCount(double n) {
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

class Printer final : public engine::ScanObserver {
 public:
  Printer(const ScanCommandOptions& options, std::FILE* out, std::FILE* err, bool progress)
      : options_(options),
        out_(out),
        err_(err),
        progress_(progress),
        start_(std::chrono::steady_clock::now()) {
    // Table rows are built from matches only, so they get their own, wider extraction.
    event::PathRegistry registry;
    fields_ = engine::CommonFields::Register(&registry);
    paths_ = event::PathSet::Build(registry.paths(), false);
  }

  void Begin() {
    if (options_.output == "json") std::fputs("[", out_);
    if (options_.output == "table") {
      fmt::print(out_, "{:<24} {:<30} {:<28} {:<50} {:<16} {}\n", "eventTime", "eventSource",
                 "eventName", "principal", "sourceIP", "errorCode");
    }
  }

  void End() {
    if (options_.output == "json") std::fputs(first_ ? "]\n" : "\n]\n", out_);
  }

  void OnMatches(const engine::Input&, std::string_view ndjson) override {
    ClearProgress();
    if (options_.output == "ndjson") {
      std::fwrite(ndjson.data(), 1, ndjson.size(), out_);
      return;
    }
    std::size_t pos = 0;
    while (pos < ndjson.size()) {
      const std::size_t nl = ndjson.find('\n', pos);
      const std::string_view line = ndjson.substr(pos, nl - pos);
      pos = nl + 1;
      if (options_.output == "json") {
        std::fputs(first_ ? "\n" : ",\n", out_);
        std::fwrite(line.data(), 1, line.size(), out_);
        first_ = false;
      } else if (options_.output == "table") {
        TableRow(line);
      }
    }
  }

  void OnProblem(const engine::Input& input, std::string_view message) override {
    ClearProgress();
    fmt::print(err_, "trailwatch: {}: {}\n", input.name, message);
  }

  void OnProgress(const engine::ScanStats& s, std::size_t done, std::size_t total) override {
    if (!progress_) return;
    const double secs = Elapsed();
    const double rate = secs > 0 ? static_cast<double>(s.events) / secs : 0;
    std::string eta = "-";
    if (done > 0 && done < total) {
      eta = fmt::format("{:.0f}s",
                        secs * static_cast<double>(total - done) / static_cast<double>(done));
    }
    fmt::print(err_, "\r\x1b[K[{}/{} files] {} events  {}  {} events/s  ETA {}", done, total,
               HumanCount(static_cast<double>(s.events)),
               HumanBytes(static_cast<double>(s.bytes_decoded)), HumanCount(rate), eta);
    std::fflush(err_);
    shown_ = true;
  }

  void ClearProgress() {
    if (shown_) std::fputs("\r\x1b[K", err_);
    shown_ = false;
  }

  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  void TableRow(std::string_view line) {
    auto text = [&](std::uint32_t slot) {
      std::string v;
      view_.AnyValue(slot, [&](const event::Value& x) {
        v = std::string(x.text);
        return true;
      });
      return v;
    };
    extractor_.Extract(*paths_, line, &view_);
    const auto& f = fields_;
    std::string principal = text(f.principal_arn);
    if (principal.empty()) principal = text(f.identity_type);
    fmt::print(out_, "{:<24} {:<30} {:<28} {:<50} {:<16} {}\n", text(f.event_time),
               text(f.event_source), text(f.event_name), principal, text(f.source_ip),
               text(f.error_code));
  }

  const ScanCommandOptions& options_;
  engine::CommonFields fields_;
  std::shared_ptr<const event::PathSet> paths_;
  std::FILE* out_;
  std::FILE* err_;
  bool progress_;
  bool shown_ = false;
  bool first_ = true;
  std::chrono::steady_clock::time_point start_;
  event::Extractor extractor_;
  event::EventView view_;
};

}  // namespace

Status ConfigureScan(const ScanCommandOptions& options, engine::ScanOptions* scan) {
  const TimePoint now = SystemClock::Instance().Now();
  if (options.start_time) {
    auto t = ParseTimeArgument(*options.start_time, now);
    if (!t.ok()) return Status::InvalidArgument("--start-time: " + t.status().message());
    scan->start_ms = *t;
  }
  if (options.end_time) {
    auto t = ParseTimeArgument(*options.end_time, now);
    if (!t.ok()) return Status::InvalidArgument("--end-time: " + t.status().message());
    scan->end_ms = *t;
  }
  scan->threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  return Status::Ok();
}

Result<std::vector<engine::Input>> ResolveScanSources(const ScanCommandOptions& options,
                                                      const engine::ScanOptions& scan,
                                                      std::FILE* err) {
  std::vector<std::string> sources = options.sources;
  if (sources.empty()) sources.push_back("-");
  std::vector<engine::Input> inputs;
  std::vector<std::string> local;
  auto flush_local = [&]() -> Status {
    if (local.empty()) return Status::Ok();
    auto resolved = engine::ResolveSources(local);
    local.clear();
    if (!resolved.ok()) return resolved.status();
    for (engine::Input& in : *resolved) inputs.push_back(std::move(in));
    return Status::Ok();
  };
  for (const std::string& source : sources) {
    const bool logs = source.starts_with("logs://"), sqs = source.starts_with("sqs://");
    if (!logs && !sqs && !source.starts_with("s3://")) {
      local.push_back(source);
      continue;
    }
    if (Status s = flush_local(); !s.ok()) return s;
    const auto started = std::chrono::steady_clock::now();
    const auto env = aws::Environment::Process();
    auto listing =
        logs  ? ingest::ListLogs(source, scan.start_ms, scan.end_ms, env, SystemClock::Instance())
        : sqs ? ingest::ListSqs(source, scan.start_ms, scan.end_ms, env, SystemClock::Instance())
              : ingest::ListS3(source, scan.start_ms, scan.end_ms, env, SystemClock::Instance());
    if (!listing.ok()) return listing.status();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const std::string& note : listing->notes) {
      fmt::print(err, "trailwatch: {}: {}\n", source, note);
    }
    if (sqs) {
      fmt::print(err,
                 "trailwatch: {}: {} messages announce {} objects ({} receive requests, {:.2f} "
                 "s); the messages stay on the queue\n",
                 source, listing->messages, listing->inputs.size(), listing->list_requests,
                 seconds);
    } else if (!logs) {
      fmt::print(err, "trailwatch: {}: {} objects ({} listing requests, {:.2f} s)\n", source,
                 listing->inputs.size(), listing->list_requests, seconds);
    }
    for (ingest::RemoteInput& r : listing->inputs) {
      engine::Input in;
      in.name = std::move(r.name);
      in.read = std::move(r.read);
      inputs.push_back(std::move(in));
    }
  }
  if (Status s = flush_local(); !s.ok()) return s;
  return inputs;
}

int RunScanCommand(const ScanCommandOptions& options, std::FILE* out, std::FILE* err) {
  auto fail = [err](const std::string& message) {
    fmt::print(err, "trailwatch: {}\n", message);
    return 2;
  };
  if (options.filter_patterns.empty()) return fail("scan needs --filter-pattern (or --rules)");
  const std::string& o = options.output;
  if (o != "ndjson" && o != "json" && o != "table" && o != "count") {
    return fail(fmt::format("--output must be ndjson, json, table or count, not '{}'", o));
  }

  engine::ScanOptions scan;
  event::PathRegistry registry;
  scan.event_time_slot = engine::RegisterEventTime(&registry);
  bool delimited = false;
  for (const std::string& text : options.filter_patterns) {
    pattern::CompileOptions co;
    co.registry = &registry;
    auto program = pattern::Compile(text, co);
    if (!program.ok()) return fail(program.status().ToString());
    delimited |= (*program)->needs_delimited_fields();
    scan.programs.push_back(std::move(*program));
  }
  scan.paths = event::PathSet::Build(registry.paths(), delimited);

  if (Status st = ConfigureScan(options, &scan); !st.ok()) return fail(st.message());
  scan.collect_matches = o != "count";

  auto inputs = ResolveScanSources(options, scan, err);
  if (!inputs.ok()) return fail(inputs.status().ToString());

  const bool progress =
      options.progress == "always" || (options.progress == "auto" && isatty(fileno(err)) == 1);
  Printer printer(options, out, err, progress);
  printer.Begin();
  const engine::ScanStats stats = engine::RunScan(*inputs, scan, &printer);
  printer.End();
  printer.ClearProgress();
  if (o == "count") {
    if (scan.programs.size() == 1) {
      fmt::print(out, "{}\n", stats.matched);
    } else {
      for (std::size_t i = 0; i < scan.programs.size(); ++i) {
        fmt::print(out, "{}\t{}\n", stats.matched_by_program[i], scan.programs[i]->text());
      }
    }
  }
  std::fflush(out);

  const double secs = printer.Elapsed();
  std::string extra;
  if (stats.out_of_range > 0)
    extra += fmt::format(", {} outside the time range", stats.out_of_range);
  if (stats.digests > 0) extra += fmt::format(", {} digest files skipped", stats.digests);
  fmt::print(err,
             "trailwatch: scan: {} inputs, {} events, {} matched, {} malformed{}, {} read "
             "({} decoded), {:.2f} s, {} events/s\n",
             stats.inputs, stats.events, stats.matched, stats.malformed, extra,
             HumanBytes(static_cast<double>(stats.bytes_read)),
             HumanBytes(static_cast<double>(stats.bytes_decoded)), secs,
             HumanCount(secs > 0 ? static_cast<double>(stats.events) / secs : 0));
  return options.strict && stats.malformed > 0 ? 2 : 0;
}

}  // namespace trailwatch::app
