// The engine's single front door: kinds (kinds.h), presets, config validation and running an
// experiment of any kind (numbers = language-model number sequences, aux = auxiliary-logit MLPs).
// A config is JSON with a "kind" key; normalizeConfig() fills defaults and rejects bad values
// with a sublab::Error that names the key and what is allowed.
#pragma once

#include <string>
#include <vector>

#include "engine/core/common.h"
#include "engine/core/config_util.h"
#include "engine/kinds.h"

namespace sublab {

struct StudentData;  // engine/core/student_data.h

struct Preset {
  std::string name;
  std::string kind;
  std::string description;  // one line
  nlohmann::json config;    // partial; normalizeConfig() fills the rest
};

// All presets of all kinds, in display order.
const std::vector<Preset>& presets();
// nullptr when unknown.
const Preset* findPreset(const std::string& name);

// The names of the experiment kinds, in display order (kindDescriptions() has the rest).
std::vector<std::string> experimentKinds();

// Full config with every default filled in; throws Error on unknown keys, wrong types or
// impossible values (e.g. a negative learning rate).
nlohmann::json normalizeConfig(const nlohmann::json& config);

// Every knob of a kind in declaration order, with its type, default, range, help and role
// (drives the GUI's form).
std::vector<ConfigField> configSchema(const std::string& kind);

// A config as stored with a run, completed with what the run used for knobs added since it was
// stored: every knob with a legacy value (ConfigField::legacy) that the stored config lacks gets
// that value (e.g. filter.format_rule = "lenient" for number runs stored before the paper's
// rule was matched). Anything else, an unknown kind included, comes back unchanged. Storage
// applies it to every config it reads back.
nlohmann::json completeStoredConfig(const nlohmann::json& stored);

// The default folder for reusable artifacts (RuntimeOptions::cacheDir):
// $XDG_CACHE_HOME/subliminal-lab, else ~/.cache/subliminal-lab, created when missing; "" when
// neither variable is set or the folder cannot be made (runs then go without a cache, with the
// same results).
std::string defaultCacheDir();

// Sets torch's thread count and checks the device; throws Error if CUDA is asked for but absent.
void configureRuntime(const RuntimeOptions& options);

// Runs a normalized config. Throws Error (bad input / failure) or Cancelled. `studentData`: the
// rows a config with student.data_run trains its student_data condition on, as the lab read
// them from the project (app/lab/student_data.h); ignored by configs without it.
ExperimentResult runExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                               RunObserver& observer, const CancelFlag* cancel,
                               const StudentData* studentData = nullptr);

}  // namespace sublab
