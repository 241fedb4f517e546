// Implementation of the run lifecycle: the one place where a run is created from a config and
// where a stored run is started, observed, finished and saved.
#include "app/lab/run_lifecycle.h"

#include <unistd.h>

#include <chrono>

#include "app/lab/student_data.h"
#include "engine/experiment.h"
#include "storage/storage_observer.h"

namespace sublab {

namespace {

// Refuses finished runs and runs another process is running: executing them again would mix
// two executions' rows in one run.
void requireRunnable(const RunInfo& run) {
  const std::string what = "run " + std::to_string(run.id);
  if (run.status == RunStatus::Queued) return;
  if (run.status == RunStatus::Running) {
    if (run.pid == static_cast<int64_t>(getpid())) return;  // created as running here
    throw Error(what + " is already running (pid " + std::to_string(run.pid) + " on " + run.host +
                "): only a queued run can be executed");
  }
  throw Error(what + " is " + toString(run.status) + ": only a queued run can be executed");
}

// The rows still buffered when a run stopped; a failure to store them is a warning, since the
// run's own status matters more. A kind whose rows are all or nothing (an import) instead drops
// the rows it stored.
std::string flushQuietly(Database& db, int64_t runId, StorageObserver& storing,
                         const nlohmann::json& config) {
  const KindDescription* kind = findKind(config.value("kind", std::string()));
  try {
    if (kind && kind->rowsAllOrNothing) {
      storing.discard();
      db.deleteSequences(runId);
      return {};
    }
    storing.flush();
  } catch (const std::exception& e) {
    return std::string(kind && kind->rowsAllOrNothing ? "could not remove the rows stored so far: "
                                                      : "could not store the last rows: ") +
           e.what();
  }
  return {};
}

}  // namespace

NewRun prepareRun(NewRun draft, int repetitions) {
  const KindDescription& kind = kindOf(draft.config);
  if (repetitions > 0 && kind.repetitionKey.empty())
    throw Error(kind.title + " runs have no repetitions to count (nothing is trained)");
  if (repetitions > 0) draft.config[kind.repetitionKey] = repetitions;
  draft.config = normalizeConfig(draft.config);
  draft.kind = kind.name;
  const auto count = draft.config.find(kind.repetitionKey);
  draft.seeds = count != draft.config.end() && count->is_number_integer() ? count->get<int>() : 0;
  return draft;
}

RunOutcome executeRun(Database& db, int64_t runId, const ExecuteOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const RunInfo run = db.run(runId);
  requireRunnable(run);
  db.markRunStarted(runId);
  if (options.started) options.started();
  RunOutcome out;
  const auto body = [&] {
    StorageObserver storing(db, runId, options.observer);
    try {
      const StudentData data = resolveStudentData(db, run.config, runId);
      out.result = runExperiment(run.config, options.runtime, storing, options.cancel, &data);
      storing.flush();
      db.saveResult(runId, out.result);
      out.status = RunStatus::Done;
    } catch (const Cancelled&) {
      out.status = RunStatus::Cancelled;
      out.message = kCancelledMessage;
      out.warning = flushQuietly(db, runId, storing, run.config);
    } catch (const std::exception& e) {
      out.status = RunStatus::Failed;
      out.message = e.what();
      if (const auto* err = dynamic_cast<const Error*>(&e)) out.code = err->code();
      out.warning = flushQuietly(db, runId, storing, run.config);
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    db.finishRun(runId, out.status, out.seconds, out.message);
  };
  // A kind whose rows are all or nothing (an import) stores them and its end in one transaction:
  // killed midway (SIGKILL, a crash), the project keeps none of its rows, and the run is listed
  // as interrupted when the project is opened next. Other writers wait for it (busy timeout).
  const KindDescription* kind = findKind(run.config.value("kind", std::string()));
  if (kind && kind->rowsAllOrNothing)
    db.transaction(body);
  else
    body();
  return out;
}

void cancelQueuedRun(Database& db, int64_t runId) {
  db.finishRun(runId, RunStatus::Cancelled, 0.0, kCancelledMessage);
}

}  // namespace sublab
