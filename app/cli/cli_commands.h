// The `sublab` command-line tool's commands (headless, no Qt): each takes its parsed options,
// writes results to stdout and progress / errors to stderr, and returns the exit code.
// Errors for the user are thrown as sublab::Error and printed once by main().
#pragma once

#include <string>
#include <vector>

#include "app/lab/dataset_import.h"
#include "engine/chat/demo_model.h"
#include "engine/core/common.h"

namespace sublab::cli {

// Exit codes: 0 ok, 1 the run failed in the engine, 2 bad input (usage, config, database),
// 130 cancelled by SIGINT / SIGTERM.
constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitCancelled = 130;

// What `run` and `execute` share: where the run is stored, how it runs, what is printed.
struct RuntimeFlags {
  std::string db;
  std::string device = "cpu";  // `execute`: "" = the device stored with the run
  int threads = 0;             // 0 = all cores; `execute`: -1 = the count stored with the run
  std::string cacheDir;        // empty = the default cache folder
  bool noCache = false;
  bool json = false;
};

struct RunOptions : RuntimeFlags {
  std::string preset;
  std::string configFile;
  int seeds = 0;  // 0 = keep the config's
};

struct ExecuteCliOptions : RuntimeFlags {
  long long runId = 0;
};

struct ExportOptions {
  std::string db;
  long long runId = 0;
  std::string what;  // metrics | sequences | summaries
  std::string format = "csv";
  std::string out;  // empty = stdout
};

// `sublab import FILE`: a dataset file into the project (app/lab/dataset_import.h).
struct ImportCliOptions {
  ImportRequest request;  // the file, name, condition, format and fields, as the lab takes them
  std::string db;
  std::vector<std::string> traitWords;  // the filter's trait words
  bool json = false;
};
int cmdImport(const ImportCliOptions& options);

// `sublab export-rows RUN -o FILE`: a run's rows as training data (app/lab/dataset_export.h).
struct ExportRowsCliOptions {
  std::string db;
  long long runId = 0;
  std::string format = "openai";
  std::string condition;
  int seed = -1;  // -1 = every seed
  std::string verdict = "kept";
  std::string out;
};
int cmdExportRows(const ExportRowsCliOptions& options);

struct StatsCliOptions {
  std::string db;
  long long runId = 0;  // 0: not given (then both sides name their run, RUN:COND)
  std::string a = "teacher", b = "reference";  // COND (of RUN_ID) or RUN:COND
  bool variants = false;                       // the hidden-signal table and verdict
  std::string verdict = "kept";                // kept | all | rejected
  int seed = -1;                               // -1 = all seeds
  int top = 20;
  bool json = false;
};

struct SweepCliOptions {
  std::string plan;
  std::string db;
  std::string device = "cpu";
  int parallel = 1;
  int threads = 0;  // the budget for all points together (0 = all cores)
  std::string cacheDir;
  bool noCache = false;
  bool json = false;
  // --slurm: write the job-array, merge and manifest files (and submit them unless noSubmit).
  bool slurm = false;
  std::string partition, time, gres, mem, dir;
  int cpusPerTask = 1;
  int maxParallel = 0;
  std::vector<std::string> sbatchArgs;
  bool noSubmit = false;
};

// `sublab sweep-point PLAN --point K --shard FILE`: one point of a sweep into its own shard
// database (a Slurm task). Threads from SLURM_CPUS_PER_TASK unless --threads is given.
struct SweepPointCliOptions {
  std::string plan;
  int point = -1;
  std::string shard;
  std::string device = "cpu";
  int threads = 0;
  std::string cacheDir;
  bool noCache = false;
};
int cmdSweepPoint(const SweepPointCliOptions& options);
// `sublab sweep-merge MANIFEST.json | SHARD.sqlite... --db FILE`: folds shards into the
// project database (one transaction; merging twice adds nothing).
int cmdSweepMerge(const std::vector<std::string>& inputs, const std::string& db, bool json);
// `sublab sweep status ID|MANIFEST`: each point's Slurm state and exit code (scontrol, else
// sacct), its run (in the project, else its shard) and the failure's message;
// `sublab sweep resubmit ID|MANIFEST`: submits again only the points not done (failed, killed,
// never started) and a merge job after them. ID is the sweep's id in the project database
// (`db`); `sweep-status` / `sweep-resubmit` are the same commands.
int cmdSweepStatus(const std::string& target, const std::string& db, bool json);
int cmdSweepResubmit(const std::string& target, const std::string& db);
// The --slurm half of `sublab sweep`.
int cmdSweepSlurm(const SweepCliOptions& options);

int cmdPresets(bool json);
// `sublab sweep PLAN.json`: runs (or resumes) a sweep; `sublab sweeps [ID]`: lists the stored
// sweeps, or one sweep's points and their status.
int cmdSweep(const SweepCliOptions& options);
int cmdSweeps(const std::string& db, long long sweepId, bool json);
int cmdRun(const RunOptions& options);
// `sublab validate`: the checks `run` makes before it touches a database (the config file or
// preset read by the engine's reader, --seeds applied), and nothing else; prints the normalised
// config with --json.
int cmdValidate(const RunOptions& options);
int cmdExecute(const ExecuteCliOptions& options);
int cmdRuns(const std::string& db, bool json);
int cmdShow(const std::string& db, long long runId, bool json, bool withConfig);
int cmdExport(const ExportOptions& options);
int cmdStats(const StatsCliOptions& options);

// The database path to use: --db when given, else the default location.
std::string resolveDb(const std::string& db);

// What the CLI adds to a lower layer's error message of this kind (a flag or a command to try),
// starting with its own separator; "" when it has nothing to add. `db` is the --db argument
// given ("" for the default database).
std::string cliAdvice(ErrorCode code, const std::string& db);

// `demo-model`: writes the tiny demo chat model into `folder` (engine/chat/demo_model.h).
int cmdDemoModel(const std::string& folder, const DemoModelOptions& options, int threads);

}  // namespace sublab::cli
