// What engine/hf/tokenizer.h keeps of a tokenizer.json, and the steps that use it. Internal to
// engine/hf/tokenizer*.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/hf/tokenizer.h"
#include "engine/hf/tokenizer_text.h"

namespace sublab::hf::detail {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// One pre-tokenizer step. Digits and ByteLevel's own regex are expressed as Splits.
struct PreTokenizerStep {
  enum class Kind { Split, ByteLevel } kind = Kind::Split;
  std::shared_ptr<Regex> regex;  // Split, and ByteLevel with use_regex
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  bool addPrefixSpace = false;  // ByteLevel
};

struct TokenizerModel {
  // Model vocabulary: byte-level symbols <-> ids; tokens by id include the added tokens.
  std::unordered_map<std::string, int> vocab;
  std::vector<std::string> tokens;
  // A merge (left id, right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int, int>> merges;
  bool ignoreMerges = false;
  int unkId = -1;
  bool fuseUnk = false;

  bool nfc = false;
  std::vector<PreTokenizerStep> preTokenizer;

  std::vector<AddedToken> added;
  // Indices into `added` by the first byte of their content: the scan for them is per byte.
  std::array<std::vector<int>, 256> addedByFirstByte;
  std::unordered_map<std::string, int> addedByContent;
  std::vector<char> special;  // by id

  // The post-processor's single-sequence template: ids before and after the text.
  std::vector<int> templateBefore, templateAfter;
  bool byteLevelDecoder = false;

  // Pre-token (byte-level) -> its BPE ids: text repeats words, and BPE is the slow part.
  mutable std::mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<int>> cache;

  static uint64_t pairKey(int a, int b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
};

// The model's BPE on one pre-token written in the byte-level alphabet.
std::vector<int> bpe(const TokenizerModel& m, const std::string& word);
// Pre-tokenizes one normalised piece of text into pieces (byte-level once ByteLevel ran).
std::vector<std::string> preTokenize(const TokenizerModel& m, const std::string& text);
// Splits `text` at `regex`'s matches as the library's Split does.
void splitByRegex(const Regex& regex, SplitBehavior behavior, bool invert, const std::string& text,
                  std::vector<std::string>& out);

}  // namespace sublab::hf::detail
