// Helpers to read and validate experiment configs (JSON) with messages that say what is wrong
// and what is allowed. Used by every experiment kind's normalize function.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

// One knob of a config as the GUI's form needs it: recorded by ConfigReader while a kind's
// normalize function reads its defaults (see configSchema() in experiment.h).
struct ConfigField {
  std::string path;   // dotted, e.g. "student.lr"
  std::string type;   // "int", "number", "positive", "bool", "choice", "string", "ints"
  nlohmann::json def;  // default value
  double min = 0, max = 0;
  std::vector<std::string> choices;
  std::string help;  // one line for tooltips
};

// Reads keys from one JSON object, with defaults and range checks; remembers which keys it
// read so finish() can reject unknown (misspelled) keys. `where` prefixes messages, e.g.
// "config.student".
class ConfigReader {
 public:
  // `schema`, when given, receives one ConfigField per key read (paths relative to the
  // reader's `where` with its first component dropped: "config.student" -> "student.").
  ConfigReader(const nlohmann::json& obj, std::string where,
               std::vector<ConfigField>* schema = nullptr);

  int64_t integer(const std::string& key, int64_t def, int64_t min, int64_t max,
                  const std::string& help = {});
  double number(const std::string& key, double def, double min, double max,
                const std::string& help = {});
  // Strictly greater than 0 (e.g. learning rates) and at most `max`.
  double positive(const std::string& key, double def, double max, const std::string& help = {});
  bool boolean(const std::string& key, bool def, const std::string& help = {});
  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed, const std::string& help = {});
  std::string string(const std::string& key, const std::string& def,
                     const std::string& help = {});
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& def,
                                int64_t min, int64_t max, const std::string& help = {});
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& def,
                                   const std::string& help = {});
  // A nested object (empty object if absent); marks the key as known.
  nlohmann::json object(const std::string& key);
  // Marks a key as known without reading it.
  void allow(const std::string& key);
  // Throws Error naming the first key that was never read.
  void finish() const;

  const std::string& where() const { return m_where; }

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  void record(const std::string& key, const std::string& type, nlohmann::json def, double min,
              double max, std::vector<std::string> choices, const std::string& help);

  nlohmann::json m_obj;  // a copy: readers are often built from temporaries
  std::string m_where;
  std::set<std::string> m_known;
  std::vector<ConfigField>* m_schema = nullptr;
};

}  // namespace sublab
