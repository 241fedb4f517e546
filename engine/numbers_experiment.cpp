// TEMPORARY placeholder so the tree links while the numbers experiment is written.
#include "numbers_experiment.h"

namespace sublab {

std::vector<Preset> numbersPresets() { return {}; }
nlohmann::json normalizeNumbersConfig(const nlohmann::json& config, std::vector<ConfigField>*) {
  throw Error("the numbers experiment is not built yet");
}
ExperimentResult runNumbersExperiment(const nlohmann::json&, const RuntimeOptions&, RunObserver&,
                                   const CancelFlag*) {
  throw Error("the numbers experiment is not built yet");
}

}  // namespace sublab
