// Where AWS credentials, region and endpoints come from (aws/credentials.h), link by link of the
// SDKs' chain — environment, profile files (keys, credential_process with a real script, the
// role settings that fail before any call), ECS container endpoint, EC2 IMDSv2 (real HTTP
// servers on loopback speaking those protocols) — their renewal before expiry, and
// aws::Client's retries and its reaction to expired credentials.
#include "aws/credentials.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "aws/client.h"
#include "aws/credential_sources.h"
#include "common/time.h"
#include "testing/files.h"

namespace trailwatch::aws {
namespace {

Environment Env(std::map<std::string, std::string> vars) {
  Environment e;
  e.get = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return e;
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A loopback server speaking the EC2 instance metadata service (IMDSv2 only: the token is
// required) and the ECS container credentials endpoint. Each credentials answer carries a new
// key id ("ASIAIMDS0001", "ASIAIMDS0002", ...) expiring `lifetime` after the clock's now.
class MetadataServer {
 public:
  MetadataServer(const Clock& clock, std::chrono::minutes lifetime)
      : clock_(clock), lifetime_(lifetime) {
    server_.Put("/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        res.status = 400;
        return;
      }
      res.set_content("imds-session-token", "text/plain");
    });
    server_.Get(R"(/latest/meta-data/iam/security-credentials/(.*))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-session-token") {
                    res.status = 401;  // IMDSv1 is off
                    return;
                  }
                  if (req.matches[1].str().empty()) {
                    res.set_content("trailwatch-role\n", "text/plain");
                  } else if (req.matches[1].str() == "trailwatch-role") {
                    res.set_content(Credentials("IMDS"), "application/json");
                  } else {
                    res.status = 404;
                  }
                });
    server_.Get("/ecs/creds", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "ecs-auth-token") {
        res.status = 401;
        return;
      }
      res.set_content(Credentials("ECS0"), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 400 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~MetadataServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int issued() const { return issued_; }

 private:
  std::string Credentials(const std::string& kind) {
    const int n = ++issued_;
    const std::int64_t expires =
        clock_.Now().time_since_epoch().count() +
        std::chrono::duration_cast<std::chrono::milliseconds>(lifetime_).count();
    char id[32];
    std::snprintf(id, sizeof id, "ASIA%s%04d", kind.c_str(), n);
    return std::string(R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")") + id +
           R"(","SecretAccessKey":"secret-)" + std::to_string(n) + R"(","Token":"token-)" +
           std::to_string(n) + R"(","Expiration":")" + FormatIso8601(expires) + R"("})";
  }

  const Clock& clock_;
  std::chrono::minutes lifetime_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> issued_ = 0;
};

TEST(CredentialsChain, EachLinkInTurn) {
  test_support::TempDir dir;
  FakeClock clock(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
  MetadataServer metadata(clock, std::chrono::minutes(60));
  const std::string creds = dir.path() + "/credentials", config = dir.path() + "/config";
  Write(creds,
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d-secret\n"
        "[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = w-secret\n"
        "aws_session_token = w-token\n");
  const std::string script = dir.path() + "/creds.sh";
  auto process = [&](const std::string& profile, const std::string& arg) {
    return "[profile " + profile + "]\ncredential_process = " + script + " " + arg + "\n";
  };
  Write(config,
        "[profile work]\nregion = eu-west-1\n"
        "[profile cfgonly]\naws_access_key_id = AKIACFG\naws_secret_access_key = c-secret\n"
        "[profile nosource]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
        "[profile badsource]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
        "source_profile = missing\n"
        "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = work\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "[profile keys-and-process]\naws_access_key_id = AKIAKEYS\n"
        "aws_secret_access_key = k-secret\ncredential_process = " +
            script + " ok\n" + process("process", "ok") + process("process-fails", "fail") +
            process("process-v2", "v2") + process("process-text", "text") +
            process("process-big", "big"));
  // A credential_process, as `aws configure export-credentials --format process` prints.
  Write(script,
        "#!/bin/sh\ncase \"$1\" in\n"
        "ok) echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": "
        "\"p-secret\", \"SessionToken\": \"p-token\", \"Expiration\": "
        "\"2030-01-01T00:00:00Z\"}' ;;\n"
        "fail) echo 'token expired, run aws sso login' >&2; exit 3 ;;\n"
        "v2) echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}' ;;\n"
        "big) yes x | head -c 100000 ;;\n"
        "*) echo 'AccessKeyId=ASIATEXT SecretAccessKey=leaked-secret' ;;\nesac\n");
  ASSERT_EQ(::chmod(script.c_str(), 0700), 0);
  const std::map<std::string, std::string> files = {{"AWS_SHARED_CREDENTIALS_FILE", creds},
                                                    {"AWS_CONFIG_FILE", config},
                                                    {"AWS_EC2_METADATA_DISABLED", "true"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> all = files;
    for (auto& [k, v] : extra) all[k] = v;
    return all;
  };
  struct Case {
    std::string name;
    std::map<std::string, std::string> env;
    std::string key_id;  // empty: an error containing `error`
    std::string token;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"environment first",
       with({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
             {"AWS_SECRET_ACCESS_KEY", "e-secret"},
             {"AWS_SESSION_TOKEN", "e-token"},
             {"AWS_PROFILE", "work"}}),
       "AKIAENV", "e-token", ""},
      {"default profile", with({}), "AKIADEFAULT", "", ""},
      {"named profile, credentials file", with({{"AWS_PROFILE", "work"}}), "AKIAWORK", "w-token",
       ""},
      {"named profile, config file", with({{"AWS_PROFILE", "cfgonly"}}), "AKIACFG", "", ""},
      {"unknown profile", with({{"AWS_PROFILE", "nope"}}), "", "", "no profile nope"},
      {"role_arn without a source", with({{"AWS_PROFILE", "nosource"}}), "", "",
       "profile nosource: role_arn needs source_profile, credential_source"},
      {"role_arn with a missing source_profile", with({{"AWS_PROFILE", "badsource"}}), "", "",
       "profile badsource: source_profile missing not found"},
      {"role_arn with MFA", with({{"AWS_PROFILE", "mfa"}}), "", "", "needs an MFA code"},
      {"SSO: a way out is named", with({{"AWS_PROFILE", "sso"}}), "", "",
       "credential_process = aws configure export-credentials --profile sso --format process"},
      {"credential_process", with({{"AWS_PROFILE", "process"}}), "ASIAPROC", "p-token", ""},
      {"credential_process that fails", with({{"AWS_PROFILE", "process-fails"}}), "", "",
       "profile process-fails credential_process: the command exited with 3"},
      {"credential_process, wrong version", with({{"AWS_PROFILE", "process-v2"}}), "", "",
       "\"Version\" must be 1"},
      {"credential_process, not JSON", with({{"AWS_PROFILE", "process-text"}}), "", "",
       "the command printed no JSON object"},
      {"credential_process, endless output", with({{"AWS_PROFILE", "process-big"}}), "", "",
       "the command printed more than 65536 bytes"},
      {"keys before credential_process", with({{"AWS_PROFILE", "keys-and-process"}}), "AKIAKEYS",
       "", ""},
      {"ECS container",
       {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", metadata.url() + "/ecs/creds"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ecs-auth-token"},
        {"HOME", dir.path()},
        {"AWS_EC2_METADATA_DISABLED", "true"}},
       "ASIAECS00001",
       "token-1",
       ""},
      {"EC2 instance role over IMDSv2",
       {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.url()}, {"HOME", dir.path()}},
       "ASIAIMDS0002",
       "token-2",
       ""},
      {"nothing",
       {{"HOME", dir.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}},
       "",
       "",
       "no AWS credentials"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = DefaultCredentials(Env(c.env), clock)->Get();
    if (c.key_id.empty()) {
      ASSERT_FALSE(got.ok());
      EXPECT_NE(got.status().message().find(c.error), std::string::npos) << got.status().ToString();
      EXPECT_EQ(got.status().message().find("leaked-secret"), std::string::npos)
          << "an error never quotes what a credential_process printed";
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->access_key_id, c.key_id);
    EXPECT_EQ(got->session_token, c.token);
  }
  auto work = LoadProfile(Env(with({{"AWS_PROFILE", "work"}})));
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(ResolveRegion(Env({}), *work), "eu-west-1");
  EXPECT_EQ(ResolveRegion(Env({{"AWS_DEFAULT_REGION", "ap-south-1"}}), *work), "ap-south-1");
  EXPECT_EQ(ResolveRegion(Env({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "x"}}), *work),
            "us-west-2");
}

TEST(StsCredentials, TheAnswersCredentialsOrAnErrorNamingTheRole) {
  const std::string ok =
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>w</SecretAccessKey>"
      "<SessionToken>t</SessionToken><Expiration>2026-11-22T02:00:00Z</Expiration>"
      "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
  auto c = ParseStsCredentials(ok, "AssumeRoleWithWebIdentity", "arn:aws:iam::1:role/r");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.access_key_id, "ASIAWEB");
  EXPECT_EQ(c->credentials.session_token, "t");
  EXPECT_EQ(c->expires_ms, ParseIso8601Millis("2026-11-22T02:00:00Z"));
  EXPECT_EQ(c->source, "role arn:aws:iam::1:role/r");
  for (const std::string& bad : {std::string("<AssumeRoleResponse/>"), std::string("not xml"),
                                 // The action's own result element only.
                                 ok}) {
    auto e = ParseStsCredentials(bad, "AssumeRole", "arn:aws:iam::1:role/r");
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().message(),
              "AssumeRole arn:aws:iam::1:role/r: the answer has no credentials");
  }
}

TEST(CredentialsChain, BadIniNamesFileAndLine) {
  test_support::TempDir dir;
  Write(dir.path() + "/credentials", "[default]\naws_access_key_id = A\nthis is not ini\n");
  auto p = LoadProfile(
      Env({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials"}, {"HOME", dir.path()}}));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("/credentials:3:"), std::string::npos)
      << p.status().ToString();
}

// Temporary credentials are fetched again once they are within 5 minutes of expiring, and not
// before.
TEST(CredentialsChain, RenewsBeforeExpiry) {
  FakeClock clock(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
  MetadataServer metadata(clock, std::chrono::minutes(15));
  auto provider =
      DefaultCredentials(Env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.url()}}), clock);
  EXPECT_EQ(provider->Get()->access_key_id, "ASIAIMDS0001");
  clock.Advance(std::chrono::minutes(9));
  EXPECT_EQ(provider->Get()->access_key_id, "ASIAIMDS0001") << "6 minutes left: kept";
  clock.Advance(std::chrono::minutes(2));
  EXPECT_EQ(provider->Get()->access_key_id, "ASIAIMDS0002") << "4 minutes left: renewed";
  EXPECT_EQ(metadata.issued(), 2);
}

TEST(Endpoints, SpecificThenGeneralThenProfileThenAws) {
  Profile with_url;
  with_url.values["endpoint_url"] = "http://profile:1";
  struct Case {
    std::map<std::string, std::string> env;
    const Profile* profile;
    std::string url;
    bool custom;
  };
  const Profile none;
  const std::vector<Case> cases = {
      {{}, &none, "https://s3.eu-west-1.amazonaws.com", false},
      {{}, &with_url, "http://profile:1", true},
      {{{"AWS_ENDPOINT_URL", "http://all:2"}}, &with_url, "http://all:2", true},
      {{{"AWS_ENDPOINT_URL", "http://all:2"}, {"AWS_ENDPOINT_URL_S3", "http://s3:3"}},
       &with_url,
       "http://s3:3",
       true},
      {{{"AWS_ENDPOINT_URL_SQS", "http://sqs:4"}},
       &none,
       "https://s3.eu-west-1.amazonaws.com",
       false},
  };
  for (const Case& c : cases) {
    const Endpoint e = ResolveEndpoint(Env(c.env), *c.profile, "S3", "s3", "eu-west-1");
    EXPECT_EQ(e.url, c.url);
    EXPECT_EQ(e.custom, c.custom);
  }
}

// A loopback HTTP server answering POST / from a script of (status, body) replies, then 200.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::pair<int, std::string>> script)
      : script_(std::move(script)) {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      const std::size_t n = static_cast<std::size_t>(calls_++);
      keys_.push_back(req.get_header_value("Authorization"));
      if (n < script_.size()) {
        res.status = script_[n].first;
        res.set_content(script_[n].second, "application/x-amz-json-1.1");
        return;
      }
      res.set_content("{}", "application/x-amz-json-1.1");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 400 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int calls() const { return calls_; }
  std::vector<std::string> keys_;  // the Authorization header of each call

 private:
  std::vector<std::pair<int, std::string>> script_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> calls_ = 0;
};

TEST(ClientRetries, ThrottlingAnd5xxAreRetriedWithBackoffOthersAreNot) {
  const std::string throttled = R"({"__type":"ThrottlingException","message":"Rate exceeded"})";
  const std::string invalid = R"({"__type":"ValidationException","message":"bad"})";
  struct Case {
    std::string name;
    std::vector<std::pair<int, std::string>> script;
    int max_attempts;
    int want_status;
    int want_calls;
  };
  const std::vector<Case> cases = {
      {"503 twice, then 200", {{503, "{}"}, {503, "{}"}}, 3, 200, 3},
      {"throttled then 200", {{400, throttled}}, 3, 200, 2},
      {"500 three times: gives up", {{500, "{}"}, {500, "{}"}, {500, "{}"}}, 3, 500, 3},
      {"a validation error is final", {{400, invalid}}, 3, 400, 1},
      {"one attempt only", {{503, "{}"}}, 1, 503, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ScriptedServer server(c.script);
    SystemClock clock;
    std::vector<std::chrono::milliseconds> waits;
    ClientOptions o;
    o.endpoint = server.url();
    o.region = "us-east-1";
    o.service = "logs";
    o.credentials = {"AKIDRETRY", "secret", ""};
    o.max_attempts = c.max_attempts;
    o.sleep = [&](std::chrono::milliseconds w) { waits.push_back(w); };
    Client client(o, clock);
    auto r = client.CallJson("Logs_20140328.FilterLogEvents", "{}");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, c.want_status);
    EXPECT_EQ(server.calls(), c.want_calls);
    ASSERT_EQ(waits.size(), static_cast<std::size_t>(c.want_calls - 1));
    for (std::size_t i = 0; i < waits.size(); ++i) {
      EXPECT_LE(waits[i].count(), 100 << i) << "full jitter under the exponential bound";
    }
  }
}

// The service says the session expired before its stated time: new credentials are fetched
// and the call is made again with them, once.
TEST(ClientRetries, ExpiredTokenRenewsTheCredentialsOnce) {
  FakeClock clock(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
  MetadataServer metadata(clock, std::chrono::minutes(60));
  const std::string expired =
      R"({"__type":"ExpiredTokenException","message":"The security token included in the request is expired"})";
  ScriptedServer server({{400, expired}, {400, expired}, {400, expired}});
  ClientOptions o;
  o.endpoint = server.url();
  o.region = "us-east-1";
  o.service = "logs";
  o.provider =
      DefaultCredentials(Env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.url()}}), clock);
  o.max_attempts = 3;
  Client client(o, clock);
  auto r = client.CallJson("Logs_20140328.FilterLogEvents", "{}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400) << "renewed once; the second refusal is the answer";
  EXPECT_EQ(ErrorCode(*r), "ExpiredTokenException");
  ASSERT_EQ(server.calls(), 2);
  EXPECT_NE(server.keys_[0].find("ASIAIMDS0001"), std::string::npos);
  EXPECT_NE(server.keys_[1].find("ASIAIMDS0002"), std::string::npos);
}

}  // namespace
}  // namespace trailwatch::aws
