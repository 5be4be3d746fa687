// The parsing floor of scanning NDJSON CloudTrail events: a plain simdjson On-Demand loop.
//
//   ondemand_floor FILE.ndjson [EVENT_NAME]
//
// Loads the file, then for every line parses it with On-Demand and reads the two fields a
// one-pattern scan needs, eventTime and eventName, counting the lines whose eventName equals
// EVENT_NAME (default GetSecretValue). Single thread. Prints
// "events<TAB>matched<TAB>bytes<TAB>seconds" on stdout. Used by `scripts/bench scan`, which
// times the whole process.
#include <simdjson.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: ondemand_floor FILE.ndjson [EVENT_NAME]\n");
    return 2;
  }
  const std::string_view wanted = argc == 3 ? argv[2] : "GetSecretValue";
  const auto start = std::chrono::steady_clock::now();
  simdjson::padded_string data;
  if (simdjson::padded_string::load(argv[1]).get(data) != simdjson::SUCCESS) {
    std::fprintf(stderr, "ondemand_floor: cannot read %s\n", argv[1]);
    return 1;
  }
  simdjson::ondemand::parser parser;
  const char* const base = data.data();
  const std::size_t size = data.size();
  std::uint64_t events = 0;
  std::uint64_t matched = 0;
  std::uint64_t malformed = 0;
  std::uint64_t time_chars = 0;  // keeps eventTime observably used
  std::size_t pos = 0;
  while (pos < size) {
    const void* nl = std::memchr(base + pos, '\n', size - pos);
    const std::size_t end =
        nl == nullptr ? size : static_cast<std::size_t>(static_cast<const char*>(nl) - base);
    const std::size_t len = end - pos;
    if (len > 0) {
      ++events;
      // The rest of the buffer (and its padding) follows the line, so it needs no copy.
      const simdjson::padded_string_view line(base + pos, len,
                                              size - pos + simdjson::SIMDJSON_PADDING);
      simdjson::ondemand::document doc;
      std::string_view time;
      std::string_view name;
      if (parser.iterate(line).get(doc) != simdjson::SUCCESS ||
          doc["eventTime"].get_string().get(time) != simdjson::SUCCESS ||
          doc["eventName"].get_string().get(name) != simdjson::SUCCESS) {
        ++malformed;
      } else {
        time_chars += time.size();
        if (name == wanted) ++matched;
      }
    }
    pos = end + 1;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu\t%llu\t%zu\t%.6f\n", static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(matched), size, secs);
  if (malformed > 0 || time_chars == 0) {
    std::fprintf(stderr, "ondemand_floor: %llu malformed lines\n",
                 static_cast<unsigned long long>(malformed));
  }
  return malformed > 0 ? 1 : 0;
}
