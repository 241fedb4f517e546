// Entry points of the "aux" experiment kind, called through experiment.h's dispatcher.
#pragma once

#include <vector>

#include "engine/core/common.h"
#include "engine/core/config_util.h"
#include "engine/experiment.h"
#include "engine/kinds.h"

namespace sublab {

KindDescription auxKind();
std::vector<Preset> auxPresets();
// Fills defaults and validates; with `schema`, records every knob read (for the GUI's form).
nlohmann::json normalizeAuxConfig(const nlohmann::json& config,
                                   std::vector<ConfigField>* schema = nullptr);
ExperimentResult runAuxExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                   RunObserver& observer, const CancelFlag* cancel);

}  // namespace sublab
