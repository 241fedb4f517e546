// Database: the run lifecycle and the small tables: recovery of runs left 'running' by dead
// processes, experiments, runs, stages, summaries, named analyses and artifacts. Opening and
// migrations are in database.cpp; metric and sequence rows in database_rows.cpp.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "engine/experiment.h"
#include "storage/database.h"
#include "storage/sqlite_util.h"

namespace sublab {

namespace {

std::string hostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat); 0 if unknown.
int64_t processStartTime(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return 0;
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(all.substr(close + 1));
  std::string tok;
  for (int field = 3; field <= 22 && (fields >> tok); ++field)
    if (field == 22) return std::atoll(tok.c_str());
  return 0;
}

bool processAlive(int64_t pid, int64_t startTime) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  if (startTime != 0) {
    const int64_t now = processStartTime(pid);
    if (now != 0 && now != startTime) return false;  // the pid was reused by another process
  }
  return true;
}

double nanIfNull(const sqlite::Stmt& st, int c) {
  return st.isNull(c) ? std::numeric_limits<double>::quiet_NaN() : st.f64(c);
}

nlohmann::json parseOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

}  // namespace

std::vector<int64_t> Database::markInterruptedRuns() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  const std::string host = hostName();
  struct Left {
    int64_t id, pid, start;
    RunStatus status;
  };
  std::vector<Left> dead;
  {
    sqlite::Stmt q(m_db,
                   prepare("SELECT id, pid, pid_start, status FROM runs "
                           "WHERE status IN ('running','queued') AND host = ?1"),
                   m_path);
    q.bind(1, host);
    while (q.next())
      if (!processAlive(q.i64(1), q.i64(2)))
        dead.push_back({q.i64(0), q.i64(1), q.i64(2), runStatusFromString(q.text(3))});
  }
  if (dead.empty()) return {};
  std::vector<int64_t> ids;
  transaction([&] {
    for (const Left& d : dead) {
      const std::string why =
          d.status == RunStatus::Queued
              ? "the program that queued this run (pid " + std::to_string(d.pid) + " on " + host +
                    ") ended before it started"
              : "the process running it (pid " + std::to_string(d.pid) + " on " + host +
                    ") ended before the run finished (killed or crashed)";
      sqlite::Stmt u(m_db,
                     prepare("UPDATE runs SET status='interrupted', error=?2, "
                             "finished_at=COALESCE(finished_at, ?3) "
                             "WHERE id=?1 AND status IN ('running','queued')"),
                     m_path);
      u.bind(1, d.id).bind(2, why).bind(3, nowMs()).exec();
      sqlite::Stmt s(m_db,
                     prepare("UPDATE stages SET status='interrupted', finished_at=?2 "
                             "WHERE run_id=?1 AND status='running'"),
                     m_path);
      s.bind(1, d.id).bind(2, nowMs()).exec();
      ids.push_back(d.id);
    }
  });
  return ids;
}

// ---------------------------------------------------------------- experiments

int64_t Database::ensureExperiment(const std::string& name, const std::string& kind,
                                   const std::string& description) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  {
    sqlite::Stmt q(m_db, prepare("SELECT id FROM experiments WHERE name=?1 AND kind=?2"), m_path);
    q.bind(1, name).bind(2, kind);
    if (q.next()) return q.i64(0);
  }
  sqlite::Stmt ins(m_db,
                   prepare("INSERT INTO experiments(name, kind, description, created_at) "
                           "VALUES (?1, ?2, ?3, ?4)"),
                   m_path);
  ins.bind(1, name).bind(2, kind).bind(3, description).bind(4, nowMs()).exec();
  return sqlite3_last_insert_rowid(m_db);
}

std::vector<ExperimentInfo> Database::experiments() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT id, name, kind, description, created_at FROM experiments "
                         "ORDER BY id"),
                 m_path);
  std::vector<ExperimentInfo> out;
  while (q.next()) out.push_back({q.i64(0), q.text(1), q.text(2), q.text(3), q.i64(4)});
  return out;
}

// ---------------------------------------------------------------- runs

int64_t Database::createRun(const NewRun& run) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::string kind = run.kind;
  if (kind.empty() && run.config.is_object() && run.config.contains("kind") &&
      run.config["kind"].is_string())
    kind = run.config["kind"].get<std::string>();
  if (kind.empty()) throw Error("cannot store a run without a kind (config.kind is missing)");
  int seeds = run.seeds;
  // "seeds" (numbers) or "models" (aux: every model is one seed).
  for (const char* key : {"seeds", "models"})
    if (seeds == 0 && run.config.is_object() && run.config.contains(key) &&
        run.config[key].is_number_integer())
      seeds = run.config[key].get<int>();
  const std::string name =
      !run.name.empty() ? run.name : (!run.preset.empty() ? run.preset : "run");
  const std::string experiment = !run.experiment.empty() ? run.experiment : name;
  if (run.status != RunStatus::Queued && run.status != RunStatus::Running)
    throw Error("a new run starts as queued or running, not " + toString(run.status));
  int64_t id = 0;
  transaction([&] {
    const int64_t exp = ensureExperiment(experiment, kind);
    const int64_t now = nowMs();
    const int64_t pid = getpid();
    sqlite::Stmt ins(
        m_db,
        prepare("INSERT INTO runs(experiment_id, name, kind, preset, config, seeds, device, "
                "threads, status, created_at, started_at, tags, notes, pid, host, pid_start, uuid) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                "lower(hex(randomblob(16))))"),
        m_path);
    ins.bind(1, exp).bind(2, name).bind(3, kind).bind(4, run.preset).bind(5, run.config.dump());
    ins.bind(6, seeds).bind(7, run.device).bind(8, run.threads).bind(9, toString(run.status));
    ins.bind(10, now).bindOrNull(11, run.status == RunStatus::Running ? now : 0);
    ins.bind(12, nlohmann::json(run.tags).dump()).bind(13, run.notes);
    ins.bind(14, pid).bind(15, hostName()).bindOrNull(16, processStartTime(pid));
    ins.exec();
    id = sqlite3_last_insert_rowid(m_db);
  });
  return id;
}

void Database::markRunStarted(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  const int64_t pid = getpid();
  sqlite::Stmt u(m_db,
                 prepare("UPDATE runs SET status='running', started_at=?2, pid=?3, host=?4, "
                         "pid_start=?5 WHERE id=?1"),
                 m_path);
  u.bind(1, runId).bind(2, nowMs()).bind(3, pid).bind(4, hostName());
  u.bindOrNull(5, processStartTime(pid)).exec();
  if (sqlite3_changes(m_db) == 0) run(runId);  // throws the "no such run" message
}

void Database::saveResult(int64_t runId, const ExperimentResult& result) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    sqlite::Stmt u(m_db, prepare("UPDATE runs SET summary=?2 WHERE id=?1"), m_path);
    u.bind(1, runId).bind(2, result.summary.dump()).exec();
    if (sqlite3_changes(m_db) == 0) run(runId);
    sqlite::Stmt d(m_db, prepare("DELETE FROM summaries WHERE run_id=?1"), m_path);
    d.bind(1, runId).exec();
    auto put = [&](const ConditionSummary& s, const char* kind) {
      sqlite::Stmt ins(m_db,
                       prepare("INSERT INTO summaries(run_id, condition, metric, kind, mean, lo, "
                               "hi, n, per_seed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                       m_path);
      ins.bind(1, runId).bind(2, s.condition).bind(3, s.metric).bind(4, kind);
      ins.bind(5, s.value.mean).bind(6, s.value.lo).bind(7, s.value.hi).bind(8, s.value.n);
      ins.bind(9, nlohmann::json(s.perSeed).dump()).exec();
    };
    for (const auto& s : result.conditions) put(s, "condition");
    for (const auto& s : result.contrasts) put(s, "contrast");
  });
}

void Database::finishRun(int64_t runId, RunStatus status, double wallSeconds,
                         const std::string& error) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  if (!isFinished(status)) throw Error("finishRun needs a final status, not " + toString(status));
  transaction([&] {
    const int64_t now = nowMs();
    sqlite::Stmt u(m_db,
                   prepare("UPDATE runs SET status=?2, finished_at=?3, wall_seconds=?4, "
                           "error=?5 WHERE id=?1"),
                   m_path);
    u.bind(1, runId).bind(2, toString(status)).bind(3, now).bind(4, wallSeconds).bind(5, error);
    u.exec();
    if (sqlite3_changes(m_db) == 0) run(runId);
    sqlite::Stmt s(m_db,
                   prepare("UPDATE stages SET status=?2, finished_at=?3, "
                           "progress=CASE WHEN ?2='done' THEN 1.0 ELSE progress END "
                           "WHERE run_id=?1 AND status='running'"),
                   m_path);
    s.bind(1, runId).bind(2, toString(status)).bind(3, now).exec();
  });
}

namespace {
const char* kRunColumns =
    "SELECT id, COALESCE(experiment_id, 0), name, kind, preset, config, seeds, device, threads, "
    "status, error, created_at, COALESCE(started_at, 0), COALESCE(finished_at, 0), wall_seconds, "
    "COALESCE(summary, ''), tags, notes, COALESCE(pid, 0), COALESCE(host, '') FROM runs "
    "WHERE trashed_at IS NULL ";
}

void Database::fillRun(sqlite3_stmt* raw, RunInfo& r) {
  auto col = [&](int c) -> std::string {
    const unsigned char* p = sqlite3_column_text(raw, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(raw, c)))
             : std::string();
  };
  r.id = sqlite3_column_int64(raw, 0);
  r.experimentId = sqlite3_column_int64(raw, 1);
  r.name = col(2);
  r.kind = col(3);
  r.preset = col(4);
  // Read as the run used it: knobs added since it was stored get the value it ran with.
  r.config = completeStoredConfig(parseOrNull(col(5)));
  r.seeds = sqlite3_column_int(raw, 6);
  r.device = col(7);
  r.threads = sqlite3_column_int(raw, 8);
  try {
    r.status = runStatusFromString(col(9));
  } catch (const Error&) {
    r.status = RunStatus::Failed;
  }
  r.error = col(10);
  r.createdAt = sqlite3_column_int64(raw, 11);
  r.startedAt = sqlite3_column_int64(raw, 12);
  r.finishedAt = sqlite3_column_int64(raw, 13);
  r.wallSeconds = sqlite3_column_double(raw, 14);
  r.summary = parseOrNull(col(15));
  const nlohmann::json tags = parseOrNull(col(16));
  r.tags.clear();
  if (tags.is_array())
    for (const auto& t : tags)
      if (t.is_string()) r.tags.push_back(t.get<std::string>());
  r.notes = col(17);
  r.pid = sqlite3_column_int64(raw, 18);
  r.host = col(19);
}

void Database::loadSummaries(std::vector<RunInfo>& runs) {
  std::unordered_map<int64_t, size_t> at;
  for (size_t i = 0; i < runs.size(); ++i) at[runs[i].id] = i;
  const std::string sql =
      "SELECT run_id, condition, metric, kind, mean, lo, hi, n, per_seed FROM summaries" +
      std::string(runs.size() == 1 ? " WHERE run_id=?1" : "") + " ORDER BY run_id, id";
  sqlite::Stmt q(m_db, prepare(sql), m_path);
  if (runs.size() == 1) q.bind(1, runs[0].id);
  while (q.next()) {
    auto it = at.find(q.i64(0));
    if (it == at.end()) continue;
    ConditionSummary s;
    s.condition = q.text(1);
    s.metric = q.text(2);
    s.value = {nanIfNull(q, 4), nanIfNull(q, 5), nanIfNull(q, 6), q.i32(7)};
    const nlohmann::json per = parseOrNull(q.text(8));
    if (per.is_array())
      for (const auto& v : per)
        s.perSeed.push_back(v.is_number() ? v.get<double>()
                                          : std::numeric_limits<double>::quiet_NaN());
    RunInfo& r = runs[it->second];
    (q.text(3) == "contrast" ? r.contrasts : r.conditions).push_back(std::move(s));
  }
}

std::vector<RunInfo> Database::listRuns() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<RunInfo> out;
  {
    sqlite3_stmt* raw = prepare(std::string(kRunColumns) + "ORDER BY id");
    sqlite::Stmt q(m_db, raw, m_path);
    while (q.next()) {
      out.emplace_back();
      fillRun(raw, out.back());
    }
  }
  if (!out.empty()) loadSummaries(out);
  return out;
}

std::optional<RunInfo> Database::findRun(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<RunInfo> out;
  {
    sqlite3_stmt* raw = prepare(std::string(kRunColumns) + "AND id=?1");
    sqlite::Stmt q(m_db, raw, m_path);
    q.bind(1, runId);
    if (!q.next()) return std::nullopt;
    out.emplace_back();
    fillRun(raw, out.back());
  }
  loadSummaries(out);
  return std::move(out.front());
}

RunInfo Database::run(int64_t runId) {
  auto r = findRun(runId);
  if (!r)
    throw Error("there is no run " + std::to_string(runId) + " in " + m_path, ErrorCode::NoSuchRun);
  return std::move(*r);
}

void Database::setRunName(int64_t runId, const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt u(m_db, prepare("UPDATE runs SET name=?2 WHERE id=?1"), m_path);
  u.bind(1, runId).bind(2, name).exec();
  if (sqlite3_changes(m_db) == 0) run(runId);
}

void Database::setRunTags(int64_t runId, const std::vector<std::string>& tags) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt u(m_db, prepare("UPDATE runs SET tags=?2 WHERE id=?1"), m_path);
  u.bind(1, runId).bind(2, nlohmann::json(tags).dump()).exec();
  if (sqlite3_changes(m_db) == 0) run(runId);
}

void Database::setRunNotes(int64_t runId, const std::string& notes) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt u(m_db, prepare("UPDATE runs SET notes=?2 WHERE id=?1"), m_path);
  u.bind(1, runId).bind(2, notes).exec();
  if (sqlite3_changes(m_db) == 0) run(runId);
}

void Database::deleteRun(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  transaction([&] {
    // Children first, explicitly: faster than cascades and independent of the pragma.
    for (const char* t : {"stages", "metrics", "sequences", "summaries", "artifacts", "analyses"}) {
      sqlite::Stmt d(m_db, prepare(std::string("DELETE FROM ") + t + " WHERE run_id=?1"), m_path);
      d.bind(1, runId).exec();
    }
    sqlite::Stmt d(m_db, prepare("DELETE FROM runs WHERE id=?1"), m_path);
    d.bind(1, runId).exec();
    if (sqlite3_changes(m_db) == 0) run(runId);
  });
}

void Database::trashRun(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt u(m_db, prepare("UPDATE runs SET trashed_at=?2 WHERE id=?1 AND trashed_at IS NULL"),
                 m_path);
  u.bind(1, runId).bind(2, nowMs()).exec();
  if (sqlite3_changes(m_db) == 0) run(runId);
}

void Database::restoreRun(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt u(m_db,
                 prepare("UPDATE runs SET trashed_at=NULL WHERE id=?1 AND trashed_at IS NOT NULL"),
                 m_path);
  u.bind(1, runId).exec();
  if (sqlite3_changes(m_db) == 0)
    throw Error("there is no run " + std::to_string(runId) + " in the trash of " + m_path +
                    " (it was deleted for good or never trashed)",
                ErrorCode::NoSuchRun);
}

std::vector<int64_t> Database::trashedRuns() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT id FROM runs WHERE trashed_at IS NOT NULL "
                         "ORDER BY trashed_at, id"),
                 m_path);
  std::vector<int64_t> out;
  while (q.next()) out.push_back(q.i64(0));
  return out;
}

int Database::emptyTrash(const std::vector<int64_t>& runIds) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  const std::vector<int64_t> trashed = trashedRuns();
  int deleted = 0;
  transaction([&] {
    for (int64_t id : trashed) {
      if (!runIds.empty() && std::find(runIds.begin(), runIds.end(), id) == runIds.end()) continue;
      deleteRun(id);
      ++deleted;
    }
  });
  return deleted;
}

// ---------------------------------------------------------------- stages

void Database::updateStage(int64_t runId, const std::string& name, StageStatus status,
                           double progress, const std::string& message) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  const int64_t now = nowMs();
  const bool finished = status != StageStatus::Pending && status != StageStatus::Running;
  if (status == StageStatus::Done && progress < 0) progress = 1.0;
  sqlite::Stmt q(
      m_db,
      prepare("INSERT INTO stages(run_id, ordinal, name, status, progress, message, started_at, "
              "finished_at) VALUES (?1, (SELECT COALESCE(MAX(ordinal), -1) + 1 FROM stages "
              "WHERE run_id=?1), ?2, ?3, MAX(?4, 0.0), ?5, ?6, ?7) "
              "ON CONFLICT(run_id, name) DO UPDATE SET status=excluded.status, "
              "progress=CASE WHEN ?4 < 0 THEN progress ELSE excluded.progress END, "
              "message=excluded.message, started_at=COALESCE(started_at, excluded.started_at), "
              "finished_at=excluded.finished_at"),
      m_path);
  q.bind(1, runId).bind(2, name).bind(3, toString(status)).bind(4, progress).bind(5, message);
  q.bindOrNull(6, status == StageStatus::Pending ? 0 : now).bindOrNull(7, finished ? now : 0);
  q.exec();
}

void Database::updateStageProgress(int64_t runId, const std::string& name, double progress,
                                   const std::string& message) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  {
    sqlite::Stmt u(m_db,
                   prepare("UPDATE stages SET progress=?3, message=?4 "
                           "WHERE run_id=?1 AND name=?2"),
                   m_path);
    u.bind(1, runId).bind(2, name).bind(3, progress).bind(4, message).exec();
  }
  if (sqlite3_changes(m_db) == 0) updateStage(runId, name, StageStatus::Running, progress, message);
}

std::vector<StageInfo> Database::stages(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT ordinal, name, status, progress, message, "
                         "COALESCE(started_at, 0), COALESCE(finished_at, 0) FROM stages "
                         "WHERE run_id=?1 ORDER BY ordinal"),
                 m_path);
  q.bind(1, runId);
  std::vector<StageInfo> out;
  while (q.next())
    out.push_back({runId, q.i32(0), q.text(1), stageStatusFromString(q.text(2)), q.f64(3),
                   q.text(4), q.i64(5), q.i64(6)});
  return out;
}

// ---------------------------------------------------------------- summaries

std::vector<ConditionSummary> Database::summaries(int64_t runId, bool contrasts) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  std::vector<RunInfo> one(1);
  one[0].id = runId;
  loadSummaries(one);
  return contrasts ? one[0].contrasts : one[0].conditions;
}

// ---------------------------------------------------------------- analyses

void Database::saveAnalysis(int64_t runId, const std::string& name, const nlohmann::json& data) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  if (!findRun(runId)) run(runId);
  sqlite::Stmt ins(m_db,
                   prepare("INSERT OR REPLACE INTO analyses(run_id, name, data, created_at) "
                           "VALUES (?1, ?2, ?3, ?4)"),
                   m_path);
  ins.bind(1, runId).bind(2, name).bind(3, data.dump()).bind(4, nowMs()).exec();
}

std::optional<nlohmann::json> Database::analysis(int64_t runId, const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT data FROM analyses WHERE run_id=?1 AND name=?2"), m_path);
  q.bind(1, runId).bind(2, name);
  if (!q.next()) return std::nullopt;
  try {
    return nlohmann::json::parse(q.text(0));
  } catch (const nlohmann::json::exception& e) {
    throw Error("the stored analysis \"" + name + "\" of run " + std::to_string(runId) + " in " +
                m_path + " is not valid JSON (" + e.what() + "); rerun the run to recompute it");
  }
}

std::vector<std::string> Database::analysisNames(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("SELECT name FROM analyses WHERE run_id=?1 ORDER BY name"), m_path);
  q.bind(1, runId);
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

// ---------------------------------------------------------------- artifacts

int64_t Database::addArtifact(int64_t runId, const std::string& kind, const std::string& path,
                              const std::string& description) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  if (!findRun(runId)) run(runId);
  sqlite::Stmt ins(m_db,
                   prepare("INSERT INTO artifacts(run_id, kind, path, description, "
                           "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"),
                   m_path);
  ins.bind(1, runId).bind(2, kind).bind(3, path).bind(4, description).bind(5, nowMs()).exec();
  return sqlite3_last_insert_rowid(m_db);
}

std::vector<ArtifactInfo> Database::artifacts(int64_t runId) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db,
                 prepare("SELECT id, kind, path, description, created_at FROM artifacts "
                         "WHERE run_id=?1 ORDER BY id"),
                 m_path);
  q.bind(1, runId);
  std::vector<ArtifactInfo> out;
  while (q.next()) out.push_back({q.i64(0), runId, q.text(1), q.text(2), q.text(3), q.i64(4)});
  return out;
}

}  // namespace sublab
