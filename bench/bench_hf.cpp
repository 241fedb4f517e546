// Hugging Face decoder throughput on CPU with random weights in SmolLM-135M's shape (hidden 576,
// 30 layers, 9 heads / 3 KV heads, vocabulary 49,152, tied): batched greedy generation with the
// KV cache, and LoRA (r 8, seven modules) training steps; then the same in plain PyTorch
// (bench/bench_hf.py, python3-torch) on the same checkpoint and threads, and the ratio.
// Usage: bench_hf [THREADS] [--no-python]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/hf/hf_lora.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/safetensors.h"

using Clock = std::chrono::steady_clock;
using namespace sublab::hf;

namespace {

constexpr int64_t kGenBatch = 4, kPrompt = 32, kNew = 16, kTrainBatch = 2, kTrainLen = 64,
                  kTrainSteps = 6;  // bench_hf.py uses the same numbers

void writeRandomSmolLm(const std::string& dir) {
  const nlohmann::json cfg = {{"model_type", "llama"},       {"hidden_size", 576},
                              {"intermediate_size", 1536},   {"num_hidden_layers", 30},
                              {"num_attention_heads", 9},    {"num_key_value_heads", 3},
                              {"vocab_size", 49152},         {"rms_norm_eps", 1e-5},
                              {"rope_theta", 10000.0},       {"max_position_embeddings", 2048},
                              {"tie_word_embeddings", true}, {"torch_dtype", "bfloat16"}};
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json") << cfg.dump(2);
  const HfConfig c = parseHfConfig(cfg.dump());
  torch::manual_seed(1);
  std::vector<std::pair<std::string, torch::Tensor>> ts;
  auto add = [&](const std::string& n, std::vector<int64_t> s, double std, double mean = 0) {
    ts.emplace_back(n, (torch::randn(s) * std + mean).to(torch::kBFloat16));
  };
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim,
                i = c.intermediateSize;
  add("model.embed_tokens.weight", {c.vocabSize, h}, 0.05);
  add("model.norm.weight", {h}, 0.0, 1.0);
  for (int64_t l = 0; l < c.numLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {h}, 0.0, 1.0);
    add(p + "post_attention_layernorm.weight", {h}, 0.0, 1.0);
    add(p + "self_attn.q_proj.weight", {q, h}, 0.04);
    add(p + "self_attn.k_proj.weight", {kv, h}, 0.04);
    add(p + "self_attn.v_proj.weight", {kv, h}, 0.04);
    add(p + "self_attn.o_proj.weight", {h, q}, 0.04);
    add(p + "mlp.gate_proj.weight", {i, h}, 0.04);
    add(p + "mlp.up_proj.weight", {i, h}, 0.04);
    add(p + "mlp.down_proj.weight", {h, i}, 0.025);
  }
  writeSafetensors(dir + "/model.safetensors", ts);
}

double seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const bool python = !(argc > 2 && std::string(argv[2]) == "--no-python");
  torch::set_num_threads(threads);
  const std::string dir =
      (std::filesystem::temp_directory_path() / "sublab_bench_hf_smollm").string();
  writeRandomSmolLm(dir);
  auto model = HfModel::load(dir, torch::kCPU);
  std::printf("SmolLM-135M shape, %lld parameters, %d threads\n",
              (long long)parameterCount(model->config()), threads);
  std::vector<std::vector<int64_t>> prompts(kGenBatch);
  for (int64_t b = 0; b < kGenBatch; ++b)
    for (int64_t t = 0; t < kPrompt; ++t)
      prompts[size_t(b)].push_back((b * 7919 + t * 104729) % 49152);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  model->generate(prompts, {2, 0.0, {-1}}, gen);  // warm-up
  auto t0 = Clock::now();
  model->generate(prompts, {kNew, 0.0, {-1}}, gen);
  const double genTps = double(kGenBatch * kNew) / seconds(t0);
  attachLora(*model, {}, 1);
  LoraTrainer trainer(*model, {});
  std::vector<TrainExample> batch(kTrainBatch);
  for (int64_t b = 0; b < kTrainBatch; ++b)
    for (int64_t t = 0; t < kTrainLen; ++t) {
      batch[size_t(b)].ids.push_back((b * 31 + t * 977) % 49152);
      batch[size_t(b)].labels.push_back(t < kTrainLen / 2 ? -100 : batch[size_t(b)].ids.back());
    }
  trainer.step({batch});  // warm-up
  t0 = Clock::now();
  for (int64_t s = 0; s < kTrainSteps; ++s) trainer.step({batch});
  const double trainTps = double(kTrainBatch * kTrainLen * kTrainSteps) / seconds(t0);
  std::printf(
      "engine:  generation %.1f new tokens/s (batch %lld, prompt %lld, %lld new, KV cache); "
      "LoRA training %.1f tokens/s (batch %lld x %lld)\n",
      genTps, (long long)kGenBatch, (long long)kPrompt, (long long)kNew, trainTps,
      (long long)kTrainBatch, (long long)kTrainLen);
  if (!python) return 0;
  const std::string cmd = "/usr/bin/python3 " + std::string(SUBLAB_BENCH_SOURCE_DIR) +
                          "/bench_hf.py " + dir + " " + std::to_string(threads);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 1;
  char line[512];
  double pyGen = 0, pyTrain = 0;
  while (std::fgets(line, sizeof line, p)) {
    std::fputs(line, stdout);
    std::sscanf(line, "RESULT %lf %lf", &pyGen, &pyTrain);
  }
  if (pclose(p) != 0 || pyGen <= 0) {
    std::printf("the PyTorch side failed (python3-torch installed?)\n");
    return 1;
  }
  std::printf("ratio engine / PyTorch: generation %.2f, LoRA training %.2f\n", genTps / pyGen,
              trainTps / pyTrain);
  return 0;
}
