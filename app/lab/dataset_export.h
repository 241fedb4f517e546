// Exporting a run's (or an imported dataset's) rows as training data for other tools, written
// once for both front ends: chat JSONL in the OpenAI fine-tuning format, the Hugging Face
// "messages" format (the same shape), or prompt/completion JSONL; chosen by condition, seed and
// verdict. The file is written beside its target and renamed into place, so a failed or
// cancelled export leaves no half file. No Qt.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace sublab {

// The formats, as the --format option names them.
const std::vector<std::string>& rowExportFormats();

struct RowExportRequest {
  int64_t runId = 0;
  std::string format = "openai";  // openai | hf | prompt-completion
  std::string condition;          // "" = every condition
  std::optional<int> seed;        // nullopt = every seed
  Verdict verdict = Verdict::Kept;
  std::string path;  // the file to write
};

struct RowExportResult {
  int64_t rows = 0;
  bool cancelled = false;  // the callback returned false: nothing was written
};

// Rows written so far and the total to write; return false to cancel.
using RowExportProgressFn = std::function<bool(int64_t rows, int64_t total)>;

// One JSON line of `format` for a row (no line end). Throws Error for an unknown format.
std::string exportLine(const std::string& format, const std::string& prompt,
                       const std::string& completion);

// Writes the matching rows of the run to request.path in id order. Throws Error naming what is
// wrong (no such run, unknown format, no matching rows, the file cannot be written).
RowExportResult exportRows(Database& db, const RowExportRequest& request,
                           const RowExportProgressFn& progress = {});

}  // namespace sublab
