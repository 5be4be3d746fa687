// engine: the fast path that runs compiled filter programs over many inputs.
//
// Inputs are processed in parallel, one input per worker at a time; each worker owns its
// Reader, Extractor and EventView, and all workers share the immutable programs and PathSet.
// Results are handed to the observer strictly in input order, so the output is the same
// whatever the number of threads.
#ifndef TRAILWATCH_ENGINE_ENGINE_H_
#define TRAILWATCH_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "event/event.h"
#include "pattern/pattern.h"

namespace trailwatch::engine {

struct Input {
  std::string name;  // as shown to the user: the path, "-" for stdin, an s3:// URL
  bool is_stdin = false;
  // Remote inputs: the next part of their bytes into `bytes` (each part a whole document, e.g.
  // an S3 object, a page of CloudWatch Logs events); false when there is no more. Called on a
  // worker thread until false or an error; may block on the network.
  std::function<Result<bool>(std::string* bytes)> read;
};

// Expands SOURCE arguments into inputs: a file; a directory, recursively, in sorted path
// order (CloudTrail's S3 layout sorts by account, region and delivery time); "-" for stdin.
// Errors name the argument that does not exist.
Result<std::vector<Input>> ResolveSources(const std::vector<std::string>& sources);

// The fields that describe an event in a summary line: who, what, where, when.
struct CommonFields {
  std::uint32_t event_time = 0;
  std::uint32_t event_source = 0;
  std::uint32_t event_name = 0;
  std::uint32_t principal_arn = 0;
  std::uint32_t identity_type = 0;
  std::uint32_t source_ip = 0;
  std::uint32_t region = 0;
  std::uint32_t error_code = 0;
  // Registers the paths ($.eventTime, $.eventSource, ...) in `registry`.
  static CommonFields Register(event::PathRegistry* registry);
};

// Sees every event of a scan that is in the time range, after the programs ran; `scan
// --rules` turns matches into metric observations with it. One hook per worker thread, so a
// hook needs no locking; RunScan hands them back when it is done.
class EventHook {
 public:
  virtual ~EventHook() = default;
  // `matched[i]` says whether programs[i] matched. `input` and `record` (index of the input,
  // and of the record in it) identify the event whatever the thread count.
  virtual void OnEvent(const event::EventView& view, const event::RecordText& json,
                       std::int64_t time_ms, const std::vector<bool>& matched, std::size_t input,
                       std::uint64_t record) = 0;
};

struct ScanOptions {
  // Compiled against one PathRegistry; `paths` is built from it.
  std::vector<std::shared_ptr<const pattern::Program>> programs;
  std::shared_ptr<const event::PathSet> paths;
  // The slot of $.eventTime in the registry the programs were compiled against.
  std::uint32_t event_time_slot = 0;
  std::optional<std::int64_t> start_ms;  // inclusive, event time
  std::optional<std::int64_t> end_ms;    // exclusive
  unsigned threads = 1;
  // Collect the matching records (compact JSON) for output; off for counting only.
  bool collect_matches = true;
  // Problems reported in full per input; the rest are counted.
  std::size_t problems_per_input = 3;
  event::ReadOptions read;
  // When set, each worker makes one hook and calls it for every event in range.
  std::function<std::unique_ptr<EventHook>()> make_hook;
};

struct ScanStats {
  std::uint64_t inputs = 0;
  std::uint64_t events = 0;        // records read with a valid event time in range
  std::uint64_t matched = 0;       // events matched by at least one program
  std::uint64_t malformed = 0;     // records and inputs that could not be read
  std::uint64_t out_of_range = 0;  // outside --start-time/--end-time
  std::uint64_t digests = 0;       // CloudTrail digest files, skipped
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_decoded = 0;
  std::vector<std::uint64_t> matched_by_program;
};

// Adds $.eventTime to `registry` and returns its slot.
std::uint32_t RegisterEventTime(event::PathRegistry* registry);

// Called on the scanning thread that owns the results, in input order.
class ScanObserver {
 public:
  virtual ~ScanObserver() = default;
  // Matching records of one input, each followed by '\n'.
  virtual void OnMatches(const Input& input, std::string_view ndjson) = 0;
  virtual void OnProblem(const Input& input, std::string_view message) = 0;
  // Totals so far, about every 100 ms and once at the end. `inputs_done` of `inputs_total`.
  virtual void OnProgress(const ScanStats& so_far, std::size_t inputs_done,
                          std::size_t inputs_total) {
    (void)so_far, (void)inputs_done, (void)inputs_total;
  }
};

// `hooks` (optional) receives the workers' hooks when options.make_hook is set.
ScanStats RunScan(const std::vector<Input>& inputs, const ScanOptions& options,
                  ScanObserver* observer, std::vector<std::unique_ptr<EventHook>>* hooks = nullptr);

// Runs the programs over single records as they arrive (the daemon's live path) with RunScan's
// extraction and event-time rules, and hands each event to the hook options.make_hook makes.
// Not thread-safe: one matcher per thread.
class RecordMatcher {
 public:
  explicit RecordMatcher(ScanOptions options);
  ~RecordMatcher();
  RecordMatcher(const RecordMatcher&) = delete;
  RecordMatcher& operator=(const RecordMatcher&) = delete;

  // Whether any program matched. kInvalidArgument for a record that is not a JSON object or has
  // no valid eventTime; `input` and `record` are passed to the hook as RunScan does.
  Result<bool> Process(std::string_view json, std::size_t input, std::uint64_t record);
  // The hook options.make_hook made (nullptr without one).
  EventHook* hook() const { return hook_.get(); }

 private:
  ScanOptions options_;
  std::unique_ptr<EventHook> hook_;
  std::unique_ptr<event::Extractor> extractor_;
  event::EventView view_;
  std::vector<bool> matched_;
};

}  // namespace trailwatch::engine

#endif  // TRAILWATCH_ENGINE_ENGINE_H_
