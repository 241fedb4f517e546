// The project database: one SQLite file holding experiments, runs, stages, metric series,
// generated sequences with verdicts and summaries. WAL mode, versioned migrations
// (PRAGMA user_version), batched writes. No Qt: the CLI and the GUI both use this API.
// A Database is one connection; its methods lock an internal mutex, so one object may be used
// from several threads, but the usual pattern is one connection per thread (WAL lets a GUI
// connection read while an engine thread writes through another).
// The records it reads and writes are in records.h, the schema in schema.h, and the observer
// that stores a running experiment in storage_observer.h.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/common.h"
#include "storage/records.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sublab {

struct OpenOptions {
  bool create = true;  // create the file when it does not exist
  bool readOnly = false;
  bool markInterrupted = true;  // runs 'running' with a dead pid on this host -> interrupted
  // How long a write waits for another program's write lock before it fails. A merge of many
  // shards holds the lock for one transaction (its runs appear all together), which on a loaded
  // machine can outlast the former 10 s; a run should wait it out, not fail.
  int busyTimeoutMs = 120000;
};

class Database {
 public:
  // Opens (and creates / migrates) the file. Throws Error naming the file and what is wrong, with
  // an ErrorCode (Database*, NoDatabasePath) for the front end's advice, when it is not SQLite,
  // damaged, newer than this program, or not writable. Never writes to a file it rejects.
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
  void finishRun(int64_t runId, RunStatus status, double wallSeconds,
                 const std::string& error = {});
  std::vector<RunInfo> listRuns();
  std::optional<RunInfo> findRun(int64_t runId);
  // Throws Error (ErrorCode::NoSuchRun) naming the run id and the file when there is no such run.
  RunInfo run(int64_t runId);
  void setRunName(int64_t runId, const std::string& name);
  void setRunTags(int64_t runId, const std::vector<std::string>& tags);
  void setRunNotes(int64_t runId, const std::string& notes);
  // Deletes the run and everything it owns (stages, metrics, sequences, summaries, artifact
  // rows), in the trash or not. Its id is never handed out again.
  void deleteRun(int64_t runId);

  // --- the trash: a trashed run keeps every row it owns but is hidden from listRuns, findRun
  // and run() (as if deleted) until restored or deleted for good.
  // Throws Error (NoSuchRun) when there is no such run outside the trash.
  void trashRun(int64_t runId);
  // Puts a trashed run back whole; throws Error (NoSuchRun) when it is not in the trash.
  void restoreRun(int64_t runId);
  // Ids of the runs in the trash, oldest first.
  std::vector<int64_t> trashedRuns();
  // Deletes the given trashed runs for good (all of them when `runIds` is empty); returns how
  // many were deleted. Runs not in the trash are left alone.
  int emptyTrash(const std::vector<int64_t>& runIds = {});

  // --- sweeps (a plan whose points are ordinary runs)
  // The sweep stored with `planHash`, else a new one (plan stored as given).
  SweepInfo findOrCreateSweep(const std::string& name, const nlohmann::json& plan,
                              const std::string& planHash, bool* created = nullptr);
  std::vector<SweepInfo> sweeps();
  // Throws Error naming the id when there is no such sweep.
  SweepInfo sweep(int64_t sweepId);
  // Points in index order (a point not yet given a run has runId 0).
  std::vector<SweepPointInfo> sweepPoints(int64_t sweepId);
  // Records point `index` (its axis values) as run `runId`, replacing the run it had.
  void setSweepPoint(int64_t sweepId, int index, const nlohmann::json& values, int64_t runId);
  // The points that have a run (of every sweep, by sweep then index); with `runId` only the
  // point that run is (none when it is in no sweep). The runs table groups runs by these.
  std::vector<SweepPointInfo> linkedSweepPoints(int64_t runId = 0);
  // The run's globally unique id.
  std::string runUuid(int64_t runId);
  // The manifest of a sweep submitted to Slurm (`sublab sweep --slurm`), recorded at submission
  // (and again when it is found elsewhere); "" when the sweep was never submitted to Slurm.
  void setSweepManifest(int64_t sweepId, const std::string& manifestPath);
  std::string sweepManifest(int64_t sweepId);

  // --- merging shards (databases that each ran sweep points elsewhere, e.g. one Slurm task)
  // Checks every shard first (a file that is not a Subliminal Lab database, a newer or older
  // schema, a damaged or truncated file, a shard holding no sweep or another sweep than
  // `planHash`, or than the first shard when `planHash` is empty): throws Error naming the shard
  // and what is wrong, with nothing written. Then folds them all in ONE transaction: each run
  // whose uuid is not here yet is copied with everything it owns and linked to its sweep point
  // (a run the shard left queued or running, i.e. its task was killed, comes in as
  // interrupted); runs already here (same uuid) are skipped, so merging twice adds nothing.
  MergeReport mergeShards(const std::vector<std::string>& shards, const std::string& planHash = {});

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
  // Removes every sequence of the run (an import that failed or was cancelled keeps none).
  void deleteSequences(int64_t runId);
  // One page in id order: rows offset..offset+limit-1 of those matching.
  std::vector<SequenceRecord> sequences(int64_t runId, const SequenceFilter& filter, int64_t offset,
                                        int64_t limit);
  // Keyset paging: the next `limit` matching rows with id > afterId (fast at any depth).
  std::vector<SequenceRecord> sequencesAfter(int64_t runId, const SequenceFilter& filter,
                                             int64_t afterId, int64_t limit);
  int64_t countSequences(int64_t runId, const SequenceFilter& filter);
  // How often filter.number occurs in the completions of the matching rows (as the statistics
  // count it: a row holding it twice counts twice). Throws Error when the filter has no number.
  int64_t countNumberOccurrences(int64_t runId, const SequenceFilter& filter);
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
  void checkOwnership();
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

}  // namespace sublab
