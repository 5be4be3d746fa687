// The physical floor of scanning gzip'd CloudTrail files: decompression alone, in process.
//
//   decompress_floor FILE_OR_DIR...
//
// Reads every file (directories recursively, *.gz only) fully into memory, then decompresses it
// with libdeflate, member after member (libdeflate_gzip_decompress_ex), into a reused buffer.
// Single thread, no parsing. Prints "files<TAB>compressed bytes<TAB>decoded bytes<TAB>seconds"
// on stdout. Used by `scripts/bench scan`, which times the whole process.
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace {

bool ReadFile(const std::string& path, std::vector<unsigned char>* data) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  data->resize(static_cast<std::size_t>(size));
  const bool ok = std::fread(data->data(), 1, data->size(), f) == data->size();
  std::fclose(f);
  return ok;
}

// gzip's ISIZE trailer (the last member's size modulo 2^32): a first guess for the buffer.
std::size_t SizeHint(const std::vector<unsigned char>& in) {
  if (in.size() < 18) return 1 << 16;
  const unsigned char* p = in.data() + in.size() - 4;
  const std::size_t isize = std::size_t{p[0]} | (std::size_t{p[1]} << 8) |
                            (std::size_t{p[2]} << 16) | (std::size_t{p[3]} << 24);
  return std::max(isize, in.size() * 4);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: decompress_floor FILE_OR_DIR...\n");
    return 2;
  }
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().extension() == ".gz") {
          files.push_back(entry.path().string());
        }
      }
    } else {
      files.push_back(arg.string());
    }
  }
  std::sort(files.begin(), files.end());

  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (d == nullptr) return 1;
  const auto start = std::chrono::steady_clock::now();
  std::vector<unsigned char> in;
  std::vector<unsigned char> out;
  std::uint64_t compressed = 0;
  std::uint64_t decoded = 0;
  int rc = 0;
  for (const std::string& path : files) {
    if (!ReadFile(path, &in)) {
      std::fprintf(stderr, "decompress_floor: cannot read %s\n", path.c_str());
      rc = 1;
      continue;
    }
    compressed += in.size();
    std::size_t capacity = SizeHint(in);
    std::size_t offset = 0;
    while (offset < in.size()) {
      if (out.size() < capacity) out.resize(capacity);
      std::size_t in_used = 0;
      std::size_t out_used = 0;
      const libdeflate_result r = libdeflate_gzip_decompress_ex(
          d, in.data() + offset, in.size() - offset, out.data(), out.size(), &in_used, &out_used);
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
        capacity = out.size() * 2;
        continue;
      }
      if (r != LIBDEFLATE_SUCCESS) {
        std::fprintf(stderr, "decompress_floor: %s: bad gzip data at byte %zu\n", path.c_str(),
                     offset);
        rc = 1;
        break;
      }
      offset += in_used;
      decoded += out_used;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  libdeflate_free_decompressor(d);
  std::printf("%zu\t%llu\t%llu\t%.6f\n", files.size(), static_cast<unsigned long long>(compressed),
              static_cast<unsigned long long>(decoded), secs);
  return rc;
}
