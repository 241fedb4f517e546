// The database schema as an ordered list of migrations, and the default database location.
#include "storage/schema.h"

#include <cstdlib>
#include <filesystem>

#include "engine/core/common.h"

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
      // SQLite's documented table rebuild (foreign keys are off while migrations run, so
      // dropping the old table cascades nothing). AUTOINCREMENT: an id is never handed out
      // twice, even after the newest run was deleted (exported files are named by run id).
      // sqlite_sequence starts at the highest id copied over.
      {6,
       R"SQL(
CREATE TABLE runs_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
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
  host          TEXT,
  pid_start     INTEGER,
  trashed_at    INTEGER
);
INSERT INTO runs_new(id, experiment_id, name, kind, preset, config, seeds, device, threads,
                     status, error, created_at, started_at, finished_at, wall_seconds, summary,
                     tags, notes, pid, host, pid_start)
  SELECT id, experiment_id, name, kind, preset, config, seeds, device, threads, status, error,
         created_at, started_at, finished_at, wall_seconds, summary, tags, notes, pid, host,
         pid_start FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_experiment ON runs(experiment_id);
CREATE INDEX runs_status ON runs(status);
)SQL",
       "run ids are never reused (AUTOINCREMENT); runs can wait in a trash (trashed_at) "
       "until deleted for good"},
      // A sweep is a named plan whose points are ordinary runs. Every run gets a globally unique
      // id (uuid) so that sweeps run in shards on other machines can later be merged into one
      // database without duplicating a run (the merge itself is not written yet).
      {7,
       R"SQL(
ALTER TABLE runs ADD COLUMN uuid TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_uuid ON runs(uuid);
CREATE TABLE sweeps (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  plan       TEXT NOT NULL,
  plan_hash  TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE sweep_points (
  sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  point_index INTEGER NOT NULL,
  axis_values TEXT NOT NULL,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  PRIMARY KEY (sweep_id, point_index)
);
CREATE INDEX sweep_points_run ON sweep_points(run_id);
)SQL",
       "sweeps and their points (each point an ordinary run); runs get a globally unique uuid"},
      // Where a sweep submitted to Slurm keeps its files: `sublab sweep status ID` and the
      // Sweeps view find the manifest (job ids, shards, logs) from the sweep alone. A table, not
      // a column: most sweeps run locally and have none.
      {8,
       R"SQL(
CREATE TABLE sweep_slurm (
  sweep_id     INTEGER PRIMARY KEY REFERENCES sweeps(id) ON DELETE CASCADE,
  manifest     TEXT NOT NULL,
  submitted_at INTEGER NOT NULL
);
)SQL",
       "a sweep submitted to Slurm remembers its manifest (sweep status / resubmit by id)"},
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
        "cannot find a place for the default database: neither XDG_DATA_HOME nor HOME "
        "is set",
        ErrorCode::NoDataFolder);
  }
  const fs::path dir = base / "subliminal-lab";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw Error("cannot create the data folder " + dir.string() + ": " + ec.message(),
                ErrorCode::NoDataFolder);
  return (dir / "default.sqlite").string();
}

}  // namespace sublab
