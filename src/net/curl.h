// The bits of libcurl that every HTTP and SMTP client of trailwatch shares: the SNS deliverers
// (notify) and the AWS clients (aws/client.h).
#ifndef TRAILWATCH_NET_CURL_H_
#define TRAILWATCH_NET_CURL_H_

#include <curl/curl.h>

#include <array>
#include <cstdint>
#include <string>

namespace trailwatch::net {

// curl_global_init once per process, before the first handle.
void InitCurl();

struct CurlOutcome {
  CURLcode code = CURLE_OK;
  long response = 0;    // NOLINT(google-runtime-int): libcurl's type; HTTP status or SMTP code
  std::string message;  // libcurl's error text; empty on success
};

// One easy handle with its error buffer.
class CurlHandle {
 public:
  CurlHandle();
  ~CurlHandle();
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  explicit operator bool() const { return handle_ != nullptr; }
  CURL* get() const { return handle_; }
  CurlOutcome Perform();

 private:
  CURL* handle_;
  std::array<char, CURL_ERROR_SIZE> error_{};
};

// A curl_slist that frees itself.
class CurlList {
 public:
  CurlList() = default;
  explicit CurlList(const std::string& item) { Append(item); }
  ~CurlList();
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;

  void Append(const std::string& item);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

void SetTlsAndTimeouts(CURL* h, bool verify_peer, const std::string& ca_file,
                       std::int64_t connect_timeout_ms, std::int64_t timeout_ms);

// Network trouble that may pass (resolve, connect, timeouts, a dropped connection), as
// opposed to errors that need a change of configuration (bad URL, TLS failures).
bool IsTransientCurlError(CURLcode code);

}  // namespace trailwatch::net

#endif  // TRAILWATCH_NET_CURL_H_
