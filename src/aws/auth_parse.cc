// Parsing the Authorization header and the credential, and the error values AWS answers with.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/sigv4_internal.h"

namespace trailwatch::aws::internal {

AuthError MissingAuthenticationToken() {
  return {"MissingAuthenticationTokenException", "Missing Authentication Token", 400};
}

AuthError IncompleteSignature(std::string message) {
  return {"IncompleteSignatureException", std::move(message), 400};
}

AuthError InvalidSignature(std::string message) {
  return {"InvalidSignatureException", std::move(message), 400};
}

AuthError UnrecognizedClient() {
  return {"UnrecognizedClientException", "The security token included in the request is invalid.",
          400};
}

AuthError SignatureDoesNotMatch() {
  return InvalidSignature(
      "The request signature we calculated does not match the signature you provided. Check "
      "your AWS Secret Access Key and signing method. Consult the service documentation for "
      "details.");
}

AuthError PresignExpired() { return {"AccessDeniedException", "Request has expired", 403}; }

AuthError InternalFailure() {
  return {"InternalFailure",
          "The request processing has failed because of an unknown error, exception or failure.",
          500};
}

AuthError MissingAuthorizationParts(const AuthFields& fields, bool has_date,
                                    std::string_view header) {
  // AWS lists every missing part, then echoes the header it got.
  std::string message;
  auto add = [&message](std::string_view sentence) {
    if (!message.empty()) message.push_back(' ');
    message.append(sentence);
  };
  if (!fields.credential) add("Authorization header requires 'Credential' parameter.");
  if (!fields.signature) add("Authorization header requires 'Signature' parameter.");
  if (!fields.signed_headers) add("Authorization header requires 'SignedHeaders' parameter.");
  if (!has_date) {
    add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  add("Authorization=");
  message.append(header);
  return IncompleteSignature(std::move(message));
}

std::variant<AuthFields, AuthError> ParseAuthorizationHeader(std::string_view header) {
  // AWS splits the parameters at commas and spaces alike: "Credential= AKID/..." is reported
  // as "'AKID/...' not a valid key=value pair".
  auto is_separator = [](char c) { return c == ' ' || c == ',' || c == '\t'; };
  std::vector<std::string_view> tokens;
  std::size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && is_separator(header[pos])) ++pos;
    std::size_t end = pos;
    while (end < header.size() && !is_separator(header[end])) ++end;
    if (end > pos) tokens.push_back(header.substr(pos, end - pos));
    pos = end;
  }
  AuthFields fields;
  if (tokens.empty()) return fields;
  fields.algorithm = std::string(tokens.front());
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view token = tokens[i];
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      // Other schemes ("Bearer <token>") get the list of missing parts instead, as API
      // Gateway answers them.
      if (fields.algorithm != kAlgorithm) continue;
      std::string message = "'";
      message.append(token).append(
          "' not a valid key=value pair (missing equal-sign) in Authorization header: '");
      message.append(header).append("'.");
      return IncompleteSignature(std::move(message));
    }
    const std::string_view key = token.substr(0, eq);
    std::string value(token.substr(eq + 1));
    if (key == "Credential" && !fields.credential) {
      fields.credential = std::move(value);
    } else if (key == "SignedHeaders" && !fields.signed_headers) {
      fields.signed_headers = std::move(value);
    } else if (key == "Signature" && !fields.signature) {
      fields.signature = std::move(value);
    }
  }
  return fields;
}

std::variant<std::vector<std::string>, AuthError> SplitCredential(std::string_view credential) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    const std::size_t slash = credential.find('/', pos);
    parts.emplace_back(credential.substr(
        pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (parts.size() != 5) {
    std::string message =
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '";
    message.append(credential).append("'");
    return IncompleteSignature(std::move(message));
  }
  return parts;
}

}  // namespace trailwatch::aws::internal
