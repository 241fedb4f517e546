// The kind registry (each kind's description, presets, config reader and run), dispatch by a
// config's kind through it, and the one place where torch and std exceptions turn into
// sublab::Error messages. The only place in the program that lists the kinds.
#include "engine/experiment.h"

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "engine/aux/aux_experiment.h"
#include "engine/chat/chat_experiment.h"
#include "engine/core/config_spec.h"
#include "engine/core/thread_policy.h"
#include "engine/datasets/dataset_kind.h"
#include "engine/numbers/numbers_experiment.h"

namespace sublab {

namespace {

// One experiment kind as the engine runs it.
struct KindEntry {
  KindDescription description;
  std::vector<Preset> presets;
  // The normalised config; with `schema`, only the knobs in form order go there (the config may
  // then be a bare {"kind": ...} and the return value is not used).
  nlohmann::json (*normalize)(const nlohmann::json& config, std::vector<ConfigField>* schema);
  ExperimentResult (*run)(const nlohmann::json& config, const RuntimeOptions& options,
                          RunObserver& observer, const CancelFlag* cancel,
                          const StudentData* studentData);
};

// Kinds that train on no rows of other runs ignore the rows.
template <ExperimentResult (*Run)(const nlohmann::json&, const RuntimeOptions&, RunObserver&,
                                  const CancelFlag*)>
ExperimentResult withoutStudentData(const nlohmann::json& config, const RuntimeOptions& options,
                                    RunObserver& observer, const CancelFlag* cancel,
                                    const StudentData*) {
  return Run(config, options, observer, cancel);
}

const std::vector<KindEntry>& registry() {
  static const std::vector<KindEntry> kinds = {
      {numbersKind(), numbersPresets(), normalizeNumbersConfig, runNumbersExperiment},
      {auxKind(), auxPresets(), normalizeAuxConfig, withoutStudentData<runAuxExperiment>},
      {chatNumbersKind(), chatNumbersPresetList(), normalizeChatNumbers, runChatNumbersExperiment},
      {datasetKind(), datasetPresets(), normalizeDatasetConfig,
       withoutStudentData<runDatasetImport>},
  };
  return kinds;
}

std::string knownKinds() {
  std::string names;
  for (const auto& k : registry())
    names += (names.empty() ? "\"" : ", \"") + k.description.name + "\"";
  return names;
}

const KindEntry& entryOf(const std::string& kind) {
  for (const auto& k : registry())
    if (k.description.name == kind) return k;
  throw Error("config.kind: must be one of " + knownKinds() + ", got \"" + kind + "\"");
}

}  // namespace

const std::vector<KindDescription>& kindDescriptions() {
  static const std::vector<KindDescription> all = [] {
    std::vector<KindDescription> v;
    for (const auto& k : registry()) v.push_back(k.description);
    return v;
  }();
  return all;
}

const KindDescription* findKind(const std::string& name) {
  for (const auto& d : kindDescriptions())
    if (d.name == name) return &d;
  return nullptr;
}

const KindDescription& kindOf(const nlohmann::json& config) {
  if (!config.is_object()) throw Error("config must be a JSON object with a \"kind\" key");
  auto it = config.find("kind");
  if (it == config.end() || !it->is_string())
    throw Error("config.kind is missing: set it to one of " + knownKinds());
  const std::string kind = it->get<std::string>();
  if (const KindDescription* d = findKind(kind)) return *d;
  throw Error("config.kind: must be one of " + knownKinds() + ", got \"" + kind + "\"");
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = [] {
    std::vector<Preset> v;
    for (const auto& k : registry()) v.insert(v.end(), k.presets.begin(), k.presets.end());
    return v;
  }();
  return all;
}

const Preset* findPreset(const std::string& name) {
  for (const auto& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::string defaultCacheDir() {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".cache";
  } else {
    return {};
  }
  std::error_code ec;
  fs::create_directories(base / "subliminal-lab", ec);
  return ec ? std::string() : (base / "subliminal-lab").string();
}

std::vector<std::string> experimentKinds() {
  std::vector<std::string> names;
  for (const auto& k : registry()) names.push_back(k.description.name);
  return names;
}

nlohmann::json normalizeConfig(const nlohmann::json& config) {
  return entryOf(kindOf(config).name).normalize(config, nullptr);
}

std::vector<ConfigField> configSchema(const std::string& kind) {
  std::vector<ConfigField> schema;
  entryOf(kind).normalize(nlohmann::json{{"kind", kind}}, &schema);
  return schema;
}

nlohmann::json completeStoredConfig(const nlohmann::json& stored) {
  // The knobs with a legacy value, per kind, found once.
  static const std::map<std::string, std::vector<ConfigField>> legacyKnobs = [] {
    std::map<std::string, std::vector<ConfigField>> m;
    for (const auto& k : registry())
      for (const ConfigField& f : configSchema(k.description.name))
        if (!f.legacy.is_null()) m[k.description.name].push_back(f);
    return m;
  }();
  if (!stored.is_object()) return stored;
  const auto kind = stored.find("kind");
  if (kind == stored.end() || !kind->is_string()) return stored;
  const auto knobs = legacyKnobs.find(kind->get<std::string>());
  if (knobs == legacyKnobs.end()) return stored;
  nlohmann::json out = stored;
  for (const ConfigField& f : knobs->second) {
    const auto [section, key] = splitKnobPath(f.path);
    if (!section.empty() && !(out.contains(section) && out[section].is_object()))
      continue;  // not a config this program wrote: leave it alone
    nlohmann::json& object = section.empty() ? out : out[section];
    if (!object.contains(key)) object[key] = f.legacy;
  }
  return out;
}

void configureRuntime(const RuntimeOptions& options) {
  if (options.device != "cpu" && options.device != "cuda")
    throw Error("device must be \"cpu\" or \"cuda\", got \"" + options.device + "\"");
  if (options.device == "cuda" && !torch::cuda::is_available())
    throw Error(
        "device cuda was asked for but no CUDA device is available to this libtorch build (a "
        "CUDA libtorch is needed: see README, Torch_DIR)",
        ErrorCode::DeviceUnavailable);
  if (options.threads < 0) throw Error("threads must be 0 (all cores) or a positive count");
  torch::set_num_threads(threadPolicy(options.threads).threads);
}

ExperimentResult runExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                               RunObserver& observer, const CancelFlag* cancel,
                               const StudentData* studentData) {
  const nlohmann::json cfg = normalizeConfig(config);
  configureRuntime(options);
  try {
    ExperimentResult result =
        entryOf(cfg["kind"].get<std::string>()).run(cfg, options, observer, cancel, studentData);
    // How the CPU was used, next to the figures (it explains a wall time, never a result).
    const ThreadPolicy policy = threadPolicy(options.threads);
    if (result.summary.is_object())
      result.summary["runtime"] = {
          {"threads", policy.threads},  {"threads_from", policy.threadsFrom},
          {"openmp_wait", policy.wait}, {"openmp_wait_why", policy.waitWhy},
          {"blas", policy.blas},        {"blas_why", policy.blasWhy}};
    return result;
  } catch (const Error&) {
    throw;
  } catch (const Cancelled&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(std::string("the engine failed inside libtorch: ") + e.what_without_backtrace() +
                    " — check the config's sizes and the device",
                ErrorCode::EngineFailure);
  } catch (const std::bad_alloc&) {
    throw Error("out of memory: reduce the number of models, prompts or the batch size");
  } catch (const std::exception& e) {
    throw Error(std::string("the engine failed: ") + e.what());
  }
}

}  // namespace sublab
