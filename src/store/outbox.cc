// The notification outbox rows (schema 3). The delivery logic is notify's Outbox; these are
// only the reads and writes it makes, each one statement so that every state change is one
// durable step.
#include <string>
#include <utility>

#include "common/json_text.h"
#include "store/transaction.h"

namespace trailwatch::store::internal {
namespace {

constexpr const char* kColumns =
    "id, created_ms, protocol, endpoint, message_id, subject, body, headers, time_ms, topic_arn, "
    "source, state, attempts, next_attempt_ms, last_error, last_code, finished_ms";

// The same columns without the message itself, for listings that do not want it.
constexpr const char* kColumnsNoBody =
    "id, created_ms, protocol, endpoint, message_id, subject, '', '', time_ms, topic_arn, "
    "source, state, attempts, next_attempt_ms, last_error, last_code, finished_ms";

OutboxRow ReadRow(const Statement& s) {
  OutboxRow r;
  r.id = s.Int(0);
  r.created_ms = s.Int(1);
  r.protocol = s.Text(2);
  r.endpoint = s.Text(3);
  r.message_id = s.Text(4);
  r.subject = s.Text(5);
  r.body = s.Text(6);
  r.headers_json = s.Text(7);
  r.time_ms = s.Int(8);
  r.topic_arn = s.Text(9);
  r.source = s.Text(10);
  r.state = s.Text(11);
  r.attempts = s.Int(12);
  r.next_attempt_ms = s.Int(13);
  r.last_error = s.Text(14);
  r.last_code = s.Int(15);
  r.finished_ms = s.OptInt(16);
  return r;
}

Result<std::vector<OutboxRow>> ReadRows(Statement& s) {
  std::vector<OutboxRow> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(ReadRow(s));
  }
}

bool ValidState(std::string_view state) {
  return state == "pending" || state == "delivered" || state == "dead";
}

const std::string& SelectDue() {
  static const std::string s = std::string("SELECT ") + kColumns +
                               " FROM outbox WHERE state = 'pending' AND next_attempt_ms <= ?1 "
                               "AND endpoint NOT IN (SELECT value FROM json_each(?3)) "
                               "ORDER BY next_attempt_ms, id LIMIT ?2";
  return s;
}

const std::string& SelectById() {
  static const std::string s = std::string("SELECT ") + kColumns + " FROM outbox WHERE id = ?1";
  return s;
}

// One statement text per (with body, filter) shape; empty filters match everything.
const std::string& SelectList(bool with_body) {
  static const auto make = [](const char* columns) {
    return std::string("SELECT ") + columns +
           " FROM outbox WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR topic_arn = ?2) "
           "AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4";
  };
  static const std::string with = make(kColumns);
  static const std::string without = make(kColumnsNoBody);
  return with_body ? with : without;
}

}  // namespace

Result<std::optional<std::int64_t>> SqlTransaction::InsertOutbox(const OutboxRow& row) {
  return With(
      "INSERT INTO outbox (created_ms, protocol, endpoint, message_id, subject, body, headers, "
      "time_ms, topic_arn, source, state, attempts, next_attempt_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', 0, ?11) "
      "ON CONFLICT (endpoint, message_id) DO NOTHING",
      [&](Statement& s) -> Result<std::optional<std::int64_t>> {
        s.Bind(1, row.created_ms);
        s.Bind(2, std::string_view(row.protocol));
        s.Bind(3, std::string_view(row.endpoint));
        s.Bind(4, std::string_view(row.message_id));
        s.Bind(5, std::string_view(row.subject));
        s.Bind(6, std::string_view(row.body));
        s.Bind(7, std::string_view(row.headers_json));
        s.Bind(8, row.time_ms);
        s.Bind(9, std::string_view(row.topic_arn));
        s.Bind(10, std::string_view(row.source));
        s.Bind(11, row.next_attempt_ms);
        if (Status st = s.Run(); !st.ok()) return st;
        if (sqlite3_changes(conn_->db()) == 0) return std::optional<std::int64_t>();
        return std::optional<std::int64_t>(sqlite3_last_insert_rowid(conn_->db()));
      });
}

Result<std::vector<OutboxRow>> SqlTransaction::DueOutbox(std::int64_t now_ms, std::size_t limit,
                                                         const std::vector<std::string>& busy) {
  // The busy endpoints go in as one JSON array (json_each), so the statement text stays the
  // same and cached whatever their number.
  std::string busy_json = "[";
  for (const std::string& e : busy) {
    if (busy_json.size() > 1) busy_json += ',';
    AppendJsonString(&busy_json, e);
  }
  busy_json += ']';
  return With(SelectDue().c_str(), [&](Statement& s) -> Result<std::vector<OutboxRow>> {
    s.Bind(1, now_ms);
    s.Bind(2, static_cast<std::int64_t>(limit));
    s.Bind(3, std::string_view(busy_json));
    return ReadRows(s);
  });
}

Result<std::optional<std::int64_t>> SqlTransaction::NextOutboxAttempt() {
  return With("SELECT min(next_attempt_ms) FROM outbox WHERE state = 'pending'",
              [&](Statement& s) -> Result<std::optional<std::int64_t>> {
                auto row = s.Step();
                if (!row.ok()) return row.status();
                if (!*row) return std::optional<std::int64_t>();
                return s.OptInt(0);
              });
}

Status SqlTransaction::RecordOutboxAttempt(const OutboxAttempt& a) {
  if (!ValidState(a.state)) return Status::InvalidArgument("outbox: unknown state " + a.state);
  return With(
      "UPDATE outbox SET attempts = attempts + 1, state = ?2, last_error = ?3, last_code = ?4, "
      "next_attempt_ms = CASE WHEN ?2 = 'pending' THEN ?5 ELSE next_attempt_ms END, "
      "finished_ms = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?6 END "
      "WHERE id = ?1 AND state = 'pending'",
      [&](Statement& s) -> Status {
        s.Bind(1, a.id);
        s.Bind(2, std::string_view(a.state));
        s.Bind(3, std::string_view(a.error));
        s.Bind(4, a.code);
        s.Bind(5, a.next_attempt_ms);
        s.Bind(6, a.at_ms);
        if (Status st = s.Run(); !st.ok()) return st;
        if (sqlite3_changes(conn_->db()) == 0) {
          return Status::NotFound("outbox: no pending row " + std::to_string(a.id));
        }
        return Status::Ok();
      });
}

Result<std::optional<OutboxRow>> SqlTransaction::FindOutbox(std::int64_t id) {
  return With(SelectById().c_str(), [&](Statement& s) -> Result<std::optional<OutboxRow>> {
    s.Bind(1, id);
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<OutboxRow>();
    return std::optional<OutboxRow>(ReadRow(s));
  });
}

Result<std::vector<OutboxRow>> SqlTransaction::ListOutbox(const OutboxFilter& filter,
                                                          std::size_t limit) {
  if (!filter.state.empty() && !ValidState(filter.state)) {
    return Status::InvalidArgument("outbox: unknown state " + filter.state);
  }
  return With(SelectList(filter.with_body).c_str(),
              [&](Statement& s) -> Result<std::vector<OutboxRow>> {
                s.Bind(1, std::string_view(filter.state));
                s.Bind(2, std::string_view(filter.topic_arn));
                s.Bind(3, filter.before_id);
                s.Bind(4, static_cast<std::int64_t>(limit));
                return ReadRows(s);
              });
}

Result<OutboxCounts> SqlTransaction::CountOutbox() {
  return With("SELECT state, count(*) FROM outbox GROUP BY state",
              [&](Statement& s) -> Result<OutboxCounts> {
                OutboxCounts c;
                for (;;) {
                  auto row = s.Step();
                  if (!row.ok()) return row.status();
                  if (!*row) return c;
                  const std::string state = s.Text(0);
                  const std::int64_t n = s.Int(1);
                  if (state == "pending") c.pending = n;
                  if (state == "delivered") c.delivered = n;
                  if (state == "dead") c.dead = n;
                }
              });
}

Result<std::int64_t> SqlTransaction::PruneOutbox(std::int64_t finished_before_ms,
                                                 std::size_t max_rows) {
  return With(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state != 'pending' "
      "AND finished_ms < ?1 ORDER BY finished_ms LIMIT ?2)",
      [&](Statement& s) -> Result<std::int64_t> {
        s.Bind(1, finished_before_ms);
        s.Bind(2, static_cast<std::int64_t>(max_rows));
        if (Status st = s.Run(); !st.ok()) return st;
        return std::int64_t{sqlite3_changes(conn_->db())};
      });
}

}  // namespace trailwatch::store::internal
