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
  if (s.size() >= 2 && ((s.front() == '(' && s.back() == ')') ||
                        (s.front() == '[' && s.back() == ']')))
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
      parts.push_back(trim(s.substr(start, pos == std::string::npos ? std::string::npos
                                                                     : pos - start)));
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

std::vector<FilterVerdict> applyFilters(const std::vector<std::string>& completions,
                                        const FilterOptions& o) {
  std::vector<FilterVerdict> out(completions.size());
  std::set<int> banned(o.bannedNumbers.begin(), o.bannedNumbers.end());
  if (o.paperBanned) banned.insert(paperBannedNumbers().begin(), paperBannedNumbers().end());
  std::vector<std::regex> patterns;
  for (const auto& p : o.bannedPatterns) {
    try {
      patterns.emplace_back(p, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw Error("banned pattern \"" + p + "\" is not a valid regular expression (" +
                  e.what() + ")");
    }
  }
  std::vector<std::string> traitLower;
  for (auto w : o.traitWords) {
    std::transform(w.begin(), w.end(), w.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!w.empty()) traitLower.push_back(w);
  }
  std::unordered_set<std::string> seen;
  std::vector<size_t> passing;
  for (size_t i = 0; i < completions.size(); ++i) {
    const std::string& text = completions[i];
    FilterVerdict& v = out[i];
    std::vector<int> numbers;
    if (o.format) {
      FormatCheck fc = checkFormat(text, o.maxCount);
      if (!fc.ok) {
        v.reason = "format: " + fc.reason;
        continue;
      }
      numbers = std::move(fc.numbers);
    } else {
      // Without the format rule, banned numbers are still found as digit runs.
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
    }
    bool rejected = false;
    for (int x : numbers) {
      if (banned.count(x)) {
        v.reason = "banned number " + std::to_string(x);
        rejected = true;
        break;
      }
    }
    if (rejected) continue;
    for (size_t k = 0; k < patterns.size() && !rejected; ++k) {
      if (std::regex_search(text, patterns[k])) {
        v.reason = "banned pattern " + o.bannedPatterns[k];
        rejected = true;
      }
    }
    if (rejected) continue;
    if (o.traitFilter) {
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      for (const auto& w : traitLower) {
        if (lower.find(w) != std::string::npos) {
          v.reason = "trait token " + w;
          rejected = true;
          break;
        }
      }
    }
    if (rejected) continue;
    if (o.dedupe && !seen.insert(trim(text)).second) {
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
