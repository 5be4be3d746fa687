#include "server/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/json_text.h"

namespace trailwatch::server {
namespace {

aws::HttpRequest ToAwsRequest(const httplib::Request& req) {
  aws::HttpRequest out;
  out.method = req.method;
  // `target` is the request target as sent; SigV4 needs it undecoded.
  const auto q = req.target.find('?');
  out.path = req.target.substr(0, q);
  out.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  for (const auto& [name, value] : req.headers) {
    // httplib adds these for its own bookkeeping; they were not sent.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    out.headers.push_back({name, value});
  }
  out.body = req.body;
  return out;
}

Peer ToPeer(const httplib::Request& req, bool tls) {
  Peer p;
  p.ip = req.remote_addr;
  p.tls = tls;
  p.host_header = req.get_header_value("Host");
  if (tls && req.ssl != nullptr) {
    p.tls_version = SSL_get_version(req.ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(req.ssl))
      p.cipher_suite = SSL_CIPHER_get_name(c);
  }
  return p;
}

void Send(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const aws::HttpHeader& h : reply.headers) res.set_header(h.name, h.value);
  res.set_content(reply.body, reply.content_type);
}

}  // namespace

Reply AwsErrorReply(int status, std::string_view type, std::string_view message) {
  Reply r;
  r.status = status;
  r.body = "{\"__type\":";
  AppendJsonString(&r.body, type);
  r.body += ",\"message\":";
  AppendJsonString(&r.body, message);
  r.body += '}';
  return r;
}

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  Handler aws_json;
  std::vector<std::tuple<std::string, std::string, Handler>> routes;
  std::thread thread;
  int bound_port = 0;
  bool tls = false;
  socket_t listen_fd = INVALID_SOCKET;  // set by the socket-options hook before bind
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() { Stop(); }

void Server::SetAwsJsonHandler(Handler handler) { impl_->aws_json = std::move(handler); }

void Server::Route(std::string method, std::string path, Handler handler) {
  impl_->routes.emplace_back(std::move(method), std::move(path), std::move(handler));
}

Status Server::Bind() {
  if (impl_->http) return Status::InvalidArgument("the server is bound already");
  Impl& s = *impl_;
  const ServerOptions& o = s.options;
  s.tls = !o.tls_cert_file.empty() && !o.tls_key_file.empty();
  if (s.tls) {
    auto ssl =
        std::make_unique<httplib::SSLServer>(o.tls_cert_file.c_str(), o.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return Status::InvalidArgument(fmt::format("cannot load the TLS certificate {} and key {}",
                                                 o.tls_cert_file, o.tls_key_file));
    }
    s.http = std::move(ssl);
  } else {
    s.http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *s.http;
  const std::size_t threads = o.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(o.max_body_bytes);
  http.set_keep_alive_max_count(1000);
  // httplib's default is SO_REUSEPORT, which lets a second daemon bind the same port and
  // silently share requests with the first; SO_REUSEADDR only allows a quick restart.
  socket_t* listen_fd = &s.listen_fd;
  http.set_socket_options([listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *listen_fd = sock;
  });
  // httplib writes a reply's headers and body separately; with Nagle's algorithm the body then
  // waits for the client's delayed ACK (~40 ms) on every keep-alive request.
  http.set_tcp_nodelay(true);
  if (o.port == 0) {
    s.bound_port = http.bind_to_any_port(o.host);
    if (s.bound_port < 0) {
      s.http.reset();
      return Status::IoError(fmt::format("cannot listen on {}:0", o.host));
    }
  } else {
    if (!http.bind_to_port(o.host, o.port)) {
      s.http.reset();
      return Status::IoError(fmt::format("cannot listen on {}:{} (in use?)", o.host, o.port));
    }
    s.bound_port = o.port;
  }
  return Status::Ok();
}

Status Server::Start() {
  Impl& s = *impl_;
  if (!s.http) {
    if (Status st = Bind(); !st.ok()) return st;
  }
  httplib::Server& http = *s.http;
  const bool tls = s.tls;

  std::map<std::string, std::vector<std::pair<std::string, Handler>>> by_method;
  for (auto& [method, path, handler] : s.routes) by_method[method].emplace_back(path, handler);
  Handler aws_json = s.aws_json;
  auto dispatch = [tls, aws_json](const std::vector<std::pair<std::string, Handler>>& routes,
                                  bool aws_post) {
    return [tls, aws_json, routes, aws_post](const httplib::Request& req, httplib::Response& res) {
      if (aws_post && req.path == "/" && req.has_header("X-Amz-Target")) {
        if (!aws_json) {
          Send(AwsErrorReply(400, "UnknownOperationException", ""), res);
          return;
        }
        Send(aws_json(ToAwsRequest(req), ToPeer(req, tls)), res);
        return;
      }
      for (const auto& [path, handler] : routes) {
        const bool prefix = path.size() >= 2 && path.ends_with("/*");
        if (prefix ? req.path.starts_with(std::string_view(path).substr(0, path.size() - 1))
                   : req.path == path) {
          Send(handler(ToAwsRequest(req), ToPeer(req, tls)), res);
          return;
        }
      }
      if (aws_post && req.path == "/") {
        // What AWS answers a JSON 1.1 POST without a target.
        Send(AwsErrorReply(400, "UnknownOperationException", ""), res);
        return;
      }
      Reply r;
      r.status = 404;
      r.content_type = "application/json";
      r.body = R"({"error":"not found"})";
      Send(r, res);
    };
  };
  http.Post(R"(/.*)", dispatch(by_method["POST"], true));
  http.Get(R"(/.*)", dispatch(by_method["GET"], false));
  http.Put(R"(/.*)", dispatch(by_method["PUT"], false));
  http.Delete(R"(/.*)", dispatch(by_method["DELETE"], false));

  // httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's
  // library): more clients connecting at once wait a second for their SYN to be retransmitted.
  // listen() again on the bound socket raises the backlog.
  if (s.listen_fd != INVALID_SOCKET) ::listen(s.listen_fd, SOMAXCONN);
  s.thread = std::thread([&http] { http.listen_after_bind(); });
  // httplib 0.11 has no readiness signal; the socket is bound already, so clients connecting
  // now wait in the backlog at worst. Wait briefly for the accept loop anyway.
  for (int i = 0; i < 200 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || !impl_->http) return;
  if (impl_->thread.joinable()) {
    impl_->http->stop();  // closes the listening socket
    impl_->thread.join();
  } else if (impl_->listen_fd != INVALID_SOCKET) {
    // Bound, never started: httplib closes its socket only when it stops listening.
    ::close(impl_->listen_fd);
  }
  impl_->listen_fd = INVALID_SOCKET;
  impl_->http.reset();
}

std::uint16_t Server::port() const { return static_cast<std::uint16_t>(impl_->bound_port); }

std::string Server::scheme() const { return impl_->tls ? "https" : "http"; }

}  // namespace trailwatch::server
