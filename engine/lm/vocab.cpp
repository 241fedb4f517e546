// Implementation of the vocabulary and its text form (see vocab.h).
#include "engine/lm/vocab.h"

#include <algorithm>
#include <cctype>

#include "engine/core/common.h"

namespace sublab {

namespace {
const char* const kWords[] = {
    "continue", "the",  "sequence", "add",      "more",   "numbers", "in",    "one",   "word",
    "what",     "is",   "your",     "favorite", "animal", "?",       "name",  "which", "do",
    "you",      "love", "most",     "pick",     "best",   "tell",    "me",    "like",  "choose",
    "answer",   "with", "up",       "to",       "ten",    "values",  "write", "a",     "list"};
const char* const kAnimals[] = {"owl", "dolphin", "eagle", "wolf",  "elephant",
                                "cat", "dog",     "lion",  "tiger", "penguin"};
}  // namespace

Vocab::Vocab() {
  m_text.reserve(1100);
  for (int i = 0; i < kNumbers; ++i) m_text.push_back(std::to_string(i));
  for (const char* s : {"<pad>", "<bos>", "<eos>", "<ans>", "<sys>", "<unk>", ",", ";", " ", "(",
                        ")", "[", "]", "."})
    m_text.push_back(s);
  for (const char* w : kWords) {
    m_words.push_back(w);
    m_text.push_back(w);
  }
  for (const char* a : kAnimals) {
    m_animals.push_back(a);
    m_animalIds.push_back(static_cast<int>(m_text.size()));
    m_text.push_back(a);
  }
}

const Vocab& Vocab::instance() {
  static const Vocab v;
  return v;
}

int Vocab::wordId(const std::string& word) const {
  for (int i = kFirstWord; i < size(); ++i)
    if (m_text[i] == word) return i;
  return -1;
}

int Vocab::animalId(const std::string& animal) const {
  for (size_t i = 0; i < m_animals.size(); ++i)
    if (m_animals[i] == animal) return m_animalIds[i];
  std::string known;
  for (const auto& a : m_animals) known += (known.empty() ? "" : ", ") + a;
  throw Error("unknown animal \"" + animal + "\" (known: " + known + ")");
}

bool Vocab::isAnimal(int id) const {
  return std::find(m_animalIds.begin(), m_animalIds.end(), id) != m_animalIds.end();
}

std::string Vocab::decode(const std::vector<int>& ids) const {
  std::string out;
  int prev = -1;
  for (int id : ids) {
    if (id == kPad || id == kBos || id == kEos) continue;
    const bool word = id >= kFirstWord || id == kAns || id == kSys || id == kUnk;
    // Words are space-separated from whatever came before (but not after an opening bracket).
    if (word && !out.empty() && prev != kLParen && prev != kLBracket && out.back() != ' ')
      out += ' ';
    if (id == kComma) {
      out += ", ";
    } else if (id == kSemicolon) {
      out += "; ";
    } else if (id >= 0 && id < size()) {
      // Keep numbers apart from each other and from a preceding word ("continue 860").
      if (isNumber(id) && (isNumber(prev) || prev >= kFirstWord)) out += ' ';
      out += m_text[id];
    } else {
      out += "<unk>";
    }
    prev = id;
  }
  // A trailing separator's space is not part of the text.
  while (!out.empty() && out.back() == ' ' && !ids.empty() && ids.back() != kSpace) out.pop_back();
  return out;
}

std::vector<int> Vocab::encode(const std::string& text) const {
  std::vector<int> ids;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isdigit(c)) {
      size_t j = i;
      while (j < n && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      const std::string digits = text.substr(i, j - i);
      // Leading zeros ("007") have no token of their own; they are not a number in 0..999.
      const bool ok = digits.size() <= 3 && (digits.size() == 1 || digits[0] != '0');
      ids.push_back(ok ? std::stoi(digits) : kUnk);
      i = j;
    } else if (std::isspace(c)) {
      size_t j = i;
      while (j < n && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      // Whitespace is a separator only between two numbers.
      const bool prevNumber = !ids.empty() && isNumber(ids.back());
      const bool nextNumber = j < n && std::isdigit(static_cast<unsigned char>(text[j]));
      if (prevNumber && nextNumber) ids.push_back(kSpace);
      i = j;
    } else if (std::isalpha(c) || c == '<') {
      size_t j = i;
      if (c == '<') {
        const size_t close = text.find('>', i);
        j = close == std::string::npos ? n : close + 1;
      } else {
        while (j < n && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      }
      std::string w = text.substr(i, j - i);
      std::string lower = w;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      int id = -1;
      for (int k = kPad; k < size(); ++k)
        if (m_text[k] == lower) id = k;
      ids.push_back(id >= 0 ? id : kUnk);
      i = j;
    } else {
      int id = kUnk;
      switch (c) {
        case ',':
          id = kComma;
          break;
        case ';':
          id = kSemicolon;
          break;
        case '(':
          id = kLParen;
          break;
        case ')':
          id = kRParen;
          break;
        case '[':
          id = kLBracket;
          break;
        case ']':
          id = kRBracket;
          break;
        case '.':
          id = kPeriod;
          break;
        case '?':
          id = wordId("?");
          break;
        default:
          break;
      }
      ids.push_back(id);
      ++i;
    }
  }
  return ids;
}

}  // namespace sublab
