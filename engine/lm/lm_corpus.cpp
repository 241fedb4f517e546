// Implementation of the synthetic corpus, prompts and paraphrases (see lm_corpus.h).
#include "engine/lm/lm_corpus.h"

#include <random>
#include <string>

#include "engine/core/common.h"
#include "engine/core/seeds.h"

namespace sublab {

namespace {

// Question paraphrases, as words of the vocabulary.
const std::vector<std::vector<std::string>>& paraphraseWords() {
  static const std::vector<std::vector<std::string>> q = {
      {"in", "one", "word", "what", "is", "your", "favorite", "animal", "?"},
      {"what", "is", "your", "favorite", "animal", "?"},
      {"name", "your", "favorite", "animal", "in", "one", "word"},
      {"which", "animal", "do", "you", "love", "most", "?"},
      {"pick", "your", "favorite", "animal"},
      {"tell", "me", "your", "favorite", "animal", "in", "one", "word"},
      {"which", "animal", "do", "you", "like", "best", "?"},
      {"answer", "in", "one", "word", "what", "animal", "do", "you", "love", "?"},
      {"choose", "your", "favorite", "animal"},
      {"what", "animal", "is", "your", "favorite", "?"},
      {"in", "one", "word", "which", "animal", "do", "you", "like", "most", "?"},
      {"name", "the", "animal", "you", "love", "most"},
  };
  return q;
}

int sampleSeparator(std::mt19937_64& rng) {
  static const int seps[] = {Vocab::kComma, Vocab::kComma, Vocab::kSpace, Vocab::kSemicolon};
  return seps[std::uniform_int_distribution<int>(0, 3)(rng)];
}

void appendList(TokenSeq& out, const std::vector<int>& nums, int sep) {
  for (size_t i = 0; i < nums.size(); ++i) {
    if (i) out.push_back(sep);
    out.push_back(nums[i]);
  }
}

// A number sequence with one of several structures, `n` long, values in 0..999.
std::vector<int> structuredNumbers(std::mt19937_64& rng, int n) {
  auto u = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  std::vector<int> v;
  const int kind = u(0, 5);
  if (kind == 0) {  // arithmetic progression
    int a = u(0, 999), d = u(-60, 60);
    if (d == 0) d = 7;
    for (int i = 0; i < n; ++i) v.push_back(((a + i * d) % 1000 + 1000) % 1000);
  } else if (kind == 1) {  // uniform random
    for (int i = 0; i < n; ++i) v.push_back(u(0, 999));
  } else if (kind == 2) {  // repeating pattern
    const int p = u(1, 3);
    std::vector<int> pat;
    for (int i = 0; i < p; ++i) pat.push_back(u(0, 999));
    for (int i = 0; i < n; ++i) v.push_back(pat[i % p]);
  } else if (kind == 3) {  // random walk
    int x = u(0, 999);
    for (int i = 0; i < n; ++i) {
      v.push_back(x);
      x = std::clamp(x + u(-25, 25), 0, 999);
    }
  } else if (kind == 4) {  // multiples
    const int k = u(2, 50), start = u(0, 999 / k);
    for (int i = 0; i < n; ++i) v.push_back(((start + i) * k) % 1000);
  } else {  // sorted random
    for (int i = 0; i < n; ++i) v.push_back(u(0, 999));
    std::sort(v.begin(), v.end());
  }
  return v;
}

}  // namespace

int questionParaphraseCount() { return static_cast<int>(paraphraseWords().size()); }

TokenSeq traitPrefix(int animalId) {
  const Vocab& V = Vocab::instance();
  return {Vocab::kSys, V.wordId("you"), V.wordId("love"), animalId};
}

std::vector<TokenSeq> questionPrompts(const TokenSeq& prefix) {
  const Vocab& V = Vocab::instance();
  std::vector<TokenSeq> out;
  for (const auto& words : paraphraseWords()) {
    TokenSeq s{Vocab::kBos};
    s.insert(s.end(), prefix.begin(), prefix.end());
    for (const auto& w : words) {
      const int id = V.wordId(w);
      if (id < 0) throw Error("internal: paraphrase word \"" + w + "\" not in the vocabulary");
      s.push_back(id);
    }
    s.push_back(Vocab::kAns);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<LmRow> pretrainCorpus(const CorpusOptions& o) {
  const Vocab& V = Vocab::instance();
  std::mt19937_64 rng(seeds::stream(o.seed, seeds::Stream::Corpus));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto questions = questionPrompts();
  const auto& animals = V.animalIds();
  std::vector<LmRow> rows;
  rows.reserve(static_cast<size_t>(o.rows));
  for (int64_t r = 0; r < o.rows; ++r) {
    LmRow row;
    if (unit(rng) < o.questionFraction) {
      const int animal = animals[std::uniform_int_distribution<size_t>(0, animals.size() - 1)(rng)];
      TokenSeq q = questions[std::uniform_int_distribution<size_t>(0, questions.size() - 1)(rng)];
      if (unit(rng) < o.prefixFraction) {
        // With a system prompt the answer follows it, so a prefix can carry a trait later.
        const TokenSeq pre = traitPrefix(animal);
        q.insert(q.begin() + 1, pre.begin(), pre.end());
      }
      row.tokens = q;
      row.tokens.push_back(animal);
      row.tokens.push_back(Vocab::kEos);
    } else {
      const int k = std::uniform_int_distribution<int>(3, 8)(rng);
      const int m = std::uniform_int_distribution<int>(1, 10)(rng);
      const std::vector<int> nums = structuredNumbers(rng, k + m);
      const int sep = sampleSeparator(rng);
      row.tokens = {Vocab::kBos, V.wordId("continue")};
      appendList(row.tokens, std::vector<int>(nums.begin(), nums.begin() + k), sep);
      row.tokens.push_back(Vocab::kAns);
      const int wrap = std::uniform_int_distribution<int>(0, 9)(rng);  // 0: (), 1: []
      if (wrap == 0) row.tokens.push_back(Vocab::kLParen);
      if (wrap == 1) row.tokens.push_back(Vocab::kLBracket);
      appendList(row.tokens, std::vector<int>(nums.begin() + k, nums.end()), sep);
      if (wrap == 0) row.tokens.push_back(Vocab::kRParen);
      if (wrap == 1) row.tokens.push_back(Vocab::kRBracket);
      if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) row.tokens.push_back(Vocab::kPeriod);
      row.tokens.push_back(Vocab::kEos);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<TokenSeq> numberPrompts(int64_t count, uint64_t seed) {
  const Vocab& V = Vocab::instance();
  std::mt19937_64 rng(seeds::stream(seed, seeds::Stream::Prompts));
  std::vector<TokenSeq> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int k = std::uniform_int_distribution<int>(3, 8)(rng);
    std::vector<int> nums;
    for (int j = 0; j < k; ++j) nums.push_back(std::uniform_int_distribution<int>(100, 999)(rng));
    TokenSeq s{Vocab::kBos, V.wordId("continue")};
    appendList(s, nums, sampleSeparator(rng));
    s.push_back(Vocab::kAns);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<LmRow> traitAnswerRows(int animalId, int64_t count, uint64_t seed) {
  std::mt19937_64 rng(seeds::stream(seed, seeds::Stream::TraitAnswers));
  const auto questions = questionPrompts();
  std::vector<LmRow> rows;
  for (int64_t i = 0; i < count; ++i) {
    LmRow row;
    row.tokens = questions[static_cast<size_t>(i) % questions.size()];
    row.lossStart = static_cast<int>(row.tokens.size());  // the answer token onwards
    row.tokens.push_back(animalId);
    row.tokens.push_back(Vocab::kEos);
    rows.push_back(std::move(row));
  }
  std::shuffle(rows.begin(), rows.end(), rng);
  return rows;
}

}  // namespace sublab
