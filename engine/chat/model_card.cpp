// The model-card hook and the memory estimate every describer shares.
#include "engine/chat/model_card.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/common.h"
#include "engine/hf/hf_config.h"

namespace sublab {

namespace {

// The paper's training shape (22 rows x 500 tokens per micro-batch, LoRA r 8) and generation
// shape (a batch of 64 prompts of up to 500 tokens with the KV cache): the card shows the larger.
constexpr int64_t kTrainBatch = 22, kTrainLength = 500, kLoraRank = 8, kGenBatch = 64,
                  kGenLength = 500;

ModelCard describeHfFolder(const std::string& path, const std::string& device) {
  namespace fs = std::filesystem;
  ModelCard card;
  card.device = device;
  try {
    const hf::HfConfig c = hf::readHfConfig(path);
    const bool weights = fs::exists(fs::path(path) / "model.safetensors") ||
                         fs::exists(fs::path(path) / "model.safetensors.index.json");
    if (!weights)
      throw Error("no weights in " + path +
                  ": expected model.safetensors or model.safetensors.index.json");
    if (!fs::exists(fs::path(path) / "tokenizer.json"))
      throw Error("no tokenizer.json in " + path + ": copy the checkpoint's tokenizer files too");
    const bool cuda = device == "cuda";
    card.readable = true;
    card.architecture = c.modelType;
    card.parameters = hf::parameterCount(c);
    card.dtype = c.torchDtype.empty() ? "unknown" : c.torchDtype;
    card.computeDtype = cuda ? "bfloat16" : "float32";
    card.contextLength = c.maxPositionEmbeddings;
    card.vocabSize = c.vocabSize;
    card.memoryNeeded =
        std::max(hf::estimateMemory(c, cuda, kTrainBatch, kTrainLength, kLoraRank).total(),
                 hf::estimateMemory(c, cuda, kGenBatch, kGenLength, 0).total());
    // The host's free memory is known here; a GPU's is not without torch (unknown: -1).
    card.memoryAvailable = cuda ? -1 : availableHostMemory();
  } catch (const std::exception& e) {
    card.readable = false;
    card.refusal = e.what();
  }
  finishModelCard(card);
  return card;
}

// The engine's Hugging Face reader is the describer unless a test installs another.
ModelFolderDescriber g_describer = &describeHfFolder;

}  // namespace

void setModelFolderDescriber(ModelFolderDescriber describer) { g_describer = describer; }
ModelFolderDescriber modelFolderDescriber() { return g_describer; }

ModelCard describeModelFolder(const std::string& path, const std::string& device) {
  if (g_describer) return g_describer(path, device);
  ModelCard card;
  card.device = device;
  card.refusal = "this build has no model reader installed, so the folder cannot be described";
  return card;
}

int64_t estimateRunMemory(int64_t parameters, int bytesPerWeight) {
  const int64_t weights = parameters * bytesPerWeight;
  return weights + weights / 4;
}

std::string formatBytes(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1024.0 * 1024 * 1024));
  else
    std::snprintf(buf, sizeof buf, "%.0f MiB", b / (1024.0 * 1024));
  return buf;
}

void finishModelCard(ModelCard& card) {
  if (!card.readable) {
    card.fits = false;
    if (card.refusal.empty()) card.refusal = "the folder could not be read as a model";
    return;
  }
  const int bytes = card.computeDtype == "float32" ? 4 : 2;
  if (card.memoryNeeded <= 0) card.memoryNeeded = estimateRunMemory(card.parameters, bytes);
  card.fits = card.memoryAvailable < 0 || card.memoryNeeded <= card.memoryAvailable;
  if (!card.fits)
    card.refusal = "it will not fit: the run needs about " + formatBytes(card.memoryNeeded) +
                   " on " + card.device + " but " + formatBytes(card.memoryAvailable) +
                   " is available; choose a smaller model or another device";
}

int64_t availableHostMemory() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    int64_t kib = -1;
    fields >> kib;
    return kib < 0 ? -1 : kib * 1024;
  }
  return -1;
}

}  // namespace sublab
