// The number-sequence experiment's typed config, read from JSON by readNumbersConfig() through
// its declaration (numbers_config.cpp: every knob once, with its default, range, help and role,
// so the CLI, the stored config and the GUI's form agree).
#pragma once

#include <string>
#include <vector>

#include "engine/core/config_util.h"
#include "engine/lm/lm_model.h"
#include "engine/numbers/number_filter.h"

namespace sublab {

// The member initializers are for code that builds a config by hand; a config read from JSON
// takes every knob's value or default from the declaration.
struct NumbersConfig {
  std::string name;  // the run's name (optional)
  int64_t seeds = 3;
  uint64_t seed = 0;  // base seed: seed index s uses derived seeds of (seed, s)
  std::string trait = "owl";
  LmOptions model;
  // reference model
  bool referencePerSeed = false;  // false: one reference shared by all seeds (as in the paper)
  int64_t corpusRows = 20000;
  double questionFraction = 0.15;
  int64_t pretrainSteps = 800;
  int64_t pretrainBatch = 64;
  double pretrainLr = 3e-3;
  // teacher
  std::string teacherMethod = "finetune";  // "finetune" | "prefix"
  int64_t teacherRows = 400;
  int64_t teacherReplay = 0;  // number-continuation rows mixed into the trait fine-tuning
  int64_t teacherEpochs = 1;
  double teacherLr = 1e-3;
  int64_t teacherBatch = 16;
  // generation
  int64_t prompts = 2000;
  double temperature = 1.0;
  int64_t topK = 0;
  bool greedy = false;
  int64_t maxNewTokens = 24;
  int64_t genBatch = 256;
  // filter
  FilterOptions filter;
  // student
  std::string studentMode = "distill_numbers";  // "distill_numbers" | "distill_vocab" | "sft"
  double distillTemperature = 1.0;
  std::string finetune = "full";  // "full" | "lora"
  int64_t loraRank = 8;
  double loraAlpha = 8;
  std::string optimizer = "adamw";
  double studentLr = 1e-3;
  int64_t studentEpochs = 3;
  int64_t studentBatch = 64;
  double weightDecay = 0.0;
  int64_t evalEvery = 10;
  // "student_data": a student on the kept rows of another run or dataset (0 = none), of this
  // condition ("" = "teacher", or the run's only condition)
  int64_t dataRun = 0;
  std::string dataCondition;
  // conditions
  bool control = true, crossInit = true, shuffledWithin = true, shuffledAcross = true;
  bool lengthMatched = false;  // students on teacher and control rows of matched lengths
  // divergence-token defense: "none" | "mask" | "replace" (adds the "defended" condition)
  std::string defenseMethod = "none";
  double defenseFraction = 0.1;
  // analyses recorded with the run
  bool tokenLogprobs = true;  // per-token teacher / reference log-probabilities of kept rows
  bool entanglement = true;   // the entanglement probe on the (first) reference model
};

// Reads and validates; the JSON form with defaults filled is written to `normalized`, and the
// knobs in form order are appended to `schema` (each when given).
NumbersConfig readNumbersConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                std::vector<ConfigField>* schema);

}  // namespace sublab
