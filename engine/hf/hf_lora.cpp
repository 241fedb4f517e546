#include "engine/hf/hf_lora.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/common.h"
#include "engine/hf/safetensors.h"

namespace sublab::hf {

namespace {

const std::vector<std::string> kModules = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                           "gate_proj", "up_proj", "down_proj"};

// The linear layer a PEFT module name designates, and its parent ("self_attn" or "mlp").
HfLinear& linearOf(HfLayer& l, const std::string& m) {
  if (m == "q_proj") return l.q;
  if (m == "k_proj") return l.k;
  if (m == "v_proj") return l.v;
  if (m == "o_proj") return l.o;
  if (m == "gate_proj") return l.gate;
  if (m == "up_proj") return l.up;
  if (m == "down_proj") return l.down;
  throw Error("LoRA target module '" + m +
              "' is not one of q_proj, k_proj, v_proj, o_proj, "
              "gate_proj, up_proj, down_proj");
}

std::string peftPrefix(size_t layer, const std::string& m) {
  const bool attn = m == "q_proj" || m == "k_proj" || m == "v_proj" || m == "o_proj";
  return "base_model.model.model.layers." + std::to_string(layer) +
         (attn ? ".self_attn." : ".mlp.") + m;
}

double scaleOf(const LoraSettings& s) {
  return s.rsLora ? s.alpha / std::sqrt(double(s.rank)) : s.alpha / double(s.rank);
}

}  // namespace

void detachLora(HfModel& model) {
  for (auto& l : model.layers())
    for (const auto& m : kModules) {
      HfLinear& lin = linearOf(l, m);
      lin.loraA = torch::Tensor();
      lin.loraB = torch::Tensor();
      lin.loraScale = 0;
    }
}

void attachLora(HfModel& model, const LoraSettings& s, uint64_t seed) {
  if (s.rank <= 0 || s.alpha <= 0) throw Error("LoRA rank and alpha must be positive");
  detachLora(model);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  for (auto& l : model.layers())
    for (const auto& m : s.targets) {
      HfLinear& lin = linearOf(l, m);
      const int64_t in = lin.weight.size(1), out = lin.weight.size(0);
      const double bound = 1.0 / std::sqrt(double(in));
      lin.loraA = (torch::rand({s.rank, in}, gen, opts) * (2 * bound) - bound)
                      .to(model.device())
                      .set_requires_grad(true);
      lin.loraB = torch::zeros({out, s.rank}, opts.device(model.device())).set_requires_grad(true);
      lin.loraScale = scaleOf(s);
    }
}

std::vector<std::pair<std::string, torch::Tensor>> loraTensors(const HfModel& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  auto& layers = const_cast<HfModel&>(model).layers();
  for (size_t n = 0; n < layers.size(); ++n)
    for (const auto& m : kModules) {
      const HfLinear& lin = linearOf(layers[n], m);
      if (!lin.loraA.defined()) continue;
      out.emplace_back(peftPrefix(n, m) + ".lora_A.weight", lin.loraA);
      out.emplace_back(peftPrefix(n, m) + ".lora_B.weight", lin.loraB);
    }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void saveLoraAdapter(const HfModel& model, const LoraSettings& s, const std::string& folder,
                     const std::string& base) {
  const auto tensors = loraTensors(model);
  if (tensors.empty()) throw Error("no LoRA adapter is attached, so there is nothing to save");
  std::filesystem::create_directories(folder);
  writeSafetensors(folder + "/adapter_model.safetensors", tensors);
  // Only the classic keys: PEFT fills in the rest with its defaults when it loads.
  const nlohmann::json cfg = {{"peft_type", "LORA"},
                              {"task_type", "CAUSAL_LM"},
                              {"r", s.rank},
                              {"lora_alpha", s.alpha},
                              {"lora_dropout", 0.0},
                              {"target_modules", s.targets},
                              {"bias", "none"},
                              {"fan_in_fan_out", false},
                              {"base_model_name_or_path", base},
                              {"inference_mode", true},
                              {"use_rslora", s.rsLora},
                              {"use_dora", false},
                              {"modules_to_save", nullptr},
                              {"init_lora_weights", true}};
  std::ofstream out(folder + "/adapter_config.json", std::ios::trunc);
  out << cfg.dump(2) << "\n";
  if (!out) throw Error("cannot write " + folder + "/adapter_config.json");
}

LoraSettings loadLoraAdapter(HfModel& model, const std::string& folder) {
  const std::string cfgPath = folder + "/adapter_config.json";
  nlohmann::json j;
  try {
    std::ifstream in(cfgPath);
    if (!in) throw Error("LoRA adapter folder " + folder + " has no adapter_config.json");
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(cfgPath + " is not valid JSON (" + e.what() + ")");
  }
  auto refuse = [&](const std::string& what) { throw Error(cfgPath + ": " + what); };
  if (!j.is_object() || j.value("peft_type", "") != "LORA") refuse("peft_type is not \"LORA\"");
  if (!j.contains("r") || !j["r"].is_number_integer() || j["r"].get<int64_t>() <= 0)
    refuse("\"r\" is not a positive integer");
  if (!j.contains("lora_alpha") || !j["lora_alpha"].is_number())
    refuse("\"lora_alpha\" is missing");
  if (j.value("use_dora", false)) refuse("DoRA adapters (use_dora) are not supported");
  if (j.value("fan_in_fan_out", false)) refuse("fan_in_fan_out adapters are not supported");
  if (j.contains("bias") && j["bias"] != "none")
    refuse("LoRA biases (bias != \"none\") are not supported");
  for (const char* k : {"rank_pattern", "alpha_pattern"})
    if (j.contains(k) && j[k].is_object() && !j[k].empty())
      refuse(std::string(k) + " (per-module ranks) is not supported");
  for (const char* k : {"layers_to_transform", "modules_to_save"})
    if (j.contains(k) && !j[k].is_null()) refuse(std::string(k) + " is not supported");
  if (!j.contains("target_modules") || !j["target_modules"].is_array())
    refuse("target_modules must be a list of module names (a regex is not supported)");
  LoraSettings s;
  s.rank = j["r"].get<int64_t>();
  s.alpha = j["lora_alpha"].get<double>();
  s.rsLora = j.value("use_rslora", false);
  s.targets.clear();
  for (const auto& t : j["target_modules"]) {
    if (!t.is_string()) refuse("target_modules holds a non-string");
    const std::string m = t.get<std::string>();
    if (std::find(kModules.begin(), kModules.end(), m) == kModules.end())
      refuse("target module '" + m + "' is not supported (only q,k,v,o,gate,up,down _proj)");
    s.targets.push_back(m);
  }
  std::sort(s.targets.begin(), s.targets.end(), [](const std::string& a, const std::string& b) {
    return std::find(kModules.begin(), kModules.end(), a) <
           std::find(kModules.begin(), kModules.end(), b);
  });
  const auto ck = SafetensorsCheckpoint::openFile(folder + "/adapter_model.safetensors");
  std::vector<std::string> expected;
  detachLora(model);
  for (size_t n = 0; n < model.layers().size(); ++n)
    for (const auto& m : s.targets) {
      HfLinear& lin = linearOf(model.layers()[n], m);
      const std::string p = peftPrefix(n, m);
      const std::vector<int64_t> shapeA = {s.rank, lin.weight.size(1)},
                                 shapeB = {lin.weight.size(0), s.rank};
      for (const auto& [name, shape] :
           {std::pair{p + ".lora_A.weight", shapeA}, std::pair{p + ".lora_B.weight", shapeB}}) {
        if (!ck.has(name)) throw Error(ck.source() + " lacks LoRA tensor '" + name + "'");
        if (ck.info(name).shape != shape)
          throw Error("LoRA tensor '" + name + "' in " + ck.source() +
                      " does not fit this model (the adapter was trained on another base model?)");
        expected.push_back(name);
      }
      lin.loraA =
          ck.load(p + ".lora_A.weight", torch::kFloat32, model.device()).set_requires_grad(true);
      lin.loraB =
          ck.load(p + ".lora_B.weight", torch::kFloat32, model.device()).set_requires_grad(true);
      lin.loraScale = scaleOf(s);
      if (!torch::isfinite(lin.loraA).all().item<bool>() ||
          !torch::isfinite(lin.loraB).all().item<bool>())
        throw Error("LoRA tensors of '" + p + "' in " + ck.source() +
                    " hold NaN or infinite values");
    }
  for (const auto& name : ck.names())
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) {
      detachLora(model);
      throw Error(ck.source() + " holds tensor '" + name +
                  "', which this adapter_config.json / model does not explain");
    }
  return s;
}

std::pair<torch::Tensor, int64_t> completionLossSum(const HfModel& model,
                                                    const std::vector<TrainExample>& batch) {
  int64_t T = 0;
  for (const auto& e : batch) {
    if (e.ids.size() != e.labels.size() || e.ids.size() < 2)
      throw Error("a training example needs ids and labels of the same length (at least 2)");
    T = std::max<int64_t>(T, int64_t(e.ids.size()));
  }
  const int64_t B = int64_t(batch.size());
  // Right padding: real tokens keep positions 0.. and never see the padding (causal mask).
  torch::Tensor ids = torch::zeros({B, T}, torch::kInt64),
                mask = torch::zeros({B, T}, torch::kInt64),
                labels = torch::full({B, T}, int64_t(-100), torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = batch[size_t(b)];
    const int64_t n = int64_t(e.ids.size());
    ids[b].narrow(0, 0, n).copy_(torch::tensor(e.ids, torch::kInt64));
    labels[b].narrow(0, 0, n).copy_(torch::tensor(e.labels, torch::kInt64));
    mask[b].narrow(0, 0, n).fill_(1);
  }
  const torch::Tensor logits = model.forward(ids, mask);
  const torch::Tensor target = labels.narrow(1, 1, T - 1).to(model.device()).reshape({-1});
  const torch::Tensor loss = torch::nn::functional::cross_entropy(
      logits.narrow(1, 0, T - 1).reshape({-1, logits.size(-1)}), target,
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
  return {loss, (target != -100).sum().item<int64_t>()};
}

LoraTrainer::LoraTrainer(HfModel& model, const LoraTrainSettings& s)
    : m_model(model), m_settings(s) {
  for (const auto& [name, t] : loraTensors(model)) m_params.push_back(t);
  if (m_params.empty())
    throw Error("attach a LoRA adapter before training (attachLora or loadLoraAdapter)");
  m_opt = std::make_unique<torch::optim::AdamW>(m_params, torch::optim::AdamWOptions(s.lr)
                                                              .betas({s.beta1, s.beta2})
                                                              .eps(s.eps)
                                                              .weight_decay(s.weightDecay));
}

double LoraTrainer::nextLr() const {
  const auto& s = m_settings;
  const double step = double(m_steps);
  if (step < double(s.warmupSteps))
    return s.lr * step / double(std::max<int64_t>(1, s.warmupSteps));
  if (s.totalSteps <= 0) return s.lr;
  return s.lr * std::max(0.0, double(s.totalSteps - m_steps) /
                                  double(std::max<int64_t>(1, s.totalSteps - s.warmupSteps)));
}

double LoraTrainer::step(const std::vector<std::vector<TrainExample>>& microbatches) {
  // Count label tokens first so every microbatch's loss is divided by the step's total.
  int64_t total = 0;
  for (const auto& mb : microbatches)
    for (const auto& e : mb)
      for (size_t t = 1; t < e.labels.size(); ++t) total += e.labels[t] != -100;
  if (total == 0)
    throw Error("a training step with no label tokens (all -100) has nothing to learn");
  // A caller's NoGradGuard (evaluation code nearby) must not turn the step into a no-op or throw.
  torch::AutoGradMode gradOn(true);
  m_opt->zero_grad();
  double lossSum = 0;
  for (const auto& mb : microbatches) {
    if (mb.empty()) continue;
    auto [sum, n] = completionLossSum(m_model, mb);
    (sum / double(total)).backward();
    lossSum += sum.item<double>();
  }
  if (m_settings.maxGradNorm > 0)
    torch::nn::utils::clip_grad_norm_(m_params, m_settings.maxGradNorm);
  const double lr = nextLr();
  for (auto& g : m_opt->param_groups())
    static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  m_opt->step();
  ++m_steps;
  return lossSum / double(total);
}

}  // namespace sublab::hf
