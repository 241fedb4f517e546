// Entry points of the "aux" experiment kind, called through experiment.h's dispatcher.
#pragma once

#include <vector>

#include "common.h"
#include "experiment.h"

namespace sublab {

std::vector<Preset> auxPresets();
nlohmann::json normalizeAuxConfig(const nlohmann::json& config);
ExperimentResult runAuxExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                   RunObserver& observer, const CancelFlag* cancel);

}  // namespace sublab
