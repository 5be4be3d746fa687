// Fuzzes the filter pattern front end: the input is pattern text.
//
// Compiles it with AWS's limits and with raised ones, and dumps the syntax tree of every
// pattern that parses. Besides memory errors (ASan/UBSan), it checks that parsing and
// compiling agree: a compiled program's kind is its tree's kind, an error has a message,
// and the tree dump is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pattern/ast.h"
#include "pattern/pattern.h"

namespace {

using trailwatch::pattern::Compile;
using trailwatch::pattern::CompileOptions;
using trailwatch::pattern::DumpAst;
using trailwatch::pattern::Limits;
using trailwatch::pattern::Parse;

// Longer inputs only slow each run down (AWS's own limit is 1024 bytes); skipping them keeps
// the cost per input bounded, like RE2's fuzzer does.
constexpr std::size_t kMaxInput = 4096;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CompileAndCheck(std::string_view text, const Limits& limits) {
  CompileOptions options;
  options.limits = limits;
  auto program = Compile(text, options);
  auto ast = Parse(text, limits);
  if (!program.ok()) {
    Check(!program.status().message().empty());
    (void)program.status().ToString();
    return;
  }
  // Compile() parses with the same limits, so the tree must exist and agree on the kind.
  Check(ast.ok());
  Check((*program)->kind() == ast->kind);
  Check((*program)->text() == text);
  (void)(*program)->json_paths();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return -1;  // keep the input out of the corpus
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  CompileAndCheck(text, Limits{});
  const Limits raised{.max_length = 1 << 16, .max_depth = 256};
  CompileAndCheck(text, raised);

  auto ast = Parse(text, raised);
  if (ast.ok()) {
    const std::string dump = DumpAst(*ast);
    Check(!dump.empty());
    Check(DumpAst(*ast) == dump);
  }
  return 0;
}
