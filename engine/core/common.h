// Plain value types shared by every engine entry point, storage, the CLI and the GUI worker.
// No torch and no Qt here: this header is what the outer layers see of a running experiment.
// Entry points take a config, a RunObserver (progress, metrics, rows) and a cancel flag, and
// return an ExperimentResult; errors leave the engine as sublab::Error with a clear message.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sublab {

// What kind of problem an Error reports, so that each front end can add what to do about it in
// its own terms (the CLI a flag or a command, the GUI a button). None: the message is complete.
enum class ErrorCode {
  None,
  NoDatabasePath,        // no database file was named
  NoDataFolder,          // no folder for the default database (no HOME, mkdir failed)
  DatabaseMissing,       // the file does not exist and may not be created
  DatabaseNotCreatable,  // its folder is missing, not a folder or not writable
  DatabaseIsFolder,      // the path names a folder
  DatabaseUnreadable,    // the file cannot be read (permissions)
  DatabaseForeign,       // not SQLite, or SQLite of another program; left untouched
  DatabaseTooNew,        // written by a newer Subliminal Lab; left untouched
  DatabaseNeedsUpgrade,  // an older layout opened read-only
  DatabaseDamaged,       // SQLite reports corruption; left as it is
  DatabaseUnwritable,    // read-only file, permission or I/O error
  DatabaseBusy,          // locked by another program for longer than the busy timeout
  DiskFull,              // no space left for a write
  NoSuchRun,             // a run id the database does not hold
  DeviceUnavailable,     // the asked-for device (cuda) is not available
  EngineFailure,         // libtorch failed inside the engine
};

// An error meant for the user: says what is wrong (and what to do, where that does not depend on
// the front end). `code` tells a front end which advice of its own to add.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorCode code = ErrorCode::None)
      : std::runtime_error(message), m_code(code) {}
  ErrorCode code() const { return m_code; }

 private:
  ErrorCode m_code;
};

// Thrown when the cancel flag was set; the run is stored as cancelled, not failed.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled by the user") {}
};

enum class StageStatus { Pending, Running, Done, Failed, Cancelled, Interrupted };
std::string toString(StageStatus s);
StageStatus stageStatusFromString(const std::string& s);

// One point of a metric series: e.g. condition "student", seed 2, metric "trait_prob", step 40.
struct MetricPoint {
  std::string condition;
  int seed = 0;
  std::string metric;
  int64_t step = 0;
  double value = 0.0;
};

// One generated row with the filter's verdict. `reason` is empty when kept.
struct SequenceRow {
  std::string condition;  // which data set: "teacher", "reference", ...
  int seed = 0;
  int64_t index = 0;  // position in generation order within (condition, seed)
  std::string prompt;
  std::string completion;
  bool kept = false;
  std::string reason;
  // Per-token log-probabilities under the teacher and the reference (seq_stats.h:
  // TokenLogprobs as JSON text), for kept rows of runs that record them; empty otherwise.
  std::string tokenInfo;
};

// Mean with a two-sided 95% confidence interval (Student t over n samples).
struct Interval {
  double mean = 0.0;
  double lo = 0.0;
  double hi = 0.0;
  int n = 0;
};

struct ConditionSummary {
  std::string condition;
  std::string metric;  // "trait_prob", "accuracy", ...
  Interval value;
  std::vector<double> perSeed;  // one value per seed (or per model), in seed order
};

// What an experiment returns. `summary` is the JSON the CLI prints (kind-specific shape);
// `conditions` and `contrasts` are the same figures as rows for storage and the GUI.
struct ExperimentResult {
  std::string kind;
  std::vector<ConditionSummary> conditions;
  std::vector<ConditionSummary> contrasts;  // e.g. transfer = student - control, paired
  nlohmann::json summary;
  double wallSeconds = 0.0;
};

// Receives everything a run produces while it runs. Default implementations ignore it.
// Calls come from the engine's thread; implementations must be thread-safe if they hand
// data to another thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void stage(const std::string& name, StageStatus status, const std::string& message) {}
  // fraction in [0, 1] of the named stage.
  virtual void progress(const std::string& stage, double fraction, const std::string& message) {}
  virtual void metric(const MetricPoint& point) {}
  virtual void sequences(const std::vector<SequenceRow>& rows) {}
  // A named analysis result of the run (e.g. "entanglement"), replacing one of the same name.
  virtual void analysis(const std::string& name, const nlohmann::json& data) {}
};

using CancelFlag = std::atomic<bool>;

// Throws Cancelled when the flag is set. Cheap; call it in inner loops.
inline void checkCancel(const CancelFlag* cancel) {
  if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

// Runtime options shared by every experiment kind.
struct RuntimeOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  int threads = 0;             // 0 = all cores
  // Folder for reusable artifacts (pretrained reference models, keyed by everything that
  // determines them); empty = no cache. Results are identical with or without it.
  std::string cacheDir;
};

}  // namespace sublab
