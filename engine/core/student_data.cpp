// The engine's checks and per-seed split of a student's rows from another run (student_data.h).
#include "engine/core/student_data.h"

#include <iterator>
#include <set>

namespace sublab {

const StudentData& requireStudentData(const StudentData* data, int64_t dataRun) {
  if (!data || data->runId != dataRun)
    throw Error("config.student.data_run: run " + std::to_string(dataRun) +
                "'s rows were not handed to the engine; start the run through the project "
                "(sublab run / execute or the app), which reads them from the database");
  const StudentData& d = *data;
  if (d.rows.empty()) throw Error(describeStudentData(d) + ": none are kept rows to train on");
  return d;
}

StudentDataSeed studentDataForSeed(const StudentData& data, int64_t seed) {
  std::set<int> seeds;
  for (const SequenceRow& r : data.rows) seeds.insert(r.seed);
  StudentDataSeed out;
  if (seeds.empty()) return out;
  auto it = seeds.begin();
  std::advance(it, static_cast<long>(seed % static_cast<int64_t>(seeds.size())));
  out.dataSeed = *it;
  for (const SequenceRow& r : data.rows)
    if (r.seed == out.dataSeed) out.rows.push_back(r);
  return out;
}

SequenceRow asStudentDataRow(const SequenceRow& row, int64_t seed) {
  SequenceRow out = row;
  out.condition = "student_data";
  out.seed = static_cast<int>(seed);
  out.kept = true;
  out.reason.clear();
  out.tokenInfo.clear();
  return out;
}

nlohmann::json studentDataSummaryStart(const StudentData& data) {
  return {
      {"run", data.runId}, {"condition", data.condition}, {"per_seed", nlohmann::json::array()}};
}

std::string describeStudentData(const StudentData& data) {
  return "run " + std::to_string(data.runId) + "'s \"" + data.condition + "\" rows";
}

}  // namespace sublab
