#include "event/gzip.h"

#include <fmt/format.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

namespace trailwatch::event {
namespace {

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// Deflate cannot expand data by more than about 1032:1.
constexpr std::size_t kMaxRatio = 1032;

// gzip's ISIZE trailer (the member's size modulo 2^32) is a good first guess for the buffer,
// but it is attacker-controlled: never trust it beyond what the input could expand to.
std::size_t SizeHint(std::string_view in, std::size_t max_output) {
  const std::size_t bound = std::min(max_output, in.size() * kMaxRatio);
  if (in.size() < 18) return std::min<std::size_t>(4096, bound);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
  const std::size_t isize = std::size_t{p[0]} | (std::size_t{p[1]} << 8) |
                            (std::size_t{p[2]} << 16) | (std::size_t{p[3]} << 24);
  return std::max<std::size_t>(std::min(std::max(isize, in.size() * 4), bound), 64);
}

Status TooLarge(std::size_t max_output) {
  return Status::ResourceExhausted(
      fmt::format("gzip data decodes to more than {} bytes", max_output));
}

// zlib, member after member. A truncated stream keeps what decoded before the cut: those bytes
// are exactly the original's. A damaged member (bad data, bad checksum) is dropped whole:
// inflate may have produced altered bytes long before it noticed, and an altered record that
// is still valid JSON must not pass for the real one.
Status Salvage(std::string_view in, PaddedBuffer* out, std::size_t max_output) {
  out->Clear();
  std::size_t member_start = 0;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  Status status;
  std::string chunk(1 << 16, '\0');
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out->Append(std::string_view(chunk.data(), chunk.size() - zs.avail_out));
    if (out->size() > max_output) {
      status = TooLarge(max_output);
      break;
    }
    if (rc == Z_STREAM_END) {
      member_start = out->size();
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;  // next member
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = Status::Corruption(
          fmt::format("truncated gzip data (recovered {} bytes before the end)", out->size()));
    } else {
      status = Status::Corruption(
          fmt::format("damaged gzip data ({}); the damaged member ({} decoded bytes) is skipped",
                      zs.msg ? zs.msg : "inflate error", out->size() - member_start));
      out->Resize(member_start);
    }
    break;
  }
  inflateEnd(&zs);
  return status;
}

}  // namespace

Status Gunzip(std::string_view in, PaddedBuffer* out, std::size_t max_output) {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  std::size_t capacity = SizeHint(in, max_output);
  out->Clear();
  std::size_t produced = 0;
  std::size_t offset = 0;
  while (offset < in.size()) {
    if (!IsGzip(in.substr(offset))) {
      // Trailing zero padding after the last member is common (tape/S3 tools); ignore it.
      if (in.find_first_not_of('\0', offset) == std::string_view::npos) break;
      out->Resize(produced);
      return Status::Corruption(fmt::format("data after gzip member at byte {}", offset));
    }
    while (true) {
      out->Resize(produced + capacity);
      std::size_t in_used = 0;
      std::size_t out_used = 0;
      const auto rc =
          libdeflate_gzip_decompress_ex(decompressor.get(), in.data() + offset, in.size() - offset,
                                        out->data() + produced, capacity, &in_used, &out_used);
      if (rc == LIBDEFLATE_SUCCESS) {
        produced += out_used;
        offset += in_used;
        break;
      }
      if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
        if (produced + capacity >= max_output) {
          out->Resize(produced);
          return TooLarge(max_output);
        }
        capacity = std::min(capacity * 2, max_output - produced);
        continue;
      }
      return Salvage(in, out, max_output);
    }
  }
  out->Resize(produced);
  return Status::Ok();
}

}  // namespace trailwatch::event
