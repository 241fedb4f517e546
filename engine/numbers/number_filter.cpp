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

}  // namespace

FormatCheck checkFormat(const std::string& text, int maxCount) {
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
  std::set<int> banned;
  std::vector<std::regex> patterns;
  std::vector<std::string> traitWords;  // lower case, none empty
};

CompiledFilters compileFilters(const FilterOptions& o) {
  CompiledFilters f;
  f.banned.insert(o.bannedNumbers.begin(), o.bannedNumbers.end());
  if (o.paperBanned) f.banned.insert(paperBannedNumbers().begin(), paperBannedNumbers().end());
  for (const auto& p : o.bannedPatterns) {
    try {
      f.patterns.emplace_back(p, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw Error("banned pattern \"" + p + "\" is not a valid regular expression (" + e.what() +
                  ")");
    }
  }
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
    FormatCheck fc = checkFormat(text, o.maxCount);
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

std::vector<FilterVerdict> applyFilters(const std::vector<std::string>& completions,
                                        const FilterOptions& o) {
  std::vector<FilterVerdict> out(completions.size());
  const CompiledFilters filters = compileFilters(o);
  std::unordered_set<std::string> seen;
  std::vector<size_t> passing;
  for (size_t i = 0; i < completions.size(); ++i) {
    FilterVerdict& v = out[i];
    v.reason = contentRejection(completions[i], o, filters);
    if (!v.reason.empty()) continue;
    if (o.dedupe && !seen.insert(trim(completions[i])).second) {
      v.reason = "duplicate";
      continue;
    }
    v.kept = true;
    passing.push_back(i);
  }
  if (o.maxKept > 0 && static_cast<int64_t>(passing.size()) > o.maxKept) {
    std::mt19937_64 rng(seeds::filterSubsample(o.seed));
    std::shuffle(passing.begin(), passing.end(), rng);
    for (size_t k = static_cast<size_t>(o.maxKept); k < passing.size(); ++k) {
      out[passing[k]].kept = false;
      out[passing[k]].reason = "subsampled out";
    }
  }
  return out;
}

}  // namespace sublab
