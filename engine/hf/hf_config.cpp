#include "engine/hf/hf_config.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/common.h"

namespace sublab::hf {

namespace {

using nlohmann::json;

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw Error(where + ": " + what);
}

int64_t positiveInt(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
    refuse(where, std::string("\"") + key + "\" is missing or not a positive integer");
  return j[key].get<int64_t>();
}

double positiveNumber(const json& j, const char* key, double fallback, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number() || j[key].get<double>() <= 0)
    refuse(where, std::string("\"") + key + "\" is not a positive number");
  return j[key].get<double>();
}

// A token id field: an integer, a list of them, or null.
std::vector<int64_t> ids(const json& j, const char* key, const std::string& where) {
  std::vector<int64_t> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  const json& v = j[key];
  if (v.is_number_integer()) return {v.get<int64_t>()};
  if (!v.is_array())
    refuse(where, std::string("\"") + key + "\" is not a token id or a list of ids");
  for (const auto& x : v) {
    if (!x.is_number_integer()) refuse(where, std::string("\"") + key + "\" holds a non-integer");
    out.push_back(x.get<int64_t>());
  }
  return out;
}

void readRope(const json& j, HfConfig& c, const std::string& where) {
  // transformers 5: rope_parameters {rope_theta, rope_type, ...}; published: rope_theta at the top
  // and rope_scaling {type|rope_type, ...} or null.
  json scaling;
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    scaling = j["rope_parameters"];
    c.ropeTheta = positiveNumber(scaling, "rope_theta", 10000.0, where);
  } else {
    c.ropeTheta = positiveNumber(j, "rope_theta", 10000.0, where);
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
      if (!j["rope_scaling"].is_object()) refuse(where, "\"rope_scaling\" is not an object");
      scaling = j["rope_scaling"];
    }
  }
  if (scaling.is_null()) return;
  std::string type = "default";
  if (scaling.contains("rope_type") && scaling["rope_type"].is_string())
    type = scaling["rope_type"].get<std::string>();
  else if (scaling.contains("type") && scaling["type"].is_string())
    type = scaling["type"].get<std::string>();
  if (type == "default") return;
  if (type != "llama3")
    refuse(where, "rope scaling type \"" + type +
                      "\" is not supported (only none/default and \"llama3\" are)");
  c.ropeLlama3 = true;
  c.ropeFactor = positiveNumber(scaling, "factor", 0, where);
  c.ropeLowFreqFactor = positiveNumber(scaling, "low_freq_factor", 0, where);
  c.ropeHighFreqFactor = positiveNumber(scaling, "high_freq_factor", 0, where);
  c.ropeOriginalMaxPos = positiveInt(scaling, "original_max_position_embeddings", where);
  if (c.ropeFactor <= 0 || c.ropeLowFreqFactor <= 0 || c.ropeHighFreqFactor <= c.ropeLowFreqFactor)
    refuse(where, "llama3 rope scaling needs factor, low_freq_factor < high_freq_factor");
}

std::string readText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

HfConfig parseHfConfig(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    refuse(where, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) refuse(where, "not a JSON object");
  HfConfig c;
  if (!j.contains("model_type") || !j["model_type"].is_string())
    refuse(where, "no \"model_type\"; this is not a Hugging Face model config");
  c.modelType = j["model_type"].get<std::string>();
  if (c.modelType != "llama" && c.modelType != "qwen2")
    refuse(where, "model_type \"" + c.modelType +
                      "\" is not supported (supported: llama — Llama, SmolLM, TinyLlama — and "
                      "qwen2 — Qwen2, Qwen2.5)");
  if (j.contains("hidden_act") && j["hidden_act"] != "silu")
    refuse(where, "hidden_act " + j["hidden_act"].dump() + " is not supported (only silu)");
  if (j.value("use_sliding_window", false) == true)
    refuse(where, "use_sliding_window is true; sliding-window attention is not supported");
  if (j.value("mlp_bias", false) == true)
    refuse(where, "mlp_bias is true; MLP biases are not supported");
  c.hiddenSize = positiveInt(j, "hidden_size", where);
  c.intermediateSize = positiveInt(j, "intermediate_size", where);
  c.numLayers = positiveInt(j, "num_hidden_layers", where);
  c.numHeads = positiveInt(j, "num_attention_heads", where);
  c.numKvHeads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                     ? positiveInt(j, "num_key_value_heads", where)
                     : c.numHeads;
  if (c.numHeads % c.numKvHeads != 0)
    refuse(where, "num_attention_heads is not a multiple of num_key_value_heads");
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    c.headDim = positiveInt(j, "head_dim", where);
  } else {
    if (c.hiddenSize % c.numHeads != 0)
      refuse(where,
             "hidden_size is not a multiple of num_attention_heads and no head_dim is given");
    c.headDim = c.hiddenSize / c.numHeads;
  }
  if (c.headDim % 2 != 0) refuse(where, "head_dim is odd; rotary embeddings need it even");
  c.vocabSize = positiveInt(j, "vocab_size", where);
  c.rmsNormEps = positiveNumber(j, "rms_norm_eps", 1e-6, where);
  c.maxPositionEmbeddings = j.contains("max_position_embeddings")
                                ? positiveInt(j, "max_position_embeddings", where)
                                : 2048;
  readRope(j, c, where);
  c.tieWordEmbeddings = j.value("tie_word_embeddings", c.modelType == "llama" ? false : false);
  if (j.contains("tie_word_embeddings") && !j["tie_word_embeddings"].is_boolean())
    refuse(where, "\"tie_word_embeddings\" is not true or false");
  c.qkvBias = c.modelType == "qwen2" || j.value("attention_bias", false) == true;
  c.oBias = c.modelType == "llama" && j.value("attention_bias", false) == true;
  for (const char* k : {"torch_dtype", "dtype"})
    if (j.contains(k) && j[k].is_string()) c.torchDtype = j[k].get<std::string>();
  c.bosIds = ids(j, "bos_token_id", where);
  c.eosIds = ids(j, "eos_token_id", where);
  const auto pad = ids(j, "pad_token_id", where);
  if (!pad.empty()) c.padId = pad[0];
  return c;
}

HfConfig readHfConfig(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path cfg = fs::path(folder) / "config.json";
  if (!fs::is_regular_file(cfg))
    throw Error("model folder " + folder +
                " has no config.json; point it at a Hugging Face model folder");
  HfConfig c = parseHfConfig(readText(cfg), cfg.string());
  const fs::path gen = fs::path(folder) / "generation_config.json";
  if (fs::is_regular_file(gen)) {
    json g;
    try {
      g = json::parse(readText(gen));
    } catch (const json::exception& e) {
      throw Error(gen.string() + ": not valid JSON (" + e.what() + ")");
    }
    if (g.is_object()) {
      // Chat checkpoints list the end-of-turn token here (Qwen: <|im_end|>), not in config.json.
      if (auto e = ids(g, "eos_token_id", gen.string()); !e.empty()) c.eosIds = e;
      if (auto b = ids(g, "bos_token_id", gen.string()); !b.empty()) c.bosIds = b;
      if (auto p = ids(g, "pad_token_id", gen.string()); !p.empty()) c.padId = p[0];
    }
  }
  return c;
}

int64_t parameterCount(const HfConfig& c) {
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  int64_t layer = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize + 2 * h;
  if (c.qkvBias) layer += q + 2 * kv;
  if (c.oBias) layer += h;
  int64_t n = c.numLayers * layer + c.vocabSize * h + h;
  if (!c.tieWordEmbeddings) n += c.vocabSize * h;
  return n;
}

MemoryEstimate estimateMemory(const HfConfig& c, bool cuda, int64_t batch, int64_t length,
                              int64_t loraRank) {
  const int64_t bytes = cuda ? 2 : 4;
  MemoryEstimate m;
  m.weightBytes = parameterCount(c) * bytes;
  m.kvCacheBytes = 2 * c.numLayers * batch * length * c.numKvHeads * c.headDim * bytes;
  if (loraRank > 0) {
    const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim,
                  i = c.intermediateSize;
    // A is r×in, B is out×r for q,k,v,o,gate,up,down.
    const int64_t perLayer = loraRank * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + i) + (i + h));
    m.loraBytes = c.numLayers * perLayer * 4 * 4;  // weights, grads, two AdamW moments, fp32
    // Saved activations per token per layer (inputs of each matmul, attention rows, MLP
    // intermediates) plus fp32 logits and their gradient: a rough upper figure.
    const int64_t tokens = batch * length;
    m.activationBytes = c.numLayers * tokens * (6 * h + 2 * q + 2 * kv + 4 * i) * bytes +
                        c.numLayers * batch * c.numHeads * length * length * bytes +
                        2 * tokens * c.vocabSize * 4;
    m.kvCacheBytes = 0;  // training runs the full forward, no cache
  } else {
    m.activationBytes = batch * c.vocabSize * 4 + batch * length * c.numHeads * bytes;
  }
  return m;
}

}  // namespace sublab::hf
