// Entry points of the "numbers" experiment kind, called through experiment.h's dispatcher.
#pragma once

#include <vector>

#include "engine/core/common.h"
#include "engine/core/config_util.h"
#include "engine/experiment.h"
#include "engine/kinds.h"

namespace sublab {

KindDescription numbersKind();
std::vector<Preset> numbersPresets();
// Fills defaults and validates; with `schema`, records every knob read (for the GUI's form).
nlohmann::json normalizeNumbersConfig(const nlohmann::json& config,
                                      std::vector<ConfigField>* schema = nullptr);
// `studentData`: the rows of student.data_run (runExperiment, experiment.h).
ExperimentResult runNumbersExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                      RunObserver& observer, const CancelFlag* cancel,
                                      const StudentData* studentData);

}  // namespace sublab
