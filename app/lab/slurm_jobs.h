// A sweep on a Slurm cluster, the use cases both front ends call: submit (write the files of
// slurm.h, record the sweep and where its manifest is in the project database, call sbatch),
// each point's state (Slurm's word from scontrol / sacct, the run in the shard or the project,
// the failure's message), resubmit only the points that need it, and merge the shards. No Qt:
// the CLI (`sublab sweep --slurm`, `sweep status`, `sweep resubmit`, `sweep-merge`) and the GUI
// (Sweep dialog, Sweeps view) add only their words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/lab/slurm.h"
#include "app/lab/sweep.h"
#include "storage/database.h"

namespace sublab {

// True when an executable `name` is on the PATH (e.g. "sbatch": can this machine submit?).
bool commandOnPath(const std::string& name);

// Runs `sbatch --parsable ARGS SCRIPT` in `dir` and returns the job id. Throws Error with
// sbatch's own message when it fails (the files stay for a submission by hand).
std::string runSbatch(const std::string& dir, const std::string& args, const std::string& script);

// The `sublab` the job scripts run: `exeDir`/sublab, then its parent's, then the PATH; throws
// Error saying what to build when there is none (the GUI submits, but the tasks run the CLI).
std::string findSublab(const std::string& exeDir);

struct SlurmSubmission {
  SlurmSweepFiles files;
  int64_t sweepId = 0;             // the sweep in the project database
  std::string arrayJob, mergeJob;  // "" when not submitted
  size_t points = 0;
};

// Writes the scripts and manifest into `dir`, records the sweep (and its points, without runs
// yet) in `project` with the manifest's path, and, when `submit`, submits the array and the
// merge job after it (sbatch must be on the PATH) and writes the job ids into the manifest.
SlurmSubmission submitSlurmSweep(Database& project, const SweepPlan& plan,
                                 const SlurmOptions& options, const std::string& sublab,
                                 const std::string& planPath, const std::string& dir, bool submit);

// The GUI's submission: the plan (JSON; a "config_file" base resolved against `baseDir`) is
// written to DIR/plan.json, which the tasks read, then as submitSlurmSweep. An empty `dir`
// means defaultSlurmDir.
SlurmSubmission submitSlurmSweepPlan(Database& project, const nlohmann::json& plan,
                                     const SlurmOptions& options, const std::string& sublab,
                                     const std::string& dir, bool submit);
// PROJECT_FOLDER/slurm/NAME-HASH8: one folder per plan beside the project database.
std::string defaultSlurmDir(const std::string& dbPath, const nlohmann::json& plan);

// The manifest of sweep `sweepId` in `project`; throws Error for a sweep that was never
// submitted to Slurm and for a manifest that is no longer where it was written (moved or
// deleted), saying what to do. Unknown ids throw Database::sweep's error.
std::string sweepManifestPath(Database& project, int64_t sweepId);
// Records `manifestPath` as the manifest of the sweep with the manifest's plan in `project`
// (a folder that moved is found again this way); returns that sweep's id, 0 when the project
// has no such sweep.
int64_t linkSweepManifest(Database& project, const std::string& manifestPath);

// One point of a Slurm sweep as it stands.
struct SlurmPointState {
  int index = 0;
  nlohmann::json values;
  std::string shard;
  std::string job;          // the array task, e.g. 12_3 ("" = never submitted)
  std::string slurmState;   // PENDING, RUNNING, COMPLETED, FAILED, ... ("" = Slurm forgot it)
  std::string exitCode;     // e.g. 0:0, 1:0 ("" = unknown)
  std::string run;          // the run's status (project first, else the shard); "" = none yet
  int64_t projectRun = 0;   // the run in the project database (0 = not merged yet)
  std::string message;      // the failure: the run's error, else the last line of the task's log
  bool active() const;      // queued or running in Slurm
  bool needsRerun() const;  // not done and not active: failed, killed, cancelled, never ran
};
// Asks scontrol (sacct once the controller has forgotten a task, where accounting exists) for
// each point's task and reads its run from `project` (may be null) or its shard.
std::vector<SlurmPointState> slurmPointStates(const nlohmann::json& manifest, Database* project);

struct SlurmResubmission {
  std::vector<int> points;  // resubmitted (empty: nothing needed it)
  std::string arrayJob, mergeJob;
};
// Submits the array script again for only the points that need a rerun, and a merge job after
// them; the manifest records the new job of each point. Throws Error when sbatch is missing.
SlurmResubmission resubmitSlurmSweep(const std::string& manifestPath, Database* project);

struct SlurmMerge {
  MergeReport report;
  std::vector<int> missing;  // points without a shard (their task never started)
};
// Folds the manifest's shards into `project` (Database::mergeShards: checked first, one
// transaction, idempotent) and records the manifest with the sweep.
SlurmMerge mergeSlurmSweep(Database& project, const std::string& manifestPath);

}  // namespace sublab
