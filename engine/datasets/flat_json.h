// A fast path of the dataset reader for the common JSONL line: one flat JSON object whose values
// are strings, numbers, true, false or null. It takes two string fields out without building a
// JSON tree; anything else (nesting, a syntax error, a duplicate key, a lone surrogate) is left
// to the full parser, so every line it accepts is one the full parser reads the same way.
// Internal to engine/datasets.
#pragma once

#include <string>
#include <string_view>

namespace sublab::datasets {

enum class FlatResult {
  Found,     // every field is a string: in its output
  NotFound,  // a valid flat object, but a field is missing or not a string
  Fallback,  // not a flat object this parser reads: use the full parser
};

// Reads `line` as a flat JSON object and takes the string values of the `count` keys `keys[i]`
// into `values[i]`.
FlatResult readFlatObject(std::string_view line, const std::string* const* keys,
                          std::string* const* values, size_t count);

}  // namespace sublab::datasets
