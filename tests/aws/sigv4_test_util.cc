#include "aws/sigv4_test_util.h"

#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "aws/sigv4_internal.h"
#include "common/encoding.h"
#include "testing/files.h"

namespace trailwatch::aws::testing {
namespace fs = std::filesystem;
using test_support::ReadFile;

std::optional<std::string> VectorDir(const std::string& default_shared) {
  const char* shared = std::getenv("TRAILWATCH_SHARED_DIR");
  const std::string base = shared && *shared ? shared : default_shared;
  const std::string dir = base + "/testdata/sigv4/v4";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return dir;
}

std::vector<std::string> VectorNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// The value of "key" in the flat context.json: a quoted string or a bare word.
std::string JsonField(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\"");
  if (at == std::string::npos) return "";
  std::size_t pos = json.find(':', at) + 1;
  while (pos < json.size() && json[pos] == ' ') ++pos;
  if (pos < json.size() && json[pos] == '"') {
    const std::size_t end = json.find('"', pos + 1);
    return json.substr(pos + 1, end - pos - 1);
  }
  std::size_t end = pos;
  while (end < json.size() && json[end] != ',' && json[end] != '\n' && json[end] != '}') ++end;
  return json.substr(pos, end - pos);
}

}  // namespace

std::int64_t AmzSeconds(std::string_view amz_date) {
  return internal::ParseAmzDate(amz_date).value_or(-1);
}

TimePoint AmzTime(std::string_view amz_date) {
  return TimePoint(std::chrono::seconds(AmzSeconds(amz_date)));
}

std::optional<Vector> LoadVector(const std::string& dir, const std::string& name) {
  const std::string base = dir + "/" + name + "/";
  const std::string context = ReadFile(base + "context.json");
  if (context.empty()) return std::nullopt;
  Vector v;
  v.name = name;
  v.request = ParseHttpText(ReadFile(base + "request.txt"));
  v.credentials.access_key_id = JsonField(context, "access_key_id");
  v.credentials.secret_access_key = JsonField(context, "secret_access_key");
  v.credentials.session_token = JsonField(context, "token");
  v.region = JsonField(context, "region");
  v.service = JsonField(context, "service");
  const std::string ts = JsonField(context, "timestamp");  // "2015-08-30T12:36:00Z"
  std::string amz;
  for (char c : ts) {
    if (c != '-' && c != ':') amz.push_back(c);
  }
  v.time = AmzSeconds(amz);
  v.expires = std::atoll(JsonField(context, "expiration_in_seconds").c_str());
  v.normalize = JsonField(context, "normalize") != "false";
  v.sign_body = JsonField(context, "sign_body") == "true";
  v.omit_session_token = JsonField(context, "omit_session_token") == "true";
  v.header_canonical_request = ReadFile(base + "header-canonical-request.txt");
  v.header_string_to_sign = ReadFile(base + "header-string-to-sign.txt");
  v.header_signature = ReadFile(base + "header-signature.txt");
  v.query_canonical_request = ReadFile(base + "query-canonical-request.txt");
  v.query_string_to_sign = ReadFile(base + "query-string-to-sign.txt");
  v.query_signature = ReadFile(base + "query-signature.txt");
  v.header_signed_request = ParseHttpText(ReadFile(base + "header-signed-request.txt"));
  v.query_signed_request = ParseHttpText(ReadFile(base + "query-signed-request.txt"));
  return v;
}

SigningOptions OptionsFor(const Vector& v) {
  SigningOptions o;
  o.region = v.region;
  o.service = v.service;
  o.time = TimePoint(std::chrono::seconds(v.time));
  // The suite's "normalize: false" cases are the S3 style (no normalisation, one encoding).
  o.uri_encoding = v.normalize ? UriEncoding::kNormalizedDoubleEncoded : UriEncoding::kS3;
  o.add_content_sha256_header = v.sign_body;
  o.sign_session_token = !v.omit_session_token;
  o.expires = std::chrono::seconds(v.expires);
  return o;
}

HttpRequest ParseHttpText(std::string_view text) {
  HttpRequest r;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view* line) {
    if (pos > text.size()) return false;
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    *line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(&line)) return r;
  // The path may hold spaces ("GET /example space/ HTTP/1.1").
  const std::size_t sp = line.find(' ');
  const std::size_t version = line.rfind(" HTTP/");
  r.method = std::string(line.substr(0, sp));
  const std::string_view target = line.substr(sp + 1, version - sp - 1);
  const std::size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  while (next_line(&line) && !line.empty()) {
    if ((line.front() == ' ' || line.front() == '\t') && !r.headers.empty()) {
      r.headers.back().value.append("\n").append(line);  // obsolete line folding
      continue;
    }
    const std::size_t colon = line.find(':');
    r.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  if (pos < text.size()) r.body = std::string(text.substr(pos));
  return r;
}

std::string Header(const HttpRequest& request, std::string_view name) {
  const auto values = aws::HeaderValues(request.headers, name);
  return values.empty() ? "" : std::string(values.front());
}

SecretLookup LookupOf(std::vector<std::pair<std::string, std::string>> keys) {
  return [keys = std::move(keys)](std::string_view id) -> Result<std::string> {
    for (const auto& [k, secret] : keys) {
      if (k == id) return secret;
    }
    return Status::NotFound("no such key");
  };
}

std::string SpecLine(std::string_view key, std::initializer_list<std::string_view> values) {
  std::string line(key);
  for (std::string_view v : values) line.append(" ").append(HexEncode(v));
  return line;
}

std::optional<BotocoreOutput> RunBotocore(const std::string& script,
                                          const std::vector<std::string>& spec_lines,
                                          std::string* error) {
  test_support::TempDir dir;
  std::string spec;
  for (const std::string& l : spec_lines) spec.append(l).append("\n");
  const std::string spec_path = dir.Write("spec.txt", spec);
  const std::string command =
      "python3 " + script + " " + spec_path + " 2>" + dir.path() + "/stderr.txt";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *error = "cannot run python3";
    return std::nullopt;
  }
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127)) {
    *error = "unavailable: python3 with botocore is not on PATH";
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "python3 botocore_sign.py failed (exit " + std::to_string(WEXITSTATUS(status)) +
             "): " + ReadFile(dir.path() + "/stderr.txt");
    return std::nullopt;
  }
  BotocoreOutput result;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    const std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    std::vector<std::string> parts;
    std::size_t p = 0;
    while (p < line.size()) {
      std::size_t s = line.find(' ', p);
      if (s == std::string::npos) s = line.size();
      parts.push_back(line.substr(p, s - p));
      p = s + 1;
    }
    if (parts.size() == 2 && parts[0] == "url") {
      result.url = HexDecode(parts[1]).value();
    } else if (parts.size() == 3 && parts[0] == "header") {
      result.headers.push_back({HexDecode(parts[1]).value(), HexDecode(parts[2]).value()});
    }
  }
  return result;
}

}  // namespace trailwatch::aws::testing
