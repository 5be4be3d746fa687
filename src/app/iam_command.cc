// `trailwatch iam …` and `trailwatch validate-logs`: commands on the data dir.
#include <fmt/format.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/data_dir.h"
#include "app/identity.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/time.h"
#include "trail/trail.h"

namespace trailwatch::app {
namespace {

// A --policy-document argument: JSON text, or file://PATH as the AWS CLI accepts.
Result<std::string> PolicyText(const std::string& arg) {
  if (!arg.starts_with("file://")) return arg;
  auto text = ReadFile(arg.substr(7));
  if (!text.ok()) return text.status().WithContext("--policy-document");
  return text;
}

}  // namespace

int RunIam(const IamOptions& options, std::FILE* out, std::FILE* err) {
  auto fail = [err](const std::string& message) {
    fmt::print(err, "trailwatch: {}\n", message);
    return 2;
  };
  auto config = LoadConfigOrDefaults(options.config);
  if (!config.ok()) return fail(config.status().ToString());
  std::optional<std::string> document;
  if (options.policy_document) {
    auto text = PolicyText(*options.policy_document);
    if (!text.ok()) return fail(text.status().ToString());
    document = std::move(*text);
  }
  // The same data dir `up` would use: the flag, else the config file's, else the default.
  auto dir = OpenDataDir(options.data_dir.value_or(config->data_dir));
  if (!dir.ok()) return fail(dir.status().ToString());
  SystemClock clock;
  Identity identity(dir->store.get(), &*dir->key, config->account_id, clock);

  if (options.command == "create-user") {
    auto user = identity.CreateUser(options.user_name);
    if (!user.ok()) return fail(user.status().ToString());
    if (document) {
      if (Status s = identity.PutUserPolicy(options.user_name, "inline", *document); !s.ok()) {
        return fail(s.ToString());
      }
    }
    auto created = identity.CreateAccessKey(options.user_name);
    if (!created.ok()) return fail(created.status().ToString());
    fmt::print(out, "{}\n", created->ToJson());
    return 0;
  }
  if (!document) return fail("put-user-policy needs --policy-document");
  if (Status s = identity.PutUserPolicy(options.user_name, options.policy_name, *document);
      !s.ok()) {
    return fail(s.ToString());
  }
  return 0;
}

int RunValidateLogs(const ValidateLogsOptions& options, std::FILE* out, std::FILE* err) {
  SystemClock clock;
  trail::ValidateOptions vo;
  vo.trail_dir = options.trail_dir;
  vo.verbose = options.verbose;
  for (auto [arg, field, flag] : {std::tuple(&options.start_time, &vo.start_ms, "--start-time"),
                                  std::tuple(&options.end_time, &vo.end_ms, "--end-time")}) {
    if (!*arg) continue;
    auto t = ParseTimeArgument(**arg, clock.Now());
    if (!t.ok()) {
      fmt::print(err, "trailwatch: {}: {}\n", flag, t.status().message());
      return 2;
    }
    *field = *t;
  }
  return trail::ValidateLogs(vo, clock, out, err);
}

}  // namespace trailwatch::app
