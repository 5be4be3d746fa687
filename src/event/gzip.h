// Internal to event/: gzip decoding.
#ifndef TRAILWATCH_EVENT_GZIP_H_
#define TRAILWATCH_EVENT_GZIP_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trailwatch::event {

// A growable byte buffer that always has kPadding zeroed bytes after its data, as simdjson
// requires. Keeps its allocation across Clear().
class PaddedBuffer {
 public:
  static constexpr std::size_t kPadding = 64;
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity_with_padding() const { return capacity_ + kPadding; }
  std::string_view view() const { return {data_.get(), size_}; }
  void Clear() { Resize(0); }
  // Keeps the first min(size, n) bytes; new bytes are unspecified.
  void Resize(std::size_t n) {
    Reserve(n);
    size_ = n;
    std::memset(data_.get() + n, 0, kPadding);
  }
  void Reserve(std::size_t n) {
    if (data_ && n <= capacity_) return;
    std::size_t cap = std::max(n, capacity_ * 2);
    auto fresh = std::make_unique<char[]>(cap + kPadding);
    if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    capacity_ = cap;
  }
  void Append(std::string_view s) {
    const std::size_t old = size_;
    Resize(size_ + s.size());
    if (!s.empty()) std::memcpy(data_.get() + old, s.data(), s.size());
  }
  void Assign(std::string_view s) {
    Clear();
    Append(s);
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

inline bool IsGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Decompresses every gzip member of `in` into `out` (replacing its contents), refusing to
// produce more than `max_output` bytes (ResourceExhausted; a gzip bomb). libdeflate does the
// work; when the data is damaged (truncated, bad CRC) zlib salvages what precedes the damage, `out`
// holds that, and the status says what went wrong.
Status Gunzip(std::string_view in, PaddedBuffer* out, std::size_t max_output);

}  // namespace trailwatch::event

#endif  // TRAILWATCH_EVENT_GZIP_H_
