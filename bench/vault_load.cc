// Load generator for `scripts/bench vault`: N clients, each on one keep-alive connection,
// send SigV4-signed Secrets Manager requests (GetSecretValue by default) as fast as the server
// answers, for a fixed time. Prints one JSON line: requests, errors, req/s, p50/p99/max latency.
//
//   vault_load --endpoint http://127.0.0.1:4580 --access-key AKIA... --secret-key ...
//              --secret-id NAME [--clients 8] [--seconds 5] [--region us-east-1]
//
// Each request is signed anew, as an SDK would (the signing cost is part of the client's time,
// not the server's).
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
    else
      return false;
  }
  return !a->secret_id.empty() && a->clients > 0 && a->seconds > 0;
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
      trailwatch::aws::Credentials creds{args.access_key, args.secret_key, ""};
      auto& mine = latencies[static_cast<std::size_t>(c)];
      while (!stop.load(std::memory_order_relaxed)) {
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
        so.time = clock.Now();
        auto signed_req = trailwatch::aws::SignRequest(req, creds, so);
        if (!signed_req.ok()) {
          ++errors;
          continue;
        }
        httplib::Headers headers = {{"X-Amz-Target", "secretsmanager.GetSecretValue"}};
        for (const auto& h : signed_req->headers_to_add) headers.emplace(h.name, h.value);
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
