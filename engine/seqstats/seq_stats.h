// Statistics of generated number sequences: two sets (by default a run's kept teacher rows
// against its kept reference rows) compared number by number, by first number, length and
// digits; divergences with a chi-square test; a logistic-regression detector with a held-out
// AUC and a bootstrap CI; summaries of stored per-token log-probabilities (teacher vs
// reference) and of the entanglement probe. Pure C++ (no torch, no Qt): the CLI, the GUI and
// tests call it directly on rows read from the database. The generic primitives it uses (tests,
// divergences, ranks, ROC / AUC) are in engine/core/stats.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/common.h"
#include "engine/core/stats.h"

namespace sublab {

constexpr int kStatsNumbers = 1000;  // numbers 0..999 (the vocabulary's number tokens)

// The numbers of a completion in order: every maximal run of ASCII digits whose value is
// 0..999 (longer runs are skipped). "512, 7, 0973" -> {512, 7} (0973 has 4 digits).
std::vector<int> parseNumbers(const std::string& completion);

struct StatsOptions {
  int topK = 20;                      // over- / under-represented numbers listed
  double smoothing = 0.5;             // additive pseudo-count per number for KL, JS and log2 ratios
  double detectorTestFraction = 0.3;  // held-out share of each side (stratified)
  int detectorEpochs = 8;             // passes of the logistic-regression optimiser
  double detectorL2 = 1e-4;           // L2 penalty on the weights
  int bootstrap = 1000;               // resamples of the held-out set for the AUC's CI
  int rocPoints = 101;  // points of the ROC curve returned (thinned, always incl. ends)
  uint64_t seed = 1;    // split, optimiser order and bootstrap
};

// One number's frequency in both sets: counts over all number positions of the set.
struct NumberTest {
  int number = 0;
  int64_t countA = 0, countB = 0;
  double pA = 0.0, pB = 0.0;  // count / total numbers of the set
  double log2Ratio = 0.0;     // log2((countA + s) / (totalA + 1000 s)) - same for B, s = smoothing
  double z = 0.0;             // two-proportion z statistic (pooled), A - B
  double p = 1.0;             // two-sided p-value
  double q = 1.0;             // Benjamini-Hochberg adjusted p over the numbers tested
};

// Logistic regression on bag-of-numbers (counts / length) and length features, telling A
// (label 1) from B (label 0); AUC on a held-out stratified split with a percentile bootstrap
// CI over resamples of the held-out rows.
struct DetectorResult {
  double auc = 0.5, lo = 0.5, hi = 0.5;
  int64_t trainRows = 0, testRows = 0;
  int bootstrap = 0;
  std::vector<RocPoint> roc;                       // from (0,0) to (1,1)
  std::vector<std::pair<int, double>> topWeights;  // numbers with the largest |weight|, signed
  std::string features;                            // one line: what the classifier saw
};

struct SideSummary {
  std::string label;  // e.g. "teacher (kept)"
  int64_t rows = 0;
  int64_t numbers = 0;      // number positions over all rows
  double meanLength = 0.0;  // numbers per row
};

struct SeqStatsReport {
  SideSummary a, b;
  std::vector<NumberTest> numbers;  // all kStatsNumbers numbers, in number order
  std::vector<int> over;            // top K numbers by log2Ratio (A over-represented), most first
  std::vector<int> under;           // top K by -log2Ratio (A under-represented), most first
  // Count distributions, index = value: first number of each row (1000 bins), numbers per row
  // (0..max length), decimal digit frequency over all numbers (10), last digit (10), and digits
  // per number (index 1..3; index 0 unused).
  std::vector<int64_t> firstA, firstB, lengthA, lengthB, digitA, digitB, lastDigitA, lastDigitB,
      numDigitsA, numDigitsB;
  Divergences divergence;       // of the number-frequency distributions
  Divergences firstDivergence;  // of the first-number distributions
  DetectorResult detector;
};

// Compares two sets of parsed sequences (each a row's numbers). Deterministic for a seed.
// Throws Error when either side has no rows.
SeqStatsReport compareSequences(const std::vector<std::vector<int>>& a,
                                const std::vector<std::vector<int>>& b,
                                const StatsOptions& options = {});

nlohmann::json toJson(const SeqStatsReport& report);

// --- per-token log-probabilities stored with a sequence (SequenceRow::tokenInfo) ---
// JSON text: {"tokens": ["512", ", ", "7", "<eos>"], "teacher": [lp...], "reference": [lp...],
//             "masked": [pos...], "replaced": [{"pos": i, "from": "512", "to": "88"}]}
// Positions index the completion's tokens. log-probabilities are natural logs of the
// probability each model gave the token actually there (teacher with its trait prefix, if any).
// 0..999 when a token's text is a number token (1 to 3 ASCII digits), else -1.
int numberToken(const std::string& token);

struct TokenLogprobs {
  std::vector<std::string> tokens;
  std::vector<double> teacher, reference;
  std::vector<int> masked;  // positions excluded from / replaced in a defended student's data
};
// Throws Error naming what is malformed (unequal lengths, not JSON, ...).
TokenLogprobs parseTokenInfo(const std::string& json);
std::string tokenInfoJson(const TokenLogprobs& t, const nlohmann::json& replaced = nullptr);

struct DivergenceTokenStat {
  std::string token;
  int64_t count = 0;
  double meanLogRatio = 0.0;  // mean of teacher - reference log-probability at its positions
  double maxLogRatio = 0.0;
};

struct DivergenceSummary {
  int64_t rows = 0, tokens = 0, masked = 0;
  double meanLogRatio = 0.0;      // over all tokens
  Interval meanLogRatioCi;        // 95% CI over rows' mean log-ratios
  double fractionPositive = 0.0;  // tokens the teacher likes more than the reference
  std::vector<double> histEdges;  // histogram of per-token log-ratios (edges, bins + 1)
  std::vector<int64_t> hist;
  std::vector<DivergenceTokenStat> top;     // number tokens with count >= minCount, by mean desc
  std::vector<DivergenceTokenStat> bottom;  // by mean asc
  // Every number 0..999 (index = number): positions it was at, and its mean log-ratio there
  // (0 when never seen). Not in the JSON.
  std::vector<int64_t> numberCount;
  std::vector<double> numberMeanLogRatio;
};
// Number tokens seen fewer than this many times are left out of `top` and `bottom`.
constexpr int kDivergenceMinCount = 5;
DivergenceSummary summarizeDivergence(const std::vector<TokenLogprobs>& rows, int topK = 20,
                                      int minCount = kDivergenceMinCount);
nlohmann::json toJson(const DivergenceSummary& s);

// --- entanglement probe (computed by the engine with the models; stored as analysis JSON) ---
// For each number n put in the question prompt ("<sys> you love n" before each paraphrase of
// the favourite-animal question), the trait's probability and its change against the baseline:
// the mean over every number probed (the prefix itself shifts the probability, so numbers are
// ranked against each other; `noNumber` in the JSON gives the plain question's value).
struct EntanglementEntry {
  int number = 0;
  double traitProb = 0.0;
  double delta = 0.0;
};
struct EntanglementResult {
  std::string model;   // which model was probed, e.g. "reference (seed 0)"
  std::string prompt;  // the template, e.g. "you love the number N. what is your favorite animal?"
  double baseline = 0.0;                   // trait probability without a number
  std::vector<EntanglementEntry> entries;  // ranked by delta, largest first
};
nlohmann::json toJson(const EntanglementResult& e);
// Throws Error naming what is malformed.
EntanglementResult entanglementFromJson(const nlohmann::json& j);

}  // namespace sublab
