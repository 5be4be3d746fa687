#include "net/curl.h"

#include <mutex>

namespace trailwatch::net {

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHandle::CurlHandle() : handle_(curl_easy_init()) {
  if (handle_ != nullptr) {
    curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_.data());
    // No signals: deliverers run on worker threads.
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  }
}

CurlHandle::~CurlHandle() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
}

CurlOutcome CurlHandle::Perform() {
  CurlOutcome o;
  error_[0] = '\0';
  o.code = curl_easy_perform(handle_);
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &o.response);
  if (o.code != CURLE_OK) {
    o.message = error_[0] != '\0' ? std::string(error_.data()) : curl_easy_strerror(o.code);
  }
  return o;
}

CurlList::~CurlList() { curl_slist_free_all(list_); }

void CurlList::Append(const std::string& item) {
  if (curl_slist* next = curl_slist_append(list_, item.c_str()); next != nullptr) list_ = next;
}

void SetTlsAndTimeouts(CURL* h, bool verify_peer, const std::string& ca_file,
                       std::int64_t connect_timeout_ms, std::int64_t timeout_ms) {
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify_peer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify_peer ? 2L : 0L);
  if (!ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
}

bool IsTransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

}  // namespace trailwatch::net
