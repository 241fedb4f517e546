// What the New-experiment form shows about a model folder before Run: a plain card (architecture,
// size, dtype, context, vocabulary, the memory the run will need on the chosen device, whether
// that fits, and a refusal when it does not or when the folder cannot be used), made by one
// replaceable hook. The default describer reads the folder with the engine's Hugging Face config
// reader (engine/hf/hf_config.h: architecture, parameter count, the memory estimate); tests may
// install another, and with none installed describeModelFolder() says so on the card instead of
// guessing. Plain C++, no torch, so the GUI can include it.
#pragma once

#include <cstdint>
#include <string>

namespace sublab {

struct ModelCard {
  bool readable = false;      // the folder was read as a supported checkpoint
  std::string architecture;   // e.g. "qwen2 (Qwen2ForCausalLM)"
  int64_t parameters = 0;     // total, embeddings counted once when tied
  std::string dtype;          // as stored, e.g. "bfloat16"; computed in computeDtype
  std::string computeDtype;   // what the run computes in on the device ("float32" on CPU)
  int64_t contextLength = 0;  // max_position_embeddings
  int64_t vocabSize = 0;
  std::string device;            // "cpu" / "cuda"
  int64_t memoryNeeded = 0;      // bytes the run needs on the device (estimate)
  int64_t memoryAvailable = -1;  // bytes available there (-1: unknown)
  bool fits = false;             // readable and memoryNeeded <= memoryAvailable (or unknown)
  std::string refusal;           // why it cannot run (empty when it can)
};

// Reads the folder at `path` and estimates the run's needs on `device`. Must not throw: every
// problem goes into refusal.
using ModelFolderDescriber = ModelCard (*)(const std::string& path, const std::string& device);

// Installs the describer (nullptr: none). Not thread-safe against concurrent describe calls:
// install once at start-up.
void setModelFolderDescriber(ModelFolderDescriber describer);
ModelFolderDescriber modelFolderDescriber();

// The installed describer's card, or, with none installed, a card whose refusal says so.
ModelCard describeModelFolder(const std::string& path, const std::string& device);

// The memory a LoRA run needs for `parameters` weights computed in `bytesPerWeight` (4 on CPU,
// 2 in bf16 on CUDA): the frozen weights, plus a quarter for activations, the KV cache and the
// adapters' optimizer state at the paper's batch and length. An estimate, stated as such.
int64_t estimateRunMemory(int64_t parameters, int bytesPerWeight);

// Fills memoryNeeded (when the describer left it 0) from parameters and computeDtype, and fits /
// refusal from memoryAvailable.
void finishModelCard(ModelCard& card);

// Bytes of physical memory available now on this machine (Linux: MemAvailable), -1 if unknown.
int64_t availableHostMemory();

// "1.2 GiB", "540 MiB": memory for people.
std::string formatBytes(int64_t bytes);

}  // namespace sublab
