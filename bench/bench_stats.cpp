// Sequence-statistics benchmark at the scale of a large run: 100,000 rows per side (5 to 10
// numbers each) from two slightly different seeded distributions, and per-token
// log-probabilities of 100,000 rows of ~15 tokens. Prints the time of parseNumbers,
// compareSequences (with its detector and 1,000 bootstrap resamples), toJson and
// summarizeDivergence, with the AUC found; then the same two sets stored as two runs of a
// temporary project and compared across runs (app/lab compareSets: read, parse, statistics),
// without and with the hidden-signal variants (hidden_signal.h). Budget: 5 s on 2 cores each.
// Usage: bench_stats [--rows N] [--token-rows N] [--bootstrap N]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "app/lab/run_stats.h"
#include "engine/seqstats/seq_stats.h"

using namespace sublab;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Completions like "512, 7, 88"; with probability `bias` a number comes from 0..99 (the
// "teacher" side's slight preference), otherwise uniform over 0..999.
std::vector<std::string> completions(uint32_t seed, int64_t rows, double bias) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const int len = 5 + static_cast<int>(rng() % 6);
    std::string s;
    for (int i = 0; i < len; ++i) {
      const int n = static_cast<int>(rng() % (u(rng) < bias ? 100 : 1000));
      s += (i ? ", " : "") + std::to_string(n);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Rows of ~15 tokens ("n", ", ", ..., "<eos>") with teacher / reference log-probabilities;
// the teacher likes numbers below 100 a little more.
std::vector<TokenLogprobs> tokenRows(uint32_t seed, int64_t rows) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.3);
  std::vector<TokenLogprobs> out(static_cast<size_t>(rows));
  for (auto& t : out) {
    const int numbers = 6 + static_cast<int>(rng() % 3);  // 6..8 numbers -> 12..16 tokens
    for (int i = 0; i < numbers; ++i) {
      const int n = static_cast<int>(rng() % 1000);
      const double ref = -6.9 + noise(rng);
      t.tokens.push_back(std::to_string(n));
      t.reference.push_back(ref);
      t.teacher.push_back(ref + (n < 100 ? 0.2 : 0.0) + noise(rng));
      t.tokens.push_back(i + 1 < numbers ? ", " : "<eos>");
      t.reference.push_back(-0.05);
      t.teacher.push_back(-0.05 + 0.1 * noise(rng));
    }
    if (rng() % 10 == 0) t.masked.push_back(0);
  }
  return out;
}

// The two sides as two runs of a temporary project ("teacher" of one, "dataset" of the other),
// compared across runs by compareSets without and with the variants; prints the times.
void benchCrossRun(const std::vector<std::string>& textA, const std::vector<std::string>& textB,
                   const StatsOptions& options) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("bench_stats_" + std::to_string(::getpid()) + ".sqlite");
  {
    Database db(path.string());
    int64_t ids[2] = {0, 0};
    auto t = Clock::now();
    for (int side = 0; side < 2; ++side) {
      NewRun nr;
      nr.config = {{"kind", "numbers"}};
      ids[side] = db.createRun(nr);
      const auto& text = side == 0 ? textA : textB;
      std::vector<SequenceRow> rows;
      rows.reserve(text.size());
      for (size_t i = 0; i < text.size(); ++i)
        rows.push_back({side == 0 ? "teacher" : "dataset", static_cast<int>(i % 3),
                        static_cast<int64_t>(i), "1, 2, 3", text[i], true, "", ""});
      db.insertSequences(ids[side], rows);
    }
    std::printf("  store both sides as two runs:     %8.3f s\n", since(t));
    CompareOptions co;
    co.stats = options;
    for (bool variants : {false, true}) {
      co.variants = variants;
      t = Clock::now();
      const RunStats s = compareSets(db, {ids[0], "teacher"}, {ids[1], "dataset"}, co);
      std::printf("  compareSets across runs%s %8.3f s (budget 5 s)\n",
                  variants ? " + variants:" : ":          ", since(t));
      if (!s.hidden) continue;
      for (const auto& v : s.hidden->variants)
        std::printf("    %-12s %-14s AUC %.4f [%.4f, %.4f], n %lld / %lld\n",
                    featuresName(v.features).c_str(), v.lengthMatched ? "length-matched" : "raw",
                    v.detector.auc, v.detector.lo, v.detector.hi, static_cast<long long>(v.rowsA),
                    static_cast<long long>(v.rowsB));
      std::printf("    %s\n", hiddenVerdictLine(*s.hidden).c_str());
    }
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 100000, tokenRowCount = 100000;
  StatsOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows")
      rows = std::atoll(argv[i + 1]);
    else if (a == "--token-rows")
      tokenRowCount = std::atoll(argv[i + 1]);
    else if (a == "--bootstrap")
      options.bootstrap = std::atoi(argv[i + 1]);
  }
  std::printf(
      "bench_stats: %lld rows per side, %lld token rows, %d bootstrap resamples, "
      "%u hardware threads\n",
      static_cast<long long>(rows), static_cast<long long>(tokenRowCount), options.bootstrap,
      std::thread::hardware_concurrency());

  const auto textA = completions(1, rows, 0.03), textB = completions(2, rows, 0.0);
  auto t = Clock::now();
  std::vector<std::vector<int>> a, b;
  a.reserve(textA.size());
  b.reserve(textB.size());
  for (const auto& s : textA) a.push_back(parseNumbers(s));
  for (const auto& s : textB) b.push_back(parseNumbers(s));
  std::printf("  parseNumbers (%lld completions):  %8.3f s\n", static_cast<long long>(2 * rows),
              since(t));

  t = Clock::now();
  const SeqStatsReport report = compareSequences(a, b, options);
  const double compareSeconds = since(t);
  std::printf("  compareSequences:                 %8.3f s\n", compareSeconds);
  t = Clock::now();
  const std::string json = toJson(report).dump();
  std::printf("  toJson + dump (%zu bytes):       %8.3f s\n", json.size(), since(t));
  const auto& d = report.detector;
  std::printf("    detector AUC %.4f [%.4f, %.4f] on %lld held-out rows (%lld trained)\n", d.auc,
              d.lo, d.hi, static_cast<long long>(d.testRows), static_cast<long long>(d.trainRows));
  std::printf("    JS %.5f bits, KL(A||B) %.5f bits, chi2 %.1f (df %d, p %.3g)\n",
              report.divergence.js, report.divergence.klAB, report.divergence.chi2,
              report.divergence.df, report.divergence.chi2P);
  if (!report.over.empty()) {
    const NumberTest& top = report.numbers[report.over[0]];
    std::printf("    most over-represented: %d (log2 ratio %.3f, q %.3g)\n", top.number,
                top.log2Ratio, top.q);
  }

  const auto tokens = tokenRows(3, tokenRowCount);
  t = Clock::now();
  const DivergenceSummary s = summarizeDivergence(tokens);
  const double summarizeSeconds = since(t);
  std::printf("  summarizeDivergence (%lld tokens): %8.3f s\n", static_cast<long long>(s.tokens),
              summarizeSeconds);
  std::printf("    mean log-ratio %.4f [%.4f, %.4f], %.1f%% positive, top token %s\n",
              s.meanLogRatio, s.meanLogRatioCi.lo, s.meanLogRatioCi.hi, 100 * s.fractionPositive,
              s.top.empty() ? "-" : s.top[0].token.c_str());
  std::printf("  total (compare + summarize):      %8.3f s (budget 5 s)\n",
              compareSeconds + summarizeSeconds);
  benchCrossRun(textA, textB, options);
  return 0;
}
