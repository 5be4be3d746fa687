// trailwatch: command line wiring. Each subcommand's work lives in its own file; this file
// only parses flags (CLI11) and maps usage errors to exit code 2.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"

#ifndef TRAILWATCH_VERSION
#define TRAILWATCH_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  using namespace trailwatch::app;
  CLI::App cli{"trailwatch: self-hosted, AWS-compatible security alerting", "trailwatch"};
  cli.require_subcommand(1);

  TestPatternOptions tp;
  auto* test_pattern = cli.add_subcommand("test-pattern",
                                          "Test a CloudWatch Logs filter pattern on messages, like "
                                          "'aws logs test-metric-filter'");
  test_pattern->add_option("--filter-pattern", tp.filter_pattern, "The filter pattern")->required();
  auto* messages = test_pattern->add_option("--log-event-messages", tp.messages,
                                            "Messages to test (one or more)");
  auto* file = test_pattern->add_option("--file", tp.file, "A file with one message per line");
  messages->excludes(file);
  file->excludes(messages);
  test_pattern->callback([&] {
    if (tp.messages.empty() && !tp.file) {
      throw CLI::ValidationError("test-pattern needs --log-event-messages or --file");
    }
  });

  ScanCommandOptions sc;
  auto* scan = cli.add_subcommand(
      "scan",
      "Run filter patterns over CloudTrail logs: files, directories (recursively), or - "
      "for stdin");
  scan->add_option("sources", sc.sources, "Files, directories or - (default: stdin)");
  scan->add_option("--filter-pattern", sc.filter_patterns,
                   "A CloudWatch Logs filter pattern (repeat for several)")
      ->allow_extra_args(false);
  scan->add_option("--rules", sc.rules,
                   "Rule files (CloudFormation templates, describe-* JSON) or pack:cis, "
                   "pack:secrets: print the timeline of alarm state changes")
      ->allow_extra_args(false);
  scan->add_option("--output", sc.output, "ndjson (default), json, table or count")
      ->check(CLI::IsMember({"ndjson", "json", "table", "count"}));
  scan->add_option("--start-time", sc.start_time,
                   "Only events at or after this time (ISO 8601, epoch seconds or -7d)");
  scan->add_option("--end-time", sc.end_time, "Only events before this time");
  scan->add_option("--threads", sc.threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(1u, 256u));
  scan->add_option("--progress", sc.progress,
                   "auto (default: when stderr is a terminal), always "
                   "or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  scan->add_flag("--strict", sc.strict, "Exit with 2 when any input or record was malformed");
  scan->add_option("--notify", sc.notify,
                   "With --rules: none (default); dry-run adds to each state change the SNS "
                   "message and subject CloudWatch would publish to each topic")
      ->check(CLI::IsMember({"none", "dry-run", "send"}));
  scan->add_option("--lateness", sc.lateness,
                   "With --rules: how long the replayed live system waits for out-of-order "
                   "events of one input (default 5m; 90s, 5m, 1h or seconds)");
  scan->add_option("--parameter", sc.parameters,
                   "With --rules: NAME=VALUE, a template parameter's value (repeat for several), "
                   "e.g. SecretReadAllowedPrincipals=arn:aws:iam::123456789012:user/app")
      ->allow_extra_args(false);

  std::vector<std::string> rule_files;
  auto* rules = cli.add_subcommand("rules", "Rule files: CloudFormation templates and packs");
  auto* rules_check =
      rules->add_subcommand("check", "Validate rule files (file:line:col on the first error)");
  rules_check->add_option("files", rule_files, "Rule files or pack:cis, pack:secrets")->required();
  rules->require_subcommand(1);

  UpOptions up_options;
  auto* up = cli.add_subcommand(
      "up", "Run the daemon: the Secrets Manager API with SigV4, IAM and the audit trail");
  up->add_option("--config", up_options.config, "trailwatch.yaml");
  up->add_option("--data-dir", up_options.data_dir, "Data directory (default ./trailwatch-data)");
  up->add_option("--listen", up_options.listen, "HOST:PORT (default 127.0.0.1:4580)");
  up->add_option("--tls-cert", up_options.tls_cert, "PEM certificate: serve HTTPS");
  up->add_option("--tls-key", up_options.tls_key, "PEM private key for --tls-cert");

  DemoOptions demo_options;
  auto* demo = cli.add_subcommand(
      "demo",
      "See it work in 10 seconds: trailwatch on a temporary data dir, real signed calls by an "
      "allowed reader and an intruder, each alert printed with who / what / where / when");
  demo->add_flag("--keep", demo_options.keep,
                 "Keep trailwatch running (and its data dir) after the demo, until Ctrl-C");
  demo->add_option("--data-dir", demo_options.data_dir,
                   "Use this data dir instead of a new temporary one (kept)");
  demo->add_option("--listen", demo_options.listen, "HOST:PORT (default 127.0.0.1:0, a free port)");

  IamOptions iam_options;
  auto* iam = cli.add_subcommand("iam", "Users, access keys and policies of the vault");
  iam->require_subcommand(1);
  auto* create_user = iam->add_subcommand(
      "create-user", "Create a user and an access key; prints it like 'aws iam create-access-key'");
  auto* put_policy =
      iam->add_subcommand("put-user-policy", "Attach an inline identity policy to a user");
  for (auto* sub : {create_user, put_policy}) {
    sub->add_option("--user-name", iam_options.user_name, "The user")->required();
    sub->add_option("--data-dir", iam_options.data_dir,
                    "Data directory (default ./trailwatch-data)");
    sub->add_option("--config", iam_options.config, "trailwatch.yaml (for account_id)");
  }
  create_user->add_option("--policy-document", iam_options.policy_document,
                          "An inline policy (JSON or file://PATH)");
  put_policy->add_option("--policy-name", iam_options.policy_name, "The policy's name")->required();
  put_policy->add_option("--policy-document", iam_options.policy_document, "JSON or file://PATH")
      ->required();

  ValidateLogsOptions vl;
  auto* validate =
      cli.add_subcommand("validate-logs", "Check the trail's log files against its signed digests");
  validate->add_option("--trail-dir", vl.trail_dir, "The trail directory (DATA_DIR/trail)")
      ->required();
  validate->add_option("--start-time", vl.start_time, "Only digests from this time");
  validate->add_option("--end-time", vl.end_time, "Only digests up to this time");
  validate->add_flag("--verbose", vl.verbose, "Also list every valid file");

  cli.add_subcommand("version", "Print the version");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    if (argc > 1 && argv[1][0] != '-' && cli.get_subcommands({}).size() > 0) {
      bool known = false;
      for (const auto* sub : cli.get_subcommands({})) known |= sub->get_name() == argv[1];
      if (!known) {
        fmt::print(stderr, "trailwatch: unknown command '{}' (see 'trailwatch --help')\n", argv[1]);
        return 2;
      }
    }
    fmt::print(stderr, "trailwatch: {}\n", e.what());
    return 2;
  }

  if (test_pattern->parsed()) return RunTestPattern(tp, stdout, stderr);
  if (up->parsed()) return RunUp(up_options, stdout, stderr);
  if (demo->parsed()) return RunDemo(demo_options, stdout, stderr);
  if (create_user->parsed() || put_policy->parsed()) {
    iam_options.command = create_user->parsed() ? "create-user" : "put-user-policy";
    return RunIam(iam_options, stdout, stderr);
  }
  if (validate->parsed()) return RunValidateLogs(vl, stdout, stderr);
  if (rules_check->parsed()) return RunRulesCheck(rule_files, stdout, stderr);
  if (scan->parsed()) {
    if (!sc.rules.empty() && !sc.filter_patterns.empty()) {
      fmt::print(stderr, "trailwatch: scan takes --filter-pattern or --rules, not both\n");
      return 2;
    }
    if (sc.rules.empty() && (sc.notify != "none" || sc.lateness || !sc.parameters.empty())) {
      fmt::print(stderr, "trailwatch: --notify, --lateness and --parameter need --rules\n");
      return 2;
    }
    return sc.rules.empty() ? RunScanCommand(sc, stdout, stderr) : RunScanRules(sc, stdout, stderr);
  }
  fmt::print("trailwatch {}\n", TRAILWATCH_VERSION);
  return 0;
}
