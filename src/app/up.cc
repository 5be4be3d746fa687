// `trailwatch up`: the daemon (design.md §5) until SIGINT or SIGTERM. The stack itself is
// app/daemon.h.
#include <fmt/format.h>

#include <csignal>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/daemon.h"
#include "common/clock.h"
#include "common/log.h"

namespace trailwatch::app {

int RunUp(const UpOptions& options, std::FILE* out, std::FILE* text_err) {
  std::FILE* err = text_err;  // the log: text_err, or a JSON-lines stream over it
  auto fail = [&err](const std::string& message) {
    fmt::print(err, "trailwatch: {}\n", message);
    return 2;
  };
  auto loaded = LoadConfigOrDefaults(options.config);
  if (!loaded.ok()) return fail(loaded.status().ToString());
  Config config = std::move(*loaded);
  if (options.data_dir) config.data_dir = *options.data_dir;
  if (options.listen) config.listen = *options.listen;
  if (options.tls_cert) config.tls_cert = *options.tls_cert;
  if (options.tls_key) config.tls_key = *options.tls_key;
  if (Status s = ValidateConfig(config); !s.ok()) return fail(s.ToString());

  // Signals are taken by this thread only; every thread of the daemon starts with them
  // blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SystemClock clock;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> json_log(nullptr, &std::fclose);
  if (config.log_format == "json") {
    json_log.reset(OpenJsonLog(text_err, clock));
    if (!json_log) return fail("cannot set up the JSON log");
    err = json_log.get();
  }

  auto daemon = Daemon::Start(config, err);
  if (!daemon.ok()) return fail(daemon.status().ToString());
  fmt::print(err, "trailwatch: listening on {} (data dir {})\n", (*daemon)->url(), config.data_dir);
  std::fflush(err);
  (void)out;

  int sig = 0;
  sigwait(&signals, &sig);
  fmt::print(err, "trailwatch: {} received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (Status s = (*daemon)->Stop(); !s.ok()) return fail(s.ToString());
  fmt::print(err, "trailwatch: stopped; trail delivered and digested\n");
  return 0;
}

}  // namespace trailwatch::app
