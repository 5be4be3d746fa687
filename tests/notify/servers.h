// Helper processes for the notify tests: the python3 SMTP and HTTP receivers under
// tests/notify/, started on a free loopback port and stopped with the object.
#ifndef TRAILWATCH_TESTS_NOTIFY_SERVERS_H_
#define TRAILWATCH_TESTS_NOTIFY_SERVERS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "testing/files.h"

namespace trailwatch::notify_test {

// The full path of `name` found on PATH, or "" when there is none.
std::string FindProgram(const std::string& name);
inline std::string FindPython() { return FindProgram("python3"); }

// A port on 127.0.0.1 that was free a moment ago.
int FreePort();

// A child process that is sent SIGTERM and reaped when the object dies.
class Helper {
 public:
  Helper() = default;
  ~Helper();
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;

  // Starts `argv` (argv[0] a full path) and waits until 127.0.0.1:`port` accepts
  // connections. Returns "" on success, else what went wrong.
  std::string Start(const std::vector<std::string>& argv, int port);

 private:
  pid_t pid_ = -1;
};

// A python3 receiver script (smtp_server.py, http_server.py, ...) started with
// --port <free port> --dir <its own temporary directory> and `extra` arguments.
class Receiver {
 public:
  Receiver(const std::string& script, const std::vector<std::string>& extra);
  // Empty when the receiver runs; else why it does not (python3 missing, start failed).
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  test_support::TempDir dir_;
  Helper process_;
  int port_ = 0;
  std::string error_;
};

// The files in `dir` whose names end in `suffix`, sorted by name; waits up to `timeout_ms`
// for at least `want` of them.
std::vector<std::string> WaitForFiles(const std::string& dir, const std::string& suffix,
                                      std::size_t want, int timeout_ms = 5000);

// Runs argv to completion; returns its exit code and puts stdout+stderr in `output`.
int Run(const std::vector<std::string>& argv, std::string* output);

}  // namespace trailwatch::notify_test

#endif  // TRAILWATCH_TESTS_NOTIFY_SERVERS_H_
