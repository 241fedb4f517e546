// The dataset reader: streams a file of prompt/completion rows (JSONL objects, chat JSONL in the
// OpenAI / Hugging Face "messages" shape, CSV or TSV with a header; any of them gzip-compressed)
// in chunks and hands the rows out in batches, so memory stays flat in the file's size, while it
// hashes the file (SHA-256). Bad input gives one Error naming the file and line, or, when asked,
// the bad rows are skipped and counted per reason. Plain C++ (no torch, no Qt).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sublab {

// The formats the reader knows, as the --format option names them ("auto" detects one).
const std::vector<std::string>& datasetFormats();

struct DatasetReadOptions {
  std::string path;
  std::string format = "auto";  // auto | jsonl | chat-jsonl | csv | tsv
  // The JSON keys or CSV columns of the prompt and the completion; "" = detect (prompt, input,
  // question, instruction, query / completion, output, response, answer, target). Chat JSONL
  // takes the first user message as the prompt and the next assistant message as the
  // completion, and ignores these.
  std::string promptField;
  std::string completionField;
  // The JSON key (top level, for chat JSONL too) or CSV column that names each row's set, e.g.
  // "condition" for a file holding teacher and control rows; "" = none.
  std::string conditionField;
  // Skip rows that cannot be read (counted per reason) instead of stopping at the first one.
  // Damage to the file as a whole (a truncated gzip, a file that changed) always stops.
  bool skipBadRows = false;
  size_t chunkBytes = 256 * 1024;  // read from the file at a time
  size_t batchRows = 2048;         // rows per callback
  // The longest record (line, or CSV record with quoted line breaks) accepted.
  size_t maxRecordBytes = 8 * 1024 * 1024;
};

struct DatasetRow {
  int64_t line = 0;  // 1-based line of the file (after decompression) where the row starts
  std::string prompt;
  std::string completion;
  std::string condition;  // the value of conditionField ("" when there is none)
};

struct DatasetProgress {
  int64_t rows = 0;       // rows handed out so far
  int64_t bytesRead = 0;  // of the file as stored (compressed bytes for gzip)
  int64_t fileBytes = 0;
};

// What was read, for the import's record.
struct DatasetReport {
  std::string path;
  std::string fileName;  // the file's name without its folder
  int64_t fileBytes = 0;
  std::string sha256;  // of the file as stored; "" when the read stopped early
  bool gzip = false;
  std::string format;  // the format used (detected when "auto")
  std::string promptField, completionField, conditionField;
  std::vector<std::string> fields;  // the first row's keys or the CSV header, as found
  int64_t rows = 0;                 // rows handed out
  int64_t skipped = 0;
  std::map<std::string, int64_t> skippedByReason;  // "invalid UTF-8" -> 3
  std::string firstSkipped;                        // the first skipped row's message
  bool cancelled = false;                          // the callback returned false
  nlohmann::json toJson() const;
};

// Called with each batch of rows; return false to stop reading (the report says cancelled).
using DatasetBatchFn =
    std::function<bool(const std::vector<DatasetRow>& rows, const DatasetProgress& progress)>;

// Reads the whole file through `onBatch`. Throws Error naming the file (and the line) when the
// file cannot be read, is empty, has no rows, is damaged, changed while it was read, or (unless
// skipBadRows) holds a row that cannot be read.
DatasetReport readDataset(const DatasetReadOptions& options, const DatasetBatchFn& onBatch);

// The detected format and mapping and the first rows (for a preview before an import).
struct DatasetPreview {
  DatasetReport report;  // no sha256: the file is not read to its end
  std::vector<DatasetRow> rows;
};
DatasetPreview previewDataset(const DatasetReadOptions& options, size_t maxRows = 20);

// The offset of the first byte of `text` that is not valid UTF-8 (overlong forms, surrogates and
// code points above U+10FFFF are invalid), or std::string::npos when it is all valid.
size_t invalidUtf8Offset(std::string_view text);

}  // namespace sublab
