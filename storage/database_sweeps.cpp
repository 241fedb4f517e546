// Database: sweeps and their points. A point is an ordinary run; the sweep only links them.
#include <sqlite3.h>

#include "storage/database.h"
#include "storage/sqlite_util.h"

namespace sublab {

namespace {

SweepInfo readSweep(const sqlite::Stmt& q) {
  SweepInfo s;
  s.id = q.i64(0);
  s.uuid = q.text(1);
  s.name = q.text(2);
  s.plan = nlohmann::json::parse(q.text(3), nullptr, false);
  s.planHash = q.text(4);
  s.createdAt = q.i64(5);
  return s;
}

constexpr const char* kSweepColumns =
    "SELECT id, uuid, name, plan, plan_hash, created_at FROM sweeps ";

}  // namespace

SweepInfo Database::findOrCreateSweep(const std::string& name, const nlohmann::json& plan,
                                      const std::string& planHash, bool* created) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  SweepInfo out;
  bool made = false;
  transaction([&] {
    {
      sqlite::Stmt q(m_db, prepare(std::string(kSweepColumns) + "WHERE plan_hash = ?1"), m_path);
      q.bind(1, planHash);
      if (q.next()) {
        out = readSweep(q);
        return;
      }
    }
    sqlite::Stmt ins(m_db,
                     prepare("INSERT INTO sweeps(uuid, name, plan, plan_hash, created_at) VALUES "
                             "(lower(hex(randomblob(16))), ?1, ?2, ?3, ?4)"),
                     m_path);
    ins.bind(1, name).bind(2, plan.dump()).bind(3, planHash).bind(4, nowMs());
    ins.exec();
    made = true;
    const int64_t id = sqlite3_last_insert_rowid(m_db);
    sqlite::Stmt q(m_db, prepare(std::string(kSweepColumns) + "WHERE id = ?1"), m_path);
    q.bind(1, id);
    if (q.next()) out = readSweep(q);
  });
  if (created) *created = made;
  return out;
}

std::vector<SweepInfo> Database::sweeps() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<SweepInfo> out;
  sqlite::Stmt q(m_db, prepare(std::string(kSweepColumns) + "ORDER BY id"), m_path);
  while (q.next()) out.push_back(readSweep(q));
  return out;
}

SweepInfo Database::sweep(int64_t sweepId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare(std::string(kSweepColumns) + "WHERE id = ?1"), m_path);
  q.bind(1, sweepId);
  if (!q.next())
    throw Error("there is no sweep " + std::to_string(sweepId) + " in " + m_path +
                " (`sublab sweeps` lists them)");
  return readSweep(q);
}

std::vector<SweepPointInfo> Database::sweepPoints(int64_t sweepId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<SweepPointInfo> out;
  sqlite::Stmt q(m_db,
                 prepare("SELECT point_index, axis_values, run_id FROM sweep_points "
                         "WHERE sweep_id = ?1 ORDER BY point_index"),
                 m_path);
  q.bind(1, sweepId);
  while (q.next()) {
    SweepPointInfo p;
    p.sweepId = sweepId;
    p.index = q.i32(0);
    p.values = nlohmann::json::parse(q.text(1), nullptr, false);
    p.runId = q.isNull(2) ? 0 : q.i64(2);
    out.push_back(std::move(p));
  }
  return out;
}

void Database::setSweepPoint(int64_t sweepId, int index, const nlohmann::json& values,
                             int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite::Stmt u(m_db,
                   prepare("INSERT INTO sweep_points(sweep_id, point_index, axis_values, run_id) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sweep_id, point_index) DO UPDATE "
                           "SET axis_values = excluded.axis_values, run_id = excluded.run_id"),
                   m_path);
    u.bind(1, sweepId).bind(2, index).bind(3, values.dump()).bindOrNull(4, runId);
    u.exec();
  });
}

std::vector<SweepPointInfo> Database::linkedSweepPoints(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<SweepPointInfo> out;
  // One query for the whole table (the runs view reads it on every reload).
  sqlite::Stmt q(m_db,
                 prepare("SELECT sweep_id, point_index, axis_values, run_id FROM sweep_points "
                         "WHERE run_id IS NOT NULL AND (?1 = 0 OR run_id = ?1) "
                         "ORDER BY sweep_id, point_index"),
                 m_path);
  q.bind(1, runId);
  while (q.next()) {
    SweepPointInfo p;
    p.sweepId = q.i64(0);
    p.index = q.i32(1);
    p.values = nlohmann::json::parse(q.text(2), nullptr, false);
    p.runId = q.i64(3);
    out.push_back(std::move(p));
  }
  return out;
}

std::string Database::runUuid(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT uuid FROM runs WHERE id = ?1"), m_path);
  q.bind(1, runId);
  return q.next() ? q.text(0) : std::string();
}

void Database::setSweepManifest(int64_t sweepId, const std::string& manifestPath) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite::Stmt u(m_db,
                   prepare("INSERT INTO sweep_slurm(sweep_id, manifest, submitted_at) VALUES "
                           "(?1, ?2, ?3) ON CONFLICT(sweep_id) DO UPDATE SET manifest = "
                           "excluded.manifest"),
                   m_path);
    u.bind(1, sweepId).bind(2, manifestPath).bind(3, nowMs());
    u.exec();
  });
}

std::string Database::sweepManifest(int64_t sweepId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT manifest FROM sweep_slurm WHERE sweep_id = ?1"), m_path);
  q.bind(1, sweepId);
  return q.next() ? q.text(0) : std::string();
}

}  // namespace sublab
