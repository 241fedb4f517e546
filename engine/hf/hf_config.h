// A Hugging Face model's config.json (and optional generation_config.json) as a plain struct,
// for the Llama and Qwen2 decoder families. No torch: the GUI's model card uses it directly.
// Both the published form (top-level rope_theta / rope_scaling, torch_dtype) and transformers
// 5's form (rope_parameters, dtype) are read. Anything the engine cannot run exactly (another
// model_type, a rope_scaling type other than llama3, sliding-window attention) is refused with
// one sublab::Error naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sublab::hf {

struct HfConfig {
  std::string modelType;  // "llama" or "qwen2"
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;  // config's head_dim, else hidden_size / num_attention_heads
  int64_t vocabSize = 0;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  bool ropeLlama3 = false;  // rope_scaling type "llama3"
  double ropeFactor = 1.0, ropeLowFreqFactor = 1.0, ropeHighFreqFactor = 4.0;
  int64_t ropeOriginalMaxPos = 8192;
  int64_t maxPositionEmbeddings = 0;
  bool tieWordEmbeddings = false;
  bool qkvBias = false;    // Qwen2 always; Llama when attention_bias is true
  bool oBias = false;      // Llama's attention_bias also puts a bias on o_proj
  std::string torchDtype;  // as saved: "float32", "bfloat16", "float16" ("" when absent)
  std::vector<int64_t> bosIds, eosIds;  // from config.json, overridden by generation_config.json
  int64_t padId = -1;                   // -1 when none is given
};

// Parses config.json text; `where` names the file in messages. Throws sublab::Error.
HfConfig parseHfConfig(const std::string& configJson, const std::string& where = "config.json");
// Reads folder/config.json and, when present, folder/generation_config.json (eos/bos/pad ids).
HfConfig readHfConfig(const std::string& folder);

// Parameters of the model as the config describes it (the lm_head counted once when tied).
int64_t parameterCount(const HfConfig& c);

struct MemoryEstimate {
  int64_t weightBytes = 0;      // weights in the compute dtype
  int64_t kvCacheBytes = 0;     // keys and values for batch × length tokens
  int64_t loraBytes = 0;        // LoRA weights, their gradients and AdamW's two moments (fp32)
  int64_t activationBytes = 0;  // rough: training activations / logits for batch × length
  int64_t total() const { return weightBytes + kvCacheBytes + loraBytes + activationBytes; }
};

// What a run needs on a device: cuda computes in bf16 (2 bytes), CPU in fp32 (4). loraRank 0
// means generation only (no training state, no training activations).
MemoryEstimate estimateMemory(const HfConfig& c, bool cuda, int64_t batch, int64_t length,
                              int64_t loraRank);

}  // namespace sublab::hf
