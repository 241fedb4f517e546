// The model-card hook and the memory estimate every describer shares.
#include "engine/chat/model_card.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sublab {

namespace {
ModelFolderDescriber g_describer = nullptr;
}

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
  card.memoryNeeded = estimateRunMemory(card.parameters, bytes);
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
