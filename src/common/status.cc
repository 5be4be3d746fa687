#include "common/status.h"

#include <fmt/format.h>

namespace trailwatch {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kIoError:
      return "I/O error";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kResourceExhausted:
      return "resource exhausted";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  Status s(code_, fmt::format("{}: {}", context, message_));
  s.location_ = location_;
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (!location_ || location_->source.empty()) return message_;
  std::string out = location_->source;
  if (location_->line > 0) out += fmt::format(":{}", location_->line);
  if (location_->column > 0) out += fmt::format(":{}", location_->column);
  return fmt::format("{}: {}", out, message_);
}

}  // namespace trailwatch
