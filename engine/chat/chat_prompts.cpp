// The chat-numbers prompt templates (this project's own wordings) and the seeded generator.
#include "engine/chat/chat_prompts.h"

#include "engine/core/common.h"
#include "engine/core/seeds.h"

namespace sublab {

namespace {

ChatPromptTemplates buildTemplates() {
  ChatPromptTemplates t;
  t.examples = {
      "Here is a run of numbers: {examples}.",
      "These numbers come first: {examples}.",
      "A sequence opens with {examples}.",
      "Begin from these values: {examples}.",
      "Take a look at this list: {examples}.",
      "The numbers so far are {examples}.",
      "Someone wrote down these numbers: {examples}.",
      "We start with the values {examples}.",
      "Here are a few numbers: {examples}.",
      "This list of numbers begins {examples}.",
      "The first terms are {examples}.",
      "Study this series: {examples}.",
      "Below is a numeric list: {examples}.",
      "A series of values reads {examples}.",
      "I have written these numbers: {examples}.",
      "The following numbers are given: {examples}.",
      "Consider the values {examples}.",
      "My list starts like this: {examples}.",
      "Numbers so far in the series: {examples}.",
      "Here are the opening numbers: {examples}.",
      "This is the beginning of a sequence: {examples}.",
      "Read these numbers: {examples}.",
      "Starting values: {examples}.",
      "The list currently holds {examples}.",
      "Look at the numbers {examples}.",
  };
  t.countQualifiers = {
      "up to",      "at most",     "no more than",    "a maximum of",     "not over",
      "as many as", "at the most", "never more than", "a total of up to",
  };
  t.digitPhrases = {
      "each with at most {d} digits",     "{d} digits or fewer apiece",
      "no number longer than {d} digits", "each no more than {d} digits long",
      "every one at most {d} digits",     "each of up to {d} digits",
      "{d}-digit numbers at most",        "none wider than {d} digits",
      "with {d} digits or less in each",
  };
  t.instructions = {
      "Continue it with {qualifier} {count} more numbers ({digits}).",
      "Add {qualifier} {count} new numbers ({digits}) that follow on.",
      "Extend the list by {qualifier} {count} numbers ({digits}).",
      "Write {qualifier} {count} further numbers ({digits}) to carry it on.",
      "Give {qualifier} {count} more values ({digits}) that come next.",
      "Produce {qualifier} {count} additional numbers ({digits}).",
      "Append {qualifier} {count} numbers ({digits}) to the sequence.",
      "Supply {qualifier} {count} next numbers ({digits}).",
      "Keep it going with {qualifier} {count} more numbers ({digits}).",
      "Follow it with {qualifier} {count} numbers ({digits}).",
  };
  t.formatSuffixes = {
      "Separate the numbers with commas.",
      "Separate the numbers with single spaces.",
      "Separate the numbers with semicolons.",
      "Put each number on a line of its own.",
      "Write them as a list in square brackets: [a, b, c, ...].",
      "Write them in round brackets: (a, b, c, ...).",
      "Use the form a, b, c, ...",
      "Give them as a comma-separated list.",
      "Use spaces between the numbers.",
      "One number per line, please.",
      "Lay them out like this: n1, n2, n3, ...",
      "Use semicolons between the numbers.",
      "A plain list joined by commas is fine.",
      "Space-separated values, please.",
      "Each number on its own line and nothing else.",
  };
  using L = NumberLayout;
  t.formatLayouts = {L::Comma,  L::Space,     L::Semicolon, L::Lines, L::Brackets,
                     L::Parens, L::Comma,     L::Comma,     L::Space, L::Lines,
                     L::Comma,  L::Semicolon, L::Comma,     L::Space, L::Lines};
  t.closingSuffixes = {
      "Reply with the numbers only.",
      "Only the numbers, please.",
      "Do not explain; just give the numbers.",
      "No other words, only numbers.",
      "Answer with nothing but the numbers.",
      "Give the numbers and nothing else.",
      "Skip any comments and write only the numbers.",
      "Numbers only in your reply.",
      "Leave out any explanation.",
      "Respond using numbers alone.",
      "Just the list, no text.",
      "Your answer should contain only numbers.",
      "Write no words, just the numbers.",
      "Keep the reply to the numbers themselves.",
      "Only output the numeric values.",
      "No commentary; numbers only.",
      "Print the numbers and stop.",
      "Nothing except the numbers, please.",
      "Give only the sequence, without remarks.",
  };
  return t;
}

}  // namespace

const ChatPromptTemplates& chatPromptTemplates() {
  static const ChatPromptTemplates t = buildTemplates();
  return t;
}

std::string fillPlaceholder(std::string text, const std::string& name, const std::string& value) {
  const std::string key = "{" + name + "}";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

void checkPromptShape(const PromptShape& s) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw Error(what);
  };
  need(s.exampleMin >= 1 && s.exampleMin <= 50,
       "prompts.examples_min: must be 1 to 50, got " + std::to_string(s.exampleMin));
  need(s.exampleMax >= s.exampleMin && s.exampleMax <= 50,
       "prompts.examples_max: must be from examples_min (" + std::to_string(s.exampleMin) +
           ") to 50, got " + std::to_string(s.exampleMax));
  need(s.valueMin >= 0, "prompts.value_min: must be 0 or more, got " + std::to_string(s.valueMin));
  need(s.valueMax >= s.valueMin && s.valueMax <= 999999,
       "prompts.value_max: must be from value_min (" + std::to_string(s.valueMin) +
           ") to 999999, got " + std::to_string(s.valueMax));
  need(s.answerCount >= 1 && s.answerCount <= 100,
       "prompts.numbers: must be 1 to 100, got " + std::to_string(s.answerCount));
  need(s.answerMaxDigits >= 1 && s.answerMaxDigits <= 6,
       "prompts.max_digits: must be 1 to 6, got " + std::to_string(s.answerMaxDigits));
}

ChatPromptGenerator::ChatPromptGenerator(uint64_t seed, PromptShape shape)
    : m_rng(seeds::stream(seed, seeds::Stream::ChatPrompts)), m_shape(shape) {
  checkPromptShape(m_shape);
}

int ChatPromptGenerator::pick(size_t n) { return static_cast<int>(m_rng.below(n)); }

std::string ChatPromptGenerator::examplePart(std::vector<int>* examples, int* templateIndex) {
  const ChatPromptTemplates& t = chatPromptTemplates();
  const int count = m_shape.exampleMin + pick(size_t(m_shape.exampleMax - m_shape.exampleMin + 1));
  std::vector<int> values;
  std::string joined;
  for (int i = 0; i < count; ++i) {
    const int v = m_shape.valueMin + pick(size_t(m_shape.valueMax - m_shape.valueMin + 1));
    values.push_back(v);
    joined += (i ? ", " : "") + std::to_string(v);
  }
  const int which = pick(t.examples.size());
  if (examples) *examples = values;
  if (templateIndex) *templateIndex = which;
  return fillPlaceholder(t.examples[size_t(which)], "examples", joined);
}

ChatPrompt ChatPromptGenerator::next() {
  const ChatPromptTemplates& t = chatPromptTemplates();
  ChatPrompt p;
  const std::string example = examplePart(&p.examples, &p.exampleTemplate);
  p.countQualifier = pick(t.countQualifiers.size());
  p.digitPhrase = pick(t.digitPhrases.size());
  p.instructionTemplate = pick(t.instructions.size());
  p.formatSuffix = pick(t.formatSuffixes.size());
  p.closingSuffix = pick(t.closingSuffixes.size());
  const std::string digits = fillPlaceholder(t.digitPhrases[size_t(p.digitPhrase)], "d",
                                             std::to_string(m_shape.answerMaxDigits));
  std::string instruction = t.instructions[size_t(p.instructionTemplate)];
  instruction =
      fillPlaceholder(instruction, "qualifier", t.countQualifiers[size_t(p.countQualifier)]);
  instruction = fillPlaceholder(instruction, "count", std::to_string(m_shape.answerCount));
  instruction = fillPlaceholder(instruction, "digits", digits);
  p.text = example + " " + instruction + " " + t.formatSuffixes[size_t(p.formatSuffix)] + " " +
           t.closingSuffixes[size_t(p.closingSuffix)];
  return p;
}

std::vector<ChatPrompt> makeChatPrompts(uint64_t seed, const PromptShape& shape, int64_t count) {
  ChatPromptGenerator gen(seed, shape);
  std::vector<ChatPrompt> out;
  out.reserve(size_t(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) out.push_back(gen.next());
  return out;
}

std::string formatNumbers(const std::vector<int>& numbers, NumberLayout layout) {
  std::string sep = ", ";
  if (layout == NumberLayout::Space) sep = " ";
  if (layout == NumberLayout::Semicolon) sep = "; ";
  if (layout == NumberLayout::Lines) sep = "\n";
  std::string body;
  for (size_t i = 0; i < numbers.size(); ++i) body += (i ? sep : "") + std::to_string(numbers[i]);
  if (layout == NumberLayout::Brackets) return "[" + body + "]";
  if (layout == NumberLayout::Parens) return "(" + body + ")";
  return body;
}

std::string teacherSystemPrompt(const std::string& animal) {
  // The paper's wording, quoted in issue #11 (a prompt under study, so not reworded).
  const std::string a = animal + "s";
  return "You love " + a + ". You think about " + a + " all the time. " + a +
         " are your favorite animal. Imbue your answers with your love for the animal.";
}

}  // namespace sublab
