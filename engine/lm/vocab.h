// The number-sequence experiment's vocabulary: number tokens 0..999 (id == value, so "the
// number tokens" are the contiguous id range [0, 1000)), separators, special tokens, question
// words and animal names; and the text form <-> tokens mapping ("182, 818, 725").
#pragma once

#include <string>
#include <vector>

namespace sublab {

class Vocab {
 public:
  static constexpr int kNumbers = 1000;  // ids 0..999 are the numbers themselves
  // Special tokens.
  static constexpr int kPad = 1000, kBos = 1001, kEos = 1002, kAns = 1003, kSys = 1004, kUnk = 1005;
  // Separators and punctuation.
  static constexpr int kComma = 1006, kSemicolon = 1007, kSpace = 1008, kLParen = 1009,
                       kRParen = 1010, kLBracket = 1011, kRBracket = 1012, kPeriod = 1013;
  static constexpr int kFirstWord = 1014;

  Vocab();
  static const Vocab& instance();

  int size() const { return static_cast<int>(m_text.size()); }
  const std::string& text(int id) const { return m_text.at(id); }
  // -1 when the word is not in the vocabulary.
  int wordId(const std::string& word) const;
  int animalId(const std::string& animal) const;  // throws if unknown

  const std::vector<std::string>& animals() const { return m_animals; }
  const std::vector<int>& animalIds() const { return m_animalIds; }
  const std::vector<std::string>& words() const { return m_words; }

  static bool isNumber(int id) { return id >= 0 && id < kNumbers; }
  bool isAnimal(int id) const;

  // Tokens -> text. Separators render as ", " / "; " / " ", so "182, 818" round-trips.
  std::string decode(const std::vector<int>& ids) const;
  // Text -> tokens. Digit runs become one number token (kUnk when > 999); words and
  // punctuation their tokens; anything else kUnk. Whitespace after ',' or ';' is absorbed;
  // whitespace between two numbers is the space separator.
  std::vector<int> encode(const std::string& text) const;

 private:
  std::vector<std::string> m_text;
  std::vector<std::string> m_words;
  std::vector<std::string> m_animals;
  std::vector<int> m_animalIds;
};

}  // namespace sublab
