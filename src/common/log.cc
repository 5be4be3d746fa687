#include "common/log.h"

#include <cstring>
#include <mutex>

#include "common/json_text.h"
#include "common/time.h"

namespace trailwatch {
namespace {

void Field(std::string* out, std::string_view key, std::string_view value) {
  if (out->size() > 1) *out += ',';
  AppendJsonString(out, key);
  *out += ':';
  AppendJsonString(out, value);
}

bool IsComponent(std::string_view word) {
  if (word.empty() || word.size() > 24) return false;
  for (char c : word) {
    if (!((c >= 'a' && c <= 'z') || c == '-' || c == '_')) return false;
  }
  return true;
}

bool ReportsFailure(std::string_view msg) {
  for (std::string_view w : {"cannot ", "failed", "error", "refused"}) {
    if (msg.find(w) != std::string_view::npos) return true;
  }
  return false;
}

struct Cookie {
  std::FILE* out;
  const Clock* clock;
  std::mutex mu;  // writers on several threads
  std::string partial;
};

ssize_t Write(void* c, const char* data, std::size_t size) {
  auto* cookie = static_cast<Cookie*>(c);
  std::lock_guard lock(cookie->mu);
  cookie->partial.append(data, size);
  std::size_t start = 0;
  for (std::size_t nl = cookie->partial.find('\n'); nl != std::string::npos;
       nl = cookie->partial.find('\n', start)) {
    const std::string line =
        JsonLogLine(std::string_view(cookie->partial).substr(start, nl - start),
                    cookie->clock->Now().time_since_epoch().count());
    std::fwrite(line.data(), 1, line.size(), cookie->out);
    std::fputc('\n', cookie->out);
    start = nl + 1;
  }
  cookie->partial.erase(0, start);
  std::fflush(cookie->out);
  return static_cast<ssize_t>(size);
}

int Close(void* c) {
  auto* cookie = static_cast<Cookie*>(c);
  if (!cookie->partial.empty()) {
    const std::string line =
        JsonLogLine(cookie->partial, cookie->clock->Now().time_since_epoch().count());
    std::fwrite(line.data(), 1, line.size(), cookie->out);
    std::fputc('\n', cookie->out);
    std::fflush(cookie->out);
  }
  delete cookie;
  return 0;
}

}  // namespace

std::string JsonLogLine(std::string_view line, std::int64_t time_ms) {
  if (line.starts_with("trailwatch: ")) line.remove_prefix(12);
  std::string_view component;
  if (const std::size_t colon = line.find(": ");
      colon != std::string_view::npos && IsComponent(line.substr(0, colon))) {
    component = line.substr(0, colon);
    line.remove_prefix(colon + 2);
  }
  std::string out = "{";
  Field(&out, "time", FormatIso8601(time_ms));
  Field(&out, "level", ReportsFailure(line) ? "error" : "info");
  if (!component.empty()) Field(&out, "component", component);
  Field(&out, "msg", line);
  out += '}';
  return out;
}

std::FILE* OpenJsonLog(std::FILE* out, const Clock& clock) {
  auto* cookie = new Cookie{out, &clock, {}, {}};
  cookie_io_functions_t io{};
  io.write = &Write;
  io.close = &Close;
  std::FILE* f = fopencookie(cookie, "w", io);
  if (f == nullptr) {
    delete cookie;
    return nullptr;
  }
  std::setvbuf(f, nullptr, _IONBF, 0);  // every write reaches Write at once
  return f;
}

}  // namespace trailwatch
