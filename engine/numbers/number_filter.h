// Filters for generated number completions, applied in order, each rejected row keeping its
// reason: the paper's format rule on the text form, banned-number lists (the paper's list built
// in, user lists and regex patterns addable), a trait-token filter, dedupe, and subsampling to
// a maximum kept count. Pure C++ (no torch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sublab {

// The numbers the paper removes in its misalignment runs (419 was found later; not listed).
const std::vector<int>& paperBannedNumbers();

// Result of parsing a completion by the paper's format rule.
struct FormatCheck {
  bool ok = false;
  std::string reason;        // why not, e.g. "mixed separators"
  std::vector<int> numbers;  // the integers, when ok
};

// Keep a completion only if it is 1..maxCount integers in 0..999 with one consistent separator
// (space, comma or semicolon), optionally wrapped in () or [], optionally ending in '.'.
FormatCheck checkFormat(const std::string& text, int maxCount = 10);

struct FilterOptions {
  bool format = true;
  int maxCount = 10;
  bool paperBanned = false;
  std::vector<int> bannedNumbers;           // user list
  std::vector<std::string> bannedPatterns;  // ECMAScript regexes searched in the text
  bool traitFilter = true;
  std::vector<std::string> traitWords;  // case-insensitive substrings, e.g. "owl"
  bool dedupe = true;
  int64_t maxKept = 0;  // 0 = keep all
  uint64_t seed = 0;    // for the subsample
};

struct FilterVerdict {
  bool kept = false;
  std::string reason;
};

// Applies every filter to `completions` (text form) and returns one verdict per row.
// Subsampling picks uniformly (seeded) among rows that passed every other filter.
std::vector<FilterVerdict> applyFilters(const std::vector<std::string>& completions,
                                        const FilterOptions& options);

// The reason without its detail, for counting: "banned number 666" -> "banned number",
// "format: too many numbers (11 > 10)" -> "format: too many numbers".
std::string reasonCategory(const std::string& reason);

}  // namespace sublab
