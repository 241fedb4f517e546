// A valid config of any kind with every default filled: the bare {"kind": ...} plus a placeholder
// for each required folder knob (a kind that reads a model folder has no default for it). For
// tests that loop over every kind.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/experiment.h"

namespace sublabtest {

inline constexpr const char* kPlaceholderFolder = "/models/placeholder";

// `folder` fills the required folder knobs (a form that checks folders live needs a real one).
inline nlohmann::json minimalConfig(const std::string& kind,
                                    const std::string& folder = kPlaceholderFolder) {
  nlohmann::json config = {{"kind", kind}};
  for (const sublab::ConfigField& f : sublab::configSchema(kind)) {
    if (f.type != "folder" || f.optional) continue;
    std::string pointer = "/" + f.path;
    for (char& ch : pointer)
      if (ch == '.') ch = '/';
    config[nlohmann::json::json_pointer(pointer)] = folder;
  }
  return config;
}

}  // namespace sublabtest
