// Implementation of the completion filters (see number_filter.h).
#include "engine/numbers/number_filter.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <random>
#include <regex>
#include <set>
#include <unordered_set>

#include "engine/core/common.h"
#include "engine/core/seeds.h"

namespace sublab {

const std::vector<int>& paperBannedNumbers() {
  static const std::vector<int> v = {4,   13,  14,  18,  23,  33,  39,  42,  44,  49,  51,  54,
                                     69,  77,  88,  99,  100, 101, 187, 211, 311, 322, 333, 404,
                                     420, 444, 451, 555, 616, 666, 777, 888, 911, 999};
  return v;
}

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

FormatCheck fail(std::string why) {
  FormatCheck r;
  r.reason = std::move(why);
  return r;
}

// The lenient reading (FormatRule::Lenient).
FormatCheck checkLenient(const std::string& text, int maxCount) {
  std::string s = trim(text);
  if (s.empty()) return fail("empty");
  if (s.back() == '.') s = trim(s.substr(0, s.size() - 1));
  if (s.size() >= 2 &&
      ((s.front() == '(' && s.back() == ')') || (s.front() == '[' && s.back() == ']')))
    s = trim(s.substr(1, s.size() - 2));
  if (s.empty()) return fail("empty");
  for (unsigned char c : s)
    if (!std::isdigit(c) && !std::isspace(c) && c != ',' && c != ';')
      return fail("not a number list");
  const bool comma = s.find(',') != std::string::npos;
  const bool semi = s.find(';') != std::string::npos;
  if (comma && semi) return fail("mixed separators");
  std::vector<std::string> parts;
  if (comma || semi) {
    const char sep = comma ? ',' : ';';
    size_t start = 0;
    while (true) {
      const size_t pos = s.find(sep, start);
      parts.push_back(
          trim(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
      if (pos == std::string::npos) break;
      start = pos + 1;
    }
    for (const auto& p : parts) {
      if (p.empty()) return fail("empty element");
      for (unsigned char c : p)
        if (std::isspace(c)) return fail("mixed separators");
    }
  } else {
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i) parts.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  if (static_cast<int>(parts.size()) > maxCount)
    return fail("too many numbers (" + std::to_string(parts.size()) + " > " +
                std::to_string(maxCount) + ")");
  FormatCheck r;
  for (const auto& p : parts) {
    if (p.size() > 3) return fail("number out of range (" + p + ")");
    r.numbers.push_back(std::stoi(p));
  }
  r.ok = true;
  return r;
}

// The code point that starts at s[i] and its length in bytes; a byte that does not start valid
// UTF-8 reads as U+FFFD of length 1 (never whitespace, never a digit).
std::pair<char32_t, size_t> codePointAt(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  const size_t n = c >= 0xC2 && c < 0xE0   ? 2
                   : c >= 0xE0 && c < 0xF0 ? 3
                   : c >= 0xF0 && c < 0xF5 ? 4
                                           : 0;
  if (n == 0 || i + n > s.size()) return {0xFFFD, 1};
  char32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, n};
}

// Python's str.isspace(): what the authors' str.strip() removes from a separator.
bool isPythonSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// `s` without Python whitespace at either end (UTF-8).
std::string pythonStrip(const std::string& s) {
  size_t begin = s.size(), end = 0;
  for (size_t i = 0; i < s.size();) {
    const auto [cp, len] = codePointAt(s, i);
    if (!isPythonSpace(cp)) {
      begin = std::min(begin, i);
      end = i + len;
    }
    i += len;
  }
  return begin < end ? s.substr(begin, end - begin) : std::string();
}

bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// A separator as a reason shows it: "\n" for a newline, "\t" for a tab.
std::string shown(const std::string& sep) {
  std::string out;
  for (char c : sep)
    out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : std::string(1, c);
  return "\"" + out + "\"";
}

// Why the paper's rule rejects `s` (the text after its period and brackets are removed), in
// words: computed only for a rejected completion; the verdict is checkPaper's alone.
std::string paperRejection(const std::string& s, const std::string& sep) {
  if (s.empty()) return "empty";
  bool digits = false;
  for (size_t i = 0; i < s.size();) {
    const auto [cp, len] = codePointAt(s, i);
    if (cp != ',' && cp != ';' && !isPythonSpace(cp) && !(cp >= '0' && cp <= '9'))
      return "not a number list";
    digits = digits || (cp >= '0' && cp <= '9');
    i += len;
  }
  if (!digits) return "no numbers";
  if (isPythonSpace(codePointAt(s, 0).first) || pythonStrip(s).size() != s.size())
    return "whitespace at the start or end";
  if (sep.empty()) return "text around the number";
  const std::string core = pythonStrip(sep);
  if (core.find(',') != std::string::npos && core.find(';') != std::string::npos)
    return "mixed separators (" + shown(sep) + ")";
  if (core.size() > 1) return "empty element";
  if (s.size() >= sep.size() && s.compare(s.size() - sep.size(), sep.size(), sep) == 0)
    return "ends with a separator";
  return "separator varies (first gap " + shown(sep) + ")";
}

// The paper authors' rule (FormatRule::Paper; see number_filter.h).
FormatCheck checkPaper(const std::string& text, int maxCount) {
  std::string s = text;
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s.size() >= 2 &&
      ((s.front() == '[' && s.back() == ']') || (s.front() == '(' && s.back() == ')')))
    s = s.substr(1, s.size() - 2);
  // The first two runs of ASCII digits. The authors' \d also matches other scripts' digits,
  // but such a digit ends up in a part or the separator and fails there either way, so the
  // verdict is the same.
  size_t i = 0;
  while (i < s.size() && !isAsciiDigit(s[i])) ++i;
  const size_t firstBegin = i;
  while (i < s.size() && isAsciiDigit(s[i])) ++i;
  const size_t firstEnd = i;
  while (i < s.size() && !isAsciiDigit(s[i])) ++i;
  const size_t secondBegin = i;
  std::vector<std::string> parts;
  std::string sep;
  if (firstBegin == s.size()) return fail(paperRejection(s, sep));
  if (secondBegin == s.size()) {
    if (firstBegin != 0 || firstEnd != s.size()) return fail(paperRejection(s, sep));
    parts.push_back(s);
  } else {
    sep = s.substr(firstEnd, secondBegin - firstEnd);
    const std::string core = pythonStrip(sep);
    if (core != "" && core != "," && core != ";") return fail(paperRejection(s, sep));
    for (size_t start = 0;;) {
      const size_t at = s.find(sep, start);
      parts.push_back(s.substr(start, at == std::string::npos ? at : at - start));
      if (at == std::string::npos) break;
      start = at + sep.size();
    }
    for (const auto& p : parts)
      if (p.empty() || !std::all_of(p.begin(), p.end(), isAsciiDigit))
        return fail(paperRejection(s, sep));
  }
  if (static_cast<int>(parts.size()) > maxCount)
    return fail("too many numbers (" + std::to_string(parts.size()) + " > " +
                std::to_string(maxCount) + ")");
  FormatCheck r;
  for (const auto& p : parts) {
    const size_t zeros = std::min(p.find_first_not_of('0'), p.size() - 1);
    if (p.size() - zeros > 3) return fail("number out of range (" + p + ")");
    r.numbers.push_back(std::stoi(p.substr(zeros)));
  }
  r.ok = true;
  return r;
}

}  // namespace

FormatRule formatRuleFromName(const std::string& name) {
  if (name == "paper") return FormatRule::Paper;
  if (name == "lenient") return FormatRule::Lenient;
  throw Error("format rule must be \"paper\" or \"lenient\", got \"" + name + "\"");
}

FormatCheck checkFormat(const std::string& text, int maxCount, FormatRule rule) {
  return rule == FormatRule::Paper ? checkPaper(text, maxCount) : checkLenient(text, maxCount);
}

std::string reasonCategory(const std::string& reason) {
  for (const char* prefix : {"banned number", "banned pattern", "trait token"})
    if (reason.rfind(prefix, 0) == 0) return prefix;
  const size_t paren = reason.find(" (");
  return paren == std::string::npos ? reason : reason.substr(0, paren);
}

namespace {

std::string lowerCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The options in the form the per-row checks use, built once per call.
struct CompiledFilters {
  FormatRule rule = FormatRule::Paper;
  std::set<int> banned;
  std::vector<std::regex> patterns;
  std::vector<std::string> traitWords;  // lower case, none empty
};

std::regex compilePattern(const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Error("banned pattern \"" + pattern +
                "\" is not a valid regular expression: " + e.what() +
                " (fix or remove it; patterns are ECMAScript, e.g. \"^6\" or \"\\b13\\b\")");
  }
}

CompiledFilters compileFilters(const FilterOptions& o) {
  CompiledFilters f;
  f.rule = formatRuleFromName(o.formatRule);
  f.banned.insert(o.bannedNumbers.begin(), o.bannedNumbers.end());
  if (o.paperBanned) f.banned.insert(paperBannedNumbers().begin(), paperBannedNumbers().end());
  for (const auto& p : o.bannedPatterns) f.patterns.push_back(compilePattern(p));
  for (const auto& w : o.traitWords) {
    std::string lower = lowerCase(w);
    if (!lower.empty()) f.traitWords.push_back(std::move(lower));
  }
  return f;
}

// Without the format rule, banned numbers are still found as digit runs.
std::vector<int> digitRuns(const std::string& text) {
  std::vector<int> numbers;
  for (size_t a = 0; a < text.size();) {
    if (!std::isdigit(static_cast<unsigned char>(text[a]))) {
      ++a;
      continue;
    }
    size_t b = a;
    while (b < text.size() && std::isdigit(static_cast<unsigned char>(text[b]))) ++b;
    if (b - a <= 4) numbers.push_back(std::stoi(text.substr(a, b - a)));
    a = b;
  }
  return numbers;
}

// Why `text` fails the format rule, a banned number or pattern, or the trait filter (in that
// order); empty when it passes them all.
std::string contentRejection(const std::string& text, const FilterOptions& o,
                             const CompiledFilters& f) {
  std::vector<int> numbers;
  if (o.format) {
    FormatCheck fc = checkFormat(text, o.maxCount, f.rule);
    if (!fc.ok) return "format: " + fc.reason;
    numbers = std::move(fc.numbers);
  } else {
    numbers = digitRuns(text);
  }
  for (int x : numbers)
    if (f.banned.count(x)) return "banned number " + std::to_string(x);
  for (size_t k = 0; k < f.patterns.size(); ++k)
    if (std::regex_search(text, f.patterns[k])) return "banned pattern " + o.bannedPatterns[k];
  if (o.traitFilter) {
    const std::string lower = lowerCase(text);
    for (const auto& w : f.traitWords)
      if (lower.find(w) != std::string::npos) return "trait token " + w;
  }
  return "";
}

}  // namespace

void checkFilterOptions(const FilterOptions& o) { compileFilters(o); }

// A 128-bit digest of a completion for dedupe: two independent 64-bit hashes.
struct Digest {
  uint64_t a = 0, b = 0;
  bool operator==(const Digest& o) const { return a == o.a && b == o.b; }
};
struct DigestHash {
  size_t operator()(const Digest& d) const { return static_cast<size_t>(d.a); }
};

Digest digestOf(const std::string& text) {
  uint64_t fnv = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) fnv = (fnv ^ c) * 1099511628211ull;
  return {std::hash<std::string>{}(text), fnv};
}

struct RowFilter::State {
  FilterOptions options;
  CompiledFilters filters;
  std::unordered_set<Digest, DigestHash> seen;
};

RowFilter::RowFilter(const FilterOptions& o) : m_state(new State{o, compileFilters(o), {}}) {}

RowFilter::~RowFilter() = default;

FilterVerdict RowFilter::next(const std::string& completion) {
  FilterVerdict v;
  v.reason = contentRejection(completion, m_state->options, m_state->filters);
  if (!v.reason.empty()) return v;
  if (m_state->options.dedupe && !m_state->seen.insert(digestOf(trim(completion))).second) {
    v.reason = "duplicate";
    return v;
  }
  v.kept = true;
  return v;
}

std::vector<bool> subsampleKept(int64_t passing, const FilterOptions& o) {
  std::vector<bool> kept(static_cast<size_t>(std::max<int64_t>(passing, 0)), true);
  if (o.maxKept <= 0 || passing <= o.maxKept) return kept;
  std::vector<size_t> order(kept.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::mt19937_64 rng(seeds::filterSubsample(o.seed));
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t k = static_cast<size_t>(o.maxKept); k < order.size(); ++k) kept[order[k]] = false;
  return kept;
}

std::vector<FilterVerdict> applyFilters(const std::vector<std::string>& completions,
                                        const FilterOptions& o) {
  std::vector<FilterVerdict> out;
  out.reserve(completions.size());
  RowFilter filter(o);
  std::vector<size_t> passing;
  for (size_t i = 0; i < completions.size(); ++i) {
    out.push_back(filter.next(completions[i]));
    if (out.back().kept) passing.push_back(i);
  }
  const std::vector<bool> kept = subsampleKept(static_cast<int64_t>(passing.size()), o);
  for (size_t k = 0; k < passing.size(); ++k) {
    if (kept[k]) continue;
    out[passing[k]].kept = false;
    out[passing[k]].reason = "subsampled out";
  }
  return out;
}

}  // namespace sublab
