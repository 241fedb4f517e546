// A "student_data" condition's rows: the kept rows of another run or imported dataset of the
// project, which the lab reads from storage (app/lab/student_data.h) and hands to
// runExperiment, since the engine takes no database; checked against the config that asks for
// them, and split by seed so each seed of the run has its rows. No torch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

// The rows a config's student.data_run and student.data_condition name.
struct StudentData {
  int64_t runId = 0;
  std::string condition;
  std::vector<SequenceRow> rows;  // kept rows of that condition, every seed, in stored order
};

// The rows handed over for `dataRun` (the config's student.data_run); throws Error when they
// were not handed over (the run was not started through the lab) or are empty.
const StudentData& requireStudentData(const StudentData* data, int64_t dataRun);

// Seed `seed`'s rows: those of the data's seeds in ascending order, cycling (seed s of the run
// gets the data's seed s when the data has seeds 0..n-1, n >= s; an imported dataset has one
// seed, which every seed of the run trains on).
struct StudentDataSeed {
  int dataSeed = 0;  // the data's seed the rows are from
  std::vector<SequenceRow> rows;
};
StudentDataSeed studentDataForSeed(const StudentData& data, int64_t seed);

// A row as the run that trains on it stores it: condition "student_data", the run's seed, kept.
SequenceRow asStudentDataRow(const SequenceRow& row, int64_t seed);

// The summary's "student_data" before its seeds: {"run", "condition", "per_seed": []}.
nlohmann::json studentDataSummaryStart(const StudentData& data);

// "run 7's "teacher" rows", as messages name them.
std::string describeStudentData(const StudentData& data);

}  // namespace sublab
