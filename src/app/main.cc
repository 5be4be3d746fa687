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
  fmt::print("trailwatch {}\n", TRAILWATCH_VERSION);
  return 0;
}
