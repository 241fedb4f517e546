// Implementation of ConfigReader (see config_util.h).
#include "engine/core/config_util.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sublab {

ConfigReader::ConfigReader(const nlohmann::json& obj, std::string where)
    : m_obj(obj), m_where(std::move(where)) {
  if (!m_obj.is_object() && !m_obj.is_null())
    throw Error(m_where + " must be a JSON object, got " + std::string(m_obj.type_name()));
}

const nlohmann::json* ConfigReader::find(const std::string& key) {
  m_known.insert(key);
  if (!m_obj.is_object()) return nullptr;
  auto it = m_obj.find(key);
  if (it == m_obj.end() || it->is_null()) return nullptr;
  return &*it;
}

void ConfigReader::fail(const std::string& key, const std::string& what) const {
  throw Error(m_where + "." + key + ": " + what);
}

int64_t ConfigReader::integer(const std::string& key, int64_t def, int64_t min, int64_t max) {
  const nlohmann::json* v = find(key);
  int64_t x = def;
  if (v) {
    if (v->is_number_integer() || v->is_number_unsigned()) {
      x = v->get<int64_t>();
    } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()) {
      x = static_cast<int64_t>(v->get<double>());
    } else {
      fail(key, "must be a whole number, got " + v->dump());
    }
  }
  if (x < min || x > max) {
    std::ostringstream os;
    os << "must be between " << min << " and " << max << ", got " << x;
    fail(key, os.str());
  }
  return x;
}

double ConfigReader::number(const std::string& key, double def, double min, double max) {
  const nlohmann::json* v = find(key);
  double x = def;
  if (v) {
    if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
    x = v->get<double>();
  }
  if (!std::isfinite(x) || x < min || x > max) {
    std::ostringstream os;
    os << "must be between " << min << " and " << max << ", got " << x;
    fail(key, os.str());
  }
  return x;
}

double ConfigReader::positive(const std::string& key, double def, double max) {
  const nlohmann::json* v = find(key);
  double x = def;
  if (v) {
    if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
    x = v->get<double>();
  }
  if (!std::isfinite(x) || x <= 0 || x > max) {
    std::ostringstream os;
    os << "must be greater than 0 and at most " << max << ", got " << x;
    fail(key, os.str());
  }
  return x;
}

bool ConfigReader::boolean(const std::string& key, bool def) {
  const nlohmann::json* v = find(key);
  if (!v) return def;
  if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
  return v->get<bool>();
}

std::string ConfigReader::choice(const std::string& key, const std::string& def,
                                 const std::vector<std::string>& allowed) {
  const nlohmann::json* v = find(key);
  std::string x = def;
  if (v) {
    if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
    x = v->get<std::string>();
  }
  for (const auto& a : allowed)
    if (a == x) return x;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "must be one of " + list + ", got \"" + x + "\"");
}

std::string ConfigReader::string(const std::string& key, const std::string& def) {
  const nlohmann::json* v = find(key);
  if (!v) return def;
  if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
  return v->get<std::string>();
}

std::vector<int64_t> ConfigReader::integers(const std::string& key, const std::vector<int64_t>& def,
                                            int64_t min, int64_t max) {
  const nlohmann::json* v = find(key);
  if (!v) return def;
  if (!v->is_array()) fail(key, "must be a list of whole numbers, got " + v->dump());
  std::vector<int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() && !e.is_number_unsigned())
      fail(key, "must be a list of whole numbers, got element " + e.dump());
    int64_t x = e.get<int64_t>();
    if (x < min || x > max) {
      std::ostringstream os;
      os << "elements must be between " << min << " and " << max << ", got " << x;
      fail(key, os.str());
    }
    out.push_back(x);
  }
  return out;
}

std::vector<std::string> ConfigReader::strings(const std::string& key,
                                               const std::vector<std::string>& def) {
  const nlohmann::json* v = find(key);
  if (!v) return def;
  if (!v->is_array()) fail(key, "must be a list of strings, got " + v->dump());
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) fail(key, "must be a list of strings, got element " + e.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

nlohmann::json ConfigReader::object(const std::string& key) {
  const nlohmann::json* v = find(key);
  if (!v) return nlohmann::json::object();
  if (!v->is_object()) fail(key, "must be a JSON object, got " + v->dump());
  return *v;
}

void ConfigReader::allow(const std::string& key) { m_known.insert(key); }

namespace {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

void ConfigReader::finish() const {
  if (!m_obj.is_object()) return;
  for (auto it = m_obj.begin(); it != m_obj.end(); ++it) {
    if (!m_known.count(it.key())) {
      std::string known, nearest;
      size_t best = 3;  // suggest only a key at most 2 edits away
      for (const auto& k : m_known) {
        known += (known.empty() ? "" : ", ") + k;
        const size_t d = editDistance(it.key(), k);
        if (d < best && d < std::max<size_t>(k.size(), 2)) {
          best = d;
          nearest = k;
        }
      }
      throw Error(m_where + ": unknown key \"" + it.key() + "\" (" +
                  (nearest.empty() ? "" : "did you mean \"" + nearest + "\"? ") +
                  "known keys: " + known + ")");
    }
  }
}

}  // namespace sublab
