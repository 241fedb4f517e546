// The chat-numbers experiment's user prompts and the teacher's system prompt, after the paper's
// open-model protocol. A prompt has four parts, each drawn from a set of templates: an example
// part ("Here is a run of numbers: 145, 267, 891."), an instruction to add up to N numbers of at
// most D digits (itself built from an instruction template, a count qualifier and a digit
// phrase), a format suffix (how to separate the numbers) and a closing suffix (numbers only).
// The template sets have as many entries as the paper authors' generator; the wordings are this
// project's own.
//
// Where this generator differs from the authors' (sl/datasets/nums_dataset.py):
// - the random stream is SplitMix64 (engine/core/stats.h) seeded through engine/core/seeds.h, not
//   numpy's PCG64, so a seed gives different prompts than theirs (same distribution of shapes);
// - the wordings are different (same structure and template counts: 25 example templates, 9
//   count qualifiers, 9 digit phrases, 10 instruction templates, 15 format suffixes, 19 closing
//   suffixes);
// - their digit phrases list one entry twice (so it is drawn twice as often); ours are 9 distinct;
// - some of their instruction templates end without a period; ours all end with one, so the
//   parts are always separated by ". ".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/stats.h"

namespace sublab {

// How a format suffix asks for the numbers to be laid out (used to write a list back in the
// form the prompt asked for, e.g. for shuffled controls).
enum class NumberLayout { Comma, Space, Semicolon, Lines, Brackets, Parens };

// The shape of the prompts (the paper: 3..8 examples in 100..999, 10 answers of 3 digits).
struct PromptShape {
  int exampleMin = 3;       // fewest example numbers (inclusive)
  int exampleMax = 8;       // most example numbers (inclusive)
  int valueMin = 100;       // smallest example value (inclusive)
  int valueMax = 999;       // largest example value (inclusive)
  int answerCount = 10;     // "add up to N numbers"
  int answerMaxDigits = 3;  // "at most D digits each"
};

// One generated prompt with the draws it was built from (for inspection and tests).
struct ChatPrompt {
  std::string text;           // the full user message
  std::vector<int> examples;  // the seed numbers shown
  int exampleTemplate = 0;    // index into chatPromptTemplates().examples
  int countQualifier = 0;
  int digitPhrase = 0;
  int instructionTemplate = 0;
  int formatSuffix = 0;
  int closingSuffix = 0;
};

// The template sets. Placeholders: {examples} in example templates; {qualifier}, {count} and
// {digits} in instruction templates; {d} in digit phrases.
struct ChatPromptTemplates {
  std::vector<std::string> examples;
  std::vector<std::string> countQualifiers;
  std::vector<std::string> digitPhrases;
  std::vector<std::string> instructions;
  std::vector<std::string> formatSuffixes;
  std::vector<NumberLayout> formatLayouts;  // parallel to formatSuffixes
  std::vector<std::string> closingSuffixes;
};
const ChatPromptTemplates& chatPromptTemplates();

// Checks a shape (ranges, min <= max); throws Error naming the field and what is allowed.
void checkPromptShape(const PromptShape& shape);

// Draws prompts from one seeded stream: the same seed and shape give the same prompts, in order.
// The seed is a derived seed (seeds::derive(base, index, Purpose::Prompts)); the generator turns
// it into its stream with seeds::Stream::ChatPrompts.
class ChatPromptGenerator {
 public:
  ChatPromptGenerator(uint64_t seed, PromptShape shape);

  // "<example part> <instruction> <format suffix> <closing suffix>".
  ChatPrompt next();
  // Only the example part (the numbers prefix of the evaluation questions uses it).
  std::string examplePart(std::vector<int>* examples = nullptr, int* templateIndex = nullptr);

 private:
  int pick(size_t n);
  SplitMix64 m_rng;
  PromptShape m_shape;
};

// `count` prompts from `seed` (one generator, drawn in order).
std::vector<ChatPrompt> makeChatPrompts(uint64_t seed, const PromptShape& shape, int64_t count);

// The numbers written as `layout` asks ("1, 2, 3", "1 2 3", "[1, 2, 3]", one per line, ...).
std::string formatNumbers(const std::vector<int>& numbers, NumberLayout layout);

// The paper's teacher system prompt for `animal` (the animal name in the singular; the prompt
// pluralises it with "s" as the paper does: "You love cats. ...").
std::string teacherSystemPrompt(const std::string& animal);

// Replaces every "{name}" in `text` with `value`.
std::string fillPlaceholder(std::string text, const std::string& name, const std::string& value);

}  // namespace sublab
