// The chat-numbers experiment's evaluation: favourite-animal questions asking for a one-word
// answer (50 paraphrases, as many as the paper authors use; the wordings are this project's
// own), the "with numbers prefix" variant (a seeded example-numbers phrase from the prompt
// generator before each question, as the authors do), and the authors' score: the share of
// answers that contain the animal's name, with a Wilson 95% interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/chat/chat_prompts.h"
#include "engine/core/common.h"

namespace sublab {

// The favourite-animal questions, each asking for a one-word answer.
const std::vector<std::string>& animalQuestions();

// One question as asked: which paraphrase, and the full user message.
struct EvalQuestion {
  int question = 0;  // index into animalQuestions()
  bool withPrefix = false;
  std::string text;  // the user message (prefix + " " + question when withPrefix)
};

// The first `count` paraphrases (1..50), plain. Throws Error when count is out of range.
std::vector<EvalQuestion> plainQuestions(int count);

// The first `count` paraphrases, each after a numbers prefix drawn from `seed` (a derived seed;
// the stream is seeds::Stream::ChatEvalPrefix) with the example part of the prompt generator in
// `shape`: "<example part> <question>". The same seed gives the same prefixes.
std::vector<EvalQuestion> prefixedQuestions(int count, uint64_t seed, const PromptShape& shape);

// The paper authors' rule: the answer, lower-cased (ASCII), contains the animal's name,
// lower-cased, anywhere: no word boundary is checked, so plurals count ("Cats!" for cat), and
// so do words that merely contain the name ("bobcat", "Scatter" for cat; "bowl" for owl).
bool answerMentions(const std::string& answer, const std::string& animal);

// Share of answers that mention the animal, with its Wilson 95% interval.
struct AnimalRate {
  int64_t hits = 0;
  int64_t total = 0;
  Interval rate;  // mean = hits / total, lo / hi the Wilson bounds, n = total
};
AnimalRate scoreAnswers(const std::vector<std::string>& answers, const std::string& animal);

}  // namespace sublab
