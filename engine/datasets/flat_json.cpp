// The flat-object fast path of the JSONL reader (see flat_json.h). The grammar is JSON's
// (RFC 8259) for strings, numbers and literals; UTF-8 was validated before.
#include "engine/datasets/flat_json.h"

#include <vector>

#include "engine/hf/tokenizer_text.h"

namespace sublab::datasets {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : m_s(s) {}
  void skipSpace() {
    while (m_i < m_s.size() &&
           (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r'))
      ++m_i;
  }
  bool eat(char c) {
    skipSpace();
    if (m_i < m_s.size() && m_s[m_i] == c) {
      ++m_i;
      return true;
    }
    return false;
  }
  bool atEnd() {
    skipSpace();
    return m_i == m_s.size();
  }
  char peek() {
    skipSpace();
    return m_i < m_s.size() ? m_s[m_i] : '\0';
  }
  bool string(std::string* out);
  bool number();
  bool literal();

 private:
  bool hex4(unsigned& v);
  std::string_view m_s;
  size_t m_i = 0;
};

bool Cursor::hex4(unsigned& v) {
  if (m_i + 4 > m_s.size()) return false;
  v = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = m_s[m_i++];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= unsigned(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= unsigned(c - 'A' + 10);
    else
      return false;
  }
  return true;
}

// A string at the cursor (after its opening quote was seen by peek); `out` may be null.
bool Cursor::string(std::string* out) {
  if (!eat('"')) return false;
  if (out) out->clear();
  for (;;) {
    // Copy the plain run up to the next quote, backslash or control character at once.
    size_t j = m_i;
    while (j < m_s.size() && m_s[j] != '"' && m_s[j] != '\\' &&
           static_cast<unsigned char>(m_s[j]) >= 0x20)
      ++j;
    if (out) out->append(m_s.data() + m_i, j - m_i);
    m_i = j;
    if (m_i >= m_s.size()) return false;
    const char c = m_s[m_i++];
    if (c == '"') return true;
    if (c != '\\' || m_i >= m_s.size()) return false;  // a raw control character
    const char e = m_s[m_i++];
    char plain = 0;
    switch (e) {
      case '"':
        plain = '"';
        break;
      case '\\':
        plain = '\\';
        break;
      case '/':
        plain = '/';
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        unsigned cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          if (m_i + 2 > m_s.size() || m_s[m_i] != '\\' || m_s[m_i + 1] != 'u') return false;
          m_i += 2;
          if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out) hf::appendUtf8(*out, cp);
        continue;
      }
      default:
        return false;
    }
    if (out) *out += plain;
  }
}

// A number short enough that the full parser cannot find it out of range (no exponent, at most
// 15 digits); anything else is left to it.
bool Cursor::number() {
  skipSpace();
  const auto digit = [&] { return m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9'; };
  const size_t start = m_i;
  if (m_i < m_s.size() && m_s[m_i] == '-') ++m_i;
  if (!digit()) return false;
  if (m_s[m_i] == '0') {
    ++m_i;
  } else {
    while (digit()) ++m_i;
  }
  if (m_i < m_s.size() && m_s[m_i] == '.') {
    ++m_i;
    if (!digit()) return false;
    while (digit()) ++m_i;
  }
  if (m_i < m_s.size() && (m_s[m_i] == 'e' || m_s[m_i] == 'E')) return false;
  return m_i - start <= 16;
}

bool Cursor::literal() {
  skipSpace();
  for (std::string_view word : {"true", "false", "null"})
    if (m_s.substr(m_i, word.size()) == word) {
      m_i += word.size();
      return true;
    }
  return false;
}

}  // namespace

FlatResult readFlatObject(std::string_view line, const std::string* const* keys,
                          std::string* const* values, size_t count) {
  Cursor c(line);
  if (!c.eat('{')) return FlatResult::Fallback;
  unsigned found = 0;  // bit i: keys[i] had a string value
  std::vector<std::string> seen;
  std::string key;
  if (!c.eat('}')) {
    do {
      if (c.peek() != '"' || !c.string(&key) || !c.eat(':')) return FlatResult::Fallback;
      for (const auto& k : seen)
        if (k == key) return FlatResult::Fallback;  // duplicate keys: the full parser decides
      seen.push_back(key);
      size_t which = count;
      for (size_t i = 0; i < count && which == count; ++i)
        if (*keys[i] == key) which = i;
      const char next = c.peek();
      if (next == '"') {
        if (!c.string(which < count ? values[which] : nullptr)) return FlatResult::Fallback;
        if (which < count) found |= 1u << which;
      } else if (next == '-' || (next >= '0' && next <= '9')) {
        if (!c.number()) return FlatResult::Fallback;
      } else if (!c.literal()) {
        return FlatResult::Fallback;  // nested values, or a syntax error
      }
    } while (c.eat(','));
    if (!c.eat('}')) return FlatResult::Fallback;
  }
  if (!c.atEnd()) return FlatResult::Fallback;
  return found == (1u << count) - 1 ? FlatResult::Found : FlatResult::NotFound;
}

}  // namespace sublab::datasets
