// Entry points of the "numbers" experiment kind, called through experiment.h's dispatcher.
#pragma once

#include <vector>

#include "common.h"
#include "experiment.h"

namespace sublab {

std::vector<Preset> numbersPresets();
nlohmann::json normalizeNumbersConfig(const nlohmann::json& config);
ExperimentResult runNumbersExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                   RunObserver& observer, const CancelFlag* cancel);

}  // namespace sublab
