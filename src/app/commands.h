// The subcommands of the trailwatch binary. Each returns the process exit code:
// 0 success, 1 findings-related failure where documented, 2 bad usage or invalid input.
#ifndef TRAILWATCH_APP_COMMANDS_H_
#define TRAILWATCH_APP_COMMANDS_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace trailwatch::engine {
struct Input;
struct ScanOptions;
}  // namespace trailwatch::engine

namespace trailwatch::app {

struct TestPatternOptions {
  std::string filter_pattern;
  std::vector<std::string> messages;  // --log-event-messages
  std::optional<std::string> file;    // --file: one message per line
};

// Prints what `aws logs test-metric-filter` prints for the same pattern and messages.
int RunTestPattern(const TestPatternOptions& options, std::FILE* out, std::FILE* err);

struct ScanCommandOptions {
  std::vector<std::string> sources;          // empty: stdin
  std::vector<std::string> filter_patterns;  // an event matches if any pattern does
  std::vector<std::string> rules;            // rule files or pack:NAME (instead of patterns)
  std::string output = "ndjson";             // ndjson | json | table | count
  std::optional<std::string> start_time;
  std::optional<std::string> end_time;
  unsigned threads = 0;           // 0: one per core
  std::string progress = "auto";  // auto | always | never
  bool strict = false;            // exit 2 when any input was malformed
  // --rules only:
  std::string notify = "none";          // none | dry-run | send
  std::optional<std::string> lateness;  // allowed lateness, e.g. "5m" (default 5 minutes)
  std::vector<std::string> parameters;  // NAME=VALUE template parameter overrides
};

// Parses --start-time/--end-time (relative to the system clock) and --threads into `scan`.
// Errors name the flag. Shared by both forms of `scan`.
Status ConfigureScan(const ScanCommandOptions& options, engine::ScanOptions* scan);

// The inputs of `scan`'s SOURCE arguments, in argument order: files, directories and "-"
// (engine::ResolveSources), and s3://bucket/prefix listed with scan's time range
// (ingest::ListS3; what was listed is reported on `err`). No arguments: stdin.
Result<std::vector<engine::Input>> ResolveScanSources(const ScanCommandOptions& options,
                                                      const engine::ScanOptions& scan,
                                                      std::FILE* err);

// Runs filter patterns over CloudTrail inputs (design.md §3 `scan`).
int RunScanCommand(const ScanCommandOptions& options, std::FILE* out, std::FILE* err);

// `scan --rules`: metric filters, metrics and alarms replayed in event time; prints the
// NDJSON timeline of alarm state changes.
int RunScanRules(const ScanCommandOptions& options, std::FILE* out, std::FILE* err);

// `rules check R...`: loads and validates rule files (and packs); prints one summary line per
// file. Exit 2 with one `trailwatch: file:line:col: …` line on the first error.
int RunRulesCheck(const std::vector<std::string>& files, std::FILE* out, std::FILE* err);

struct UpOptions {
  std::optional<std::string> config;    // trailwatch.yaml
  std::optional<std::string> data_dir;  // flags override the file
  std::optional<std::string> listen;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

// `up`: the daemon, until SIGINT/SIGTERM (design.md §5).
int RunUp(const UpOptions& options, std::FILE* out, std::FILE* err);

struct DemoOptions {
  bool keep = false;                    // keep running (and keep the data dir) after the demo
  std::optional<std::string> data_dir;  // default: a new temporary directory
  std::string listen = "127.0.0.1:0";
};

// `demo`: the stack in-process on a temporary data dir, driven by real signed calls, with
// every alert printed as it arrives. Exit 0 when every call answered as expected and alerts
// came.
int RunDemo(const DemoOptions& options, std::FILE* out, std::FILE* err);

struct IamOptions {
  std::string command;  // create-user | put-user-policy
  std::string user_name;
  std::string policy_name;
  std::optional<std::string> policy_document;  // JSON or file://PATH
  std::optional<std::string> data_dir;         // default: the config's data_dir
  std::optional<std::string> config;           // account_id and data_dir, as `up` reads them
};

// `iam create-user` / `iam put-user-policy` on the data dir (also while `up` runs).
int RunIam(const IamOptions& options, std::FILE* out, std::FILE* err);

struct ValidateLogsOptions {
  std::string trail_dir;
  std::optional<std::string> start_time;
  std::optional<std::string> end_time;
  bool verbose = false;
};

// `validate-logs`: like `aws cloudtrail validate-logs`; exit 1 when anything is invalid.
int RunValidateLogs(const ValidateLogsOptions& options, std::FILE* out, std::FILE* err);

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_COMMANDS_H_
