// Implementation of the dataset reader (see dataset_reader.h): format detection from the first
// bytes, the field mapping, one row per record of each format, and the bad-row policy (stop with
// the file and line, or skip and count per reason).
#include "engine/datasets/dataset_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "engine/core/common.h"
#include "engine/datasets/dataset_source.h"
#include "engine/datasets/flat_json.h"

namespace sublab {

namespace {

using datasets::DatasetSource;
using datasets::Record;

const std::vector<std::string> kPromptNames = {"prompt", "input", "question", "instruction",
                                               "query"};
const std::vector<std::string> kCompletionNames = {"completion", "output", "response", "answer",
                                                   "target"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// The first of `candidates` among `fields` (case-insensitive), or "".
std::string pickField(const std::vector<std::string>& fields,
                      const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    for (const auto& f : fields)
      if (lower(f) == c) return f;
  return {};
}

// A row that cannot be read: its reason (the count's key) and the whole message.
struct BadRow {
  std::string reason;
  std::string message;
};

// Splits one CSV/TSV record (RFC 4180 quotes: "" inside a quoted field is one quote).
bool splitCsv(std::string_view text, char delim, std::vector<std::string>& out, std::string& why) {
  out.assign(1, std::string());
  size_t i = 0;
  bool fieldStart = true;
  while (i < text.size()) {
    const char c = text[i];
    if (fieldStart && c == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) {
          why = "a quoted field never closes";
          return false;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            out.back() += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        out.back() += text[i++];
      }
      if (i < text.size() && text[i] != delim) {
        why = "text after a closing quote in column " + std::to_string(out.size());
        return false;
      }
      fieldStart = false;
      continue;
    }
    if (c == delim) {
      out.emplace_back();
      fieldStart = true;
    } else {
      out.back() += c;
      fieldStart = false;
    }
    ++i;
  }
  return true;
}

// A chat message's text: a string, or the "text" parts of a list of content parts.
bool messageText(const nlohmann::json& content, std::string& out) {
  if (content.is_string()) {
    out = content.get<std::string>();
    return true;
  }
  if (!content.is_array()) return false;
  out.clear();
  for (const auto& part : content) {
    if (!part.is_object()) return false;
    const auto t = part.find("text");
    if (t != part.end() && t->is_string()) out += t->get<std::string>();
  }
  return true;
}

std::string typeName(const nlohmann::json& v) {
  if (v.is_array()) return "an array";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "true/false";
  if (v.is_null()) return "null";
  if (v.is_string()) return "a string";
  return "an object";
}

class Reader {
 public:
  Reader(const DatasetReadOptions& o, DatasetReport& report)
      : m_o(o), m_src(o.path, o.chunkBytes, o.maxRecordBytes), m_report(report) {
    report.path = o.path;
    report.fileName = std::filesystem::path(o.path).filename().string();
    report.fileBytes = m_src.fileBytes();
    report.promptField = o.promptField;
    report.completionField = o.completionField;
    report.conditionField = o.conditionField;
  }

  void detect();
  // The row of a record; nullopt-like false with `bad` filled when it cannot be read, false with
  // an empty reason for a blank record (skipped silently).
  bool rowOf(const Record& rec, DatasetRow& row, BadRow& bad);
  void readHeader();
  DatasetSource& source() { return m_src; }
  const DatasetReadOptions& options() const { return m_o; }

 private:
  bool jsonRow(std::string_view text, DatasetRow& row, BadRow& bad);
  bool chatRow(const nlohmann::json& obj, DatasetRow& row, BadRow& bad);
  bool conditionOf(const nlohmann::json& obj, DatasetRow& row, BadRow& bad);
  bool csvRow(std::string_view text, DatasetRow& row, BadRow& bad);
  void mapFields(const std::vector<std::string>& fields);

  const DatasetReadOptions& m_o;
  DatasetSource m_src;
  DatasetReport& m_report;
  std::vector<std::string> m_header;
  size_t m_promptCol = 0, m_completionCol = 0, m_conditionCol = 0;
  bool m_mapped = false;
  std::vector<std::string> m_fields;  // scratch
};

void Reader::detect() {
  const std::string_view head = m_src.peek(64 * 1024);
  const size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    if (m_src.fileBytes() == 0) throw Error(m_o.path + " is empty: there are no rows to import");
    throw Error(m_o.path + " holds no rows (only white space" +
                std::string(m_src.gzip() ? " after decompression" : "") + ")");
  }
  m_report.gzip = m_src.gzip();
  std::string format = m_o.format;
  if (format == "auto") {
    if (head[first] == '[')
      throw Error(m_o.path +
                  " is one JSON array, not JSON lines: write one JSON object per line "
                  "(JSONL), or convert it, e.g. jq -c '.[]'");
    if (head[first] == '{') {
      const size_t eol = head.find('\n', first);
      const auto line = head.substr(first, eol == std::string_view::npos ? eol : eol - first);
      const auto j = nlohmann::json::parse(line, nullptr, false);
      format = j.is_object() && j.contains("messages") ? "chat-jsonl" : "jsonl";
    } else {
      const std::string_view line = head.substr(first, head.find('\n', first) - first);
      const std::string ext = lower(std::filesystem::path(m_o.path).extension().string());
      if (line.find('\t') != std::string_view::npos || ext == ".tsv")
        format = "tsv";
      else if (line.find(',') != std::string_view::npos || ext == ".csv")
        format = "csv";
      else
        throw Error("cannot tell the format of " + m_o.path +
                    " from its first line (not a JSON object, no comma or tab): name the format "
                    "(jsonl, chat-jsonl, csv or tsv)");
    }
  } else if (std::find(datasetFormats().begin(), datasetFormats().end(), format) ==
             datasetFormats().end()) {
    throw Error("unknown dataset format \"" + format + "\": use one of " +
                joined(datasetFormats()));
  }
  m_report.format = format;
  if (format == "csv") m_src.useCsvQuotes(',');
  if (format == "tsv") m_src.useCsvQuotes('\t');
  if (format == "chat-jsonl") {
    m_report.promptField = "messages[user]";
    m_report.completionField = "messages[assistant]";
    m_mapped = true;
  }
}

void Reader::mapFields(const std::vector<std::string>& fields) {
  m_report.fields = fields;
  if (m_report.promptField.empty()) m_report.promptField = pickField(fields, kPromptNames);
  if (m_report.completionField.empty())
    m_report.completionField = pickField(fields, kCompletionNames);
  if (m_report.promptField.empty() || m_report.completionField.empty())
    throw Error(m_o.path + ": cannot tell which " +
                std::string(m_report.promptField.empty() ? "field is the prompt"
                                                         : "field is the completion") +
                " (found: " + joined(fields) + "); name the prompt and completion fields");
  m_mapped = true;
}

void Reader::readHeader() {
  if (m_report.format != "csv" && m_report.format != "tsv") return;
  Record rec;
  while (m_src.next(rec)) {
    if (rec.tooLong)
      throw Error(m_o.path + ", line " + std::to_string(rec.line) +
                  ": the header is longer than the limit");
    if (rec.text.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::string why;
    if (!splitCsv(rec.text, m_report.format == "csv" ? ',' : '\t', m_header, why))
      throw Error(m_o.path + ", line " + std::to_string(rec.line) + " (the header): " + why);
    mapFields(m_header);
    const auto col = [&](const std::string& name) -> size_t {
      const auto it = std::find(m_header.begin(), m_header.end(), name);
      if (it == m_header.end())
        throw Error(m_o.path + ": the header has no column \"" + name +
                    "\" (columns: " + joined(m_header) + ")");
      return static_cast<size_t>(it - m_header.begin());
    };
    m_promptCol = col(m_report.promptField);
    m_completionCol = col(m_report.completionField);
    if (!m_report.conditionField.empty()) m_conditionCol = col(m_report.conditionField);
    return;
  }
  throw Error(m_o.path + " holds no header line");
}

bool Reader::rowOf(const Record& rec, DatasetRow& row, BadRow& bad) {
  row.line = rec.line;
  if (rec.tooLong) {
    bad = {"line too long", "the line is longer than the limit of " +
                                std::to_string(m_o.maxRecordBytes >> 20) +
                                " MB per row (is this a dataset of prompt/completion rows?)"};
    return false;
  }
  if (rec.openQuote) {
    bad = {"unbalanced quotes",
           "a quoted field opened here never closes (unbalanced \" quotes up to the end)"};
    return false;
  }
  if (rec.text.find_first_not_of(" \t\r") == std::string_view::npos) {
    bad = {};
    return false;  // blank line
  }
  if (const size_t at = invalidUtf8Offset(rec.text); at != std::string::npos) {
    bad = {"invalid UTF-8", "invalid UTF-8 at byte " + std::to_string(at + 1) +
                                " of the row (the file must be UTF-8 text)"};
    return false;
  }
  if (m_report.format == "csv" || m_report.format == "tsv") return csvRow(rec.text, row, bad);
  return jsonRow(rec.text, row, bad);
}

bool Reader::jsonRow(std::string_view text, DatasetRow& row, BadRow& bad) {
  // Most lines are flat objects: read them without a JSON tree; the rest, and every line that
  // needs a message, go through the full parser.
  if (m_mapped && m_report.format == "jsonl") {
    const std::string* keys[] = {&m_report.promptField, &m_report.completionField,
                                 &m_report.conditionField};
    std::string* values[] = {&row.prompt, &row.completion, &row.condition};
    const size_t count = m_report.conditionField.empty() ? 2 : 3;
    if (datasets::readFlatObject(text, keys, values, count) == datasets::FlatResult::Found &&
        (count == 2 || !row.condition.empty()))
      return true;
  }
  nlohmann::json obj = nlohmann::json::parse(text, nullptr, false);
  if (obj.is_discarded()) {
    std::string why;
    try {
      const nlohmann::json again = nlohmann::json::parse(text);
      (void)again;
    } catch (const nlohmann::json::exception& e) {  // a syntax error, a number out of range
      why = e.what();
      if (const auto colon = why.find("]: "); colon != std::string::npos)
        why = why.substr(colon + 3);
    }
    bad = {"invalid JSON", "not valid JSON (" + why + ")"};
    return false;
  }
  if (!obj.is_object()) {
    bad = {"not a JSON object", "the line is " + typeName(obj) + ", not a JSON object"};
    return false;
  }
  if (!m_report.conditionField.empty() && !conditionOf(obj, row, bad)) return false;
  if (m_report.format == "chat-jsonl") return chatRow(obj, row, bad);
  if (!m_mapped) {
    std::vector<std::string> keys;
    for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
    mapFields(keys);
  }
  for (const auto* name : {&m_report.promptField, &m_report.completionField}) {
    const auto it = obj.find(*name);
    if (it == obj.end()) {
      std::vector<std::string> keys;
      for (auto k = obj.begin(); k != obj.end(); ++k) keys.push_back(k.key());
      bad = {"missing field", "no \"" + *name + "\" field (fields: " + joined(keys) + ")"};
      return false;
    }
    if (!it->is_string()) {
      bad = {"field not text", "the \"" + *name + "\" field is " + typeName(*it) + ", not text"};
      return false;
    }
    (name == &m_report.promptField ? row.prompt : row.completion) = it->get<std::string>();
  }
  return true;
}

bool Reader::conditionOf(const nlohmann::json& obj, DatasetRow& row, BadRow& bad) {
  const auto it = obj.find(m_report.conditionField);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    bad = {"missing field", "no \"" + m_report.conditionField + "\" text naming the row's set"};
    return false;
  }
  row.condition = it->get<std::string>();
  return true;
}

bool Reader::chatRow(const nlohmann::json& obj, DatasetRow& row, BadRow& bad) {
  const auto messages = obj.find("messages");
  if (messages == obj.end() || !messages->is_array()) {
    bad = {"missing field", "no \"messages\" list"};
    return false;
  }
  bool user = false;
  for (const auto& m : *messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content")) {
      bad = {"bad message", "a message without a \"role\" and a \"content\""};
      return false;
    }
    const std::string role = m["role"].get<std::string>();
    std::string* target = !user && role == "user"       ? &row.prompt
                          : user && role == "assistant" ? &row.completion
                                                        : nullptr;
    if (!target) continue;
    if (!messageText(m["content"], *target)) {
      bad = {"field not text", "the " + role + " message's content is not text"};
      return false;
    }
    if (user) return true;
    user = true;
  }
  bad = {"missing field",
         user ? "no assistant message after the user message" : "no user message in \"messages\""};
  return false;
}

bool Reader::csvRow(std::string_view text, DatasetRow& row, BadRow& bad) {
  std::string why;
  if (!splitCsv(text, m_report.format == "csv" ? ',' : '\t', m_fields, why)) {
    bad = {"bad CSV quoting", why};
    return false;
  }
  if (m_fields.size() != m_header.size()) {
    bad = {"wrong column count", "the row has " + std::to_string(m_fields.size()) +
                                     " columns, the header " + std::to_string(m_header.size())};
    return false;
  }
  row.prompt = std::move(m_fields[m_promptCol]);
  row.completion = std::move(m_fields[m_completionCol]);
  if (!m_report.conditionField.empty()) {
    row.condition = std::move(m_fields[m_conditionCol]);
    if (row.condition.empty()) {
      bad = {"missing field", "the \"" + m_report.conditionField + "\" column is empty"};
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<std::string>& datasetFormats() {
  static const std::vector<std::string> formats = {"jsonl", "chat-jsonl", "csv", "tsv"};
  return formats;
}

nlohmann::json DatasetReport::toJson() const {
  nlohmann::json skippedJson = nlohmann::json::object();
  for (const auto& [reason, n] : skippedByReason) skippedJson[reason] = n;
  return {{"file", fileName},
          {"path", path},
          {"bytes", fileBytes},
          {"sha256", sha256},
          {"gzip", gzip},
          {"format", format},
          {"prompt_field", promptField},
          {"completion_field", completionField},
          {"condition_field", conditionField},
          {"rows", rows},
          {"skipped", skipped},
          {"skipped_by_reason", skippedJson}};
}

DatasetReport readDataset(const DatasetReadOptions& o, const DatasetBatchFn& onBatch) {
  DatasetReport report;
  Reader reader(o, report);
  reader.detect();
  reader.readHeader();
  DatasetSource& src = reader.source();
  std::vector<DatasetRow> batch(std::max<size_t>(o.batchRows, 1));
  size_t filled = 0;
  const auto flush = [&] {
    batch.resize(filled);
    const DatasetProgress p{report.rows, src.bytesRead(), src.fileBytes()};
    const bool go = onBatch(batch, p);
    batch.resize(std::max<size_t>(o.batchRows, 1));
    filled = 0;
    return go;
  };
  Record rec;
  BadRow bad;
  while (src.next(rec)) {
    if (reader.rowOf(rec, batch[filled], bad)) {
      ++report.rows;
      if (++filled == batch.size() && !flush()) {
        report.cancelled = true;
        return report;
      }
      continue;
    }
    if (bad.reason.empty()) continue;  // blank line
    const std::string message = o.path + ", line " + std::to_string(rec.line) + ": " + bad.message;
    if (!o.skipBadRows) throw Error(message + "; fix the row, or skip bad rows");
    if (report.skipped++ == 0) report.firstSkipped = message;
    ++report.skippedByReason[bad.reason];
  }
  if (filled > 0 && !flush()) {
    report.cancelled = true;
    return report;
  }
  report.sha256 = src.finish();
  if (report.rows == 0) {
    std::string reasons;
    for (const auto& [reason, n] : report.skippedByReason)
      reasons += (reasons.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
    throw Error(o.path + " holds no rows that could be read" +
                (report.skipped ? " (skipped: " + reasons + "; first: " + report.firstSkipped + ")"
                                : std::string()));
  }
  return report;
}

DatasetPreview previewDataset(const DatasetReadOptions& options, size_t maxRows) {
  DatasetPreview preview;
  DatasetReadOptions o = options;
  o.batchRows = std::max<size_t>(maxRows, 1);
  preview.report = readDataset(o, [&](const std::vector<DatasetRow>& rows, const DatasetProgress&) {
    for (const auto& r : rows)
      if (preview.rows.size() < maxRows) preview.rows.push_back(r);
    return preview.rows.size() < maxRows;
  });
  return preview;
}

size_t invalidUtf8Offset(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return i;
    i += len;
  }
  return n == i ? std::string::npos : i;
}

}  // namespace sublab
