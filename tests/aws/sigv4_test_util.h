// Helpers for the SigV4 tests: the official test vectors in ../shared/testdata/sigv4 (read at
// run time, never copied into the repository), HTTP message text, and botocore as a reference
// signer run through python3.
#ifndef TRAILWATCH_TESTS_AWS_SIGV4_TEST_UTIL_H_
#define TRAILWATCH_TESTS_AWS_SIGV4_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4.h"

namespace trailwatch::aws::testing {

// $TRAILWATCH_SHARED_DIR/testdata/sigv4/v4 (else under `default_shared`), or nullopt when it
// is not there.
std::optional<std::string> VectorDir(const std::string& default_shared);

#ifdef TRAILWATCH_SOURCE_DIR  // defined for test executables, not for this support library
inline std::optional<std::string> VectorDir() {
  return VectorDir(TRAILWATCH_SOURCE_DIR "/../shared");
}
inline std::string BotocoreScript() { return TRAILWATCH_SOURCE_DIR "/tests/aws/botocore_sign.py"; }
#endif

// Every case folder under `dir`, sorted.
std::vector<std::string> VectorNames(const std::string& dir);

// One case of the aws-c-auth signing test suite (v4/<name>/).
struct Vector {
  std::string name;
  HttpRequest request;  // request.txt
  Credentials credentials;
  std::string region;
  std::string service;
  std::int64_t time = 0;  // seconds since the epoch
  std::int64_t expires = 0;
  bool normalize = true;
  bool sign_body = false;
  bool omit_session_token = false;
  // header-* and query-* files.
  std::string header_canonical_request, header_string_to_sign, header_signature;
  std::string query_canonical_request, query_string_to_sign, query_signature;
  HttpRequest header_signed_request, query_signed_request;
};
std::optional<Vector> LoadVector(const std::string& dir, const std::string& name);

// The signing options a vector's context.json describes.
SigningOptions OptionsFor(const Vector& v);

// "GET /path?query HTTP/1.1\nName:value\n continued\n\nbody" as the suite writes it.
HttpRequest ParseHttpText(std::string_view text);

// The first header named `name` (case-insensitive), or "".
std::string Header(const HttpRequest& request, std::string_view name);

// Seconds since the epoch of an X-Amz-Date ("20150830T123600Z").
std::int64_t AmzSeconds(std::string_view amz_date);
TimePoint AmzTime(std::string_view amz_date);

// A secret lookup over a fixed list of (access key id, secret).
SecretLookup LookupOf(std::vector<std::pair<std::string, std::string>> keys);

// Runs `python3 <script>` (tests/aws/botocore_sign.py) on `spec` lines. On failure, nullopt
// and `error`; an error starting with "unavailable" means python3 or botocore is missing.
struct BotocoreOutput {
  std::string url;
  std::vector<HttpHeader> headers;
};
std::optional<BotocoreOutput> RunBotocore(const std::string& script,
                                          const std::vector<std::string>& spec_lines,
                                          std::string* error);
// One spec line: key followed by the hex of each value.
std::string SpecLine(std::string_view key, std::initializer_list<std::string_view> values);

}  // namespace trailwatch::aws::testing

#endif  // TRAILWATCH_TESTS_AWS_SIGV4_TEST_UTIL_H_
