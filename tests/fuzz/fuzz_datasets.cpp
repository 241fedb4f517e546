// Fuzz entry for the dataset reader (engine/datasets): arbitrary bytes read as a dataset file,
// raw or gzip-compressed, in every format, with tiny chunks so records cross every refill
// boundary. See fuzz_entries.h for the contract.
#include <algorithm>
#include <cstdlib>

#include "engine/core/common.h"
#include "engine/datasets/dataset_reader.h"
#include "engine/datasets/flat_json.h"
#include "tests/fuzz/fuzz_entries.h"

namespace sublab::fuzz {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw FuzzInvariant(what);
}

struct Read {
  bool ok = false;
  DatasetReport report;
  std::vector<DatasetRow> rows;
};

Read readAll(const DatasetReadOptions& o) {
  Read r;
  try {
    r.report = readDataset(o, [&](const std::vector<DatasetRow>& batch, const DatasetProgress& p) {
      require(!batch.empty() && batch.size() <= o.batchRows, "a batch of the wrong size");
      r.rows.insert(r.rows.end(), batch.begin(), batch.end());
      require(p.rows == static_cast<int64_t>(r.rows.size()), "progress rows unlike rows handed");
      return true;
    });
    r.ok = true;
  } catch (const Error&) {
  }
  return r;
}

// The fast path for flat JSON objects reads every line it accepts as the full parser does.
void checkFlatObjects(std::string_view body) {
  size_t start = 0;
  while (start < body.size()) {
    const size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line = body.substr(start, end - start);
    start = end + 1;
    if (invalidUtf8Offset(line) != std::string::npos) continue;  // the reader refuses it first
    static const std::string prompt = "prompt", completion = "completion";
    const std::string* keys[] = {&prompt, &completion};
    std::string a, b;
    std::string* values[] = {&a, &b};
    if (datasets::readFlatObject(line, keys, values, 2) != datasets::FlatResult::Found) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    require(!j.is_discarded() && j.is_object(), "the fast path took a line that is not JSON");
    require(j.value("prompt", std::string("\x01")) == a &&
                j.value("completion", std::string("\x01")) == b,
            "the fast path read other values than the JSON parser");
  }
}

}  // namespace

void datasetReader(std::string_view data) {
  // The first byte picks the framing (bit 0: gzip the rest) and the format (bits 1-3).
  if (data.empty()) return;
  const unsigned char head = static_cast<unsigned char>(data[0]);
  const std::string_view body = data.substr(1);
  static const char* formats[] = {"auto", "jsonl", "chat-jsonl", "csv", "tsv"};
  DatasetReadOptions o;
  o.path = writeScratch("input.data", (head & 1) ? std::string_view(gzipped(body)) : body);
  o.format = formats[(head >> 1) % 5];
  o.chunkBytes = 64;
  o.batchRows = 3;
  o.maxRecordBytes = 256;
  checkFlatObjects(body);
  const Read strict = readAll(o);
  o.skipBadRows = true;
  const Read lenient = readAll(o);
  for (const Read* r : {&strict, &lenient}) {
    if (!r->ok) continue;
    require(r->report.rows == static_cast<int64_t>(r->rows.size()), "row count unlike rows");
    require(r->report.rows > 0, "a read with no rows was accepted");
    require(r->report.sha256.size() == 64, "no SHA-256 after a whole read");
    int64_t line = 0;
    for (const DatasetRow& row : r->rows) {
      require(row.line > line, "rows out of line order");
      line = row.line;
      require(invalidUtf8Offset(row.prompt) == std::string::npos &&
                  invalidUtf8Offset(row.completion) == std::string::npos,
              "a row that is not valid UTF-8 was handed out");
    }
  }
  if (strict.ok) {
    // What reads without skipping reads the same with it, nothing skipped.
    require(lenient.ok && lenient.report.skipped == 0, "skip mode skipped a readable file's row");
    require(lenient.rows.size() == strict.rows.size(), "skip mode read other rows");
    for (size_t i = 0; i < strict.rows.size(); ++i)
      require(lenient.rows[i].prompt == strict.rows[i].prompt &&
                  lenient.rows[i].completion == strict.rows[i].completion,
              "skip mode read other rows");
  }
}

}  // namespace sublab::fuzz
