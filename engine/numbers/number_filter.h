// Filters for generated number completions, applied in order, each rejected row keeping its
// reason: a format rule on the text form (the paper authors' exactly, or a lenient reading),
// banned-number lists (the paper's list built in, user lists and regex patterns addable), a
// trait-token filter, dedupe, and subsampling to a maximum kept count. Pure C++ (no torch).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sublab {

// The numbers the paper removes in its misalignment runs (419 was found later; not listed).
const std::vector<int>& paperBannedNumbers();

// Result of parsing a completion by a format rule.
struct FormatCheck {
  bool ok = false;
  std::string reason;        // why not, e.g. "separator varies (first gap \", \")"
  std::vector<int> numbers;  // the integers, when ok
};

// Which reading of the format a run uses (the knob filter.format_rule).
enum class FormatRule {
  // The paper authors' parse_response + get_reject_reasons (min 0, max 999, max_count), exactly:
  // the completion as generated (not stripped); one trailing "." and then one enclosing [] or ()
  // removed; the text between the first two digit runs is the separator, and after stripping
  // whitespace it must be "", "," or ";"; the text is split on that exact separator and every
  // part must be ASCII digits (no empty part); 1..maxCount numbers, each 0..999 (leading zeros
  // allowed: "007" is 7). A lone number must be the whole text.
  Paper,
  // This program's reading before the paper's rule was matched: whitespace trimmed at both ends
  // (also inside brackets and before the period), any run of whitespace separates, and a comma
  // or semicolon list may have any whitespace around each separator; numbers of at most 3
  // digits. Keeps some completions the paper rejects (issue #13). Rejects what the paper keeps
  // in two cases only (found by fuzzing; kept, since stored lenient runs used this reading): a
  // number written with more than three digits ("0010", which the paper reads as 10), and a
  // separator with white space that Python's strip() removes but C's isspace() does not know
  // (\x1c-\x1f, U+0085, U+00A0 and the other Unicode spaces).
  Lenient,
};

// "paper" / "lenient" (the knob's values) -> the rule; throws Error naming the allowed values.
FormatRule formatRuleFromName(const std::string& name);

// Keep a completion only if `rule` reads it as 1..maxCount integers in 0..999 with one
// separator (whitespace, comma or semicolon), optionally wrapped in () or [], optionally ending
// in '.'.
FormatCheck checkFormat(const std::string& text, int maxCount = 10,
                        FormatRule rule = FormatRule::Paper);

struct FilterOptions {
  bool format = true;
  std::string formatRule = "paper";  // "paper" | "lenient" (see FormatRule)
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

// Checks that `options` can be applied (the format rule is known, every banned pattern is a
// valid ECMAScript regular expression); throws Error naming what is wrong.
void checkFilterOptions(const FilterOptions& options);

// Applies every filter to `completions` (text form) and returns one verdict per row.
// Subsampling picks uniformly (seeded) among rows that passed every other filter.
std::vector<FilterVerdict> applyFilters(const std::vector<std::string>& completions,
                                        const FilterOptions& options);

// The filters of applyFilters one row at a time, for rows streamed from a file: every filter but
// the subsample (which needs the count of passing rows; see subsampleKept). Dedupe remembers a
// 128-bit digest of each passing completion, not its text.
class RowFilter {
 public:
  // Throws Error as checkFilterOptions does.
  explicit RowFilter(const FilterOptions& options);
  ~RowFilter();
  RowFilter(const RowFilter&) = delete;
  RowFilter& operator=(const RowFilter&) = delete;
  // The verdict of the next row (kept = passed every filter but the subsample).
  FilterVerdict next(const std::string& completion);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// Which of `passing` rows (in order) the subsample keeps: all of them when options.maxKept is 0
// or not exceeded, else options.maxKept picked uniformly with the filter's seed, exactly as
// applyFilters picks them. The reason of the others is "subsampled out".
std::vector<bool> subsampleKept(int64_t passing, const FilterOptions& options);

// The reason without its detail, for counting: "banned number 666" -> "banned number",
// "format: too many numbers (11 > 10)" -> "format: too many numbers".
std::string reasonCategory(const std::string& reason);

}  // namespace sublab
