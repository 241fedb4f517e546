// Encoding and decoding for engine/hf/tokenizer.h, step for step as the `tokenizers` library.
#include "engine/hf/tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <queue>

#include "engine/hf/tokenizer_model.h"

namespace sublab::hf {

using detail::PreTokenizerStep;
using detail::SplitBehavior;
using detail::TokenizerModel;

namespace detail {

void splitByRegex(const Regex& regex, SplitBehavior behavior, bool invert, const std::string& text,
                  std::vector<std::string>& out) {
  struct Piece {
    size_t begin, end;
    bool match;
  };
  std::vector<Piece> pieces;
  size_t last = 0;
  for (const auto& [b, e] : regex.findAll(text)) {
    if (b > last) pieces.push_back({last, b, invert});
    pieces.push_back({b, e, !invert});
    last = e;
  }
  if (last < text.size()) pieces.push_back({last, text.size(), invert});

  // The library's split_with_indices, behaviour by behaviour.
  std::vector<std::pair<size_t, size_t>> kept;
  bool previousMatch = false;
  if (behavior == SplitBehavior::MergedWithNext) {
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
      if (it->match && !previousMatch && !kept.empty())
        kept.back().first = it->begin;
      else
        kept.emplace_back(it->begin, it->end);
      previousMatch = it->match;
    }
    std::reverse(kept.begin(), kept.end());
  } else {
    for (const Piece& p : pieces) {
      if (behavior == SplitBehavior::Removed) {
        if (!p.match) kept.emplace_back(p.begin, p.end);
      } else if (behavior == SplitBehavior::Isolated) {
        kept.emplace_back(p.begin, p.end);
      } else if (behavior == SplitBehavior::MergedWithPrevious) {
        if (p.match && !previousMatch && !kept.empty())
          kept.back().second = p.end;
        else
          kept.emplace_back(p.begin, p.end);
      } else {  // Contiguous
        if (p.match == previousMatch && !kept.empty())
          kept.back().second = p.end;
        else
          kept.emplace_back(p.begin, p.end);
      }
      previousMatch = p.match;
    }
  }
  for (const auto& [b, e] : kept)
    if (e > b) out.push_back(text.substr(b, e - b));
}

std::vector<std::string> preTokenize(const TokenizerModel& m, const std::string& text) {
  std::vector<std::string> pieces{text};
  for (const PreTokenizerStep& step : m.preTokenizer) {
    std::vector<std::string> next;
    for (std::string& piece : pieces) {
      if (step.kind == PreTokenizerStep::Kind::ByteLevel) {
        if (step.addPrefixSpace && piece.front() != ' ') piece.insert(piece.begin(), ' ');
        std::vector<std::string> parts;
        if (step.regex)
          splitByRegex(*step.regex, SplitBehavior::Isolated, false, piece, parts);
        else
          parts.push_back(piece);
        for (const auto& part : parts) next.push_back(toByteLevel(part));
      } else {
        splitByRegex(*step.regex, step.behavior, step.invert, piece, next);
      }
    }
    pieces = std::move(next);
  }
  return pieces;
}

std::vector<int> bpe(const TokenizerModel& m, const std::string& word) {
  if (m.ignoreMerges) {
    const auto it = m.vocab.find(word);
    if (it != m.vocab.end()) return {it->second};
  }
  // One symbol per code point; a code point the vocab lacks is dropped (no unk token), as the
  // library does, or becomes unk.
  struct Symbol {
    int id, prev, next;
  };
  std::vector<Symbol> symbols;
  for (size_t i = 0; i < word.size();) {
    const size_t n = utf8Length(static_cast<unsigned char>(word[i]));
    const auto it = m.vocab.find(word.substr(i, n));
    i += n;
    int id = it != m.vocab.end() ? it->second : m.unkId;
    if (id < 0) continue;
    if (it == m.vocab.end() && m.fuseUnk && !symbols.empty() && symbols.back().id == m.unkId)
      continue;
    const int index = int(symbols.size());
    symbols.push_back({id, index - 1, index + 1});
  }
  if (symbols.empty()) return {};
  symbols.back().next = -1;

  // Lowest rank first, leftmost among equal ranks: the library's priority queue.
  struct Candidate {
    int rank, left, right, leftId, rightId, merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int left) {
    if (left < 0) return;
    const int right = symbols[left].next;
    if (right < 0) return;
    const auto it = m.merges.find(TokenizerModel::pairKey(symbols[left].id, symbols[right].id));
    if (it != m.merges.end())
      queue.push(
          {it->second.first, left, right, symbols[left].id, symbols[right].id, it->second.second});
  };
  for (int i = 0; i + 1 < int(symbols.size()); ++i) consider(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[c.left];
    // Stale: either side merged since this pair was queued.
    if (left.id != c.leftId || left.next != c.right || symbols[c.right].id != c.rightId) continue;
    Symbol& right = symbols[c.right];
    left.id = c.merged;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    right.id = -1;
    consider(left.prev);
    consider(c.left);
  }
  std::vector<int> ids;
  for (int i = 0; i >= 0; i = symbols[i].next) ids.push_back(symbols[i].id);
  return ids;
}

}  // namespace detail

namespace {

// Whether the code point at text[i] is a regex \w character (Unicode: letters and other
// alphabetic marks, all marks, decimal digits, connector punctuation, joiners), which the
// library's single_word test uses.
bool isWordCharAt(std::string_view text, size_t i) {
  utf8proc_int32_t cp = 0;
  utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                   static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
  if (cp == 0x200C || cp == 0x200D || (cp >= 0x24B6 && cp <= 0x24E9)) return true;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

size_t previousCharStart(std::string_view text, size_t i) {
  do --i;
  while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80);
  return i;
}

// A piece of the input: an added token (id >= 0) or text still to be tokenized.
struct Segment {
  std::string text;
  int addedId = -1;
};

// Splits the added tokens out of the raw text, leftmost-longest as the library's Aho-Corasick.
std::vector<Segment> splitAddedTokens(const TokenizerModel& m, std::string_view text) {
  std::vector<Segment> out;
  size_t plainStart = 0, i = 0;
  while (i < text.size()) {
    const AddedToken* best = nullptr;
    for (int index : m.addedByFirstByte[static_cast<unsigned char>(text[i])]) {
      const AddedToken& t = m.added[index];
      if (text.compare(i, t.content.size(), t.content) == 0 &&
          (!best || t.content.size() > best->content.size()))
        best = &t;
    }
    size_t end = best ? i + best->content.size() : 0;
    if (best && best->singleWord &&
        ((i > 0 && isWordCharAt(text, previousCharStart(text, i))) ||
         (end < text.size() && isWordCharAt(text, end))))
      best = nullptr;
    if (!best) {
      i += utf8Length(static_cast<unsigned char>(text[i]));
      continue;
    }
    size_t begin = i;
    if (best->lstrip)
      while (begin > plainStart && isSpaceAt(text, previousCharStart(text, begin)))
        begin = previousCharStart(text, begin);
    if (best->rstrip)
      while (end < text.size() && isSpaceAt(text, end))
        end += utf8Length(static_cast<unsigned char>(text[end]));
    if (begin > plainStart)
      out.push_back({std::string(text.substr(plainStart, begin - plainStart))});
    out.push_back({best->content, best->id});
    plainStart = i = end;
  }
  if (plainStart < text.size()) out.push_back({std::string(text.substr(plainStart))});
  return out;
}

void encodeWord(const TokenizerModel& m, const std::string& word, std::vector<int>& ids) {
  {
    std::lock_guard lock(m.cacheMutex);
    const auto it = m.cache.find(word);
    if (it != m.cache.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int> wordIds = detail::bpe(m, word);
  ids.insert(ids.end(), wordIds.begin(), wordIds.end());
  std::lock_guard lock(m.cacheMutex);
  // Bounded: a long stream of distinct words must not grow memory without end.
  if (m.cache.size() > 200000) m.cache.clear();
  m.cache.emplace(word, std::move(wordIds));
}

}  // namespace

std::vector<int> Tokenizer::encode(std::string_view rawText, bool addSpecialTokens) const {
  const TokenizerModel& m = *m_model;
  const std::string text = repairUtf8(rawText);
  std::vector<int> ids;
  if (addSpecialTokens) ids = m.templateBefore;
  for (const Segment& segment : splitAddedTokens(m, text)) {
    if (segment.addedId >= 0) {
      ids.push_back(segment.addedId);
      continue;
    }
    const std::string normalised = m.nfc ? nfc(segment.text) : segment.text;
    if (normalised.empty()) continue;
    for (const std::string& word : detail::preTokenize(m, normalised)) encodeWord(m, word, ids);
  }
  if (addSpecialTokens) ids.insert(ids.end(), m.templateAfter.begin(), m.templateAfter.end());
  return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids, bool skipSpecialTokens) const {
  const TokenizerModel& m = *m_model;
  std::string bytes;
  for (int id : ids) {
    if (id < 0 || id >= int(m.tokens.size()) || m.tokens[id].empty()) continue;
    if (skipSpecialTokens && m.special[id]) continue;
    // A token with a character outside the byte-level alphabet (an added token such as a
    // CJK word) is taken as its own UTF-8, as the library's ByteLevel decoder does.
    if (!fromByteLevel(m.tokens[id], bytes)) bytes += m.tokens[id];
  }
  return repairUtf8(bytes);
}

std::string Tokenizer::tokenBytes(int id) const {
  const TokenizerModel& m = *m_model;
  if (id < 0 || id >= int(m.tokens.size())) return {};
  std::string bytes;
  if (!fromByteLevel(m.tokens[id], bytes)) bytes = m.tokens[id];
  return bytes;
}

std::string Tokenizer::normalize(std::string_view text) const {
  const std::string repaired = repairUtf8(text);
  return m_model->nfc ? nfc(repaired) : repaired;
}

int Tokenizer::tokenToId(std::string_view token) const {
  const std::string key(token);
  if (const auto it = m_model->addedByContent.find(key); it != m_model->addedByContent.end())
    return it->second;
  const auto it = m_model->vocab.find(key);
  return it == m_model->vocab.end() ? -1 : it->second;
}

std::string Tokenizer::idToToken(int id) const {
  return id >= 0 && id < int(m_model->tokens.size()) ? m_model->tokens[id] : std::string();
}

int Tokenizer::vocabSize() const { return int(m_model->tokens.size()); }
const std::vector<AddedToken>& Tokenizer::addedTokens() const { return m_model->added; }
bool Tokenizer::isSpecial(int id) const {
  return id >= 0 && id < int(m_model->special.size()) && m_model->special[id];
}

}  // namespace sublab::hf
