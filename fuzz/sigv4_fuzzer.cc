// Fuzzes the SigV4 verifier and the parsers under it (Authorization header, presigned query,
// credential, dates, canonical URI and query) on arbitrary requests.
//
// Input: "METHOD\nPATH\nQUERY\nName:value\n...\n\nBODY". Besides memory errors (ASan/UBSan), it
// checks that verification is deterministic and every refusal is well formed, and that signer
// and verifier agree on arbitrary input: the request signed by SignRequest (and, when the query
// carries no X-Amz-* parameter, by PresignRequest) must verify.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"
#include "common/clock.h"

namespace {

using namespace trailwatch;       // NOLINT(google-build-using-namespace)
using namespace trailwatch::aws;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kMaxInput = 4096;
constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TimePoint kNow{std::chrono::seconds(1440938160)};  // 20150830T123600Z

void Check(bool ok) {
  if (!ok) std::abort();
}

bool NextLine(std::string_view* text, std::string_view* line) {
  if (text->empty()) return false;
  const std::size_t nl = text->find('\n');
  *line = text->substr(0, nl);
  text->remove_prefix(nl == std::string_view::npos ? text->size() : nl + 1);
  return true;
}

HttpRequest Parse(std::string_view text, bool* plain_names) {
  HttpRequest r;
  std::string_view line;
  if (NextLine(&text, &line)) r.method = std::string(line);
  if (NextLine(&text, &line)) r.path = std::string(line);
  if (NextLine(&text, &line)) r.query = std::string(line);
  *plain_names = true;
  while (NextLine(&text, &line) && !line.empty()) {
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    // Names with separators (';', ',', ' ', '=') cannot round-trip through SignedHeaders, as
    // with any SigV4 implementation; HTTP forbids them anyway.
    for (char c : name) {
      const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_';
      *plain_names &= token;
    }
    *plain_names &= !name.empty();
    r.headers.push_back({std::string(name), colon == std::string_view::npos
                                                ? std::string()
                                                : std::string(line.substr(colon + 1))});
  }
  r.body = std::string(text);
  return r;
}

void CheckRefusal(const VerifyResult& v) {
  if (v.ok()) return;
  const AuthError& e = v.error();
  Check(!e.type.empty() && !e.message.empty());
  Check(e.http_status == 400 || e.http_status == 403 || e.http_status == 500 ||
        e.http_status == 501);
}

bool HasAmzQueryParameter(std::string_view query) {
  for (const auto& [name, value] : internal::SplitQuery(query)) {
    if (internal::ToLower(internal::PercentDecode(name, true)).rfind("x-amz-", 0) == 0) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The parsers on the raw bytes.
  (void)internal::ParseAuthorizationHeader(text);
  (void)internal::SplitCredential(text);
  (void)internal::ParseHttpDate(text);
  (void)internal::CanonicalUri(text, UriEncoding::kS3);
  Check(!internal::CanonicalUri(text, UriEncoding::kNormalizedDoubleEncoded).empty());

  bool plain_names = false;
  HttpRequest request = Parse(text, &plain_names);
  FakeClock clock(kNow);
  auto lookup = [](std::string_view id) -> Result<std::string> {
    if (id == kKeyId) return std::string(kSecret);
    return Status::NotFound("unknown");
  };
  const Verifier verifier({"us-east-1", "service"}, lookup, clock);
  const VerifyResult first = verifier.Verify(request);
  const VerifyResult second = verifier.Verify(request);
  CheckRefusal(first);
  Check(first.ok() == second.ok());
  if (!first.ok()) Check(first.error().message == second.error().message);

  // Signer and verifier agree on whatever the request holds.
  if (!plain_names) return 0;
  request.headers.push_back({"Host", "example.amazonaws.com"});
  SigningOptions options;
  options.region = "us-east-1";
  options.service = "service";
  options.time = kNow;
  const Credentials credentials{kKeyId, kSecret, ""};
  auto header_form = SignRequest(request, credentials, options);
  Check(header_form.ok());
  HttpRequest signed_request = request;
  std::erase_if(signed_request.headers, [](const HttpHeader& h) {
    const std::string lower = internal::ToLower(h.name);
    return lower == "authorization" || lower == "x-amz-date";
  });
  for (const HttpHeader& h : header_form->headers_to_add) signed_request.headers.push_back(h);
  Check(verifier.Verify(signed_request).ok());

  if (HasAmzQueryParameter(request.query) ||
      !HeaderValues(request.headers, "authorization").empty()) {
    return 0;
  }
  auto query_form = PresignRequest(request, credentials, options);
  Check(query_form.ok());
  HttpRequest presigned = request;
  presigned.query = query_form->query;
  Check(verifier.Verify(presigned).ok());
  return 0;
}
