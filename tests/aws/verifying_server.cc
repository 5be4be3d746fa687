#include "aws/verifying_server.h"

#include <chrono>

namespace trailwatch::aws::testing {

VerifyingServer::VerifyingServer(std::string region, std::string service, std::string key_id,
                                 std::string secret, Handler handler)
    : key_id_(std::move(key_id)),
      secret_(std::move(secret)),
      verifier_(
          {std::move(region), std::move(service)},
          [this](std::string_view id) -> Result<std::string> {
            if (id == key_id_) return secret_;
            return Status::NotFound("no such key");
          },
          clock_),
      handler_(std::move(handler)) {
  server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.target;
    for (const auto& [name, value] : req.headers) {
      // httplib's own bookkeeping, not sent by the client.
      if (name != "REMOTE_ADDR" && name != "REMOTE_PORT" && name != "LOCAL_ADDR" &&
          name != "LOCAL_PORT") {
        r.headers.push_back({name, value});
      }
    }
    r.body = req.body;
    ++requests_;
    {
      std::lock_guard lock(mu_);
      ports_.insert(req.remote_port);
    }
    const VerifyResult v = verifier_.Verify(r);
    if (!v.ok()) {
      res.status = v.error().http_status;
      res.set_content(R"({"__type":")" + v.error().type + R"(","message":"refused"})",
                      "application/x-amz-json-1.1");
      return;
    }
    handler_(r, res);
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  for (int i = 0; i < 400 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

VerifyingServer::~VerifyingServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string VerifyingServer::url() const {
  return port_ > 0 ? "http://127.0.0.1:" + std::to_string(port_) : std::string();
}

std::size_t VerifyingServer::connections() const {
  std::lock_guard lock(mu_);
  return ports_.size();
}

}  // namespace trailwatch::aws::testing
