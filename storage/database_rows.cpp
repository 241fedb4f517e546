// Database: the two big tables, metric series and generated sequences. Inserts reuse one
// prepared statement inside one transaction per batch; sequence pages are read in id order
// through the (run_id, ...) indexes, by offset (index-only skip) or by keyset (id > cursor).
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "storage/database.h"
#include "storage/sqlite_util.h"

namespace sublab {

namespace {

// `text` as a LIKE pattern matching it anywhere, with % _ and \ escaped.
std::string likePattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

// The WHERE clause for a filter; parameters: ?1 run, ?2 condition, ?3 seed, ?4 kept,
// ?5 reason, ?6 text, ?10 number, ?11 conditions (a JSON array). Only the placeholders used
// are bound.
std::string whereClause(const SequenceFilter& f) {
  std::string w = "run_id=?1";
  if (!f.condition.empty())
    w += " AND condition=?2";
  else if (!f.conditions.empty())
    w += " AND condition IN (SELECT value FROM json_each(?11))";
  if (f.seed) w += " AND seed=?3";
  if (f.verdict != Verdict::Any) w += " AND kept=?4";
  if (!f.reason.empty()) w += " AND reason=?5";
  if (!f.text.empty())
    w += f.textIsRegex ? " AND (prompt REGEXP ?6 OR completion REGEXP ?6)"
                       : " AND (prompt LIKE ?6 ESCAPE '\\' OR completion LIKE ?6 ESCAPE '\\')";
  if (f.number) w += " AND number_count(completion, ?10) > 0";
  return w;
}

void bindFilter(sqlite::Stmt& q, int64_t runId, const SequenceFilter& f) {
  q.bind(1, runId);
  if (!f.condition.empty()) q.bind(2, f.condition);
  if (f.seed) q.bind(3, *f.seed);
  if (f.verdict != Verdict::Any) q.bind(4, f.verdict == Verdict::Kept ? 1 : 0);
  if (!f.reason.empty()) q.bind(5, f.reason);
  if (!f.text.empty()) q.bind(6, f.textIsRegex ? f.text : likePattern(f.text));
  if (f.number) q.bind(10, *f.number);
  if (f.condition.empty() && !f.conditions.empty()) q.bind(11, nlohmann::json(f.conditions).dump());
}

void checkRegex(const SequenceFilter& f) {
  if (f.text.empty() || !f.textIsRegex) return;
  try {
    std::regex re(f.text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Error("the search pattern \"" + f.text + "\" is not a valid regular expression (" +
                e.what() + "); fix it or switch off regex search");
  }
}

}  // namespace

// ---------------------------------------------------------------- metrics

void Database::insertMetrics(int64_t runId, const std::vector<MetricPoint>& points) {
  if (points.empty()) return;
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite3_stmt* raw = prepare(
        "INSERT INTO metrics(run_id, condition, seed, metric, step, value) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const MetricPoint& p : points) {
      sqlite::Stmt ins(m_db, raw, m_path);
      ins.bind(1, runId).bind(2, p.condition).bind(3, p.seed).bind(4, p.metric);
      ins.bind(5, p.step).bind(6, p.value).exec();
    }
  });
}

std::vector<MetricRecord> Database::metrics(int64_t runId, int64_t afterId,
                                            const std::string& metric,
                                            const std::string& condition) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::string sql =
      "SELECT id, condition, seed, metric, step, value FROM metrics WHERE run_id=?1 AND id>?2";
  if (!metric.empty()) sql += " AND metric=?3";
  if (!condition.empty()) sql += " AND condition=?4";
  sql += " ORDER BY id";
  sqlite::Stmt q(m_db, prepare(sql), m_path);
  q.bind(1, runId).bind(2, afterId);
  if (!metric.empty()) q.bind(3, metric);
  if (!condition.empty()) q.bind(4, condition);
  std::vector<MetricRecord> out;
  while (q.next()) {
    MetricRecord r;
    r.id = q.i64(0);
    r.condition = q.text(1);
    r.seed = q.i32(2);
    r.metric = q.text(3);
    r.step = q.i64(4);
    r.value = q.isNull(5) ? std::numeric_limits<double>::quiet_NaN() : q.f64(5);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Database::metricNames(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT DISTINCT metric FROM metrics WHERE run_id=?1 ORDER BY 1"),
                 m_path);
  q.bind(1, runId);
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

// ---------------------------------------------------------------- sequences

void Database::insertSequences(int64_t runId, const std::vector<SequenceRow>& rows) {
  if (rows.empty()) return;
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite3_stmt* raw = prepare(
        "INSERT INTO sequences(run_id, condition, seed, idx, prompt, completion, kept, reason, "
        "token_info) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    for (const SequenceRow& r : rows) {
      sqlite::Stmt ins(m_db, raw, m_path);
      ins.bind(1, runId).bind(2, r.condition).bind(3, r.seed).bind(4, r.index);
      ins.bind(5, r.prompt).bind(6, r.completion).bind(7, r.kept ? 1 : 0).bind(8, r.reason);
      if (r.tokenInfo.empty())
        ins.bindNull(9);
      else
        ins.bind(9, r.tokenInfo);
      ins.exec();
    }
  });
}

void Database::deleteSequences(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite::Stmt d(m_db, prepare("DELETE FROM sequences WHERE run_id=?1"), m_path);
    d.bind(1, runId).exec();
  });
}

std::vector<SequenceRecord> Database::querySequences(int64_t runId, const SequenceFilter& filter,
                                                     int64_t afterId, int64_t offset,
                                                     int64_t limit) {
  checkRegex(filter);
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  if (limit <= 0) return {};
  const std::string where = whereClause(filter);
  const char* cols =
      "SELECT id, condition, seed, idx, prompt, completion, kept, reason, "
      "token_info FROM sequences ";
  std::string sql;
  if (offset > 0) {
    // Skip `offset` entries in an index (no row reads), then read only the page's rows.
    sql = std::string(cols) + "WHERE id IN (SELECT id FROM sequences WHERE " + where +
          " AND id>?7 ORDER BY id LIMIT ?8 OFFSET ?9) ORDER BY id";
  } else {
    sql = std::string(cols) + "WHERE " + where + " AND id>?7 ORDER BY id LIMIT ?8";
  }
  sqlite::Stmt q(m_db, prepare(sql), m_path);
  bindFilter(q, runId, filter);
  q.bind(7, afterId).bind(8, limit);
  if (offset > 0) q.bind(9, offset);
  std::vector<SequenceRecord> out;
  out.reserve(static_cast<size_t>(std::min<int64_t>(limit, 10000)));
  while (q.next()) {
    SequenceRecord r;
    r.id = q.i64(0);
    r.runId = runId;
    r.condition = q.text(1);
    r.seed = q.i32(2);
    r.index = q.i64(3);
    r.prompt = q.text(4);
    r.completion = q.text(5);
    r.kept = q.i32(6) != 0;
    r.reason = q.text(7);
    r.tokenInfo = q.text(8);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SequenceRecord> Database::sequences(int64_t runId, const SequenceFilter& filter,
                                                int64_t offset, int64_t limit) {
  return querySequences(runId, filter, 0, std::max<int64_t>(offset, 0), limit);
}

std::vector<SequenceRecord> Database::sequencesAfter(int64_t runId, const SequenceFilter& filter,
                                                     int64_t afterId, int64_t limit) {
  return querySequences(runId, filter, afterId, 0, limit);
}

int64_t Database::countSequences(int64_t runId, const SequenceFilter& filter) {
  checkRegex(filter);
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT COUNT(*) FROM sequences WHERE " + whereClause(filter)),
                 m_path);
  bindFilter(q, runId, filter);
  return q.next() ? q.i64(0) : 0;
}

int64_t Database::countNumberOccurrences(int64_t runId, const SequenceFilter& filter) {
  if (!filter.number) throw Error("countNumberOccurrences needs a filter with a number");
  checkRegex(filter);
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT COALESCE(SUM(number_count(completion, ?10)), 0) FROM sequences "
                         "WHERE " +
                         whereClause(filter)),
                 m_path);
  bindFilter(q, runId, filter);
  return q.next() ? q.i64(0) : 0;
}

std::vector<std::string> Database::sequenceConditions(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT DISTINCT condition FROM sequences WHERE run_id=?1 "
                         "ORDER BY 1"),
                 m_path);
  q.bind(1, runId);
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

std::vector<int> Database::sequenceSeeds(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT DISTINCT seed FROM sequences WHERE run_id=?1 ORDER BY 1"),
                 m_path);
  q.bind(1, runId);
  std::vector<int> out;
  while (q.next()) out.push_back(q.i32(0));
  return out;
}

std::vector<std::pair<std::string, int64_t>> Database::rejectReasons(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT reason, COUNT(*) FROM sequences WHERE run_id=?1 AND "
                         "kept=0 GROUP BY reason ORDER BY 2 DESC, 1"),
                 m_path);
  q.bind(1, runId);
  std::vector<std::pair<std::string, int64_t>> out;
  while (q.next()) out.emplace_back(q.text(0), q.i64(1));
  return out;
}

std::vector<std::string> Database::conditions(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT condition FROM sequences WHERE run_id=?1 UNION "
                         "SELECT condition FROM metrics WHERE run_id=?1 UNION "
                         "SELECT condition FROM summaries WHERE run_id=?1 AND kind='condition' "
                         "ORDER BY 1"),
                 m_path);
  q.bind(1, runId);
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

}  // namespace sublab
