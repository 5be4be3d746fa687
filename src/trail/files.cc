// File, gzip and naming helpers of the trail.
#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time.h"
#include "trail/internal.h"

namespace trailwatch::trail::internal {
namespace {

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};

Civil ToCivil(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count())};
}

}  // namespace

std::string JoinPath(std::string_view dir, std::string_view rel) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += rel;
  return out;
}

bool LooksGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

Result<std::string> GzipCompress(std::string_view data) {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      libdeflate_alloc_compressor(6), &libdeflate_free_compressor);
  if (!c) return Status::Internal("libdeflate: out of memory");
  std::string out(libdeflate_gzip_compress_bound(c.get(), data.size()), '\0');
  const std::size_t n =
      libdeflate_gzip_compress(c.get(), data.data(), data.size(), out.data(), out.size());
  if (n == 0) return Status::Internal("libdeflate: gzip compression failed");
  out.resize(n);
  return out;
}

Result<std::string> GzipDecompress(std::string_view data, std::size_t max_output) {
  if (!LooksGzip(data)) return Status::Corruption("not gzip data");
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  if (!d) return Status::Internal("libdeflate: out of memory");
  // Our files are one gzip member; a second member or trailing bytes mean someone edited it.
  std::size_t capacity = std::min(max_output, std::max<std::size_t>(4096, data.size() * 4));
  while (true) {
    std::string out(capacity, '\0');
    std::size_t in_used = 0;
    std::size_t out_used = 0;
    const auto rc = libdeflate_gzip_decompress_ex(d.get(), data.data(), data.size(), out.data(),
                                                  out.size(), &in_used, &out_used);
    if (rc == LIBDEFLATE_SUCCESS) {
      if (in_used != data.size()) return Status::Corruption("data after the gzip member");
      out.resize(out_used);
      return out;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) return Status::Corruption("damaged gzip data");
    if (capacity >= max_output) {
      return Status::ResourceExhausted(
          fmt::format("gzip data decodes to more than {} bytes", max_output));
    }
    capacity = std::min(max_output, capacity * 4);
  }
}

bool SafeSegment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string MinuteStamp(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute);
}

std::string SecondStamp(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute,
                     c.second);
}

std::string DatePath(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  return fmt::format("{:04}/{:02}/{:02}", c.year, c.month, c.day);
}

std::string IsoSeconds(std::int64_t ms) {
  const Civil c = ToCivil(ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
}

std::optional<std::int64_t> ParseStamp(std::string_view s) {
  // YYYYMMDDTHHmmZ (14) or YYYYMMDDTHHMMSSZ (16).
  if (s.size() != 14 && s.size() != 16) return std::nullopt;
  if (s[8] != 'T' || s.back() != 'Z') return std::nullopt;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  }
  const std::string iso =
      fmt::format("{}-{}-{}T{}:{}:{}Z", s.substr(0, 4), s.substr(4, 2), s.substr(6, 2),
                  s.substr(9, 2), s.substr(11, 2), s.size() == 16 ? s.substr(13, 2) : "00");
  return ParseIso8601Millis(iso);
}

std::string DigestKey(const TrailLocation& where, std::string_view account, std::string_view region,
                      std::int64_t end_ms) {
  return fmt::format(
      "AWSLogs/{0}/CloudTrail-Digest/{1}/{2}/{0}_CloudTrail-Digest_{1}_{3}_{4}_{5}.json.gz",
      account, region, DatePath(end_ms), where.trail_name, where.home_region, SecondStamp(end_ms));
}

std::optional<std::int64_t> LogFileStampOf(std::string_view key) {
  // ..._<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz
  constexpr std::string_view kSuffix = ".json.gz";
  if (key.size() < kSuffix.size() + 32 || !key.ends_with(kSuffix)) return std::nullopt;
  const std::string_view stem = key.substr(0, key.size() - kSuffix.size());
  if (stem[stem.size() - 17] != '_') return std::nullopt;
  return ParseStamp(stem.substr(stem.size() - 31, 14));
}

std::optional<std::int64_t> DigestStampOf(std::string_view key) {
  // The last 24 characters before ".json.gz" hold "_YYYYMMDDTHHMMSSZ" (spec 3.1).
  constexpr std::string_view kSuffix = ".json.gz";
  if (key.size() < kSuffix.size() + 17 || !key.ends_with(kSuffix)) return std::nullopt;
  const std::string_view stem = key.substr(0, key.size() - kSuffix.size());
  if (stem[stem.size() - 17] != '_') return std::nullopt;
  return ParseStamp(stem.substr(stem.size() - 16));
}

}  // namespace trailwatch::trail::internal
