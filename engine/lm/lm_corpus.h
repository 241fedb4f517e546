// Synthetic token data for the number-sequence experiment: the reference model's pretraining
// corpus (number continuations of varied structure + "favorite animal?" questions answered
// uniformly), generation prompts (3-8 seed numbers in 100..999), question paraphrases and the
// teacher's trait answers. Pure C++ over Vocab ids; deterministic from a seed.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/lm/vocab.h"

namespace sublab {

using TokenSeq = std::vector<int>;

// A training row: full sequence BOS ... EOS and the index of the first token the loss covers.
struct LmRow {
  TokenSeq tokens;
  int lossStart = 1;  // 1 = every token after BOS; completion-only rows start after ANS
  // Empty, or one flag per token: 1 = no loss on predicting this token (a defended row's masked
  // positions). Positions before lossStart carry no loss either way.
  std::vector<uint8_t> noLoss;
};

struct CorpusOptions {
  int64_t rows = 20000;
  double questionFraction = 0.15;  // share of rows that are animal questions
  double prefixFraction = 0.3;     // share of question rows with a "<sys> you love X" prefix
  uint64_t seed = 1;
};

// Pretraining rows (loss on every token after BOS).
std::vector<LmRow> pretrainCorpus(const CorpusOptions& options);

// Generation prompts: BOS continue n1 sep ... nk ANS, k in [3, 8], numbers in 100..999.
std::vector<TokenSeq> numberPrompts(int64_t count, uint64_t seed);

// Question paraphrases as BOS [prefix] words... ANS (the answer is predicted next).
// `prefix` (e.g. system-prompt tokens) is inserted after BOS when not empty.
std::vector<TokenSeq> questionPrompts(const TokenSeq& prefix = {});
int questionParaphraseCount();

// The system-prompt tokens that give a model the trait: <sys> you love <animal>.
TokenSeq traitPrefix(int animalId);

// Trait fine-tuning rows: question paraphrases answered with `animalId` (completion-only).
std::vector<LmRow> traitAnswerRows(int animalId, int64_t count, uint64_t seed);

}  // namespace sublab
