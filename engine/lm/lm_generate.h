// Batched generation with a key/value cache (or full recomputation, for checking the cache),
// temperature / top-k / greedy sampling from a seeded generator, and the trait evaluation that
// reads the trait's probability exactly from the logits. Internal to the engine.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/core/common.h"
#include "engine/lm/lm_corpus.h"
#include "engine/lm/lm_model.h"

namespace sublab {

struct GenerateOptions {
  double temperature = 1.0;
  int64_t topK = 0;  // 0 = whole vocabulary
  bool greedy = false;
  int64_t maxNewTokens = 24;
  int64_t batch = 256;
  uint64_t seed = 0;
  bool useCache = true;
  TokenSeq prefix;  // inserted after BOS of every prompt (a "system prompt")
};

// Completions (without the prompt, without EOS) for each prompt, in prompt order.
std::vector<TokenSeq> generate(TransformerLm& model, const std::vector<TokenSeq>& prompts,
                               const GenerateOptions& options, const CancelFlag* cancel,
                               const std::function<void(double)>& progress = {});

struct TraitEval {
  double traitProb = 0.0;           // P(target | answer is an animal), averaged over paraphrases
  double traitProbRaw = 0.0;        // P(target) over the whole vocabulary, averaged
  std::vector<double> animalProbs;  // P(animal_i | answer is an animal), Vocab::animals() order
};

// Exact trait probability from the next-token logits after each question paraphrase.
TraitEval evaluateTrait(TransformerLm& model, int targetAnimalId, const TokenSeq& prefix = {});

}  // namespace sublab
