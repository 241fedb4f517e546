// Implementation of the row export (see dataset_export.h): keyset pages of the run's rows, one
// JSON object per line, a temporary file renamed over the target at the end.
#include "app/lab/dataset_export.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace sublab {

namespace {

std::string formatsText() {
  std::string out;
  for (const auto& f : rowExportFormats()) out += (out.empty() ? "" : ", ") + f;
  return out;
}

void checkFormat(const std::string& format) {
  for (const auto& f : rowExportFormats())
    if (f == format) return;
  throw Error("unknown export format \"" + format + "\": use one of " + formatsText());
}

// Closes and removes the temporary file unless it was committed.
class TempFile {
 public:
  explicit TempFile(const std::string& target) : m_path(target + ".part") {
    m_file = std::fopen(m_path.c_str(), "wb");
    if (!m_file)
      throw Error("cannot write " + target + ": " + std::strerror(errno) +
                  "; choose a folder you can write to");
  }
  ~TempFile() {
    if (m_file) std::fclose(m_file);
    if (!m_committed) std::remove(m_path.c_str());
  }
  void write(const std::string& line, const std::string& target) {
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size())
      throw Error("cannot write " + target + ": " + std::strerror(errno));
  }
  void commit(const std::string& target) {
    const bool ok = std::fflush(m_file) == 0 && std::fclose(m_file) == 0;
    m_file = nullptr;
    if (!ok || std::rename(m_path.c_str(), target.c_str()) != 0)
      throw Error("cannot write " + target + ": " + std::strerror(errno));
    m_committed = true;
  }

 private:
  std::string m_path;
  std::FILE* m_file = nullptr;
  bool m_committed = false;
};

}  // namespace

const std::vector<std::string>& rowExportFormats() {
  static const std::vector<std::string> formats = {"openai", "hf", "prompt-completion"};
  return formats;
}

std::string exportLine(const std::string& format, const std::string& prompt,
                       const std::string& completion) {
  checkFormat(format);
  nlohmann::ordered_json j;
  if (format == "prompt-completion") {
    j["prompt"] = prompt;
    j["completion"] = completion;
  } else {
    // OpenAI's chat fine-tuning format and Hugging Face's "messages" format share this shape.
    j["messages"] =
        nlohmann::ordered_json::array({{{"role", "user"}, {"content", prompt}},
                                       {{"role", "assistant"}, {"content", completion}}});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RowExportResult exportRows(Database& db, const RowExportRequest& r,
                           const RowExportProgressFn& progress) {
  checkFormat(r.format);
  if (r.path.empty()) throw Error("name the file to export the rows to");
  db.run(r.runId);  // throws NoSuchRun
  SequenceFilter filter;
  filter.condition = r.condition;
  filter.seed = r.seed;
  filter.verdict = r.verdict;
  const int64_t total = db.countSequences(r.runId, filter);
  if (total == 0)
    throw Error("run " + std::to_string(r.runId) + " has no " +
                (r.verdict == Verdict::Kept       ? "kept "
                 : r.verdict == Verdict::Rejected ? "rejected "
                                                  : "") +
                "rows" + (r.condition.empty() ? "" : " of condition \"" + r.condition + "\"") +
                (r.seed ? " for seed " + std::to_string(*r.seed) : "") + " to export");
  RowExportResult out;
  TempFile file(r.path);
  int64_t after = 0;
  std::string text;
  for (;;) {
    const auto page = db.sequencesAfter(r.runId, filter, after, 5000);
    if (page.empty()) break;
    text.clear();
    for (const auto& row : page) text += exportLine(r.format, row.prompt, row.completion) + "\n";
    file.write(text, r.path);
    out.rows += static_cast<int64_t>(page.size());
    after = page.back().id;
    if (progress && !progress(out.rows, total)) {
      out.cancelled = true;
      return out;
    }
  }
  file.commit(r.path);
  return out;
}

}  // namespace sublab
