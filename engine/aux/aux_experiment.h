// Entry points of the "aux" experiment kind, called through experiment.h's dispatcher.
#pragma once

#include <vector>

#include "engine/aux/aux_config.h"
#include "engine/core/common.h"
#include "engine/experiment.h"
#include "engine/kinds.h"

namespace sublab {

// The config (AuxConfig, normalizeAuxConfig) and the presets are in aux_config.h.
KindDescription auxKind();
ExperimentResult runAuxExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                  RunObserver& observer, const CancelFlag* cancel);

}  // namespace sublab
