// `sublab stats [RUN_ID] [--a [RUN:]COND] [--b [RUN:]COND] [--variants]`: the hidden-channel
// statistics of two stored sets of sequences (of one run or two) — number
// frequencies with two-proportion tests and Benjamini-Hochberg q-values, first-number, length
// and digit distributions, divergences with a chi-square test, the detector's held-out AUC,
// divergence tokens, the entanglement probe and the run's transfer contrasts.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "app/lab/run_stats.h"

namespace sublab::cli {

namespace {

std::string fmt(const char* f, double v) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string pValue(double p) { return p < 1e-4 ? fmt("%.2e", p) : fmt("%.4f", p); }

double meanOf(const std::vector<int64_t>& counts) {
  double n = 0, s = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    n += double(counts[i]);
    s += double(i) * double(counts[i]);
  }
  return n > 0 ? s / n : NAN;
}

void printDivergences(const char* what, const Divergences& d) {
  std::printf(
      "%s (smoothing %.2g per cell): KL(A||B) %.4f bits, KL(B||A) %.4f bits, JS %.4f bits; "
      "chi-square %.1f, df %d, p = %s\n",
      what, d.smoothing, d.klAB, d.klBA, d.js, d.chi2, d.df, pValue(d.chi2P).c_str());
}

void printNumberTable(const char* title, const std::vector<int>& which, const SeqStatsReport& r) {
  std::printf("\n%s\n  %6s %8s %8s %9s %9s %10s %10s\n", title, "number", "count A", "count B",
              "share A", "share B", "log2 A/B", "q (BH)");
  for (int n : which) {
    const NumberTest& t = r.numbers.at(static_cast<size_t>(n));
    std::printf("  %6d %8lld %8lld %8.3f%% %8.3f%% %+10.3f %10s\n", n, (long long)t.countA,
                (long long)t.countB, 100.0 * t.pA, 100.0 * t.pB, t.log2Ratio, pValue(t.q).c_str());
  }
}

void printShares(const char* title, const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                 size_t from, size_t to) {
  double na = 0, nb = 0;
  for (auto x : a) na += double(x);
  for (auto x : b) nb += double(x);
  std::printf("%s\n  %-8s", title, "value");
  for (size_t i = from; i < to && i < std::max(a.size(), b.size()); ++i) std::printf(" %6zu", i);
  std::printf("\n  %-8s", "A %");
  for (size_t i = from; i < to && i < std::max(a.size(), b.size()); ++i)
    std::printf(" %6.1f", i < a.size() && na > 0 ? 100.0 * double(a[i]) / na : 0.0);
  std::printf("\n  %-8s", "B %");
  for (size_t i = from; i < to && i < std::max(a.size(), b.size()); ++i)
    std::printf(" %6.1f", i < b.size() && nb > 0 ? 100.0 * double(b[i]) / nb : 0.0);
  std::printf("\n");
}

void printTokens(const char* title, const DivergenceSummary& d) {
  std::printf(
      "\n%s\n  %lld rows, %lld tokens; log p(teacher) - log p(reference) per token: mean "
      "%+.4f over tokens, %+.4f [%+.4f, %+.4f] over rows (mean of row means, 95%% CI); "
      "%.1f%% of tokens favoured by the teacher",
      title, (long long)d.rows, (long long)d.tokens, d.meanLogRatio, d.meanLogRatioCi.mean,
      d.meanLogRatioCi.lo, d.meanLogRatioCi.hi, 100.0 * d.fractionPositive);
  if (d.masked > 0) std::printf("; %lld positions defended", (long long)d.masked);
  std::printf("\n  most teacher-favoured number tokens:");
  for (size_t i = 0; i < d.top.size() && i < 10; ++i)
    std::printf(" %s (%+.3f, n=%lld)", d.top[i].token.c_str(), d.top[i].meanLogRatio,
                (long long)d.top[i].count);
  std::printf("\n  least:");
  for (size_t i = 0; i < d.bottom.size() && i < 10; ++i)
    std::printf(" %s (%+.3f, n=%lld)", d.bottom[i].token.c_str(), d.bottom[i].meanLogRatio,
                (long long)d.bottom[i].count);
  std::printf("\n");
}

// A side as given: "COND" (of RUN_ID) or "RUN:COND" (RUN all digits).
SequenceSet parseSet(const std::string& side, const char* flag, const StatsCliOptions& o) {
  SequenceSet set;
  set.verdict = o.verdict == "all"        ? Verdict::Any
                : o.verdict == "rejected" ? Verdict::Rejected
                                          : Verdict::Kept;
  if (o.seed >= 0) set.seed = o.seed;
  const size_t colon = side.find(':');
  const std::string run = colon == std::string::npos ? "" : side.substr(0, colon);
  const bool hasRun =
      !run.empty() && run.size() <= 15 && run.find_first_not_of("0123456789") == std::string::npos;
  set.runId = hasRun ? std::stoll(run) : o.runId;
  set.condition = hasRun ? side.substr(colon + 1) : side;
  if (set.runId <= 0)
    throw Error(std::string(flag) + " \"" + side +
                "\" names no run: give RUN_ID (`sublab stats RUN_ID ...`) or write " + flag +
                " RUN:CONDITION (e.g. " + flag + " 3:teacher)");
  if (set.condition.empty())
    throw Error(std::string(flag) + " \"" + side +
                "\" names no condition: write RUN:CONDITION, e.g. 3:teacher");
  return set;
}

void printVariants(const HiddenSignal& h) {
  std::printf(
      "\nis the difference hidden? the detector without length (%lld length bins, %lld on "
      "one side only, dropped when matching)\n  %-14s %-15s %-24s %8s %8s\n",
      (long long)h.matchedBins, (long long)h.oneSidedBins, "features", "rows",
      "held-out AUC [95% CI]", "n A", "n B");
  for (const auto& v : h.variants)
    std::printf("  %-14s %-15s %.3f [%.3f, %.3f]     %8lld %8lld\n",
                featuresName(v.features).c_str(), v.lengthMatched ? "length-matched" : "raw",
                v.detector.auc, v.detector.lo, v.detector.hi, (long long)v.rowsA,
                (long long)v.rowsB);
  std::printf("%s\n", hiddenVerdictLine(h).c_str());
}

void printHeader(Database& db, const RunStats& s) {
  const SeqStatsReport& r = s.report;
  const RunInfo run = db.run(s.setA.runId);
  const std::string seeds =
      s.setA.seed == s.setB.seed
          ? (s.setA.seed ? " (seed " + std::to_string(*s.setA.seed) + ")" : " (all seeds)")
          : "";
  if (s.setA.runId == s.setB.runId)
    std::printf("run %lld: %s — A = %s, B = %s%s\n", (long long)run.id, run.name.c_str(),
                r.a.label.c_str(), r.b.label.c_str(), seeds.c_str());
  else
    std::printf("runs %lld (%s) and %lld (%s) — A = %s, B = %s%s\n", (long long)run.id,
                run.name.c_str(), (long long)s.setB.runId, db.run(s.setB.runId).name.c_str(),
                r.a.label.c_str(), r.b.label.c_str(), seeds.c_str());
}

}  // namespace

int cmdStats(const StatsCliOptions& o) {
  const std::string path = resolveDb(o.db);
  auto db = openExisting(path);
  CompareOptions co;
  co.stats.topK = o.top;
  co.variants = o.variants;
  const SequenceSet a = parseSet(o.a, "--a", o);  // --a's mistake first
  const SequenceSet b = parseSet(o.b, "--b", o);
  const RunStats s = compareSets(*db, a, b, co);
  if (o.json) {
    std::cout << toJson(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  const SeqStatsReport& r = s.report;
  printHeader(*db, s);
  std::printf(
      "  A: %lld rows, %lld numbers, %.2f per row;  B: %lld rows, %lld numbers, %.2f per row\n",
      (long long)r.a.rows, (long long)r.a.numbers, r.a.meanLength, (long long)r.b.rows,
      (long long)r.b.numbers, r.b.meanLength);
  printDivergences("\nnumber frequencies", r.divergence);
  printDivergences("first numbers", r.firstDivergence);
  int significant = 0;
  for (const auto& t : r.numbers) significant += t.q < 0.05 ? 1 : 0;
  std::printf(
      "numbers with q < 0.05 (two-proportion z test, Benjamini-Hochberg over %zu numbers): %d\n",
      r.numbers.size(), significant);
  const DetectorResult& d = r.detector;
  std::printf(
      "\ndetector: %s\n  held-out AUC %.3f [%.3f, %.3f] (95%% bootstrap CI, %d resamples; "
      "%lld train / %lld test rows)%s\n",
      d.features.c_str(), d.auc, d.lo, d.hi, d.bootstrap, (long long)d.trainRows,
      (long long)d.testRows,
      d.lo > 0.5 ? " — the sides are distinguishable" : " — no better than chance");
  if (s.hidden) printVariants(*s.hidden);
  printNumberTable(("over-represented in A (top " + std::to_string(r.over.size()) + ")").c_str(),
                   r.over, r);
  printNumberTable(("under-represented in A (top " + std::to_string(r.under.size()) + ")").c_str(),
                   r.under, r);
  std::printf("\nmean length A %.2f vs B %.2f numbers; mean first number A %.1f vs B %.1f\n",
              meanOf(r.lengthA), meanOf(r.lengthB), meanOf(r.firstA), meanOf(r.firstB));
  printShares("length distribution (numbers per row)", r.lengthA, r.lengthB, 1, 16);
  printShares("digit frequency", r.digitA, r.digitB, 0, 10);
  printShares("last digit", r.lastDigitA, r.lastDigitB, 0, 10);
  printShares("digits per number", r.numDigitsA, r.numDigitsB, 1, 4);
  if (s.divergence)
    printTokens(("divergence tokens of the " + s.a + " rows").c_str(), *s.divergence);
  if (s.defended)
    printTokens("defended rows (what the \"defended\" student trained on)", *s.defended);
  if (s.entanglement) {
    const auto& e = *s.entanglement;
    std::printf(
        "\nentanglement probe on the %s: %s\n  baseline (mean over numbers) %.4f; "
        "numbers that raise the trait most:",
        e.model.c_str(), e.prompt.c_str(), e.baseline);
    for (size_t i = 0; i < e.entries.size() && i < 10; ++i)
      std::printf(" %d (%+.4f)", e.entries[i].number, e.entries[i].delta);
    std::printf("\n  lower it most:");
    for (size_t i = 0; i < 5 && i < e.entries.size(); ++i) {
      const auto& x = e.entries[e.entries.size() - 1 - i];
      std::printf(" %d (%+.4f)", x.number, x.delta);
    }
    std::printf("\n");
    if (s.entanglementVsFrequency)
      std::printf("  Spearman correlation of entanglement delta with log2 A/B frequency: %+.3f\n",
                  *s.entanglementVsFrequency);
    if (s.entanglementVsDivergence)
      std::printf(
          "  Spearman correlation of entanglement delta with the teacher's mean per-token "
          "log-ratio (%lld numbers seen >= 5 times): %+.3f\n",
          (long long)s.entanglementVsDivergenceNumbers, *s.entanglementVsDivergence);
  }
  if (!s.contrasts.empty()) {
    std::printf("\ntransfer (student - control, paired by seed; mean [95%% CI]):\n");
    for (const auto& c : s.contrasts)
      std::printf("  %-26s %+.4f [%+.4f, %+.4f] n=%d\n", c.condition.c_str(), c.value.mean,
                  c.value.lo, c.value.hi, c.value.n);
  }
  for (const auto& n : s.notes) std::printf("note: %s\n", n.c_str());
  return kExitOk;
}

}  // namespace sublab::cli
