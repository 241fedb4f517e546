// The knobs of a student trained on another run's (or an imported dataset's) kept rows,
// declared once for every kind that trains on number rows (numbers, chat-numbers). Both are
// opt-in (stored only when set) and carry roles, so the lab finds them without knowing the kind
// and configs that never set them stay as they were.
#pragma once

#include <string>

#include "engine/core/config_spec.h"

namespace sublab {

template <class Config>
void declareStudentDataKnobs(ConfigSpec<Config>& s, int64_t Config::*run,
                             std::string Config::*condition) {
  s.integer("student.data_run", run, 0, 0, 1000000000000,
            "adds a student (\"student_data\") trained on the kept rows of this run or imported "
            "dataset of the project (its id); 0 = none")
      .role(ConfigRole::StudentDataRun)
      .optIn();
  s.string("student.data_condition", condition, "",
           "which of that run's conditions the student_data student trains on (empty: "
           "\"teacher\", or the run's only condition)")
      .role(ConfigRole::StudentDataCondition)
      .optIn();
}

// The check the two knobs need together; throws Error naming the knob.
inline void checkStudentDataKnobs(int64_t run, const std::string& condition) {
  if (run == 0 && !condition.empty())
    throw Error(
        "config.student.data_condition: names rows of student.data_run, which is 0 "
        "(none): set data_run to a run id, or clear data_condition");
}

}  // namespace sublab
