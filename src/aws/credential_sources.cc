// credential_process, AssumeRole, AssumeRoleWithWebIdentity (credential_sources.h).
#include "aws/credential_sources.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <utility>

#include "aws/client.h"
#include "common/files.h"
#include "common/time.h"

extern char** environ;

namespace trailwatch::aws {
namespace {

std::string JsonText(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

constexpr int kProcessSeconds = 60;                  // as the Go SDK: a hung command is an error
constexpr std::size_t kMaxProcessOutput = 64 << 10;  // credentials JSON is a few hundred bytes

// The command's standard output and exit status. The child starts with no signal blocked or
// ignored (the daemon blocks SIGTERM and SIGINT in its threads, and a child inherits that);
// past the deadline or the output limit it is killed.
Result<std::pair<std::string, int>> Run(const std::string& command) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::IoError(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(out[0]);
    return Status::IoError(fmt::format("cannot start /bin/sh: {}", std::strerror(spawned)));
  }
  std::string text;
  std::string problem;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kProcessSeconds);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      problem = fmt::format("the command did not finish within {} s", kProcessSeconds);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      if (text.size() > kMaxProcessOutput) {
        problem = fmt::format("the command printed more than {} bytes", kMaxProcessOutput);
        break;
      }
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(out[0]);
  if (!problem.empty()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!problem.empty()) return Status::IoError(problem);
  return std::make_pair(std::move(text), WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

Result<TimedCredentials> CallSts(const Environment& env, const Profile& profile, std::string body,
                                 const Credentials* source, std::string_view action,
                                 const std::string& role_arn, const Clock& clock) {
  ClientOptions o = ServiceOptions(env, profile, "STS", "sts", clock);
  o.provider = nullptr;  // the source's credentials, or none: this is the chain itself
  if (source != nullptr) {
    o.credentials = *source;
  } else {
    o.anonymous = true;
  }
  Client client(std::move(o), clock);
  const std::string where = fmt::format("{} {}", action, role_arn);
  auto response = client.CallQuery(std::move(body));
  if (!response.ok()) return response.status().WithContext(where);
  pugi::xml_document doc;
  const bool parsed =
      doc.load_buffer(response->body.data(), response->body.size()).status == pugi::status_ok;
  if (response->status < 200 || response->status >= 300) {
    const std::string message =
        parsed ? doc.child("ErrorResponse").child("Error").child("Message").text().get() : "";
    return Status::InvalidArgument(fmt::format("{}: {}{}{} (HTTP {})", where, ErrorCode(*response),
                                               message.empty() ? "" : ": ", message,
                                               response->status));
  }
  return ParseStsCredentials(response->body, action, role_arn);
}

std::string SessionName(const AssumeRoleParams& params, const Clock& clock) {
  if (!params.session_name.empty()) return params.session_name;
  return fmt::format("trailwatch-{}", clock.Now().time_since_epoch().count());
}

}  // namespace

Result<TimedCredentials> ParseProcessCredentials(std::string_view output,
                                                 const std::string& source) {
  const auto j = nlohmann::json::parse(output, nullptr, false);
  if (!j.is_object()) {
    return Status::InvalidArgument(fmt::format(
        "{}: the command printed no JSON object (expected Version 1 credentials)", source));
  }
  if (auto v = j.find("Version"); v == j.end() || !v->is_number_integer() || *v != 1) {
    return Status::InvalidArgument(fmt::format("{}: \"Version\" must be 1", source));
  }
  TimedCredentials c;
  c.credentials.access_key_id = JsonText(j, "AccessKeyId");
  c.credentials.secret_access_key = JsonText(j, "SecretAccessKey");
  c.credentials.session_token = JsonText(j, "SessionToken");
  c.source = source;
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: the output has no AccessKeyId and SecretAccessKey", source));
  }
  if (const std::string e = JsonText(j, "Expiration"); !e.empty()) {
    c.expires_ms = ParseIso8601Millis(e);
    if (!c.expires_ms) {
      return Status::InvalidArgument(fmt::format("{}: bad Expiration '{}'", source, e));
    }
  }
  return c;
}

Result<TimedCredentials> ParseStsCredentials(std::string_view xml, std::string_view action,
                                             const std::string& role_arn) {
  const std::string where = fmt::format("{} {}", action, role_arn);
  pugi::xml_document doc;
  doc.load_buffer(xml.data(), xml.size());
  const pugi::xml_node c =
      doc.first_child().child(fmt::format("{}Result", action).c_str()).child("Credentials");
  TimedCredentials out;
  out.credentials.access_key_id = c.child("AccessKeyId").text().get();
  out.credentials.secret_access_key = c.child("SecretAccessKey").text().get();
  out.credentials.session_token = c.child("SessionToken").text().get();
  out.expires_ms = ParseIso8601Millis(c.child("Expiration").text().get());
  out.source = fmt::format("role {}", role_arn);
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      !out.expires_ms) {
    return Status::Corruption(fmt::format("{}: the answer has no credentials", where));
  }
  return out;
}

Result<TimedCredentials> CredentialsFromProcess(const std::string& command,
                                                const std::string& source) {
  auto ran = Run(command);
  if (!ran.ok()) return ran.status().WithContext(source);
  const auto& [output, exit_code] = *ran;
  if (exit_code != 0) {
    return Status::InvalidArgument(
        fmt::format("{}: the command exited with {}", source, exit_code));
  }
  return ParseProcessCredentials(output, source);
}

Result<TimedCredentials> AssumeRoleCredentials(const Environment& env, const Profile& profile,
                                               const AssumeRoleParams& params,
                                               const Credentials& source, const Clock& clock) {
  std::string body = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + FormEncode(params.role_arn) +
                     "&RoleSessionName=" + FormEncode(SessionName(params, clock)) +
                     fmt::format("&DurationSeconds={}", params.duration_seconds);
  if (!params.external_id.empty()) body += "&ExternalId=" + FormEncode(params.external_id);
  return CallSts(env, profile, std::move(body), &source, "AssumeRole", params.role_arn, clock);
}

Result<TimedCredentials> WebIdentityCredentials(const Environment& env, const Profile& profile,
                                                const AssumeRoleParams& params,
                                                const std::string& token_file, const Clock& clock) {
  auto token = ReadFile(token_file);
  if (!token.ok()) return token.status().WithContext("web identity token file");
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  std::string body =
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + FormEncode(params.role_arn) +
      "&RoleSessionName=" + FormEncode(SessionName(params, clock)) +
      fmt::format("&DurationSeconds={}", params.duration_seconds) +
      "&WebIdentityToken=" + FormEncode(*token);
  return CallSts(env, profile, std::move(body), nullptr, "AssumeRoleWithWebIdentity",
                 params.role_arn, clock);
}

}  // namespace trailwatch::aws
