// Database: folding shard databases (one per Slurm task) into the project database. Every shard
// is checked before anything is written; then one transaction copies the runs the project does
// not have yet (matched by uuid) with the rows they own, and links them to their sweep points.
#include <sqlite3.h>

#include <map>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/sqlite_util.h"

namespace sublab {

namespace {

// A read-only raw connection to a shard, closed on scope exit.
struct ShardConnection {
  sqlite3* db = nullptr;
  std::string path;
  explicit ShardConnection(const std::string& p) : path(p) {
    const int rc = sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    if (rc != SQLITE_OK) sqlite::raise(p, db, "opening the shard", rc);
    try {
      sqlite::harden(db, p);  // its layout was checked by a Database open just before
    } catch (...) {
      sqlite3_close_v2(db);
      throw;
    }
  }
  ~ShardConnection() {
    if (db) sqlite3_close_v2(db);
  }
  ShardConnection(const ShardConnection&) = delete;
  ShardConnection& operator=(const ShardConnection&) = delete;
};

// An owned statement on the shard connection.
struct RawStmt {
  sqlite3_stmt* st = nullptr;
  const ShardConnection& c;
  RawStmt(const ShardConnection& conn, const std::string& sql) : c(conn) {
    const int rc = sqlite3_prepare_v2(conn.db, sql.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) sqlite::raise(conn.path, conn.db, "reading the shard", rc);
  }
  ~RawStmt() { sqlite3_finalize(st); }
  RawStmt(const RawStmt&) = delete;
  RawStmt& operator=(const RawStmt&) = delete;
  bool next() {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) sqlite::raise(c.path, c.db, "reading the shard", rc);
    return false;
  }
};

std::string joined(const std::vector<std::string>& cols, const std::string& prefix = {}) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ", ") + prefix + c;
  return s;
}

// The tables a run owns (each has a run_id column).
constexpr const char* kOwnedTables[] = {"stages",    "metrics",   "sequences",
                                        "summaries", "artifacts", "analyses"};

struct ShardCheck {
  std::string path;
  SweepInfo sweep;
};

}  // namespace

MergeReport Database::mergeShards(const std::vector<std::string>& shards,
                                  const std::string& planHash) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  // 1. Every shard checked before anything is written.
  std::string hash = planHash;
  std::vector<ShardCheck> checked;
  for (const std::string& path : shards) {
    try {
      OpenOptions oo;
      oo.create = false;
      oo.readOnly = true;
      oo.markInterrupted = false;
      Database shard(path, oo);
      if (shard.userVersion() != schemaVersion())
        throw Error("the shard " + path + " has schema " + std::to_string(shard.userVersion()) +
                        ", this program " + std::to_string(schemaVersion()) +
                        "; merge it with the Subliminal Lab that wrote it",
                    ErrorCode::DatabaseTooNew);
      const std::string ok = shard.integrityCheck();
      if (ok != "ok")
        throw Error("the shard " + path + " is damaged (" + ok + ")", ErrorCode::DatabaseDamaged);
      const auto sweeps = shard.sweeps();
      if (sweeps.size() != 1)
        throw Error("the shard " + path + " holds " + std::to_string(sweeps.size()) +
                    " sweeps; a shard written by `sublab sweep-point` holds exactly one");
      if (hash.empty()) hash = sweeps[0].planHash;
      if (sweeps[0].planHash != hash)
        throw Error("the shard " + path + " belongs to another sweep (\"" + sweeps[0].name +
                    "\", plan " + sweeps[0].planHash + "), not this one (plan " + hash +
                    "); merge it into that sweep's project");
      checked.push_back({path, sweeps[0]});
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + "; nothing was merged and " + m_path + " is untouched",
                  e.code());
    }
  }

  // 2. One transaction for all of them.
  MergeReport report;
  std::vector<std::string> runCols;  // every column of runs but id
  {
    sqlite::Stmt q(m_db, prepare("SELECT name FROM pragma_table_info('runs') ORDER BY cid"),
                   m_path);
    while (q.next())
      if (q.text(0) != "id") runCols.push_back(q.text(0));
  }
  std::map<std::string, std::vector<std::string>> ownedCols;
  for (const char* t : kOwnedTables) {
    sqlite::Stmt q(
        m_db,
        prepare(std::string("SELECT name, pk FROM pragma_table_info('") + t + "') ORDER BY cid"),
        m_path);
    while (q.next())
      if (!(q.text(0) == "id" && q.i32(1) == 1)) ownedCols[t].push_back(q.text(0));
  }
  auto columnIndex = [](const std::vector<std::string>& cols, const std::string& name) {
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i] == name) return static_cast<int>(i);
    return -1;
  };

  // The project's point -> run links of the sweep, read once and kept up to date here: reading
  // them again for every shard made merging N shards grow as N² (bench/bench_merge, 1,000
  // shards of 1,000 sequences: 9.2 s before, 6.1 s with this).
  std::map<int, int64_t> linked;
  int64_t linkedSweep = 0;
  transaction([&] {
    for (const ShardCheck& sc : checked) {
      ShardMergeInfo info;
      info.path = sc.path;
      try {
        ShardConnection shard(sc.path);
        const SweepInfo sweep = findOrCreateSweep(sc.sweep.name, sc.sweep.plan, sc.sweep.planHash);
        report.sweepId = sweep.id;
        // Experiments by (name, kind).
        std::map<int64_t, int64_t> experiments;
        {
          RawStmt q(shard, "SELECT id, name, kind, description FROM experiments");
          while (q.next()) {
            auto txt = [&](int c) {
              const auto* p = sqlite3_column_text(q.st, c);
              return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
            };
            experiments[sqlite3_column_int64(q.st, 0)] = ensureExperiment(txt(1), txt(2), txt(3));
          }
        }
        // Runs: shard id -> project id (new or already here by uuid).
        std::map<int64_t, int64_t> runIds;
        const int uuidCol = columnIndex(runCols, "uuid");
        const int statusCol = columnIndex(runCols, "status");
        const int errorCol = columnIndex(runCols, "error");
        const int experimentCol = columnIndex(runCols, "experiment_id");
        RawStmt runs(shard, "SELECT id, " + joined(runCols) + " FROM runs ORDER BY id");
        std::string placeholders;
        for (size_t i = 0; i < runCols.size(); ++i)
          placeholders += (i ? ", ?" : "?") + std::to_string(i + 1);
        while (runs.next()) {
          const int64_t shardId = sqlite3_column_int64(runs.st, 0);
          const auto* u = sqlite3_column_text(runs.st, uuidCol + 1);
          const std::string uuid = u ? reinterpret_cast<const char*>(u) : "";
          {
            sqlite::Stmt q(m_db, prepare("SELECT id FROM runs WHERE uuid = ?1"), m_path);
            q.bind(1, uuid);
            if (!uuid.empty() && q.next()) {
              runIds[shardId] = q.i64(0);
              ++info.skipped;
              continue;
            }
          }
          const auto* st = sqlite3_column_text(runs.st, statusCol + 1);
          const std::string status = st ? reinterpret_cast<const char*>(st) : "";
          const bool unfinished = status == "queued" || status == "running";
          sqlite::Stmt ins(
              m_db,
              prepare("INSERT INTO runs(" + joined(runCols) + ") VALUES (" + placeholders + ")"),
              m_path);
          for (size_t i = 0; i < runCols.size(); ++i) {
            const int bi = static_cast<int>(i) + 1;
            sqlite3_value* v = sqlite3_column_value(runs.st, bi);
            if (static_cast<int>(i) == experimentCol && sqlite3_value_type(v) != SQLITE_NULL) {
              ins.bind(bi, experiments[sqlite3_value_int64(v)]);
            } else if (unfinished && static_cast<int>(i) == statusCol) {
              ins.bind(bi, "interrupted");
            } else if (unfinished && static_cast<int>(i) == errorCol) {
              ins.bind(bi, "the task that ran it ended before the run finished (shard " + sc.path +
                               "); run the point again");
            } else {
              sqlite3_bind_value(ins.raw(), bi, v);
            }
          }
          ins.exec();
          const int64_t id = sqlite3_last_insert_rowid(m_db);
          runIds[shardId] = id;
          ++info.added;
          if (unfinished) ++info.interrupted;
          // Everything the run owns.
          for (const char* t : kOwnedTables) {
            const auto& cols = ownedCols[t];
            const int runCol = columnIndex(cols, "run_id");
            RawStmt rows(shard, "SELECT " + joined(cols) + " FROM " + t +
                                    " WHERE run_id = ?1 ORDER BY rowid");
            sqlite3_bind_int64(rows.st, 1, shardId);
            std::string ph;
            for (size_t i = 0; i < cols.size(); ++i)
              ph += (i ? ", ?" : "?") + std::to_string(i + 1);
            const std::string sql =
                std::string("INSERT INTO ") + t + "(" + joined(cols) + ") VALUES (" + ph + ")";
            while (rows.next()) {
              sqlite::Stmt r(m_db, prepare(sql), m_path);
              for (size_t i = 0; i < cols.size(); ++i) {
                const int bi = static_cast<int>(i) + 1;
                if (static_cast<int>(i) == runCol)
                  r.bind(bi, id);
                else
                  sqlite3_bind_value(r.raw(), bi,
                                     sqlite3_column_value(rows.st, static_cast<int>(i)));
              }
              r.exec();
            }
          }
          if (unfinished) {
            sqlite::Stmt s(m_db,
                           prepare("UPDATE stages SET status = 'interrupted' WHERE run_id = ?1 "
                                   "AND status IN ('running', 'pending')"),
                           m_path);
            s.bind(1, id);
            s.exec();
          }
        }
        // Sweep points: link the shard's runs unless the project has a finished run there and
        // the shard's is not finished.
        if (linkedSweep != sweep.id) {
          linked.clear();
          for (const auto& p : sweepPoints(sweep.id)) linked[p.index] = p.runId;
          linkedSweep = sweep.id;
        }
        RawStmt points(shard,
                       "SELECT point_index, axis_values, run_id FROM sweep_points "
                       "WHERE run_id IS NOT NULL ORDER BY point_index");
        while (points.next()) {
          const int index = sqlite3_column_int(points.st, 0);
          const auto* v = sqlite3_column_text(points.st, 1);
          const auto values =
              nlohmann::json::parse(v ? reinterpret_cast<const char*>(v) : "null", nullptr, false);
          const auto it = runIds.find(sqlite3_column_int64(points.st, 2));
          if (it == runIds.end()) continue;
          const auto at = linked.find(index);
          const int64_t have = at == linked.end() ? 0 : at->second;
          if (have == it->second) continue;
          const auto haveRun = have ? findRun(have) : std::nullopt;
          if (haveRun && haveRun->status == RunStatus::Done) {
            const auto newRun = findRun(it->second);
            if (!(newRun && newRun->status == RunStatus::Done)) continue;
          }
          setSweepPoint(sweep.id, index, values, it->second);
          linked[index] = it->second;
        }
      } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (while merging the shard " + sc.path +
                        "); nothing was merged and " + m_path + " is untouched",
                    e.code());
      }
      report.shards.push_back(info);
    }
  });
  return report;
}

}  // namespace sublab
