// The "dataset" experiment kind (title "Imported dataset"): a file of prompt/completion rows
// someone else generated, read by the dataset reader, run through the number filter and stored
// as the run's sequences (seed 0; one condition, or one per value of a condition field), so the
// inspector and the statistics treat it like generated rows. Nothing is trained. Called through
// experiment.h's dispatcher.
#pragma once

#include <vector>

#include "engine/core/common.h"
#include "engine/core/config_util.h"
#include "engine/experiment.h"
#include "engine/kinds.h"
#include "engine/numbers/number_filter.h"

namespace sublab {

struct DatasetConfig {
  std::string name;
  int64_t seed = 0;  // the subsample's seed (filter.max_kept)
  std::string path;  // "" = the built-in example
  std::string format = "auto";
  std::string promptField, completionField;
  std::string condition = "imported";
  std::string conditionField;  // "" = every row is `condition`
  bool skipBadRows = false;
  FilterOptions filter;
};

KindDescription datasetKind();
std::vector<Preset> datasetPresets();
DatasetConfig readDatasetConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                std::vector<ConfigField>* schema);
nlohmann::json normalizeDatasetConfig(const nlohmann::json& config,
                                      std::vector<ConfigField>* schema = nullptr);
ExperimentResult runDatasetImport(const nlohmann::json& config, const RuntimeOptions& options,
                                  RunObserver& observer, const CancelFlag* cancel);

}  // namespace sublab
