// The file deliverer: one NDJSON line per notification, appended and fsynced.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

// Errors a retry cannot fix: the path itself is wrong or forbidden.
bool Permanent(int err) {
  return err == EACCES || err == EPERM || err == EISDIR || err == ENOENT || err == ENOTDIR ||
         err == EROFS || err == ELOOP || err == ENAMETOOLONG;
}

class FileDeliverer final : public Deliverer {
 public:
  DeliveryResult Deliver(const Delivery& d) override {
    if (d.body.find('\n') != std::string::npos) {
      return {false, false, 0, "file delivery body must be one line"};
    }
    std::string line = d.body + '\n';
    // One write per line with O_APPEND keeps lines whole across processes; the mutex keeps
    // them whole across this process's threads even when a write comes back short.
    std::lock_guard<std::mutex> lock(mu_);
    const int fd = ::open(d.endpoint.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Failure("cannot open", d.endpoint);
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        DeliveryResult r = Failure("cannot write", d.endpoint);
        ::close(fd);
        return r;
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
      DeliveryResult r = Failure("cannot sync", d.endpoint);
      ::close(fd);
      return r;
    }
    ::close(fd);
    return {true, false, 0, ""};
  }

 private:
  static DeliveryResult Failure(std::string_view what, const std::string& path) {
    const int err = errno;
    return {false, !Permanent(err), 0, fmt::format("{} {}: {}", what, path, std::strerror(err))};
  }

  std::mutex mu_;
};

}  // namespace

std::unique_ptr<Deliverer> NewFileDeliverer() { return std::make_unique<FileDeliverer>(); }

}  // namespace trailwatch::notify
