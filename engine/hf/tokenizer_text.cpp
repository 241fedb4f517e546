// UTF-8 repair, NFC, the byte-level alphabet and the PCRE2 wrapper for engine/hf/tokenizer.
#include "engine/hf/tokenizer_text.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <cstdlib>
#include <unordered_map>

#include "engine/core/common.h"

namespace sublab::hf {

namespace {

// At text[i]: {length of the valid UTF-8 sequence, 0} or {0, length of the invalid maximal
// subpart}, the bytes that one U+FFFD replaces (Unicode's recommendation; Rust and Python do it).
std::pair<size_t, size_t> sequenceAt(std::string_view text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return {1, 0};
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF)
    n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF)
    n = 3, lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
  else if (b0 >= 0xF0 && b0 <= 0xF4)
    n = 4, lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
  else
    return {0, 1};
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= text.size()) return {0, k};
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return {0, k};
  }
  return {n, 0};
}

uint32_t decodeAt(std::string_view text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  const size_t n = utf8Length(b0);
  if (n == 1 || i + n > text.size()) return b0;
  uint32_t cp = b0 & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  return cp;
}

}  // namespace

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::string repairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto [valid, invalid] = sequenceAt(text, i);
    if (valid) {
      out.append(text.substr(i, valid));
      i += valid;
    } else {
      out += "\xEF\xBF\xBD";
      i += invalid;
    }
  }
  return out;
}

std::string nfc(std::string_view text) {
  utf8proc_uint8_t* mapped = nullptr;
  const auto len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                                static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (len < 0) throw Error(std::string("NFC normalisation failed: ") + utf8proc_errmsg(len));
  std::string out(reinterpret_cast<const char*>(mapped), static_cast<size_t>(len));
  std::free(mapped);
  return out;
}

const std::array<std::string, 256>& byteLevelAlphabet() {
  static const std::array<std::string, 256> alphabet = [] {
    std::array<std::string, 256> a;
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      appendUtf8(a[b], printable ? b : next++);
    }
    return a;
  }();
  return alphabet;
}

std::string toByteLevel(std::string_view text) {
  const auto& alphabet = byteLevelAlphabet();
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) out += alphabet[static_cast<unsigned char>(c)];
  return out;
}

bool fromByteLevel(std::string_view symbols, std::string& out) {
  static const std::unordered_map<uint32_t, char> reverse = [] {
    std::unordered_map<uint32_t, char> r;
    const auto& alphabet = byteLevelAlphabet();
    for (int b = 0; b < 256; ++b) r[decodeAt(alphabet[b], 0)] = char(b);
    return r;
  }();
  std::string bytes;
  for (size_t i = 0; i < symbols.size(); i += utf8Length(static_cast<unsigned char>(symbols[i]))) {
    const auto it = reverse.find(decodeAt(symbols, i));
    if (it == reverse.end()) return false;
    bytes += it->second;
  }
  out += bytes;
  return true;
}

bool isSpaceAt(std::string_view text, size_t i) {
  const uint32_t c = decodeAt(text, i);
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

namespace {

// Unicode White_Space, which \s means in the library's regex engine (Oniguruma). PCRE2's \s
// (Z, \h, \v) also takes U+180E, which Unicode moved out of white space; random-text tests
// against the library caught the difference.
const char* kWhiteSpace =
    "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}";

// `pattern` with \s and \S spelled out as that set (inside a character class \s becomes its
// members; \S inside a class is left to PCRE2, none of the tokenizers' patterns has it).
std::string withUnicodeWhiteSpace(const std::string& pattern) {
  std::string out;
  bool inClass = false;
  size_t classStart = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      if (e == 's')
        out += inClass ? std::string(kWhiteSpace) : "[" + std::string(kWhiteSpace) + "]";
      else if (e == 'S' && !inClass)
        out += "[^" + std::string(kWhiteSpace) + "]";
      else
        out.append(pattern, i, 2);
      ++i;
      continue;
    }
    if (!inClass && c == '[') {
      inClass = true;
      classStart = out.size() + 1;
    } else if (inClass && c == ']') {
      // A ']' first in the class ("[]" or "[^]") is a member, not its end.
      const size_t at = out.size();
      const bool first = at == classStart || (at == classStart + 1 && out[classStart] == '^');
      if (!first) inClass = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
};

Regex::Regex(const std::string& original, bool literal) : m_impl(std::make_unique<Impl>()) {
  const std::string pattern = literal ? original : withUnicodeWhiteSpace(original);
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  // PCRE2_LITERAL allows UTF but not UCP (a literal has no classes to widen).
  const uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  m_impl->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                               options, &errorCode, &errorOffset, nullptr);
  if (!m_impl->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof message);
    throw Error("the split pattern " + original + " does not compile (" +
                reinterpret_cast<const char*>(message) + " at offset " +
                std::to_string(errorOffset) + ")");
  }
  // JIT is much faster; where the platform lacks it the interpreter gives the same matches.
  m_impl->jit = pcre2_jit_compile(m_impl->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() { pcre2_code_free(m_impl->code); }

std::vector<std::pair<size_t, size_t>> Regex::findAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> found;
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(m_impl->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  while (start <= text.size()) {
    // The text is valid UTF-8 (repaired on entry), so PCRE2's own check is skipped.
    const int rc = m_impl->jit ? pcre2_jit_match(m_impl->code, subject, text.size(), start,
                                                 PCRE2_NO_UTF_CHECK, data, nullptr)
                               : pcre2_match(m_impl->code, subject, text.size(), start,
                                             PCRE2_NO_UTF_CHECK, data, nullptr);
    if (rc < 0) break;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const size_t b = ovector[0], e = ovector[1];
    if (e == b) {
      if (b >= text.size()) break;
      start = b + utf8Length(static_cast<unsigned char>(text[b]));
      continue;
    }
    found.emplace_back(b, e);
    start = e;
  }
  pcre2_match_data_free(data);
  return found;
}

}  // namespace sublab::hf
