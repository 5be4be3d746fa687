// server: the daemon's one HTTP(S) port (design.md §5). `POST /` with an X-Amz-Target header
// goes to the AWS JSON 1.1 handler (the Secrets Manager API); other routes are registered by
// the wiring (the REST API, /metrics, the dashboard). The server knows nothing about the
// vault: handlers are injected, so it can be tested with any of them.
#ifndef TRAILWATCH_SERVER_SERVER_H_
#define TRAILWATCH_SERVER_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aws/sigv4.h"
#include "common/status.h"

namespace trailwatch::server {

// Where a request came from, for authorisation (aws:SourceIp, aws:SecureTransport) and for
// the audit record (sourceIPAddress, tlsDetails).
struct Peer {
  std::string ip;
  bool tls = false;
  std::string tls_version;   // "TLSv1.3"
  std::string cipher_suite;  // OpenSSL's name, e.g. "TLS_AES_128_GCM_SHA256"
  std::string host_header;   // the Host the client sent
};

struct Reply {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::vector<aws::HttpHeader> headers;
  std::string body;
};

// An AWS JSON 1.1 error: {"__type":…,"message":…}.
Reply AwsErrorReply(int status, std::string_view type, std::string_view message);

// A request as received: the raw path and query (for SigV4), every header, the body.
using Handler = std::function<Reply(const aws::HttpRequest& request, const Peer& peer)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4580;  // 0: any free port (see Server::port())
  // HTTPS when both are set (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Connections are served by a fixed pool; a keep-alive connection holds a worker while
  // open, so the pool bounds concurrent clients.
  std::size_t threads = 32;
  // The largest request body accepted (Secrets Manager's largest request is a 64 KiB secret,
  // base64 for binary); larger requests get 413.
  std::size_t max_body_bytes = 1 << 20;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `POST /` with X-Amz-Target. Set before Start().
  void SetAwsJsonHandler(Handler handler);
  // GET/POST routes for exact paths ("/api/health"), or for every path under a prefix when
  // `path` ends in "/*" ("/api/alarms/*"; the handler reads the rest from request.path). The
  // first matching route in registration order wins. Set before Start().
  void Route(std::string method, std::string path, Handler handler);

  // Binds the port (fails if it is taken or the TLS files do not load), so that port() is
  // known before the routes are set; optional, Start() binds when it was not called.
  Status Bind();
  // Binds if needed and serves on a background thread.
  Status Start();
  // Stops accepting, finishes requests in flight, joins. Idempotent.
  void Stop();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // "http" or "https".
  std::string scheme() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::server

#endif  // TRAILWATCH_SERVER_SERVER_H_
