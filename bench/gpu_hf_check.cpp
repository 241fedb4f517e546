// GPU check of engine/hf (run by bench/gpu_hf_check.sh on a CUDA machine with PyTorch 2.x): the
// golden fixtures on CUDA in bf16 (logit differences, greedy agreement), a LoRA step on CUDA,
// and generation / LoRA training tokens/s with random weights in a given shape.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/hf/hf_lora.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/safetensors.h"

using namespace sublab::hf;
using Clock = std::chrono::steady_clock;

namespace {

// Writes a random bf16 checkpoint in a Qwen2.5 shape (q/k/v biases; tied embeddings when asked).
// The weights are drawn on the GPU (fast) and written through the engine's safetensors writer.
std::string writeRandomQwen(const std::string& dir, int64_t h, int64_t inter, int64_t layers,
                            int64_t heads, int64_t kvHeads, int64_t vocab, bool tied) {
  const nlohmann::json cfg = {{"model_type", "qwen2"},        {"hidden_size", h},
                              {"intermediate_size", inter},   {"num_hidden_layers", layers},
                              {"num_attention_heads", heads}, {"num_key_value_heads", kvHeads},
                              {"vocab_size", vocab},          {"rms_norm_eps", 1e-6},
                              {"rope_theta", 1000000.0},      {"max_position_embeddings", 32768},
                              {"tie_word_embeddings", tied},  {"torch_dtype", "bfloat16"},
                              {"use_sliding_window", false}};
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json") << cfg.dump(2);
  const int64_t hd = h / heads, q = heads * hd, kv = kvHeads * hd;
  std::vector<std::pair<std::string, torch::Tensor>> ts;
  auto add = [&](const std::string& n, std::vector<int64_t> shape, double std, double mean = 0) {
    ts.emplace_back(n,
                    (torch::randn(shape, torch::TensorOptions().device(torch::kCUDA)) * std + mean)
                        .to(torch::kBFloat16)
                        .cpu());
  };
  add("model.embed_tokens.weight", {vocab, h}, 0.02);
  if (!tied) add("lm_head.weight", {vocab, h}, 0.02);
  add("model.norm.weight", {h}, 0.0, 1.0);
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {h}, 0.0, 1.0);
    add(p + "post_attention_layernorm.weight", {h}, 0.0, 1.0);
    add(p + "self_attn.q_proj.weight", {q, h}, 0.02);
    add(p + "self_attn.q_proj.bias", {q}, 0.02);
    add(p + "self_attn.k_proj.weight", {kv, h}, 0.02);
    add(p + "self_attn.k_proj.bias", {kv}, 0.02);
    add(p + "self_attn.v_proj.weight", {kv, h}, 0.02);
    add(p + "self_attn.v_proj.bias", {kv}, 0.02);
    add(p + "self_attn.o_proj.weight", {h, q}, 0.02);
    add(p + "mlp.gate_proj.weight", {inter, h}, 0.02);
    add(p + "mlp.up_proj.weight", {inter, h}, 0.02);
    add(p + "mlp.down_proj.weight", {h, inter}, 0.02);
  }
  writeSafetensors(dir + "/model.safetensors", ts);
  return dir;
}

double since(Clock::time_point t) {
  torch::cuda::synchronize();
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The same shapes as scripts/gpu/bench_peer.py (transformers + peft): generation batch 64, 64-token
// prompts, 64 new tokens greedy with the KV cache; LoRA r 8 on the seven modules, 22 rows x 128.
void benchShape(const std::string& name, const std::string& dir) {
  auto t0 = Clock::now();
  auto m = HfModel::load(dir, torch::kCUDA);
  std::printf("%s: %lld parameters, loaded in %.1f s\n", name.c_str(),
              (long long)parameterCount(m->config()), since(t0));
  const int64_t vocab = m->config().vocabSize;
  std::vector<std::vector<int64_t>> prompts(64);
  for (int64_t b = 0; b < 64; ++b)
    for (int64_t t = 0; t < 64; ++t) prompts[size_t(b)].push_back((b * 7919 + t * 104729) % vocab);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  {
    torch::NoGradGuard ng;
    m->generate(prompts, {4, 0.0, {-1}}, gen);  // warm-up
    t0 = Clock::now();
    m->generate(prompts, {64, 0.0, {-1}}, gen);
    const double s = since(t0);
    std::printf("%s engine generate: %.1f new tokens/s (64 x 64 new, %.2f s)\n", name.c_str(),
                64.0 * 64 / s, s);
  }
  attachLora(*m, {}, 1);
  LoraTrainer trainer(*m, {});
  std::vector<TrainExample> batch(22);
  for (int64_t b = 0; b < 22; ++b)
    for (int64_t t = 0; t < 128; ++t) {
      batch[size_t(b)].ids.push_back((b * 31 + t * 977) % vocab);
      batch[size_t(b)].labels.push_back(batch[size_t(b)].ids.back());
    }
  trainer.step({batch});  // warm-up
  torch::cuda::synchronize();
  t0 = Clock::now();
  for (int s = 0; s < 5; ++s) trainer.step({batch});
  const double s = since(t0);
  std::printf("%s engine LoRA train: %.0f tokens/s (5 steps of 22 x 128, %.2f s)\n", name.c_str(),
              5.0 * 22 * 128 / s, s);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string fx = argc > 1 ? argv[1] : "tests/fixtures/hf";
  const torch::Device dev(torch::kCUDA);
  for (const char* name : {"llama-f32", "llama3-bf16-sharded", "qwen2-f32"}) {
    std::ifstream in(fx + "/" + name + "/expected.json");
    const auto exp = nlohmann::json::parse(in);
    auto m = HfModel::load(fx + "/" + name, dev);
    const auto ids = exp["input_ids"].get<std::vector<int64_t>>();
    torch::NoGradGuard g;
    const torch::Tensor last = m->forward(torch::tensor(ids).view({1, -1}))[0][-1].cpu();
    const torch::Tensor want = torch::tensor(exp["logits_last"].get<std::vector<float>>());
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto greedy = m->generate({ids}, {16, 0.0, {-1}}, gen)[0];
    const auto wg = exp["greedy_ids"].get<std::vector<int64_t>>();
    size_t agree = 0;
    while (agree < wg.size() && greedy[agree] == wg[agree]) ++agree;
    std::printf(
        "%s cuda bf16: max |dlogit| %.4f (logit range %.2f), argmax %s, greedy prefix agreeing "
        "%zu/16\n",
        name, (last - want).abs().max().item<double>(), (want.max() - want.min()).item<double>(),
        last.argmax().item<int64_t>() == want.argmax().item<int64_t>() ? "same" : "DIFFERS", agree);
  }
  {
    std::ifstream in(fx + "/lora-qwen2/expected.json");
    const auto exp = nlohmann::json::parse(in);
    auto m = HfModel::load(fx + "/qwen2-f32", dev);
    loadLoraAdapter(*m, fx + "/lora-qwen2");
    LoraTrainSettings s;
    s.lr = 1e-3;
    s.maxGradNorm = 0;
    LoraTrainer t(*m, s);
    const TrainExample ex{exp["train_ids"].get<std::vector<int64_t>>(),
                          exp["labels"].get<std::vector<int64_t>>()};
    const double l0 = t.step({{ex}});
    torch::NoGradGuard g;
    auto [sum, n] = completionLossSum(*m, {ex});
    std::printf("lora cuda bf16: loss %.5f (PEFT fp32 %.5f), after step %.5f (PEFT %.5f)\n", l0,
                exp["loss"].get<double>(), sum.item<double>() / double(n),
                exp["loss_after_step"].get<double>());
  }
  if (argc > 2 && std::string(argv[2]) == "--bench") {
    benchShape("qwen2.5-0.5b",
               writeRandomQwen("/tmp/sublab_q05", 896, 4864, 24, 14, 2, 151936, true));
    if (argc > 3 && std::string(argv[3]) == "--7b")
      benchShape("qwen2.5-7b",
                 writeRandomQwen("/tmp/sublab_q7", 3584, 18944, 28, 28, 4, 152064, false));
  }
  return 0;
}
