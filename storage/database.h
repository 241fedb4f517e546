// The project database: one SQLite file holding experiments, runs, stages, metric series,
// generated sequences with verdicts and summaries. WAL mode, versioned migrations
// (PRAGMA user_version), batched writes. No Qt: the CLI and the GUI both use this API.
// A Database is one connection; its methods lock an internal mutex, so one object may be used
// from several threads, but the usual pattern is one connection per thread (WAL lets a GUI
// connection read while an engine thread writes through another).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/common.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sublab {

// $XDG_DATA_HOME/subliminal-lab/default.sqlite, else ~/.local/share/subliminal-lab/default.sqlite.
// Creates the folder (not the file). Throws Error when neither variable gives a home.
std::string defaultDatabasePath();

enum class RunStatus { Queued, Running, Done, Failed, Cancelled, Interrupted };
std::string toString(RunStatus s);
// Throws Error on an unknown string.
RunStatus runStatusFromString(const std::string& s);
// True for Done, Failed, Cancelled, Interrupted.
bool isFinished(RunStatus s);

// Milliseconds since the Unix epoch (UTC); 0 means "not set".
int64_t nowMs();
// "2024-05-01 13:45:12" in local time, or "" for 0.
std::string formatTimestamp(int64_t ms);

struct ExperimentInfo {
  int64_t id = 0;
  std::string name;
  std::string kind;
  std::string description;
  int64_t createdAt = 0;
};

// Everything stored about one run. Summary figures: `summary` is the engine's JSON
// (ExperimentResult::summary); `conditions`/`contrasts` are the same figures as rows.
struct RunInfo {
  int64_t id = 0;
  int64_t experimentId = 0;  // 0 when none
  std::string name;          // user-editable label; defaults to the preset / config name
  std::string kind;          // "numbers" | "aux"
  std::string preset;        // preset name, or the config file name, or "" (GUI form)
  nlohmann::json config;     // the full normalized config
  int seeds = 0;
  std::string device = "cpu";
  int threads = 0;
  RunStatus status = RunStatus::Queued;
  std::string error;         // why it failed (empty otherwise)
  int64_t createdAt = 0, startedAt = 0, finishedAt = 0;  // ms since epoch, 0 = not yet
  double wallSeconds = 0.0;
  nlohmann::json summary;    // null until done
  std::vector<std::string> tags;
  std::string notes;
  int64_t pid = 0;           // process that runs / ran it
  std::string host;
  std::vector<ConditionSummary> conditions;
  std::vector<ConditionSummary> contrasts;
};

// A file a run wrote (a checkpoint, an export), kept on disk and referenced from the database.
struct ArtifactInfo {
  int64_t id = 0;
  int64_t runId = 0;
  std::string kind;  // "checkpoint", "csv", ...
  std::string path;
  std::string description;
  int64_t createdAt = 0;
};

// What createRun() needs; the rest is filled as the run proceeds.
struct NewRun {
  std::string name;        // empty: preset, else "run"
  std::string kind;        // empty: config["kind"]
  std::string preset;
  nlohmann::json config;   // normalized config
  int seeds = 0;           // 0: config["seeds"] (or "models" for aux) when present
  std::string device = "cpu";
  int threads = 0;
  RunStatus status = RunStatus::Running;  // Queued (GUI queue) or Running (starts now)
  std::string experiment;  // experiment name to file it under (created when new); "" = preset
  std::vector<std::string> tags;
  std::string notes;
};

struct StageInfo {
  int64_t runId = 0;
  int ordinal = 0;  // order of first appearance in the run
  std::string name;
  StageStatus status = StageStatus::Pending;
  double progress = 0.0;  // [0, 1]
  std::string message;
  int64_t startedAt = 0, finishedAt = 0;
};

struct MetricRecord : MetricPoint {
  int64_t id = 0;  // increasing in insertion order; use as a cursor for live updates
};

struct SequenceRecord : SequenceRow {
  int64_t id = 0;  // increasing in insertion order; the paging order and keyset cursor
  int64_t runId = 0;
};

enum class Verdict { Any, Kept, Rejected };

// Filters for sequence paging; empty / unset fields do not filter.
struct SequenceFilter {
  std::string condition;
  std::optional<int> seed;
  Verdict verdict = Verdict::Any;
  std::string text;          // substring of prompt or completion (ASCII case-insensitive)
  bool textIsRegex = false;  // treat `text` as an ECMAScript regex (slower: scans the rows)
  std::string reason;        // exact reject reason
};

struct OpenOptions {
  bool create = true;                // create the file when it does not exist
  bool readOnly = false;
  bool markInterrupted = true;       // runs 'running' with a dead pid on this host -> interrupted
  int busyTimeoutMs = 10000;
};

// One step of the schema; migrations run in order inside a transaction each.
struct Migration {
  int version;          // user_version after it ran
  const char* sql;      // one or more statements
  const char* summary;  // one line
};
// The migration list (exposed for tests and `sublab` diagnostics).
const std::vector<Migration>& migrations();
// The user_version this code writes (the last migration's version).
int schemaVersion();

class Database {
 public:
  // Opens (and creates / migrates) the file. Throws Error with the file name, what is wrong and
  // what to do when it is not SQLite, damaged, newer than this program, or not writable. Never
  // writes to a file it rejects.
  explicit Database(const std::string& path, const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return m_path; }
  int userVersion();
  // Runs marked interrupted by this open (ids), for a notice in the UI.
  const std::vector<int64_t>& recoveredRuns() const { return m_recovered; }
  // Marks runs left 'running'/'queued' by dead processes of this host as interrupted; returns
  // their ids. Called by the constructor unless OpenOptions::markInterrupted is false.
  std::vector<int64_t> markInterruptedRuns();
  // "ok" or SQLite's list of problems (PRAGMA integrity_check).
  std::string integrityCheck();
  // Changes whenever another connection commits (PRAGMA data_version): cheap polling for views.
  int64_t dataVersion();

  // --- experiments
  int64_t ensureExperiment(const std::string& name, const std::string& kind,
                           const std::string& description = {});
  std::vector<ExperimentInfo> experiments();

  // --- runs
  int64_t createRun(const NewRun& run);
  // Queued -> Running: sets started_at, pid and host of this process.
  void markRunStarted(int64_t runId);
  // Stores the result's summary JSON and summary rows (replacing earlier ones).
  void saveResult(int64_t runId, const ExperimentResult& result);
  // Sets the final status, finished_at, wall seconds and error; stages still running or pending
  // take the same final status (Done leaves pending stages pending).
  void finishRun(int64_t runId, RunStatus status, double wallSeconds, const std::string& error = {});
  std::vector<RunInfo> listRuns();
  std::optional<RunInfo> findRun(int64_t runId);
  // Throws Error naming the run id and the file when there is no such run.
  RunInfo run(int64_t runId);
  void setRunName(int64_t runId, const std::string& name);
  void setRunTags(int64_t runId, const std::vector<std::string>& tags);
  void setRunNotes(int64_t runId, const std::string& notes);
  // Deletes the run and everything it owns (stages, metrics, sequences, summaries, artifact
  // rows).
  void deleteRun(int64_t runId);

  // --- stages
  // Creates the stage on first sight; progress < 0 keeps the stored progress.
  void updateStage(int64_t runId, const std::string& name, StageStatus status, double progress,
                   const std::string& message);
  void updateStageProgress(int64_t runId, const std::string& name, double progress,
                           const std::string& message);
  std::vector<StageInfo> stages(int64_t runId);

  // --- metric series
  void insertMetrics(int64_t runId, const std::vector<MetricPoint>& points);
  // Points with id > afterId, in insertion order; filters are ignored when empty.
  std::vector<MetricRecord> metrics(int64_t runId, int64_t afterId = 0,
                                    const std::string& metric = {},
                                    const std::string& condition = {});
  std::vector<std::string> metricNames(int64_t runId);

  // --- sequences
  void insertSequences(int64_t runId, const std::vector<SequenceRow>& rows);
  // One page in id order: rows offset..offset+limit-1 of those matching.
  std::vector<SequenceRecord> sequences(int64_t runId, const SequenceFilter& filter,
                                        int64_t offset, int64_t limit);
  // Keyset paging: the next `limit` matching rows with id > afterId (fast at any depth).
  std::vector<SequenceRecord> sequencesAfter(int64_t runId, const SequenceFilter& filter,
                                             int64_t afterId, int64_t limit);
  int64_t countSequences(int64_t runId, const SequenceFilter& filter);
  std::vector<std::string> sequenceConditions(int64_t runId);
  std::vector<int> sequenceSeeds(int64_t runId);
  // (reason, count) of rejected rows, most frequent first.
  std::vector<std::pair<std::string, int64_t>> rejectReasons(int64_t runId);
  // Distinct conditions over sequences, metrics and condition summaries (not contrasts).
  std::vector<std::string> conditions(int64_t runId);

  // --- summaries
  std::vector<ConditionSummary> summaries(int64_t runId, bool contrasts);

  // --- named analysis results of a run (JSON), e.g. "entanglement"
  void saveAnalysis(int64_t runId, const std::string& name, const nlohmann::json& data);
  // nullopt when the run has no analysis of that name.
  std::optional<nlohmann::json> analysis(int64_t runId, const std::string& name);
  std::vector<std::string> analysisNames(int64_t runId);

  // --- artifacts (rows only: deleting a run does not delete the files)
  int64_t addArtifact(int64_t runId, const std::string& kind, const std::string& path,
                      const std::string& description = {});
  std::vector<ArtifactInfo> artifacts(int64_t runId);

  // Runs `fn` inside one transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on throw).
  template <typename Fn>
  void transaction(Fn&& fn) {
    std::lock_guard<std::recursive_mutex> lock(m_mutex);
    begin();
    try {
      fn();
    } catch (...) {
      rollback();
      throw;
    }
    commit();
  }

 private:
  class Stmt;
  friend class Stmt;
  void openFile(const OpenOptions& options);
  void migrate();
  void exec(const char* sql);
  sqlite3_stmt* prepare(const std::string& sql);
  [[noreturn]] void fail(const std::string& what, int rc = 0) const;
  void begin();
  void commit();
  void rollback();
  void fillRun(sqlite3_stmt* st, RunInfo& run);
  void loadSummaries(std::vector<RunInfo>& runs);
  std::vector<SequenceRecord> querySequences(int64_t runId, const SequenceFilter& filter,
                                             int64_t afterId, int64_t offset, int64_t limit);

  std::string m_path;
  sqlite3* m_db = nullptr;
  std::recursive_mutex m_mutex;
  int m_txDepth = 0;
  std::vector<int64_t> m_recovered;
  struct StatementCache;
  std::unique_ptr<StatementCache> m_cache;
};

// Writes a run's stages, progress, metrics and sequences into a Database as the engine reports
// them. Metrics and sequences are buffered and written in one transaction every `flushRows`
// rows, every `flushSeconds`, and at each stage change, so a killed run leaves whole batches.
// Thread-safe: engine threads may call it while other connections read.
struct StorageObserverOptions {
  size_t flushRows = 2000;
  double flushSeconds = 0.5;     // keeps live views fresh
  double progressSeconds = 0.25; // at most one progress write per stage per interval
};

class StorageObserver : public RunObserver {
 public:
  // `next`, when given, receives every call after it is stored (e.g. a progress printer or the
  // GUI worker's signal adapter).
  StorageObserver(Database& db, int64_t runId, RunObserver* next = nullptr,
                  const StorageObserverOptions& options = {});
  ~StorageObserver() override;  // flushes; never throws

  void stage(const std::string& name, StageStatus status, const std::string& message) override;
  void progress(const std::string& stage, double fraction, const std::string& message) override;
  void metric(const MetricPoint& point) override;
  void sequences(const std::vector<SequenceRow>& rows) override;
  void analysis(const std::string& name, const nlohmann::json& data) override;

  // Writes what is buffered. Throws Error on a database failure.
  void flush();
  int64_t runId() const { return m_runId; }

 private:
  void flushLocked();
  void maybeFlushLocked();

  Database& m_db;
  int64_t m_runId;
  RunObserver* m_next;
  StorageObserverOptions m_options;
  std::mutex m_mutex;
  std::vector<MetricPoint> m_metrics;
  std::vector<SequenceRow> m_sequences;
  double m_lastFlush = 0.0;
  std::vector<std::pair<std::string, double>> m_lastProgress;  // stage -> time of last write
};

}  // namespace sublab
