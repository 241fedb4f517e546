// Helpers to read and validate experiment configs (JSON) with messages that say what is wrong
// and what is allowed. Used by every experiment kind's normalize function.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common.h"

namespace sublab {

// Reads keys from one JSON object, with defaults and range checks; remembers which keys it
// read so finish() can reject unknown (misspelled) keys. `where` prefixes messages, e.g.
// "config.student".
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& obj, std::string where);

  int64_t integer(const std::string& key, int64_t def, int64_t min, int64_t max);
  double number(const std::string& key, double def, double min, double max);
  // Strictly greater than `minExclusive` (e.g. learning rates > 0).
  double positive(const std::string& key, double def, double max);
  bool boolean(const std::string& key, bool def);
  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed);
  std::string string(const std::string& key, const std::string& def);
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& def,
                                int64_t min, int64_t max);
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

  const nlohmann::json& m_obj;
  std::string m_where;
  std::set<std::string> m_known;
};

}  // namespace sublab
