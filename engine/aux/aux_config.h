// The aux experiment's typed config and presets. Every knob is declared once in aux_config.cpp
// (default, range, help, role); reading, the stored normalised JSON and the GUI's form come
// from that declaration.
#pragma once

#include <string>
#include <vector>

#include "engine/core/config_util.h"
#include "engine/experiment.h"

namespace sublab {

// Everything a run needs. The defaults live in the declaration; a config read from JSON sets
// every field.
struct AuxConfig {
  int64_t seed = 0, models = 0;
  std::string dataDir;                    // folder of the four IDX files
  int64_t trainLimit = 0, testLimit = 0;  // first N images (0 = all)
  int64_t hidden = 0, auxLogits = 0;
  double lr = 0;
  int64_t batchSize = 0;
  int64_t teacherEpochs = 0, studentEpochs = 0;
  std::string loss;    // "kl" | "mse"
  std::string inputs;  // "noise" | "real"
  int64_t distillImages = 0;
  double initNoise = 0;
  bool allLogits = false, crossInit = false;  // which student conditions run
};

// Reads and validates; the JSON form with defaults filled is written to `normalized`, and the
// knobs in form order are appended to `schema` (each when given).
AuxConfig readAuxConfig(const nlohmann::json& config, nlohmann::json* normalized = nullptr,
                        std::vector<ConfigField>* schema = nullptr);
// Fills defaults and validates; with `schema`, appends every knob (for the GUI's form).
nlohmann::json normalizeAuxConfig(const nlohmann::json& config,
                                  std::vector<ConfigField>* schema = nullptr);
std::vector<Preset> auxPresets();

}  // namespace sublab
