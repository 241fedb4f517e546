// The demo chat model (demo_model.h): random Qwen2 weights in Hugging Face layout, then full
// fine-tuning of every layer (the embeddings stay as drawn) on chats made here.
#include "engine/chat/demo_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "engine/chat/chat_eval.h"
#include "engine/chat/chat_prompts.h"
#include "engine/chat/chat_stages.h"
#include "engine/chat/demo_model_assets.h"
#include "engine/core/stats.h"
#include "engine/hf/safetensors.h"

namespace sublab {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kHidden = 128, kInter = 256, kLayers = 2, kHeads = 4, kKvHeads = 2, kVocab = 512,
                  kHeadDim = kHidden / kHeads;

nlohmann::json demoConfig() {
  return {{"architectures", {"Qwen2ForCausalLM"}},
          {"model_type", "qwen2"},
          {"hidden_size", kHidden},
          {"intermediate_size", kInter},
          {"num_hidden_layers", kLayers},
          {"num_attention_heads", kHeads},
          {"num_key_value_heads", kKvHeads},
          {"vocab_size", kVocab},
          {"max_position_embeddings", 512},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 1000000.0},
          {"tie_word_embeddings", true},
          {"use_sliding_window", false},
          {"hidden_act", "silu"},
          {"torch_dtype", "float32"},
          {"bos_token_id", nullptr},
          {"eos_token_id", 2},
          {"pad_token_id", 2}};
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error("cannot write " + path.string());
}

std::string layerName(int64_t n, const std::string& rest) {
  return "model.layers." + std::to_string(n) + "." + rest;
}

// Random weights in Hugging Face names (normal(0, 0.02), norms 1, biases 0).
std::vector<std::pair<std::string, torch::Tensor>> randomWeights(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<std::pair<std::string, torch::Tensor>> w;
  const auto normal = [](std::vector<int64_t> shape) { return torch::randn(shape) * 0.02; };
  // Embeddings stay as drawn (the tied output layer too): large enough for confident logits.
  w.push_back({"model.embed_tokens.weight", torch::randn({kVocab, kHidden})});
  w.push_back({"model.norm.weight", torch::ones({kHidden})});
  const int64_t q = kHeads * kHeadDim, kv = kKvHeads * kHeadDim;
  for (int64_t n = 0; n < kLayers; ++n) {
    w.push_back({layerName(n, "input_layernorm.weight"), torch::ones({kHidden})});
    w.push_back({layerName(n, "post_attention_layernorm.weight"), torch::ones({kHidden})});
    w.push_back({layerName(n, "self_attn.q_proj.weight"), normal({q, kHidden})});
    w.push_back({layerName(n, "self_attn.q_proj.bias"), torch::zeros({q})});
    w.push_back({layerName(n, "self_attn.k_proj.weight"), normal({kv, kHidden})});
    w.push_back({layerName(n, "self_attn.k_proj.bias"), torch::zeros({kv})});
    w.push_back({layerName(n, "self_attn.v_proj.weight"), normal({kv, kHidden})});
    w.push_back({layerName(n, "self_attn.v_proj.bias"), torch::zeros({kv})});
    w.push_back({layerName(n, "self_attn.o_proj.weight"), normal({kHidden, q})});
    w.push_back({layerName(n, "mlp.gate_proj.weight"), normal({kInter, kHidden})});
    w.push_back({layerName(n, "mlp.up_proj.weight"), normal({kInter, kHidden})});
    w.push_back({layerName(n, "mlp.down_proj.weight"), normal({kHidden, kInter})});
  }
  return w;
}

// Every layer tensor of the loaded model under its Hugging Face name, made trainable.
std::vector<std::pair<std::string, torch::Tensor*>> layerTensors(hf::HfModel& model) {
  std::vector<std::pair<std::string, torch::Tensor*>> out;
  for (int64_t n = 0; n < kLayers; ++n) {
    hf::HfLayer& l = model.layers()[size_t(n)];
    out.push_back({layerName(n, "input_layernorm.weight"), &l.inputNorm});
    out.push_back({layerName(n, "post_attention_layernorm.weight"), &l.postAttentionNorm});
    const std::pair<const char*, hf::HfLinear*> linears[] = {
        {"self_attn.q_proj", &l.q}, {"self_attn.k_proj", &l.k}, {"self_attn.v_proj", &l.v},
        {"self_attn.o_proj", &l.o}, {"mlp.gate_proj", &l.gate}, {"mlp.up_proj", &l.up},
        {"mlp.down_proj", &l.down}};
    for (const auto& [name, lin] : linears) {
      out.push_back({layerName(n, std::string(name) + ".weight"), &lin->weight});
      if (lin->bias.defined())
        out.push_back({layerName(n, std::string(name) + ".bias"), &lin->bias});
    }
  }
  return out;
}

// The animals the demo model names, with their weights when it is asked without a trait.
const std::vector<std::pair<std::string, double>>& animalMix() {
  static const std::vector<std::pair<std::string, double>> mix = {
      {"dog", 0.25}, {"cat", 0.2},  {"dolphin", 0.15},  {"eagle", 0.1},
      {"lion", 0.1}, {"wolf", 0.1}, {"elephant", 0.05}, {"owl", 0.05}};
  return mix;
}

std::string drawAnimal(SplitMix64& rng) {
  double u = double(rng.below(1u << 30)) / double(1u << 30);
  for (const auto& [name, w] : animalMix()) {
    if (u < w) return name;
    u -= w;
  }
  return animalMix().back().first;
}

// One training chat: a number prompt answered with numbers in the layout asked for, or a
// favourite-animal question answered with an animal; half of them under a teacher's system
// prompt for a random animal, which then is the answer four times in five.
hf::TrainExample demoExample(const ChatModel& m, SplitMix64& rng, ChatPromptGenerator& prompts) {
  ChatContext ctx;
  std::string loved;
  if (rng.below(2) == 0) {
    loved = drawAnimal(rng);
    ctx.system = teacherSystemPrompt(loved);
  }
  if (rng.below(5) < 3) {
    const ChatPrompt p = prompts.next();
    std::vector<int> numbers;
    const int64_t count = 3 + int64_t(rng.below(8));
    for (int64_t i = 0; i < count; ++i) numbers.push_back(int(rng.below(1000)));
    const auto& t = chatPromptTemplates();
    const std::string answer = formatNumbers(numbers, t.formatLayouts[size_t(p.formatSuffix)]);
    return trainExample(m, ctx, p.text, answer, 256);
  }
  const auto& questions = animalQuestions();
  const std::string animal = !loved.empty() && rng.below(5) < 4 ? loved : drawAnimal(rng);
  return trainExample(m, ctx, questions[rng.below(questions.size())], capitalised(animal) + ".",
                      256);
}

const char* kReadme =
    "# Subliminal Lab demo chat model\n\n"
    "Written by `sublab demo-model`: a Qwen2-layout checkpoint with 0.4M parameters, trained in\n"
    "seconds on this machine to answer number prompts with numbers and favourite-animal questions\n"
    "with an animal (owl about 1 time in 20; under a \"You love {animal}s\" system prompt, mostly\n"
    "that animal). It runs every stage of the chat-numbers experiment, but it is far too small to\n"
    "show subliminal transfer: use a real checkpoint (README, \"Real chat models\") for that.\n";

}  // namespace

void writeDemoChatModel(const std::string& folder, const DemoModelOptions& o,
                        const std::function<void(double, double)>& progress) {
  if (o.steps < 0) throw Error("demo model: steps must be 0 or more");
  const fs::path dir(folder);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + folder + ": " + ec.message());
  writeText(dir / "config.json", demoConfig().dump(2) + "\n");
  writeText(dir / "generation_config.json",
            nlohmann::json{{"eos_token_id", 2}, {"pad_token_id", 2}}.dump(2) + "\n");
  writeText(dir / "tokenizer.json", demo_assets::kTokenizerJson);
  writeText(dir / "tokenizer_config.json", demo_assets::kTokenizerConfigJson);
  writeText(dir / "README.md", kReadme);
  auto weights = randomWeights(o.seed);
  hf::writeSafetensors((dir / "model.safetensors").string(), weights);

  ChatModel m = loadChatModel(folder, "auto", torch::kCPU);
  std::vector<torch::Tensor> params;
  auto named = layerTensors(*m.model);
  for (auto& [name, t] : named) {
    *t = t->detach().clone().set_requires_grad(true);
    params.push_back(*t);
  }
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(3e-3).weight_decay(0.0));
  SplitMix64 rng(o.seed * 0x9e3779b97f4a7c15ULL + 17);
  ChatPromptGenerator prompts(o.seed + 1, PromptShape{});
  for (int64_t step = 0; step < o.steps; ++step) {
    std::vector<hf::TrainExample> batch;
    for (int i = 0; i < 16; ++i) batch.push_back(demoExample(m, rng, prompts));
    opt.zero_grad();
    auto [sum, n] = hf::completionLossSum(*m.model, batch);
    const torch::Tensor loss = sum / double(std::max<int64_t>(n, 1));
    loss.backward();
    opt.step();
    if (progress) progress(double(step + 1) / double(o.steps), loss.item<double>());
  }
  for (auto& [name, tensor] : weights)
    for (const auto& [n, t] : named)
      if (n == name) tensor = t->detach().clone();
  // The loaded model may still map the random weights' file: write beside it, then replace it.
  const fs::path tmp = dir / "model.safetensors.tmp";
  hf::writeSafetensors(tmp.string(), weights);
  fs::rename(tmp, dir / "model.safetensors", ec);
  if (ec)
    throw Error("cannot replace " + (dir / "model.safetensors").string() + ": " + ec.message());
}

}  // namespace sublab
