// Status and Result<T>: the one error model of trailwatch.
//
// Expected failures (bad input, bad rules, I/O) are values, never exceptions. A Status is
// either OK or carries a code, a message and, for errors in text the user wrote, the place:
// a source name (file path or "filter pattern"), a 1-based line and a 1-based column.
// Callers add context on the way up with WithContext().
//
// Thread safety: Status and Result are plain values; distinct objects may be used from
// distinct threads without synchronisation.
#ifndef TRAILWATCH_COMMON_STATUS_H_
#define TRAILWATCH_COMMON_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trailwatch {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,  // the user's input (pattern, rule, flag) is wrong
  kNotFound,
  kIoError,
  kCorruption,  // data read from disk or network is malformed
  kUnimplemented,
  kResourceExhausted,  // a named limit was hit
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// Where in user-written text an error is. Line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string source;  // "filter pattern", a file path, "--flag"
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::optional<SourceLocation>& location() const { return location_; }

  Status&& At(SourceLocation loc) && {
    location_ = std::move(loc);
    return std::move(*this);
  }
  // Prefixes the message with "context: ", leaving the location alone.
  Status WithContext(std::string_view context) const;

  // "source:line:column: message" (parts that are unknown are left out).
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::optional<SourceLocation> location_;
};

// A value or an error. Minimal std::expected stand-in: GCC 12 has none in C++20 mode.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_STATUS_H_
