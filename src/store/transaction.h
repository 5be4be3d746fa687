// Internal: the SQLite implementation of store::Transaction.
#ifndef TRAILWATCH_STORE_TRANSACTION_H_
#define TRAILWATCH_STORE_TRANSACTION_H_

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite.h"
#include "store/store.h"

namespace trailwatch::store::internal {

class SqlTransaction final : public Transaction {
 public:
  explicit SqlTransaction(Connection* conn) : conn_(conn) {}

  Result<std::optional<SecretRow>> FindSecretByArn(std::string_view arn) override;
  Result<std::optional<SecretRow>> FindSecretByName(std::string_view name) override;
  Result<std::vector<SecretRow>> FindSecretsByArnPrefix(std::string_view arn_prefix) override;
  Result<std::vector<SecretRow>> ListSecrets() override;
  Result<std::int64_t> InsertSecret(const SecretRow& row) override;
  Status UpdateSecret(const SecretRow& row) override;
  Status DeleteSecret(std::int64_t id) override;

  Result<std::vector<VersionRow>> ListVersions(std::int64_t secret_id) override;
  Result<std::optional<VersionRow>> FindVersion(std::int64_t secret_id,
                                                std::string_view version_id) override;
  Result<std::optional<std::string>> VersionForStage(std::int64_t secret_id,
                                                     std::string_view stage) override;
  Status InsertVersion(const VersionRow& row) override;
  Status DeleteVersion(std::int64_t secret_id, std::string_view version_id) override;
  Status TouchVersion(std::int64_t secret_id, std::string_view version_id,
                      std::int64_t accessed_ms) override;
  Status SetStage(std::int64_t secret_id, std::string_view stage,
                  std::string_view version_id) override;
  Status RemoveStage(std::int64_t secret_id, std::string_view stage) override;

  Status InsertUser(const UserRow& row) override;
  Result<std::optional<UserRow>> FindUser(std::string_view name) override;
  Result<std::vector<UserRow>> ListUsers() override;
  Status DeleteUser(std::string_view name) override;
  Status InsertAccessKey(const AccessKeyRow& row) override;
  Result<std::optional<AccessKeyRow>> FindAccessKey(std::string_view access_key_id) override;
  Result<std::vector<AccessKeyRow>> ListAccessKeys(std::string_view user_name) override;
  Status SetAccessKeyStatus(std::string_view access_key_id, std::string_view status) override;
  Status DeleteAccessKey(std::string_view access_key_id) override;
  Status PutUserPolicy(std::string_view user_name, std::string_view policy_name,
                       std::string_view document) override;
  Result<std::optional<std::string>> GetUserPolicy(std::string_view user_name,
                                                   std::string_view policy_name) override;
  Result<std::vector<std::pair<std::string, std::string>>> ListUserPolicies(
      std::string_view user_name) override;
  Status DeleteUserPolicy(std::string_view user_name, std::string_view policy_name) override;

  Result<std::optional<std::string>> GetCheckpoint(std::string_view name) override;
  Status PutCheckpoint(std::string_view name, std::string_view state,
                       std::int64_t updated_ms) override;
  Result<std::vector<std::pair<std::string, std::string>>> ListCheckpoints(
      std::string_view prefix) override;

  Result<std::int64_t> AppendJournal(const JournalEntry& entry) override;
  Result<std::optional<std::int64_t>> InsertOutbox(const OutboxRow& row) override;
  Result<std::vector<OutboxRow>> DueOutbox(std::int64_t now_ms, std::size_t limit,
                                           const std::vector<std::string>& busy) override;
  Result<std::optional<std::int64_t>> NextOutboxAttempt() override;
  Status RecordOutboxAttempt(const OutboxAttempt& attempt) override;
  Result<std::optional<OutboxRow>> FindOutbox(std::int64_t id) override;
  Result<std::vector<OutboxRow>> ListOutbox(const OutboxFilter& filter, std::size_t limit) override;
  Result<OutboxCounts> CountOutbox() override;
  Result<std::int64_t> PruneOutbox(std::int64_t finished_before_ms, std::size_t max_rows) override;
  Status Nested(const std::function<bool(Transaction&)>& fn) override;

  // Used by Store itself, not part of the public Transaction.
  Result<std::vector<JournalEntry>> Undelivered(std::size_t limit);
  Result<std::int64_t> MonitorResumePoint(std::int64_t since_ms, std::size_t max_rows);
  Result<std::vector<JournalEntry>> JournalFrom(std::int64_t from_seq, std::size_t limit);
  Status MarkMonitored(const std::vector<std::int64_t>& seqs, std::int64_t watermark_ms);
  Status MarkDelivered(std::int64_t upto);
  Result<std::int64_t> PruneJournal(std::int64_t before_ms, std::int64_t replay_window_ms,
                                    std::size_t max_rows);

 private:
  // Runs `fn` with the cached statement for `sql`, resetting it afterwards.
  template <typename Fn>
  auto With(const char* sql, Fn&& fn) -> decltype(fn(std::declval<Statement&>()));
  Result<std::vector<SecretRow>> QuerySecrets(const char* sql, std::optional<std::string_view> arg);
  // The first column of the first row of `sql` (with `arg` bound to ?1 when given); nullopt
  // when there is no row or the value is NULL.
  Result<std::optional<std::int64_t>> OptionalInt(const char* sql, std::optional<std::int64_t> arg);

  Connection* conn_;
};

template <typename Fn>
auto SqlTransaction::With(const char* sql, Fn&& fn) -> decltype(fn(std::declval<Statement&>())) {
  auto stmt = conn_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  StatementScope scope(*stmt);
  return fn(**stmt);
}

}  // namespace trailwatch::store::internal

#endif  // TRAILWATCH_STORE_TRANSACTION_H_
