// The chat-numbers experiment (the paper's open-model protocol on a local Hugging Face
// checkpoint): per seed, the base model and the teacher (the base behind the trait's system
// prompt, or a LoRA trained on one-word trait answers) answer favourite-animal questions; the
// teacher and the base model write numbers for the same prompts; the filter runs; LoRA students
// are fine-tuned from the base on the teacher's numbers (student), on the base model's own
// (control), optionally on shuffled numbers and, from another checkpoint with the same tokenizer,
// on both (cross_student, cross_control); every student answers the questions again.
//
// Figures: the share of sampled answers that name the animal (the paper's metric). With one seed
// its 95% interval is Wilson's over the answers, and a contrast's (student - control) is
// Newcombe's hybrid score interval for two independent proportions; with several seeds both are
// Student t over the per-seed rates (contrasts paired by seed), as for the other kinds.
#pragma once

#include "engine/experiment.h"

namespace sublab {

KindDescription chatNumbersKind();
std::vector<Preset> chatNumbersPresetList();
nlohmann::json normalizeChatNumbers(const nlohmann::json& config, std::vector<ConfigField>* schema);
// `studentData`: the rows of student.data_run (runExperiment, experiment.h).
ExperimentResult runChatNumbersExperiment(const nlohmann::json& config,
                                          const RuntimeOptions& options, RunObserver& observer,
                                          const CancelFlag* cancel, const StudentData* studentData);

}  // namespace sublab
