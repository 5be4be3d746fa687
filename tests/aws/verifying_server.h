// A real HTTP server on loopback (cpp-httplib) that authenticates every POST with
// aws::Verifier, as the vault does, before handing it to the test: what aws::Client and the
// AWS clients built on it are tested against.
#ifndef TRAILWATCH_TESTS_AWS_VERIFYING_SERVER_H_
#define TRAILWATCH_TESTS_AWS_VERIFYING_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "aws/sigv4.h"
#include "common/clock.h"

namespace trailwatch::aws::testing {

class VerifyingServer {
 public:
  // Answers a request whose signature verified; `request` is it as signed.
  using Handler = std::function<void(const HttpRequest& request, httplib::Response& res)>;

  // Accepts signatures for `region`/`service` by `key_id` with `secret`. A refused signature
  // is answered with the verifier's status and {"__type": <its error type>}.
  VerifyingServer(std::string region, std::string service, std::string key_id, std::string secret,
                  Handler handler);
  ~VerifyingServer();
  VerifyingServer(const VerifyingServer&) = delete;
  VerifyingServer& operator=(const VerifyingServer&) = delete;

  // "http://127.0.0.1:PORT"; empty when the server could not start.
  std::string url() const;
  int requests() const { return requests_; }
  // Client ports seen: one per connection.
  std::size_t connections() const;

 private:
  SystemClock clock_;
  std::string key_id_;
  std::string secret_;
  Verifier verifier_;
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_ = 0;
  mutable std::mutex mu_;
  std::set<int> ports_;  // guarded by mu_
};

}  // namespace trailwatch::aws::testing

#endif  // TRAILWATCH_TESTS_AWS_VERIFYING_SERVER_H_
