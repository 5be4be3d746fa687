// Load generator for `scripts/bench vault`: N clients, each on one keep-alive connection,
// send SigV4-signed Secrets Manager requests (GetSecretValue by default) as fast as the server
// answers, for a fixed time. Prints one JSON line: requests, errors, req/s, p50/p99/max latency.
//
//   vault_load --endpoint http://127.0.0.1:4580 --access-key AKIA... --secret-key ...
//              --secret-id NAME [--clients 8] [--seconds 5] [--region us-east-1]
//
// Each request is signed anew, as an SDK would (the signing cost is part of the client's time,
// not the server's).
//
//   vault_load --wrk-script FILE ... [--seconds S]
//
// writes instead, for wrk (bench/vault_wrk.lua), the same request signed for each second from
// now to S + 60 seconds on, and exits: an SDK signing in a given second sends those bytes.
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "aws/sigv4.h"
#include "common/clock.h"

namespace {

struct Args {
  std::string endpoint = "http://127.0.0.1:4580";
  std::string access_key = "testing";
  std::string secret_key = "testing";
  std::string secret_id;
  std::string region = "us-east-1";
  std::string wrk_script;
  int clients = 8;
  double seconds = 5;
};

bool Parse(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--endpoint")
      a->endpoint = v;
    else if (k == "--access-key")
      a->access_key = v;
    else if (k == "--secret-key")
      a->secret_key = v;
    else if (k == "--secret-id")
      a->secret_id = v;
    else if (k == "--region")
      a->region = v;
    else if (k == "--clients")
      a->clients = std::atoi(v.c_str());
    else if (k == "--seconds")
      a->seconds = std::atof(v.c_str());
    else if (k == "--wrk-script")
      a->wrk_script = v;
    else
      return false;
  }
  return !a->secret_id.empty() && a->clients > 0 && a->seconds > 0;
}

// The request as `SignRequest` signs it at `time`: every header to send.
trailwatch::Result<std::vector<trailwatch::aws::HttpHeader>> Signed(const Args& args,
                                                                    const std::string& host_port,
                                                                    const std::string& body,
                                                                    trailwatch::TimePoint time) {
  trailwatch::aws::HttpRequest req;
  req.method = "POST";
  req.path = "/";
  req.headers = {{"Host", host_port},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  req.body = body;
  trailwatch::aws::SigningOptions so;
  so.region = args.region;
  so.service = "secretsmanager";
  so.time = time;
  trailwatch::aws::Credentials creds{args.access_key, args.secret_key, ""};
  auto signed_req = trailwatch::aws::SignRequest(req, creds, so);
  if (!signed_req.ok()) return signed_req.status();
  std::vector<trailwatch::aws::HttpHeader> out = req.headers;
  out.insert(out.end(), signed_req->headers_to_add.begin(), signed_req->headers_to_add.end());
  return out;
}

// A Lua chunk for bench/vault_wrk.lua: {start = epoch seconds, body = ..., headers = {one
// table per second}}. Header values are Lua long strings: they hold no "]==]".
int WriteWrkScript(const Args& args, const std::string& host_port, const std::string& body) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(trailwatch::SystemClock::Instance().Now());
  std::string lua = fmt::format("return {{start = {}, body = [==[{}]==], headers = {{\n",
                                now.time_since_epoch().count(), body);
  const int count = static_cast<int>(args.seconds) + 60;
  for (int i = 0; i < count; ++i) {
    auto headers = Signed(args, host_port, body, now + std::chrono::seconds(i));
    if (!headers.ok()) {
      std::fprintf(stderr, "vault_load: %s\n", headers.status().ToString().c_str());
      return 1;
    }
    lua += "  {";
    for (const auto& h : *headers)
      lua += fmt::format("[ [==[{}]==] ] = [==[{}]==], ", h.name, h.value);
    lua += "},\n";
  }
  lua += "}}\n";
  std::FILE* f = std::fopen(args.wrk_script.c_str(), "w");
  if (f == nullptr || std::fwrite(lua.data(), 1, lua.size(), f) != lua.size() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "vault_load: cannot write %s\n", args.wrk_script.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (argc % 2 == 0 || !Parse(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: vault_load --endpoint URL --access-key ID --secret-key KEY --secret-id "
                 "NAME [--clients N] [--seconds S] [--region R]\n");
    return 2;
  }
  const std::string host_port = args.endpoint.substr(args.endpoint.find("://") + 3);
  const std::string body = fmt::format(R"({{"SecretId":"{}"}})", args.secret_id);
  if (!args.wrk_script.empty()) return WriteWrkScript(args, host_port, body);
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(args.clients));
  trailwatch::SystemClock clock;
  std::vector<std::thread> threads;
  for (int c = 0; c < args.clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client(args.endpoint);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      auto& mine = latencies[static_cast<std::size_t>(c)];
      while (!stop.load(std::memory_order_relaxed)) {
        auto signed_headers = Signed(args, host_port, body, clock.Now());
        if (!signed_headers.ok()) {
          ++errors;
          continue;
        }
        httplib::Headers headers;
        for (const auto& h : *signed_headers) {
          if (h.name != "Host" && h.name != "Content-Type") headers.emplace(h.name, h.value);
        }
        const auto start = std::chrono::steady_clock::now();
        auto res = client.Post("/", headers, body, "application/x-amz-json-1.1");
        const auto end = std::chrono::steady_clock::now();
        if (!res || res->status != 200) {
          ++errors;
          if (!res) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(end - start).count());
      }
    });
  }
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(all.size() - 1));
    return all[i];
  };
  fmt::print(
      "{{\"requests\":{},\"errors\":{},\"seconds\":{:.3f},\"rps\":{:.1f},\"p50_ms\":{:.3f},"
      "\"p99_ms\":{:.3f},\"max_ms\":{:.3f}}}\n",
      all.size(), errors.load(), elapsed, static_cast<double>(all.size()) / elapsed, pct(50),
      pct(99), all.empty() ? 0.0 : all.back());
  return 0;
}
