// The chat-numbers experiment's typed config (the paper's open-model protocol on a local Hugging
// Face checkpoint), read from JSON through its declaration in chat_config.cpp: every knob once,
// with its default, range, help and role, so the CLI, the stored config and the GUI's form
// agree. Registered in engine/experiment.cpp; run by runChatNumbersExperiment (chat_experiment.h).
#pragma once

#include <string>
#include <vector>

#include "engine/chat/chat_prompts.h"
#include "engine/core/config_util.h"
#include "engine/experiment.h"
#include "engine/numbers/number_filter.h"

namespace sublab {

inline constexpr const char* kChatNumbersKind = "chat-numbers";

// The member initializers are the paper's open-model protocol (Qwen2.5-7B-Instruct); a config
// read from JSON takes every knob's value or default from the declaration.
struct ChatNumbersConfig {
  std::string name;
  int64_t seeds = 1;
  uint64_t seed = 0;
  std::string animal = "cat";
  // model
  std::string modelFolder;       // Hugging Face layout: config.json, *.safetensors, tokenizer.json
  std::string crossModelFolder;  // optional: another checkpoint with the same tokenizer
  std::string chatFormat = "auto";  // "auto" (from chat_template) | "chatml" | "llama3"
  // chat context of the students (training and evaluation alike)
  std::string studentContext = "template_default";  // | "none" | "custom"
  std::string studentSystemPrompt;                  // when "custom"
  // teacher
  std::string teacherMethod = "system_prompt";  // | "lora"
  std::string teacherSystemPrompt;              // "{animal}" is replaced by the animal
  int64_t teacherRows = 400;                    // lora teacher: one-word trait answers
  int64_t teacherEpochs = 1;
  double teacherLr = 2e-4;
  // prompts
  int64_t prompts = 30000;
  PromptShape shape;
  // generation
  int64_t maxNewTokens = 100;
  double temperature = 1.0;
  int64_t genBatch = 64;
  // filter (the numbers experiment's filter options)
  FilterOptions filter;
  // student
  int64_t loraRank = 8;
  double loraAlpha = 8;
  std::vector<std::string> loraTargets;
  double lr = 2e-4;
  int64_t epochs = 3;
  int64_t batch = 22;
  int64_t gradAccum = 3;  // effective batch = batch * gradAccum (the paper: 66)
  int64_t maxLength = 500;
  int64_t warmupSteps = 5;
  double maxGradNorm = 1.0;
  double weightDecay = 0.0;
  std::string adaptersDir;  // non-empty: each student's adapter saved there in PEFT's layout
  // "student_data": a student on the kept rows of another run or dataset (0 = none), of this
  // condition ("" = "teacher", or the run's only condition)
  int64_t dataRun = 0;
  std::string dataCondition;
  // evaluation
  int64_t evalQuestions = 50;
  int64_t samplesPerQuestion = 200;
  double evalTemperature = 1.0;
  int64_t evalMaxNewTokens = 16;
  bool numbersPrefix = true;
  int64_t curveEvery = 10;  // first-token probability of the animal every k steps (0: off)
  // conditions
  bool control = true, shuffledWithin = false, shuffledAcross = false;
  bool lengthMatched = false;  // students on teacher and control rows of matched lengths

  int64_t effectiveBatch() const { return batch * gradAccum; }
  // The teacher's system prompt with the animal filled in.
  std::string teacherPrompt() const;
};

// Reads and validates (throws Error naming the key and what is allowed); the JSON form with
// defaults filled is written to `normalized`, the knobs in form order appended to `schema`.
ChatNumbersConfig readChatNumbersConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                        std::vector<ConfigField>* schema);

// The form's knobs in declaration order, and the normalised config (normalizeConfig-style).
std::vector<ConfigField> chatNumbersSchema();
nlohmann::json normalizeChatNumbersConfig(const nlohmann::json& config);

// The kind's presets: a ~135M model on a laptop CPU, and the paper's scale on a GPU.
const std::vector<Preset>& chatNumbersPresets();

}  // namespace sublab
