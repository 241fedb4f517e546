// TEMPORARY placeholder so the tree links while the aux experiment is written.
#include "aux_experiment.h"

namespace sublab {

std::vector<Preset> auxPresets() { return {}; }
nlohmann::json normalizeAuxConfig(const nlohmann::json& config, std::vector<ConfigField>*) {
  throw Error("the aux experiment is not built yet");
}
ExperimentResult runAuxExperiment(const nlohmann::json&, const RuntimeOptions&, RunObserver&,
                                   const CancelFlag*) {
  throw Error("the aux experiment is not built yet");
}

}  // namespace sublab
