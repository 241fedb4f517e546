// The lab's half of a student trained on another run's (or an imported dataset's) kept rows:
// the engine takes no database, so before a run executes the lab reads the rows its config names
// (the knobs with roles StudentDataRun / StudentDataCondition, whatever the kind) from the
// project and hands them to runExperiment. No Qt.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "engine/core/student_data.h"
#include "storage/database.h"

namespace sublab {

// The rows `config` (a normalised config of any kind) asks for, read from `db`; an empty
// StudentData (runId 0) when the config asks for none. `selfRunId` is the run that will train
// on them (0: not stored yet). Throws Error naming the knob and what is wrong: no such run, the
// run itself, a kind that stores no rows, a run still in progress, no kept rows of the
// condition (with the conditions that have some).
StudentData resolveStudentData(Database& db, const nlohmann::json& config, int64_t selfRunId = 0);

}  // namespace sublab
