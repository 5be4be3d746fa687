// Row access over one connection (the writer's or a reader's).
#include "store/transaction.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <utility>

namespace trailwatch::store::internal {
namespace {

constexpr const char* kSecretColumns =
    "id, arn, name, description, kms_key_id, tags_json, resource_policy, rotation_enabled, "
    "rotation_lambda_arn, rotation_rules_json, last_rotated_ms, next_rotation_ms, created_ms, "
    "last_changed_ms, last_accessed_ms, deleted_ms, deletion_ms";

SecretRow ReadSecret(const Statement& s) {
  SecretRow r;
  r.id = s.Int(0);
  r.arn = s.Text(1);
  r.name = s.Text(2);
  r.description = s.OptText(3);
  r.kms_key_id = s.OptText(4);
  r.tags_json = s.Text(5);
  r.resource_policy = s.OptText(6);
  r.rotation_enabled = s.Int(7) != 0;
  r.rotation_lambda_arn = s.OptText(8);
  r.rotation_rules_json = s.OptText(9);
  r.last_rotated_ms = s.OptInt(10);
  r.next_rotation_ms = s.OptInt(11);
  r.created_ms = s.Int(12);
  r.last_changed_ms = s.Int(13);
  r.last_accessed_ms = s.OptInt(14);
  r.deleted_ms = s.OptInt(15);
  r.deletion_ms = s.OptInt(16);
  return r;
}

// Binds columns 2.. of kSecretColumns (everything but id) starting at parameter 1.
void BindSecret(Statement& s, const SecretRow& r) {
  s.Bind(1, std::string_view(r.arn));
  s.Bind(2, std::string_view(r.name));
  s.Bind(3, r.description);
  s.Bind(4, r.kms_key_id);
  s.Bind(5, std::string_view(r.tags_json));
  s.Bind(6, r.resource_policy);
  s.Bind(7, std::int64_t{r.rotation_enabled ? 1 : 0});
  s.Bind(8, r.rotation_lambda_arn);
  s.Bind(9, r.rotation_rules_json);
  s.Bind(10, r.last_rotated_ms);
  s.Bind(11, r.next_rotation_ms);
  s.Bind(12, r.created_ms);
  s.Bind(13, r.last_changed_ms);
  s.Bind(14, r.last_accessed_ms);
  s.Bind(15, r.deleted_ms);
  s.Bind(16, r.deletion_ms);
}

std::string Sql(std::string_view head, std::string_view tail) {
  return std::string(head) + kSecretColumns + std::string(tail);
}

// Statement texts built once; Connection caches by text.
const std::string& SelectByArn() {
  static const std::string s = Sql("SELECT ", " FROM secrets WHERE arn = ?1");
  return s;
}
const std::string& SelectByName() {
  static const std::string s = Sql("SELECT ", " FROM secrets WHERE name = ?1");
  return s;
}
const std::string& SelectByPrefix() {
  static const std::string s =
      Sql("SELECT ", " FROM secrets WHERE substr(arn, 1, length(?1)) = ?1 ORDER BY id");
  return s;
}
const std::string& SelectAll() {
  static const std::string s = Sql("SELECT ", " FROM secrets ORDER BY created_ms, id");
  return s;
}

}  // namespace

Result<std::vector<SecretRow>> SqlTransaction::QuerySecrets(const char* sql,
                                                            std::optional<std::string_view> arg) {
  return With(sql, [&](Statement& s) -> Result<std::vector<SecretRow>> {
    if (arg) s.Bind(1, *arg);
    std::vector<SecretRow> out;
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(ReadSecret(s));
    }
  });
}

Result<std::optional<SecretRow>> SqlTransaction::FindSecretByArn(std::string_view arn) {
  auto rows = QuerySecrets(SelectByArn().c_str(), arn);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<SecretRow>();
  return std::optional<SecretRow>(std::move(rows->front()));
}

Result<std::optional<SecretRow>> SqlTransaction::FindSecretByName(std::string_view name) {
  auto rows = QuerySecrets(SelectByName().c_str(), name);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<SecretRow>();
  return std::optional<SecretRow>(std::move(rows->front()));
}

Result<std::vector<SecretRow>> SqlTransaction::FindSecretsByArnPrefix(std::string_view arn_prefix) {
  return QuerySecrets(SelectByPrefix().c_str(), arn_prefix);
}

Result<std::vector<SecretRow>> SqlTransaction::ListSecrets() {
  return QuerySecrets(SelectAll().c_str(), std::nullopt);
}

Result<std::int64_t> SqlTransaction::InsertSecret(const SecretRow& row) {
  return With(
      "INSERT INTO secrets (arn, name, description, kms_key_id, tags_json, resource_policy, "
      "rotation_enabled, rotation_lambda_arn, rotation_rules_json, last_rotated_ms, "
      "next_rotation_ms, created_ms, last_changed_ms, last_accessed_ms, deleted_ms, deletion_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
      [&](Statement& s) -> Result<std::int64_t> {
        BindSecret(s, row);
        if (Status st = s.Run(); !st.ok()) return st;
        return std::int64_t{sqlite3_last_insert_rowid(conn_->db())};
      });
}

Status SqlTransaction::UpdateSecret(const SecretRow& row) {
  return With(
      "UPDATE secrets SET arn=?1, name=?2, description=?3, kms_key_id=?4, tags_json=?5, "
      "resource_policy=?6, rotation_enabled=?7, rotation_lambda_arn=?8, rotation_rules_json=?9, "
      "last_rotated_ms=?10, next_rotation_ms=?11, created_ms=?12, last_changed_ms=?13, "
      "last_accessed_ms=?14, deleted_ms=?15, deletion_ms=?16 WHERE id=?17",
      [&](Statement& s) -> Status {
        BindSecret(s, row);
        s.Bind(17, row.id);
        if (Status st = s.Run(); !st.ok()) return st;
        if (sqlite3_changes(conn_->db()) == 0) return Status::NotFound("no such secret row");
        return Status::Ok();
      });
}

Status SqlTransaction::DeleteSecret(std::int64_t id) {
  return With("DELETE FROM secrets WHERE id=?1", [&](Statement& s) {
    s.Bind(1, id);
    return s.Run();
  });
}

namespace {

// Columns 0-6 of the version SELECTs below.
VersionRow ReadVersion(Statement& s, std::int64_t secret_id) {
  VersionRow v;
  v.secret_id = secret_id;
  v.version_id = s.Text(0);
  v.binary = s.Int(1) != 0;
  v.nonce = s.Blob(2);
  v.ciphertext = s.Blob(3);
  v.wrapped_key = s.Blob(4);
  v.created_ms = s.Int(5);
  v.last_accessed_ms = s.OptInt(6);
  return v;
}

}  // namespace

Result<std::vector<VersionRow>> SqlTransaction::ListVersions(std::int64_t secret_id) {
  auto versions = With(
      "SELECT version_id, binary, nonce, ciphertext, wrapped_key, created_ms, last_accessed_ms "
      "FROM secret_versions WHERE secret_id=?1 ORDER BY created_ms, rowid",
      [&](Statement& s) -> Result<std::vector<VersionRow>> {
        s.Bind(1, secret_id);
        std::vector<VersionRow> out;
        for (;;) {
          auto row = s.Step();
          if (!row.ok()) return row.status();
          if (!*row) return out;
          out.push_back(ReadVersion(s, secret_id));
        }
      });
  if (!versions.ok()) return versions;
  Status st = With("SELECT version_id, stage FROM version_stages WHERE secret_id=?1 ORDER BY stage",
                   [&](Statement& s) -> Status {
                     s.Bind(1, secret_id);
                     for (;;) {
                       auto row = s.Step();
                       if (!row.ok()) return row.status();
                       if (!*row) return Status::Ok();
                       const std::string vid = s.Text(0);
                       for (auto& v : *versions) {
                         if (v.version_id == vid) v.stages.push_back(s.Text(1));
                       }
                     }
                   });
  if (!st.ok()) return st;
  return versions;
}

// By primary key: every GetSecretValue reads one version, and a secret may keep many.
Result<std::optional<VersionRow>> SqlTransaction::FindVersion(std::int64_t secret_id,
                                                              std::string_view version_id) {
  auto version = With(
      "SELECT version_id, binary, nonce, ciphertext, wrapped_key, created_ms, last_accessed_ms "
      "FROM secret_versions WHERE secret_id=?1 AND version_id=?2",
      [&](Statement& s) -> Result<std::optional<VersionRow>> {
        s.Bind(1, secret_id);
        s.Bind(2, version_id);
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) return std::optional<VersionRow>();
        return std::optional<VersionRow>(ReadVersion(s, secret_id));
      });
  if (!version.ok() || !*version) return version;
  Status st =
      With("SELECT stage FROM version_stages WHERE secret_id=?1 AND version_id=?2 ORDER BY stage",
           [&](Statement& s) -> Status {
             s.Bind(1, secret_id);
             s.Bind(2, version_id);
             for (;;) {
               auto row = s.Step();
               if (!row.ok()) return row.status();
               if (!*row) return Status::Ok();
               (*version)->stages.push_back(s.Text(0));
             }
           });
  if (!st.ok()) return st;
  return version;
}

Result<std::optional<std::string>> SqlTransaction::VersionForStage(std::int64_t secret_id,
                                                                   std::string_view stage) {
  return With("SELECT version_id FROM version_stages WHERE secret_id=?1 AND stage=?2",
              [&](Statement& s) -> Result<std::optional<std::string>> {
                s.Bind(1, secret_id);
                s.Bind(2, stage);
                auto row = s.Step();
                if (!row.ok()) return row.status();
                if (!*row) return std::optional<std::string>();
                return std::optional<std::string>(s.Text(0));
              });
}

Status SqlTransaction::InsertVersion(const VersionRow& row) {
  return With(
      "INSERT INTO secret_versions (secret_id, version_id, binary, nonce, ciphertext, "
      "wrapped_key, created_ms, last_accessed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      [&](Statement& s) {
        s.Bind(1, row.secret_id);
        s.Bind(2, std::string_view(row.version_id));
        s.Bind(3, std::int64_t{row.binary ? 1 : 0});
        s.BindBlob(4, row.nonce);
        s.BindBlob(5, row.ciphertext);
        s.BindBlob(6, row.wrapped_key);
        s.Bind(7, row.created_ms);
        s.Bind(8, row.last_accessed_ms);
        return s.Run();
      });
}

Status SqlTransaction::DeleteVersion(std::int64_t secret_id, std::string_view version_id) {
  return With("DELETE FROM secret_versions WHERE secret_id=?1 AND version_id=?2",
              [&](Statement& s) {
                s.Bind(1, secret_id);
                s.Bind(2, version_id);
                return s.Run();
              });
}

Status SqlTransaction::TouchVersion(std::int64_t secret_id, std::string_view version_id,
                                    std::int64_t accessed_ms) {
  return With("UPDATE secret_versions SET last_accessed_ms=?3 WHERE secret_id=?1 AND version_id=?2",
              [&](Statement& s) {
                s.Bind(1, secret_id);
                s.Bind(2, version_id);
                s.Bind(3, accessed_ms);
                return s.Run();
              });
}

Status SqlTransaction::SetStage(std::int64_t secret_id, std::string_view stage,
                                std::string_view version_id) {
  return With(
      "INSERT INTO version_stages (secret_id, stage, version_id) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (secret_id, stage) DO UPDATE SET version_id=excluded.version_id",
      [&](Statement& s) {
        s.Bind(1, secret_id);
        s.Bind(2, stage);
        s.Bind(3, version_id);
        return s.Run();
      });
}

Status SqlTransaction::RemoveStage(std::int64_t secret_id, std::string_view stage) {
  return With("DELETE FROM version_stages WHERE secret_id=?1 AND stage=?2", [&](Statement& s) {
    s.Bind(1, secret_id);
    s.Bind(2, stage);
    return s.Run();
  });
}

Result<std::optional<std::string>> SqlTransaction::GetCheckpoint(std::string_view name) {
  return With("SELECT state FROM checkpoints WHERE name = ?1",
              [&](Statement& s) -> Result<std::optional<std::string>> {
                s.Bind(1, name);
                auto row = s.Step();
                if (!row.ok()) return row.status();
                if (!*row) return std::optional<std::string>();
                return std::optional<std::string>(s.Text(0));
              });
}

Status SqlTransaction::PutCheckpoint(std::string_view name, std::string_view state,
                                     std::int64_t updated_ms) {
  return With(
      "INSERT INTO checkpoints (name, state, updated_ms) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(name) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms",
      [&](Statement& s) {
        s.Bind(1, name);
        s.Bind(2, state);
        s.Bind(3, updated_ms);
        return s.Run();
      });
}

Result<std::vector<std::pair<std::string, std::string>>> SqlTransaction::ListCheckpoints(
    std::string_view prefix) {
  // Ordered by name and filtered in code: a LIKE pattern would treat % and _ in names as
  // wildcards.
  return With("SELECT name, state FROM checkpoints WHERE name >= ?1 ORDER BY name",
              [&](Statement& s) -> Result<std::vector<std::pair<std::string, std::string>>> {
                s.Bind(1, prefix);
                std::vector<std::pair<std::string, std::string>> out;
                for (;;) {
                  auto row = s.Step();
                  if (!row.ok()) return row.status();
                  if (!*row) break;
                  std::string name = s.Text(0);
                  if (!name.starts_with(prefix)) break;
                  out.emplace_back(std::move(name), s.Text(1));
                }
                return out;
              });
}

Result<std::int64_t> SqlTransaction::AppendJournal(const JournalEntry& e) {
  auto seq = With(
      "INSERT INTO audit_journal (event_time_ms, account, region, record_json) "
      "VALUES (?1, ?2, ?3, ?4)",
      [&](Statement& s) -> Result<std::int64_t> {
        s.Bind(1, e.event_time_ms);
        s.Bind(2, std::string_view(e.account));
        s.Bind(3, std::string_view(e.region));
        s.Bind(4, std::string_view(e.record_json));
        if (Status st = s.Run(); !st.ok()) return st;
        return std::int64_t{sqlite3_last_insert_rowid(conn_->db())};
      });
  if (!seq.ok()) return seq;
  Status st = With("INSERT INTO journal_unevaluated (seq) VALUES (?1)", [&](Statement& s) {
    s.Bind(1, *seq);
    return s.Run();
  });
  if (!st.ok()) return st;
  return seq;
}

namespace {

// The journal rows a SELECT of (seq, event_time_ms, account, region, record_json, delivered,
// monitored) yields.
Result<std::vector<JournalEntry>> JournalRows(Statement& s) {
  std::vector<JournalEntry> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    JournalEntry e;
    e.seq = s.Int(0);
    e.event_time_ms = s.Int(1);
    e.account = s.Text(2);
    e.region = s.Text(3);
    e.record_json = s.Text(4);
    e.delivered = s.Int(5) != 0;
    e.monitored = s.Int(6) != 0;
    out.push_back(std::move(e));
  }
}

}  // namespace

// The columns JournalRows reads, `delivered` and `monitored` from the marks.
#define TW_JOURNAL_COLUMNS                                                      \
  "SELECT j.seq, j.event_time_ms, j.account, j.region, j.record_json, "         \
  "j.seq <= (SELECT seq FROM journal_marks WHERE name = 'delivered_through'), " \
  "NOT EXISTS (SELECT 1 FROM journal_unevaluated u WHERE u.seq = j.seq) FROM audit_journal j "

Result<std::vector<JournalEntry>> SqlTransaction::Undelivered(std::size_t limit) {
  return With(TW_JOURNAL_COLUMNS
              "WHERE j.seq > (SELECT seq FROM journal_marks WHERE name = 'delivered_through') "
              "ORDER BY j.seq LIMIT ?1",
              [&](Statement& s) -> Result<std::vector<JournalEntry>> {
                s.Bind(1, static_cast<std::int64_t>(limit));
                return JournalRows(s);
              });
}

Result<std::optional<std::int64_t>> SqlTransaction::OptionalInt(const char* sql,
                                                                std::optional<std::int64_t> arg) {
  return With(sql, [&](Statement& s) -> Result<std::optional<std::int64_t>> {
    if (arg) s.Bind(1, *arg);
    auto row = s.Step();
    if (!row.ok()) return row.status();
    return *row ? s.OptInt(0) : std::nullopt;
  });
}

Result<std::int64_t> SqlTransaction::MonitorResumePoint(std::int64_t since_ms,
                                                        std::size_t max_rows) {
  // Three indexed lookups rather than one OR query, which would scan the whole journal.
  auto one = [&](const char* sql, bool bind_since) {
    return OptionalInt(sql, bind_since ? std::optional(since_ms) : std::nullopt);
  };
  auto unmonitored = one("SELECT MIN(seq) FROM journal_unevaluated", false);
  if (!unmonitored.ok()) return unmonitored.status();
  auto recent = one("SELECT MIN(seq) FROM audit_journal WHERE event_time_ms >= ?1", true);
  if (!recent.ok()) return recent.status();
  auto last = one("SELECT MAX(seq) FROM audit_journal", false);
  if (!last.ok()) return last.status();
  const std::int64_t end = last->value_or(0) + 1;
  std::int64_t from = end;
  if (*recent) from = std::max(**recent, end - static_cast<std::int64_t>(max_rows));
  if (*unmonitored) from = std::min(from, **unmonitored);
  return from;
}

Result<std::vector<JournalEntry>> SqlTransaction::JournalFrom(std::int64_t from_seq,
                                                              std::size_t limit) {
  return With(TW_JOURNAL_COLUMNS "WHERE j.seq >= ?1 ORDER BY j.seq LIMIT ?2",
              [&](Statement& s) -> Result<std::vector<JournalEntry>> {
                s.Bind(1, from_seq);
                s.Bind(2, static_cast<std::int64_t>(limit));
                return JournalRows(s);
              });
}

#undef TW_JOURNAL_COLUMNS

Status SqlTransaction::MarkMonitored(const std::vector<std::int64_t>& seqs,
                                     std::int64_t watermark_ms) {
  // Ranges of consecutive seqs, one DELETE each: the monitor evaluates records mostly in order.
  std::vector<std::int64_t> sorted = seqs;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] <= sorted[j] + 1) ++j;
    Status st =
        With("DELETE FROM journal_unevaluated WHERE seq BETWEEN ?1 AND ?2", [&](Statement& s) {
          s.Bind(1, sorted[i]);
          s.Bind(2, sorted[j]);
          return s.Run();
        });
    if (!st.ok()) return st;
    i = j + 1;
  }
  return PutCheckpoint(kMonitorWatermark, std::to_string(watermark_ms), watermark_ms);
}

Status SqlTransaction::MarkDelivered(std::int64_t upto) {
  return With("UPDATE journal_marks SET seq = MAX(seq, ?1) WHERE name = 'delivered_through'",
              [&](Statement& s) {
                s.Bind(1, upto);
                return s.Run();
              });
}

Result<std::int64_t> SqlTransaction::PruneJournal(std::int64_t before_ms,
                                                  std::int64_t replay_window_ms,
                                                  std::size_t max_rows) {
  // A restart replays the monitor from the first unevaluated entry (MonitorResumePoint); the
  // entries after it within its replay window rebuild the windows it counts in, so they stay.
  auto first = With(
      "SELECT u.seq, j.event_time_ms FROM journal_unevaluated u JOIN audit_journal j "
      "ON j.seq = u.seq ORDER BY u.seq LIMIT 1",
      [&](Statement& s) -> Result<std::optional<std::pair<std::int64_t, std::int64_t>>> {
        using First = std::optional<std::pair<std::int64_t, std::int64_t>>;
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) return First();
        return First(std::in_place, s.Int(0), s.Int(1));
      });
  if (!first.ok()) return first.status();
  // Each DELETE takes an indexed range: by seq (the primary key) or by event time. Its last
  // parameter is the row limit.
  auto prune = [&](const char* sql, std::initializer_list<std::int64_t> args,
                   std::size_t limit) -> Result<std::int64_t> {
    return With(sql, [&](Statement& s) -> Result<std::int64_t> {
      int i = 0;
      for (std::int64_t a : args) s.Bind(++i, a);
      s.Bind(++i, static_cast<std::int64_t>(limit));
      if (Status st = s.Run(); !st.ok()) return st;
      return std::int64_t{sqlite3_changes(conn_->db())};
    });
  };
  // Entries after it are not in a log file yet.
  auto delivered =
      OptionalInt("SELECT seq FROM journal_marks WHERE name = 'delivered_through'", std::nullopt);
  // The first entry not older than before_ms: seqs follow event times within a call's
  // duration, so the range below ends there instead of reading the whole replay window. The
  // bound only holds deletions back: an old entry after it (a clock step) waits for a later
  // prune.
  auto recent = OptionalInt(
      "SELECT seq FROM audit_journal WHERE event_time_ms >= ?1 ORDER BY event_time_ms LIMIT 1",
      before_ms);
  if (!delivered.ok()) return delivered.status();
  if (!recent.ok()) return recent.status();
  // Before the first unevaluated entry (or anywhere when there is none) every entry is
  // evaluated.
  const std::int64_t delivered_through = delivered->value_or(0);
  std::int64_t bound = std::min(recent->value_or(INT64_MAX), delivered_through + 1);
  if (*first) bound = std::min(bound, (*first)->first);
  auto before = prune(
      "DELETE FROM audit_journal WHERE seq IN (SELECT seq FROM audit_journal WHERE seq < ?1 "
      "AND event_time_ms < ?2 ORDER BY seq LIMIT ?3)",
      {bound, before_ms}, max_rows);
  if (!*first || !before.ok() || static_cast<std::size_t>(*before) >= max_rows) return before;
  const std::int64_t time = (*first)->second;
  const std::int64_t window_end =
      time > INT64_MAX - replay_window_ms ? INT64_MAX : time + replay_window_ms;
  if (window_end >= before_ms) return before;
  auto after = prune(
      "DELETE FROM audit_journal WHERE seq IN (SELECT j.seq FROM audit_journal j WHERE "
      "j.event_time_ms > ?1 AND j.event_time_ms < ?2 AND j.seq <= ?3 "
      "AND NOT EXISTS (SELECT 1 FROM journal_unevaluated u WHERE u.seq = j.seq) LIMIT ?4)",
      {window_end, before_ms, delivered_through}, max_rows - static_cast<std::size_t>(*before));
  if (!after.ok()) return after.status();
  return *before + *after;
}

Status SqlTransaction::Nested(const std::function<bool(Transaction&)>& fn) {
  if (Status s = conn_->Exec("SAVEPOINT nested"); !s.ok()) return s;
  bool keep = false;
  try {
    keep = fn(*this);
  } catch (...) {
    keep = false;
  }
  if (!keep) {
    if (Status s = conn_->Exec("ROLLBACK TO nested"); !s.ok()) return s;
  }
  return conn_->Exec("RELEASE nested");
}

}  // namespace trailwatch::store::internal
