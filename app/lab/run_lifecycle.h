// The life of a stored run, written once for both front ends: a config becomes a stored run
// (normalised once, its repetitions counted with the kind's description), and a stored run is
// executed by id (mark started, observe through storage, run, record done / failed / cancelled
// with one clock and one set of messages, save the result). `sublab run`, `sublab execute` and
// the GUI's run worker call these and add only their own words. No Qt.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/core/common.h"
#include "storage/database.h"

namespace sublab {

// The message stored with a run stopped on request (the GUI's Cancel, the CLI's Ctrl-C), and
// with a queued run cancelled before it started.
inline constexpr const char* kCancelledMessage = "cancelled by the user";

// The row to store for `draft` (name, preset, device, threads, status, tags as the caller set
// them; config any config with a "kind" key): its config normalised through the engine, with
// `repetitions` > 0 overriding the kind's repetition count (seeds, or models), its kind and its
// repetitions filled in. Throws Error naming the bad key; touches no database, so a front end
// can validate its input before opening one.
NewRun prepareRun(NewRun draft, int repetitions = 0);

// How to execute a stored run.
struct ExecuteOptions {
  RuntimeOptions runtime;
  // The front end's observer (progress printer, GUI signals): every call, after it is stored.
  RunObserver* observer = nullptr;
  const CancelFlag* cancel = nullptr;
  // Called once the run is marked started, before the engine runs.
  std::function<void()> started;
};

// How an execution ended, as stored.
struct RunOutcome {
  RunStatus status = RunStatus::Failed;  // Done, Failed or Cancelled
  std::string message;                   // "" when done, the error, or kCancelledMessage
  ErrorCode code = ErrorCode::None;      // what kind of failure, for a front end's advice
  double seconds = 0.0;                  // wall time of the whole execution (steady clock)
  ExperimentResult result;               // when done
  // Rows buffered when the run stopped that could not be stored (the run's status still is).
  std::string warning;
};

// Executes stored run `runId` of `db` from its stored normalised config and records the
// outcome there. A failure or cancel of the run itself is the outcome, not an exception. Throws
// Error before touching the run when it does not exist or is not runnable (only a queued run,
// or one this process created as running, is), and when the database cannot record the outcome.
RunOutcome executeRun(Database& db, int64_t runId, const ExecuteOptions& options);

// Records a queued run as cancelled before it started (same message as a stopped run).
void cancelQueuedRun(Database& db, int64_t runId);

}  // namespace sublab
