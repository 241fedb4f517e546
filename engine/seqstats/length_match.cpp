// Implementation of length_match.h: rows grouped by length bin, each over-full bin shuffled
// with its side's SplitMix64 stream (seeds::mix of the seed and a fixed key; bins visited in
// ascending order, so the draws are fixed for a seed) and cut to the other side's count.
#include "engine/seqstats/length_match.h"

#include <algorithm>
#include <map>
#include <string>

#include "engine/core/common.h"
#include "engine/core/seeds.h"
#include "engine/core/stats.h"

namespace sublab {

namespace {

constexpr uint64_t kLengthMatchKey = 0x4C454E4D41544348ULL;  // "LENMATCH"; never change it

// Row indices per bin, bins ascending; row indices ascending within a bin.
std::map<int64_t, std::vector<int64_t>> binRows(const std::vector<int64_t>& lengths, int width,
                                                const char* side) {
  std::map<int64_t, std::vector<int64_t>> bins;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] < 0)
      throw Error(std::string("matchLengths: row ") + std::to_string(i) + " of side " + side +
                  " has length " + std::to_string(lengths[i]) +
                  "; lengths are counts (numbers or tokens per row), 0 or more");
    bins[lengths[i] / width].push_back(static_cast<int64_t>(i));
  }
  return bins;
}

// Keeps `keep` of `rows` (all when keep >= size), chosen by a shuffle drawing from `rng`.
void keepRandom(std::vector<int64_t> rows, size_t keep, SplitMix64& rng,
                std::vector<int64_t>& out) {
  if (keep < rows.size()) {
    shuffle(rows, rng);
    rows.resize(keep);
  }
  out.insert(out.end(), rows.begin(), rows.end());
}

}  // namespace

LengthMatch matchLengths(const std::vector<int64_t>& lengthsA, const std::vector<int64_t>& lengthsB,
                         const LengthMatchOptions& o) {
  if (o.binWidth < 1)
    throw Error("matchLengths: bin width " + std::to_string(o.binWidth) +
                " is not a width; use 1 (one bin per length) or more");
  const auto binsA = binRows(lengthsA, o.binWidth, "A");
  const auto binsB = binRows(lengthsB, o.binWidth, "B");
  // One stream per side, keyed by the seed and this use's own constant (seeds::mix, the
  // finaliser of seeds.h), so the draws never coincide with another component's.
  SplitMix64 rngA(seeds::mix(o.seed, kLengthMatchKey)),
      rngB(seeds::mix(o.seed, kLengthMatchKey + 1));
  LengthMatch m;
  std::map<int64_t, int> seen;  // every bin of either side, ascending
  for (const auto& [bin, rows] : binsA) seen[bin] |= 1;
  for (const auto& [bin, rows] : binsB) seen[bin] |= 2;
  for (const auto& [bin, sides] : seen) {
    ++m.bins;
    if (sides != 3) {
      ++m.oneSidedBins;
      continue;
    }
    const auto& a = binsA.at(bin);
    const auto& b = binsB.at(bin);
    const size_t keep = std::min(a.size(), b.size());
    keepRandom(a, keep, rngA, m.keptA);
    keepRandom(b, keep, rngB, m.keptB);
  }
  std::sort(m.keptA.begin(), m.keptA.end());
  std::sort(m.keptB.begin(), m.keptB.end());
  return m;
}

}  // namespace sublab
