#include "notify/servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace trailwatch::notify_test {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t from = 0;
  while (from <= dirs.size()) {
    std::size_t end = dirs.find(':', from);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(from, end - from) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    from = end + 1;
  }
  return "";
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

Helper::~Helper() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string Helper::Start(const std::vector<std::string>& argv, int port) {
  std::vector<char*> args = Argv(argv);
  pid_ = ::fork();
  if (pid_ < 0) return "fork failed";
  if (pid_ == 0) {
    // Dies with the test even when the test crashes before ~Helper runs.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (Accepts(port)) return "";
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "helper exited before listening: " + argv.back();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "helper did not listen within 10 s";
}

Receiver::Receiver(const std::string& script, const std::vector<std::string>& extra) {
  const std::string python = FindPython();
  if (python.empty()) {
    error_ = "python3 is not on PATH";
    return;
  }
  port_ = FreePort();
  std::vector<std::string> argv = {
      python, "-W", "ignore", script, "--port", std::to_string(port_), "--dir", dir_.path()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  error_ = process_.Start(argv, port_);
}

std::vector<std::string> WaitForFiles(const std::string& dir, const std::string& suffix,
                                      std::size_t want, int timeout_ms) {
  std::vector<std::string> files;
  for (int waited = 0;; waited += 20) {
    files.clear();
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().string();
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        files.push_back(name);
      }
    }
    if (files.size() >= want || waited >= timeout_ms) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::sort(files.begin(), files.end());
  return files;
}

int Run(const std::vector<std::string>& argv, std::string* output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::vector<char*> args = Argv(argv);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
    output->append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace trailwatch::notify_test
