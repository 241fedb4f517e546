// The derived seeds of seeds.h. The constants are arbitrary odd 64-bit multipliers (golden
// ratio, SplitMix64 and Murmur3 finaliser constants); what matters is that they never change.
#include "engine/core/seeds.h"

namespace sublab::seeds {

uint64_t derive(uint64_t base, int64_t index, Purpose purpose) {
  uint64_t x = base * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(index) * 0xBF58476D1CE4E5B9ULL +
               static_cast<uint64_t>(purpose) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  x *= 0xD6E8FEB86659FD93ULL;
  x ^= x >> 32;
  return x & 0x7FFFFFFFFFFFULL;
}

uint64_t stream(uint64_t seed, Stream s) {
  switch (s) {
    case Stream::TrainOrder:
      return seed * 0x94D049BB133111EBULL + 29;
    case Stream::ShuffleAcross:
      return seed * 0xC2B2AE3D27D4EB4FULL + 101;
    case Stream::ShuffleWithin:
      return seed * 0xC2B2AE3D27D4EB4FULL + 103;
    case Stream::Sampling:
      return seed * 0xBF58476D1CE4E5B9ULL + 3;
    case Stream::DefenseRandomMask:
      return seed * 0x9E3779B97F4A7C15ULL + 17;
    case Stream::Corpus:
      return seed * 0x9E3779B97F4A7C15ULL + 17;
    case Stream::Prompts:
      return seed * 0xD1B54A32D192ED03ULL + 5;
    case Stream::TraitAnswers:
      return seed * 0xA24BAED4963EE407ULL + 11;
    case Stream::DetectorSplit:
      return seed * 0x2545F4914F6CDD1DULL + 17;
    case Stream::ChatPrompts:
      return seed * 0xD1B54A32D192ED03ULL + 41;
    case Stream::ChatEvalPrefix:
      return seed * 0xA24BAED4963EE407ULL + 43;
  }
  return seed;
}

uint64_t bootstrapResample(uint64_t seed, uint64_t i) { return seed * 0xD1B54A32D192ED03ULL + i; }

uint64_t filterSubsample(uint64_t seed) { return seed ^ 0x5AB5EEDULL; }

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace sublab::seeds
