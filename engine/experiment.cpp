// Dispatch by experiment kind, the preset registry, and the one place where torch and std
// exceptions turn into sublab::Error messages.
#include "experiment.h"

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include "aux_experiment.h"
#include "numbers_experiment.h"

namespace sublab {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = [] {
    std::vector<Preset> v = numbersPresets();
    for (auto& p : auxPresets()) v.push_back(p);
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

std::vector<std::string> experimentKinds() { return {"numbers", "aux"}; }

nlohmann::json normalizeConfig(const nlohmann::json& config) {
  if (!config.is_object()) throw Error("config must be a JSON object with a \"kind\" key");
  auto it = config.find("kind");
  if (it == config.end() || !it->is_string())
    throw Error("config.kind is missing: set it to \"numbers\" or \"aux\"");
  const std::string kind = it->get<std::string>();
  if (kind == "numbers") return normalizeNumbersConfig(config);
  if (kind == "aux") return normalizeAuxConfig(config);
  throw Error("config.kind: must be \"numbers\" or \"aux\", got \"" + kind + "\"");
}

std::vector<ConfigField> configSchema(const std::string& kind) {
  std::vector<ConfigField> schema;
  const nlohmann::json cfg = {{"kind", kind}};
  if (kind == "numbers") {
    normalizeNumbersConfig(cfg, &schema);
  } else if (kind == "aux") {
    normalizeAuxConfig(cfg, &schema);
  } else {
    throw Error("unknown experiment kind \"" + kind + "\"");
  }
  return schema;
}

void configureRuntime(const RuntimeOptions& options) {
  if (options.device != "cpu" && options.device != "cuda")
    throw Error("device must be \"cpu\" or \"cuda\", got \"" + options.device + "\"");
  if (options.device == "cuda" && !torch::cuda::is_available())
    throw Error(
        "device cuda was asked for but no CUDA device is available to this libtorch build; "
        "use --device cpu, or build against a CUDA libtorch (see README, Torch_DIR)");
  if (options.threads < 0) throw Error("threads must be 0 (all cores) or a positive count");
  if (options.threads > 0) {
    torch::set_num_threads(options.threads);
  } else {
    const unsigned hw = std::thread::hardware_concurrency();
    torch::set_num_threads(hw > 0 ? static_cast<int>(hw) : 1);
  }
}

ExperimentResult runExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                               RunObserver& observer, const CancelFlag* cancel) {
  const nlohmann::json cfg = normalizeConfig(config);
  configureRuntime(options);
  try {
    if (cfg["kind"] == "numbers") return runNumbersExperiment(cfg, options, observer, cancel);
    return runAuxExperiment(cfg, options, observer, cancel);
  } catch (const Error&) {
    throw;
  } catch (const Cancelled&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(std::string("the engine failed inside libtorch: ") + e.what_without_backtrace() +
                " — check the config's sizes and the device; rerun with --threads 1 to "
                "rule out a threading problem");
  } catch (const std::bad_alloc&) {
    throw Error("out of memory: reduce the number of models, prompts or the batch size");
  } catch (const std::exception& e) {
    throw Error(std::string("the engine failed: ") + e.what());
  }
}

}  // namespace sublab
