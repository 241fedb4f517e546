// Reading the rows of a student_data condition from the project (student_data.h).
#include "app/lab/student_data.h"

#include <algorithm>

#include "engine/core/config_spec.h"
#include "engine/experiment.h"

namespace sublab {

namespace {

// The knob with `role` in the config's kind's declaration: its path and value (null: absent).
std::pair<std::string, nlohmann::json> knobWithRole(const nlohmann::json& config, ConfigRole role) {
  for (const ConfigField& f : configSchema(kindOf(config).name)) {
    if (f.role != role) continue;
    const auto [section, key] = splitKnobPath(f.path);
    const nlohmann::json& object =
        section.empty() ? config : config.value(section, nlohmann::json());
    return {f.path, object.is_object() ? object.value(key, nlohmann::json()) : nlohmann::json()};
  }
  return {};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out.empty() ? "none" : out;
}

// The data run, checked: it exists, is not `selfRunId`, stores rows and is not in progress.
RunInfo dataRun(Database& db, const std::string& knob, int64_t id, int64_t selfRunId) {
  const std::string where = "config." + knob + ": ";
  if (id == selfRunId)
    throw Error(where + "run " + std::to_string(id) + " is this run itself; name another run");
  const std::optional<RunInfo> run = db.findRun(id);
  if (!run)
    throw Error(where + "the project " + db.path() + " holds no run " + std::to_string(id) +
                "; name one of its runs or imported datasets");
  const KindDescription* kind = findKind(run->kind);
  if (kind && !kind->hasSequences)
    throw Error(where + "run " + std::to_string(id) + " is a " + kind->title +
                " run, which stores no rows; name a run or dataset with number rows");
  if (run->status == RunStatus::Queued || run->status == RunStatus::Running)
    throw Error(where + "run " + std::to_string(id) + " is " + toString(run->status) +
                ": its rows are not complete yet; wait until it has finished");
  return *run;
}

// The condition asked for, or "teacher" / the run's only condition when none is.
std::string dataCondition(Database& db, const std::string& knob, const RunInfo& run,
                          const std::string& asked) {
  if (!asked.empty()) return asked;
  const std::vector<std::string> conditions = db.sequenceConditions(run.id);
  if (std::find(conditions.begin(), conditions.end(), "teacher") != conditions.end())
    return "teacher";
  if (conditions.size() == 1) return conditions.front();
  throw Error("config." + knob + ": run " + std::to_string(run.id) +
              " has no \"teacher\" rows and rows of several conditions (" + joined(conditions) +
              "): name one");
}

}  // namespace

StudentData resolveStudentData(Database& db, const nlohmann::json& config, int64_t selfRunId) {
  const auto [runKnob, runValue] = knobWithRole(config, ConfigRole::StudentDataRun);
  if (!runValue.is_number_integer() || runValue.get<int64_t>() == 0) return {};
  const auto [condKnob, condValue] = knobWithRole(config, ConfigRole::StudentDataCondition);
  const RunInfo run = dataRun(db, runKnob, runValue.get<int64_t>(), selfRunId);
  StudentData out;
  out.runId = run.id;
  out.condition =
      dataCondition(db, condKnob, run, condValue.is_string() ? condValue.get<std::string>() : "");
  SequenceFilter kept;
  kept.condition = out.condition;
  kept.verdict = Verdict::Kept;
  constexpr int64_t kPage = 10000;
  for (int64_t after = 0;;) {
    std::vector<SequenceRecord> page = db.sequencesAfter(run.id, kept, after, kPage);
    if (page.empty()) break;
    after = page.back().id;
    for (SequenceRecord& r : page) out.rows.push_back(std::move(static_cast<SequenceRow&>(r)));
  }
  if (out.rows.empty()) {
    std::vector<std::string> withRows;
    for (const std::string& c : db.sequenceConditions(run.id)) {
      SequenceFilter f;
      f.condition = c;
      f.verdict = Verdict::Kept;
      if (db.countSequences(run.id, f) > 0) withRows.push_back(c);
    }
    throw Error("config." + condKnob + ": run " + std::to_string(run.id) + " has no kept \"" +
                out.condition + "\" rows (conditions with kept rows: " + joined(withRows) + ")");
  }
  return out;
}

}  // namespace sublab
