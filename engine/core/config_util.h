// Reading and validating one JSON object of an experiment config, with messages that say what is
// wrong and what is allowed, and ConfigField, one knob as the GUI's form sees it. Kinds declare
// their knobs with ConfigSpec (config_spec.h), which reads through ConfigReader.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

// What a knob means to the code around the kind, beyond its value: the front ends find the
// repetition count and the base seed by role, never by name.
enum class ConfigRole {
  None,
  Repetitions,  // independent repetitions (KindDescription::repetitionKey)
  BaseSeed,     // the seed every random stream derives from (KindDescription::seedKey)
  Device,       // where the run computes ("cpu" / "cuda"); a folder's card estimates memory there
  // A student trained on the kept rows of another run or imported dataset of the project: its
  // run id (0 = none) and which condition's rows. The lab reads the rows before the run starts
  // (app/lab/student_data.h) and hands them to runExperiment (engine/core/student_data.h).
  StudentDataRun,
  StudentDataCondition,
};

// One knob of a config as the GUI's form needs it, taken from the kind's declaration
// (ConfigSpec; see configSchema() in experiment.h).
struct ConfigField {
  std::string path;    // dotted, e.g. "student.lr"
  std::string type;    // "int", "number", "positive", "bool", "choice", "string", "ints",
                       // "strings", "folder"
  nlohmann::json def;  // default value
  double min = 0, max = 0;
  std::vector<std::string> choices;
  std::string help;  // one line for tooltips
  ConfigRole role = ConfigRole::None;
  // The value that runs stored before this knob existed used, when it differs from `def` (null:
  // none). A stored config without the key is read with it (completeStoredConfig(), experiment.h),
  // so an old run is described as it ran, never as the new default.
  nlohmann::json legacy = nullptr;
  // "folder" knobs: a file the folder must hold to be usable (e.g. "config.json"; the form checks
  // it live), whether the knob may be left empty (an optional folder), and whether the form shows
  // the folder's model card (engine/chat/model_card.h) under it.
  std::string folderMarker{};
  bool optional = false;
  bool modelCard = false;
  // An opt-in knob is stored in the normalised config only when it differs from its default, so
  // configs that never set it (every run stored before it existed) stay byte-identical.
  bool optIn = false;
};

// Reads keys from one JSON object, with defaults and range checks; remembers which keys it
// read so finish() can reject unknown (misspelled) keys. `where` prefixes messages, e.g.
// "config.student".
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& obj, std::string where);

  int64_t integer(const std::string& key, int64_t def, int64_t min, int64_t max);
  double number(const std::string& key, double def, double min, double max);
  // Strictly greater than 0 (e.g. learning rates) and at most `max`.
  double positive(const std::string& key, double def, double max);
  bool boolean(const std::string& key, bool def);
  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed);
  std::string string(const std::string& key, const std::string& def);
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& def,
                                int64_t min, int64_t max);
  std::vector<std::string> strings(const std::string& key, const std::vector<std::string>& def);
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

  nlohmann::json m_obj;  // a copy: readers are often built from temporaries
  std::string m_where;
  std::set<std::string> m_known;
};

}  // namespace sublab
