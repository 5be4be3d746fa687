#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <string>

#include "app/commands.h"
#include "common/json_text.h"
#include "pattern/pattern.h"

namespace trailwatch::app {
namespace {

bool ReadLines(const std::string& path, std::vector<std::string>* lines, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot open file", path);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines->push_back(std::move(line));
  }
  if (in.bad()) {
    *error = fmt::format("{}: read error", path);
    return false;
  }
  return true;
}

}  // namespace

int RunTestPattern(const TestPatternOptions& options, std::FILE* out, std::FILE* err) {
  const auto start = std::chrono::steady_clock::now();
  auto program = pattern::Compile(options.filter_pattern);
  if (!program.ok()) {
    fmt::print(err, "trailwatch: {}\n", program.status().ToString());
    return 2;
  }
  std::vector<std::string> file_lines;
  if (options.file) {
    std::string error;
    if (!ReadLines(*options.file, &file_lines, &error)) {
      fmt::print(err, "trailwatch: {}\n", error);
      return 2;
    }
  }
  const std::vector<std::string>& messages = options.file ? file_lines : options.messages;

  // The AWS CLI prints the response with json.dumps(indent=4); match it byte for byte.
  pattern::Matcher matcher(*program);
  std::string body;
  std::size_t matched = 0;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    bytes += messages[i].size();
    if (!matcher.Matches(messages[i])) continue;
    body += matched++ == 0 ? "\n" : ",\n";
    body += fmt::format("        {{\n            \"eventNumber\": {},\n", i + 1);
    body += "            \"eventMessage\": ";
    AppendJsonString(&body, messages[i]);
    body += ",\n            \"extractedValues\": {";
    const pattern::ExtractedValues values = matcher.Extracted();
    for (std::size_t v = 0; v < values.size(); ++v) {
      body += v == 0 ? "\n" : ",\n";
      body += "                ";
      AppendJsonString(&body, values[v].first);
      body += ": ";
      AppendJsonString(&body, values[v].second);
    }
    body += values.empty() ? "}\n        }" : "\n            }\n        }";
  }
  std::string doc = "{\n    \"matches\": [";
  doc += matched == 0 ? "]\n}\n" : body + "\n    ]\n}\n";
  std::fwrite(doc.data(), 1, doc.size(), out);

  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fmt::print(err,
             "trailwatch: test-pattern: {} events, {} bytes, {} matched, 0 malformed, "
             "{:.1f} ms\n",
             messages.size(), bytes, matched, ms);
  return 0;
}

}  // namespace trailwatch::app
