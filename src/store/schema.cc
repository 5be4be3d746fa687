// Schema migrations. Each entry moves the schema from version i to i+1 and never changes once
// released: a database written by an older build is migrated forward in order on Open.
#include <array>

#include "store/sqlite.h"

namespace trailwatch::store::internal {
namespace {

constexpr std::array<const char*, 7> kMigrations = {
    // 0 -> 1: the initial schema.
    R"sql(
CREATE TABLE secrets (
  id INTEGER PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  kms_key_id TEXT,
  tags_json TEXT NOT NULL DEFAULT '[]',
  resource_policy TEXT,
  rotation_enabled INTEGER NOT NULL DEFAULT 0,
  rotation_lambda_arn TEXT,
  rotation_rules_json TEXT,
  last_rotated_ms INTEGER,
  next_rotation_ms INTEGER,
  created_ms INTEGER NOT NULL,
  last_changed_ms INTEGER NOT NULL,
  last_accessed_ms INTEGER,
  deleted_ms INTEGER,
  deletion_ms INTEGER
);
CREATE TABLE secret_versions (
  secret_id INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
  version_id TEXT NOT NULL,
  binary INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  wrapped_key BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  last_accessed_ms INTEGER,
  PRIMARY KEY (secret_id, version_id)
);
CREATE TABLE version_stages (
  secret_id INTEGER NOT NULL,
  stage TEXT NOT NULL,
  version_id TEXT NOT NULL,
  PRIMARY KEY (secret_id, stage),
  FOREIGN KEY (secret_id, version_id) REFERENCES secret_versions(secret_id, version_id)
    ON DELETE CASCADE
);
CREATE INDEX version_stages_by_version ON version_stages(secret_id, version_id);
CREATE TABLE iam_users (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL
);
CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES iam_users(name) ON DELETE CASCADE,
  sealed_secret BLOB NOT NULL,
  status TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX access_keys_by_user ON access_keys(user_name);
CREATE TABLE user_policies (
  user_name TEXT NOT NULL REFERENCES iam_users(name) ON DELETE CASCADE,
  policy_name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (user_name, policy_name)
);
CREATE TABLE audit_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_time_ms INTEGER NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  record_json TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_journal_undelivered ON audit_journal(seq) WHERE delivered = 0;
)sql",
    // 1 -> 2: named checkpoints (how far each source, evaluator or worker has got).
    R"sql(
CREATE TABLE checkpoints (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
)sql",
    // 2 -> 3: the notification outbox (notify's Outbox): one row per message and endpoint,
    // pending until delivered or dead-lettered.
    R"sql(
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ms INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  message_id TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  headers TEXT NOT NULL DEFAULT '[]',
  time_ms INTEGER NOT NULL,
  topic_arn TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  last_code INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER,  -- when it was delivered or dead-lettered
  UNIQUE (endpoint, message_id)
);
CREATE INDEX outbox_due ON outbox(next_attempt_ms, id) WHERE state = 'pending';
CREATE INDEX outbox_by_topic ON outbox(topic_arn, id);
)sql",
    // 3 -> 4: which journal records the live monitor has evaluated (their notifications are in
    // the outbox), so that a restart evaluates the ones a crash left behind. Records written
    // before this schema count as evaluated.
    R"sql(
ALTER TABLE audit_journal ADD COLUMN monitored INTEGER NOT NULL DEFAULT 0;
UPDATE audit_journal SET monitored = 1;
CREATE INDEX audit_journal_unmonitored ON audit_journal(seq) WHERE monitored = 0;
)sql",
    // 4 -> 5: the journal by event time, for the monitor to take up its windows at start.
    R"sql(
CREATE INDEX audit_journal_by_time ON audit_journal(event_time_ms);
)sql",
    // 5 -> 6: finished outbox rows by when they finished, for pruning without reading every
    // message body.
    R"sql(
CREATE INDEX outbox_finished ON outbox(finished_ms) WHERE state != 'pending';
)sql",
    // 6 -> 7: the journal's delivery and evaluation marks move out of its rows. Setting a flag
    // rewrote the whole ~1 KB row: the monitor's mark each second and the trail's each delivery
    // held the writer, and every vault call behind it, for tens of ms to seconds under load.
    // Delivery is a prefix of the journal (one seq); unevaluated seqs are a small table.
    R"sql(
CREATE TABLE journal_unevaluated (seq INTEGER PRIMARY KEY);
INSERT INTO journal_unevaluated SELECT seq FROM audit_journal WHERE monitored = 0;
CREATE TABLE journal_marks (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
INSERT INTO journal_marks VALUES ('delivered_through',
  COALESCE((SELECT MIN(seq) - 1 FROM audit_journal WHERE delivered = 0),
           (SELECT MAX(seq) FROM audit_journal), 0));
DROP INDEX audit_journal_undelivered;
DROP INDEX audit_journal_unmonitored;
ALTER TABLE audit_journal DROP COLUMN delivered;
ALTER TABLE audit_journal DROP COLUMN monitored;
)sql",
};

Result<int> UserVersion(Connection& conn) {
  auto stmt = conn.Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  StatementScope scope(*stmt);
  auto row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>((*stmt)->Int(0));
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(Connection& conn) {
  if (Status s = conn.Exec("BEGIN EXCLUSIVE"); !s.ok()) return s;
  auto version = UserVersion(conn);
  if (!version.ok()) {
    (void)conn.Exec("ROLLBACK");
    return version.status();
  }
  if (*version > CurrentSchemaVersion()) {
    (void)conn.Exec("ROLLBACK");
    return Status::InvalidArgument("the database schema (version " + std::to_string(*version) +
                                   ") is newer than this build of trailwatch supports");
  }
  for (int v = *version; v < CurrentSchemaVersion(); ++v) {
    if (Status s = conn.Exec(kMigrations[static_cast<std::size_t>(v)]); !s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return s.WithContext("migrating the schema to version " + std::to_string(v + 1));
    }
  }
  // PRAGMA takes no bound parameters; the value is our own integer.
  const std::string set = "PRAGMA user_version=" + std::to_string(CurrentSchemaVersion());
  if (Status s = conn.Exec(set.c_str()); !s.ok()) {
    (void)conn.Exec("ROLLBACK");
    return s;
  }
  return conn.Exec("COMMIT");
}

}  // namespace trailwatch::store::internal
