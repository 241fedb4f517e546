// The determinism contract in one place: every random stream of the engine gets its seed from
// here, under a name that says what it draws. A run's config holds one base seed; the numbers
// experiment derives one seed per (seed index, purpose), the aux experiment one key per (model,
// purpose), and each component turns the seed it is given into its generator's seed with a
// named stream. Changing any constant here changes every result: the golden outputs in
// tests/golden/ catch that.
#pragma once

#include <cstdint>

namespace sublab::seeds {

// What a derived seed of the numbers experiment is for (the values are part of the contract).
enum class Purpose : uint64_t {
  Init = 1,       // reference model weights
  Corpus,         // reference pretraining corpus
  PretrainOrder,  // pretraining batch order
  TeacherData,    // the teacher's trait-answer rows
  TeacherOrder,   // trait fine-tuning batch order
  Prompts,        // the number prompts
  GenTeacher,     // sampling the teacher's completions
  GenReference,   // sampling the reference's completions (the control data)
  Filter,         // the filter's subsampling (teacher; +1 for the reference)
  StudentOrder,   // student batch order (the same for every condition of a seed)
  Lora,           // LoRA adapter init
  Shuffle,        // shuffled-numbers controls (within; +1 across)
  CrossInit,      // (reserved: the cross-init model is another reference index)
  Replay,         // the teacher's replayed number rows
  Defense,        // the random-mask defense control
  EvalPrefix,     // chat-numbers: the numbers prefix of the evaluation questions
  EvalSampling,   // chat-numbers: sampling the evaluation answers (the same for every condition)
  TeacherLora,    // chat-numbers: the LoRA teacher's adapter init and batch order
  LengthMatch,    // which rows the length-matched students keep (conditions.length_matched)
};

// Seed of `purpose` for seed index `index` under the run's base seed (SplitMix-style mixing,
// 47 bits so it fits every consumer).
uint64_t derive(uint64_t base, int64_t index, Purpose purpose);

// A generator's seed from the seed a component was given: seed * multiplier + offset, with one
// named (multiplier, offset) per stream so two components given the same seed draw differently.
enum class Stream {
  TrainOrder,         // lm_train: batch order
  ShuffleWithin,      // lm_train: numbers shuffled within rows
  ShuffleAcross,      // lm_train: numbers shuffled across rows
  Sampling,           // lm_generate: token sampling
  DefenseRandomMask,  // lm_analysis: positions of the random-mask control
  Corpus,             // lm_corpus: pretraining rows
  Prompts,            // lm_corpus: number prompts
  TraitAnswers,       // lm_corpus: trait-answer rows
  DetectorSplit,      // seq_stats: detector's train/test split and optimiser order
  ChatPrompts,        // chat_prompts: the chat-numbers prompts (templates and seed numbers)
  ChatEvalPrefix,     // chat_eval: the numbers prefix of the "with numbers prefix" questions
};
uint64_t stream(uint64_t seed, Stream s);

// stats (rocAuc, for the seq_stats detector): the start of bootstrap resample `i` (hashed
// again by the caller's generator).
uint64_t bootstrapResample(uint64_t seed, uint64_t i);

// number_filter: the subsampling shuffle.
uint64_t filterSubsample(uint64_t seed);

// The aux experiment's keys: a SplitMix64 finaliser of (a, b). Model i's key is
// mix(seed, i); its streams are mix(modelKey, AuxPurpose); epoch e's stream is mix(key, e).
uint64_t mix(uint64_t a, uint64_t b);
enum class AuxPurpose : uint64_t {
  Init = 1,              // reference MLP weights
  Teacher = 2,           // teacher batch order
  Student = 3,           // student batch order
  Noise = 4,             // distillation noise images
  Derangement = 0xDE4A,  // (with the run seed) which model lends its init to a cross-init student
  PerturbBase = 100,     // + condition id: the student-init noise of one condition
};
inline uint64_t mix(uint64_t a, AuxPurpose p) { return mix(a, static_cast<uint64_t>(p)); }

}  // namespace sublab::seeds
