// Sweeps: a plan (JSON) that varies config keys of a base config over a grid or zipped axes, and
// the use case that runs its points as ordinary runs (prepareRun / executeRun), resuming a sweep
// that was stored before. No Qt; `sublab sweep` adds only its words.
//
// Plan format (unknown keys are rejected):
//   { "name": "lr sweep",                          // required
//     "base": {"preset": "owl-numbers-tiny"}       // or {"config": {...}} or {"config_file": "p"}
//     "set": {"teacher": {"rows": 32}},            // optional: merged into the base first
//     "axes": [ {"key": "student.lr", "values": [0.001, 0.01]},
//               {"key": "filter.max_kept", "linear": {"from": 16, "to": 48, "count": 3}},
//               {"key": "student.lr", "log": {"from": 1e-4, "to": 1e-2, "count": 3}} ],
//     "mode": "grid",                              // or "zip" (axes of equal length)
//     "seeds": 2,                                  // per point (0 / absent: the config's)
//     "max_points": 100 }                          // the cap on the number of points
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/lab/run_lifecycle.h"
#include "engine/core/common.h"
#include "storage/database.h"

namespace sublab {

// One point of an expanded plan: its axis values and its full, validated run.
struct SweepPoint {
  int index = 0;
  nlohmann::json values;  // {"student.lr": 0.001, ...}
  NewRun run;             // normalised (prepareRun), status queued
};

struct SweepPlan {
  std::string name;
  nlohmann::json normalized;  // the plan with the base resolved to an inline config, defaults
                              // filled in: what is stored and hashed
  std::string hash;           // hex FNV-1a 64 of normalized.dump()
  std::vector<SweepPoint> points;
};

// Parses, expands and validates a plan: every point's config goes through the engine's
// validation before anything runs. Throws Error saying what is wrong (and, for a bad point,
// which point and its values). `baseDir`: where a relative "config_file" is looked for.
SweepPlan parseSweepPlan(const nlohmann::json& plan, const std::string& baseDir = ".");
// Reads a plan file (JSON) and parses it; relative config files are found next to it.
SweepPlan loadSweepPlan(const std::string& path);

// What happened to one point in runSweep.
struct SweepPointOutcome {
  int index = 0;
  nlohmann::json values;
  int64_t runId = 0;
  RunStatus status = RunStatus::Queued;
  bool skipped = false;  // already done (resume)
  std::string previous;  // resume: the status of the run it replaces ("" = none)
  std::string message;   // the failure, or why it was skipped
  double seconds = 0.0;
};

struct SweepOptions {
  int parallel = 1;        // points at once
  RuntimeOptions runtime;  // threads: the budget for all points together (0 = all cores)
  const CancelFlag* cancel = nullptr;
  // >= 0: only this point is run (and stored); the others are left alone (a Slurm task's shard).
  int onlyPoint = -1;
  // Called (from the worker threads, serialised) when a point starts and when it ends.
  std::function<void(const SweepPointOutcome&, bool finished)> report;
};

struct SweepOutcome {
  SweepInfo sweep;
  bool created = false;  // false: an earlier sweep with the same plan was resumed
  std::vector<SweepPointOutcome> points;
};

// Creates the sweep (or finds the one stored with the same plan hash) and runs each point that
// is not done yet through the run lifecycle, `parallel` at once with the thread budget split
// between them. Points done before are skipped; failed, cancelled, interrupted or missing ones
// get a fresh run.
SweepOutcome runSweep(Database& db, const SweepPlan& plan, const SweepOptions& options);

}  // namespace sublab
