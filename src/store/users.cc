// IAM users, access keys and inline policies.
#include <utility>

#include "store/transaction.h"

namespace trailwatch::store::internal {
namespace {

AccessKeyRow ReadKey(const Statement& s) {
  AccessKeyRow k;
  k.access_key_id = s.Text(0);
  k.user_name = s.Text(1);
  k.sealed_secret = s.Blob(2);
  k.status = s.Text(3);
  k.created_ms = s.Int(4);
  return k;
}

}  // namespace

Status SqlTransaction::InsertUser(const UserRow& row) {
  return With("INSERT INTO iam_users (name, arn, user_id, created_ms) VALUES (?1, ?2, ?3, ?4)",
              [&](Statement& s) {
                s.Bind(1, std::string_view(row.name));
                s.Bind(2, std::string_view(row.arn));
                s.Bind(3, std::string_view(row.user_id));
                s.Bind(4, row.created_ms);
                return s.Run();
              });
}

Result<std::optional<UserRow>> SqlTransaction::FindUser(std::string_view name) {
  return With("SELECT name, arn, user_id, created_ms FROM iam_users WHERE name=?1",
              [&](Statement& s) -> Result<std::optional<UserRow>> {
                s.Bind(1, name);
                auto row = s.Step();
                if (!row.ok()) return row.status();
                if (!*row) return std::optional<UserRow>();
                return std::optional<UserRow>(UserRow{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
              });
}

Result<std::vector<UserRow>> SqlTransaction::ListUsers() {
  return With("SELECT name, arn, user_id, created_ms FROM iam_users ORDER BY name",
              [&](Statement& s) -> Result<std::vector<UserRow>> {
                std::vector<UserRow> out;
                for (;;) {
                  auto row = s.Step();
                  if (!row.ok()) return row.status();
                  if (!*row) return out;
                  out.push_back(UserRow{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
                }
              });
}

Status SqlTransaction::DeleteUser(std::string_view name) {
  return With("DELETE FROM iam_users WHERE name=?1", [&](Statement& s) {
    s.Bind(1, name);
    return s.Run();
  });
}

Status SqlTransaction::InsertAccessKey(const AccessKeyRow& row) {
  return With(
      "INSERT INTO access_keys (access_key_id, user_name, sealed_secret, status, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5)",
      [&](Statement& s) {
        s.Bind(1, std::string_view(row.access_key_id));
        s.Bind(2, std::string_view(row.user_name));
        s.BindBlob(3, row.sealed_secret);
        s.Bind(4, std::string_view(row.status));
        s.Bind(5, row.created_ms);
        return s.Run();
      });
}

Result<std::optional<AccessKeyRow>> SqlTransaction::FindAccessKey(std::string_view id) {
  return With(
      "SELECT access_key_id, user_name, sealed_secret, status, created_ms FROM access_keys "
      "WHERE access_key_id=?1",
      [&](Statement& s) -> Result<std::optional<AccessKeyRow>> {
        s.Bind(1, id);
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) return std::optional<AccessKeyRow>();
        return std::optional<AccessKeyRow>(ReadKey(s));
      });
}

Result<std::vector<AccessKeyRow>> SqlTransaction::ListAccessKeys(std::string_view user_name) {
  return With(
      "SELECT access_key_id, user_name, sealed_secret, status, created_ms FROM access_keys "
      "WHERE user_name=?1 ORDER BY created_ms, access_key_id",
      [&](Statement& s) -> Result<std::vector<AccessKeyRow>> {
        s.Bind(1, user_name);
        std::vector<AccessKeyRow> out;
        for (;;) {
          auto row = s.Step();
          if (!row.ok()) return row.status();
          if (!*row) return out;
          out.push_back(ReadKey(s));
        }
      });
}

Status SqlTransaction::SetAccessKeyStatus(std::string_view id, std::string_view status) {
  return With("UPDATE access_keys SET status=?2 WHERE access_key_id=?1", [&](Statement& s) {
    s.Bind(1, id);
    s.Bind(2, status);
    if (Status st = s.Run(); !st.ok()) return st;
    if (sqlite3_changes(conn_->db()) == 0) return Status::NotFound("no such access key");
    return Status::Ok();
  });
}

Status SqlTransaction::DeleteAccessKey(std::string_view id) {
  return With("DELETE FROM access_keys WHERE access_key_id=?1", [&](Statement& s) {
    s.Bind(1, id);
    return s.Run();
  });
}

Status SqlTransaction::PutUserPolicy(std::string_view user_name, std::string_view policy_name,
                                     std::string_view document) {
  return With(
      "INSERT INTO user_policies (user_name, policy_name, document) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (user_name, policy_name) DO UPDATE SET document=excluded.document",
      [&](Statement& s) {
        s.Bind(1, user_name);
        s.Bind(2, policy_name);
        s.Bind(3, document);
        return s.Run();
      });
}

Result<std::optional<std::string>> SqlTransaction::GetUserPolicy(std::string_view user_name,
                                                                 std::string_view policy_name) {
  return With("SELECT document FROM user_policies WHERE user_name=?1 AND policy_name=?2",
              [&](Statement& s) -> Result<std::optional<std::string>> {
                s.Bind(1, user_name);
                s.Bind(2, policy_name);
                auto row = s.Step();
                if (!row.ok()) return row.status();
                if (!*row) return std::optional<std::string>();
                return std::optional<std::string>(s.Text(0));
              });
}

Result<std::vector<std::pair<std::string, std::string>>> SqlTransaction::ListUserPolicies(
    std::string_view user_name) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  return With(
      "SELECT policy_name, document FROM user_policies WHERE user_name=?1 ORDER BY policy_name",
      [&](Statement& s) -> Result<Pairs> {
        s.Bind(1, user_name);
        Pairs out;
        for (;;) {
          auto row = s.Step();
          if (!row.ok()) return row.status();
          if (!*row) return out;
          out.emplace_back(s.Text(0), s.Text(1));
        }
      });
}

Status SqlTransaction::DeleteUserPolicy(std::string_view user_name, std::string_view policy_name) {
  return With("DELETE FROM user_policies WHERE user_name=?1 AND policy_name=?2", [&](Statement& s) {
    s.Bind(1, user_name);
    s.Bind(2, policy_name);
    return s.Run();
  });
}

}  // namespace trailwatch::store::internal
