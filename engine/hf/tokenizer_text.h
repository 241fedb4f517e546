// Text pieces of the Hugging Face tokenizer (engine/hf/tokenizer.h): UTF-8 repair, NFC, the
// GPT-2 byte-level alphabet, and a PCRE2 regex that finds the pre-tokenizer's splits. No torch.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sublab::hf {

// Replaces every invalid UTF-8 sequence with U+FFFD, as Python's `errors="replace"` and Rust's
// from_utf8_lossy do, so text from anywhere can be tokenized (the library itself only ever sees
// valid strings). Valid input comes back unchanged.
std::string repairUtf8(std::string_view text);

// Appends code point `cp` (at most U+10FFFF) to `out`, UTF-8 encoded.
void appendUtf8(std::string& out, uint32_t cp);

// Unicode NFC (canonical composition) through utf8proc; `text` must be valid UTF-8.
std::string nfc(std::string_view text);

// GPT-2's byte-level alphabet: each byte becomes one printable code point (UTF-8 encoded), so
// that every byte string is a string of vocabulary symbols.
const std::array<std::string, 256>& byteLevelAlphabet();
// The bytes of `text` written in that alphabet.
std::string toByteLevel(std::string_view text);
// Back to bytes; false when a code point of `symbols` is not in the alphabet (then `out` is
// left as it was and the caller keeps the raw bytes, as the library's decoder does).
bool fromByteLevel(std::string_view symbols, std::string& out);

// A compiled PCRE2 pattern (UTF + UCP: \p{L}, \s and (?i) work on all of Unicode, JIT when the
// platform has it). Throws sublab::Error naming the pattern when it does not compile.
class Regex {
 public:
  explicit Regex(const std::string& pattern, bool literal = false);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // Byte ranges [begin, end) of the non-overlapping matches in `text`, left to right; an empty
  // match is skipped by one code point, as the library's find_iter does.
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Length in bytes of the UTF-8 sequence whose first byte is `lead` (1 for a stray byte).
inline size_t utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Whether the code point starting at text[i] is white space (Unicode White_Space).
bool isSpaceAt(std::string_view text, size_t i);

}  // namespace sublab::hf
