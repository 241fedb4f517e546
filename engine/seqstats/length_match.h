// Length matching of two sets of rows: both are subsampled (seeded, deterministic) to the same
// length distribution, so that a comparison of what remains cannot lean on row length. A row's
// length is whatever the caller counts (numbers per completion, tokens); per length bin each
// side keeps min(count A, count B) rows chosen at random. Pure C++ (no torch, no Qt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sublab {

struct LengthMatchOptions {
  int binWidth = 1;   // lengths [k * binWidth, (k + 1) * binWidth) share bin k
  uint64_t seed = 1;  // which rows of an over-full bin are kept
};

struct LengthMatch {
  std::vector<int64_t> keptA, keptB;  // indices into the inputs, ascending; equal sizes
  int64_t bins = 0;                   // bins holding rows on either side
  int64_t oneSidedBins = 0;           // of those, bins empty on one side (all their rows dropped)
};

// Indices of the rows kept from A and from B. Both sides' kept rows have the same number of
// rows in every bin. The rows kept of one side depend on the seed, that side's lengths and the
// other side's per-bin counts only. Throws Error naming the side and row of a negative length,
// or a bin width < 1.
LengthMatch matchLengths(const std::vector<int64_t>& lengthsA, const std::vector<int64_t>& lengthsB,
                         const LengthMatchOptions& options = {});

// Row lengths of parsed rows (numbers per row), for matchLengths.
template <class Row>
std::vector<int64_t> rowLengths(const std::vector<Row>& rows) {
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(static_cast<int64_t>(r.size()));
  return out;
}

// The rows at `indices` (as matchLengths returns them), in that order.
template <class Row>
std::vector<Row> selectRows(const std::vector<Row>& rows, const std::vector<int64_t>& indices) {
  std::vector<Row> out;
  out.reserve(indices.size());
  for (int64_t i : indices) out.push_back(rows.at(static_cast<size_t>(i)));
  return out;
}

}  // namespace sublab
