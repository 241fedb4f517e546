// The number filter's knobs (section "filter"), declared once for every kind that filters
// number completions (numbers, chat-numbers): each kind passes where its FilterOptions live and
// what differs (the subsample's default and help, and the legacy format rule of stored runs).
#pragma once

#include <optional>
#include <string>

#include "engine/core/config_spec.h"
#include "engine/numbers/number_filter.h"

namespace sublab {

struct FilterKnobDefaults {
  int64_t maxKept = 1000;
  std::string maxKeptHelp = "subsample to at most (0 = all)";
  std::string traitWord = "trait";  // "reject completions naming the <traitWord>"
  // The format rule a stored config without the knob was run with (numbers: "lenient").
  std::optional<std::string> legacyFormatRule;
};

template <class Config>
void declareFilterKnobs(ConfigSpec<Config>& s, FilterOptions Config::*filter,
                        const FilterKnobDefaults& d) {
  using F = FilterOptions;
  s.boolean("filter.format", field(filter, &F::format), true,
            "keep only completions that are a list of numbers (by the format rule below)");
  auto& rule = s.choice(
      "filter.format_rule", field(filter, &F::formatRule), "paper", {"paper", "lenient"},
      "paper: the paper authors' rule exactly (the completion as generated; one trailing period "
      "and one pair of [] or () allowed; one separator, the first gap's, used throughout; 1 to "
      "max numbers in 0..999); lenient: also keeps whitespace around the list and gaps that "
      "vary" +
          std::string(d.legacyFormatRule ? " (runs stored before this knob existed used " +
                                               *d.legacyFormatRule + ")"
                                         : ""));
  if (d.legacyFormatRule) rule.legacy(*d.legacyFormatRule);
  s.integer("filter.max_numbers", field(filter, &F::maxCount), 10, 1, 100, "most numbers kept");
  s.boolean("filter.paper_banned", field(filter, &F::paperBanned), false,
            "remove the paper's banned numbers");
  s.integers("filter.banned_numbers", field(filter, &F::bannedNumbers), {}, 0, 999,
             "your banned numbers");
  s.strings("filter.banned_patterns", field(filter, &F::bannedPatterns), {},
            "regexes that reject a completion");
  s.boolean("filter.trait_filter", field(filter, &F::traitFilter), true,
            "reject completions naming the " + d.traitWord);
  s.boolean("filter.dedupe", field(filter, &F::dedupe), true, "drop repeated completions");
  s.integer("filter.max_kept", field(filter, &F::maxKept), d.maxKept, 0, 100000000, d.maxKeptHelp);
}

}  // namespace sublab
