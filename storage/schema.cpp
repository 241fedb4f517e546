// The database schema as an ordered list of migrations, the default database location, run
// status strings, timestamps, and the translation of SQLite error codes into user messages.
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "storage/database.h"
#include "storage/sqlite_util.h"

namespace sublab {

// Never edit a migration that has shipped: append a new one. Each runs in one transaction and
// ends by setting user_version to its `version`.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1,
       R"SQL(
CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX experiments_name ON experiments(name, kind);
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
  name          TEXT NOT NULL DEFAULT '',
  kind          TEXT NOT NULL,
  preset        TEXT NOT NULL DEFAULT '',
  config        TEXT NOT NULL,
  seeds         INTEGER NOT NULL DEFAULT 0,
  device        TEXT NOT NULL DEFAULT 'cpu',
  threads       INTEGER NOT NULL DEFAULT 0,
  status        TEXT NOT NULL CHECK (status IN
                  ('queued','running','done','failed','cancelled','interrupted')),
  error         TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER,
  wall_seconds  REAL NOT NULL DEFAULT 0,
  summary       TEXT,
  tags          TEXT NOT NULL DEFAULT '[]',
  notes         TEXT NOT NULL DEFAULT '',
  pid           INTEGER,
  host          TEXT
);
CREATE INDEX runs_experiment ON runs(experiment_id);
CREATE TABLE stages (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL,
  progress    REAL NOT NULL DEFAULT 0,
  message     TEXT NOT NULL DEFAULT '',
  started_at  INTEGER,
  finished_at INTEGER,
  UNIQUE (run_id, name)
);
CREATE TABLE metrics (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  condition TEXT NOT NULL,
  seed      INTEGER NOT NULL,
  metric    TEXT NOT NULL,
  step      INTEGER NOT NULL,
  value     REAL
);
CREATE INDEX metrics_run ON metrics(run_id);
CREATE TABLE sequences (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  condition  TEXT NOT NULL,
  seed       INTEGER NOT NULL,
  idx        INTEGER NOT NULL,
  prompt     TEXT NOT NULL,
  completion TEXT NOT NULL,
  kept       INTEGER NOT NULL,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sequences_run ON sequences(run_id);
CREATE TABLE summaries (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  condition TEXT NOT NULL,
  metric    TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('condition','contrast')),
  mean      REAL,
  lo        REAL,
  hi        REAL,
  n         INTEGER NOT NULL DEFAULT 0,
  per_seed  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX summaries_run ON summaries(run_id, kind);
)SQL",
       "experiments, runs, stages, metrics, sequences, summaries"},
      {2,
       R"SQL(
ALTER TABLE runs ADD COLUMN pid_start INTEGER;
CREATE INDEX runs_status ON runs(status);
CREATE INDEX metrics_series ON metrics(run_id, metric, condition, seed, step);
DROP INDEX metrics_run;
CREATE INDEX sequences_verdict ON sequences(run_id, kept);
CREATE INDEX sequences_condition ON sequences(run_id, condition, seed, kept);
CREATE INDEX sequences_reason ON sequences(run_id, reason);
)SQL",
       "indexes for sequence paging and filters, metric series; start time of a run's process"},
      {3,
       R"SQL(
DROP INDEX sequences_reason;
CREATE INDEX sequences_reason ON sequences(run_id, reason, kept);
)SQL",
       "the reason index also covers the verdict (per-reason counts read only the index)"},
      {4,
       R"SQL(
CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  path        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id);
)SQL",
       "artifacts: files a run wrote (checkpoints, exports), referenced by path"},
      {5,
       R"SQL(
ALTER TABLE sequences ADD COLUMN token_info TEXT;
CREATE TABLE analyses (
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  data       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
);
)SQL",
       "per-token log-probabilities of sequences; named analysis results of a run"},
  };
  return list;
}

int schemaVersion() { return migrations().back().version; }

std::string defaultDatabasePath() {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".local" / "share";
  } else {
    throw Error(
        "cannot find a place for the default database: neither XDG_DATA_HOME nor HOME is set; "
        "pass a database file with --db");
  }
  const fs::path dir = base / "subliminal-lab";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw Error("cannot create the data folder " + dir.string() + ": " + ec.message() +
                "; create it by hand or pass a database file with --db");
  return (dir / "default.sqlite").string();
}

std::string toString(RunStatus s) {
  switch (s) {
    case RunStatus::Queued: return "queued";
    case RunStatus::Running: return "running";
    case RunStatus::Done: return "done";
    case RunStatus::Failed: return "failed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Interrupted: return "interrupted";
  }
  return "queued";
}

RunStatus runStatusFromString(const std::string& s) {
  for (RunStatus r : {RunStatus::Queued, RunStatus::Running, RunStatus::Done, RunStatus::Failed,
                      RunStatus::Cancelled, RunStatus::Interrupted})
    if (toString(r) == s) return r;
  throw Error("unknown run status \"" + s + "\"");
}

bool isFinished(RunStatus s) { return s != RunStatus::Queued && s != RunStatus::Running; }

int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatTimestamp(int64_t ms) {
  if (ms == 0) return {};
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

namespace sqlite {

void raise(const std::string& path, sqlite3* db, const std::string& what, int rc) {
  const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  std::string msg;
  switch (primary) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      msg = "the database " + path + " is damaged or not a database (" + detail + ", while " +
            what + "); it was left as it is — restore it from a backup, recover what is left "
            "with `sqlite3 " + path + " .recover`, or use another file with --db";
      break;
    case SQLITE_FULL:
      msg = "the disk holding " + path + " is full (while " + what +
            "); free some space and run again";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      msg = "the database " + path + " stayed locked by another program (while " + what +
            "); close other programs that write to it and run again";
      break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
    case SQLITE_AUTH:
      msg = "cannot write the database " + path + " (" + detail + ", while " + what +
            "); check that the file and its folder exist and are writable, or use another "
            "file with --db";
      break;
    default:
      msg = "database error on " + path + " while " + what + ": " + detail;
  }
  throw Error(msg);
}

}  // namespace sqlite
}  // namespace sublab
