// The non-template half of ConfigSpec (see config_spec.h): walking a config's sections in
// declaration order, and splitting knob paths.
#include "engine/core/config_spec.h"

#include <stdexcept>

namespace sublab {

SectionReaders::SectionReaders(const nlohmann::json& config) : m_top(config, "config") {
  // Kinds without a kind knob accept the key as the dispatcher found it.
  m_top.allow("kind");
}

ConfigReader& SectionReaders::at(const std::string& section) {
  if (section.empty()) return m_top;
  if (section != m_sectionName) {
    if (m_section) m_section->finish();
    m_section.reset();
    m_sectionName = section;
    m_section.emplace(m_top.object(section), "config." + section);
  }
  return *m_section;
}

void SectionReaders::finish() {
  if (m_section) m_section->finish();
  m_top.finish();
}

std::pair<std::string, std::string> splitKnobPath(const std::string& path) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) return {"", path};
  if (path.find('.', dot + 1) != std::string::npos)
    throw std::logic_error("config knob \"" + path + "\": one level of sections at most");
  return {path.substr(0, dot), path.substr(dot + 1)};
}

}  // namespace sublab
