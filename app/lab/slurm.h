// Running a sweep on a Slurm cluster: the files `sublab sweep PLAN --slurm` writes into one
// folder. A plain sbatch job-array script (task K runs point K into its own shard database,
// `sublab sweep-point`), a merge job script (`sublab sweep-merge`, submitted with
// --dependency=afterany on the array) and a manifest (JSON) naming the plan, the points, the
// shard of each, the project database and the job ids. No Qt; nothing here calls sbatch.
#pragma once

#include <string>
#include <vector>

#include "app/lab/sweep.h"
#include "engine/core/common.h"

namespace sublab {

struct SlurmOptions {
  std::string partition;                // --partition (empty: the cluster's default)
  std::string time;                     // --time HH:MM:SS or D-HH:MM:SS (empty: default)
  int cpusPerTask = 1;                  // --cpus-per-task; each task's sublab uses them all
  std::string gres;                     // --gres, e.g. gpu:1 (empty: none)
  std::string mem;                      // --mem, e.g. 4G (empty: default)
  int maxParallel = 0;                  // %K on --array (0: no limit)
  std::vector<std::string> sbatchArgs;  // extra "#SBATCH ARG" lines, verbatim
  std::string device = "cpu";           // passed to sublab sweep-point
};

// Throws Error saying which option is wrong and what it should look like.
void checkSlurmOptions(const SlurmOptions& options);

// A POSIX shell word that stands for `s` exactly (single quotes; a ' becomes '\'').
std::string shellQuote(const std::string& s);

// The folder's files. Paths inside the scripts are absolute and shell-quoted; #SBATCH lines
// hold only validated option values and paths relative to the folder (sbatch is run there).
struct SlurmSweepFiles {
  std::string dir;
  std::string manifest;     // dir/manifest.json
  std::string arrayScript;  // dir/sweep-array.sbatch
  std::string mergeScript;  // dir/sweep-merge.sbatch
};

std::string sbatchArrayScript(const SweepPlan& plan, const SlurmOptions& options,
                              const std::string& sublab, const std::string& planPath,
                              const std::string& dir);
std::string sbatchMergeScript(const SweepPlan& plan, const SlurmOptions& options,
                              const std::string& sublab, const std::string& manifestPath,
                              const std::string& db);
// The manifest: {"version", "name", "plan" (path), "plan_hash", "db", "sublab", "dir",
// "array_script", "merge_script", "options", "points": [{"index", "values", "shard"}],
// "jobs": {"array": "", "merge": ""}} (job ids filled in after submission).
nlohmann::json sweepManifest(const SweepPlan& plan, const SlurmOptions& options,
                             const std::string& sublab, const std::string& planPath,
                             const std::string& dir, const std::string& db);
// The shard database of point `index` inside `dir`.
std::string shardPath(const std::string& dir, int index);

// Creates `dir` (and dir/shards, dir/logs) and writes the three files; every path made absolute.
SlurmSweepFiles writeSlurmSweep(const SweepPlan& plan, const SlurmOptions& options,
                                const std::string& sublab, const std::string& planPath,
                                const std::string& dir, const std::string& db);

// Reads a manifest written by writeSlurmSweep; throws Error naming the file when it is not one.
nlohmann::json readSweepManifest(const std::string& path);

}  // namespace sublab
