// Statistics of stored sequences (see run_stats.h): reads both sets' rows in keyset pages,
// parses their numbers, and hands them to seq_stats (and hidden_signal on request); adds the
// stored per-token log-probabilities and side A's run's entanglement probe.
#include "app/lab/run_stats.h"

#include <algorithm>

#include "engine/kinds.h"

namespace sublab {

namespace {

std::string verdictLabel(Verdict v) {
  switch (v) {
    case Verdict::Kept:
      return "kept";
    case Verdict::Rejected:
      return "rejected";
    case Verdict::Any:
      break;
  }
  return "all";
}

std::string joinNames(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "none" : out;
}

struct Side {
  std::vector<std::vector<int>> numbers;
  std::vector<TokenLogprobs> tokens;
  int64_t badTokenInfo = 0;
};

Side readSide(Database& db, const SequenceSet& set, bool withTokens) {
  SequenceFilter f;
  f.condition = set.condition;
  f.verdict = set.verdict;
  f.seed = set.seed;
  Side side;
  int64_t after = 0;
  for (;;) {
    auto page = db.sequencesAfter(set.runId, f, after, 20000);
    if (page.empty()) break;
    after = page.back().id;
    for (const auto& r : page) {
      side.numbers.push_back(parseNumbers(r.completion));
      if (withTokens && !r.tokenInfo.empty()) {
        try {
          side.tokens.push_back(parseTokenInfo(r.tokenInfo));
        } catch (const Error&) {
          ++side.badTokenInfo;
        }
      }
    }
  }
  return side;
}

// A set's run, checked: it exists and its kind stores sequences.
struct CheckedRun {
  RunInfo info;
  const KindDescription* kind = nullptr;
  std::vector<std::string> conditions;
};

CheckedRun checkRun(Database& db, int64_t runId) {
  CheckedRun c{db.run(runId), nullptr, {}};
  c.kind = findKind(c.info.kind);
  if (!c.kind || !c.kind->hasSequences)
    throw Error("run " + std::to_string(runId) + " is a \"" + c.info.kind +
                "\" run, which stores no generated sequences; sequence statistics need a run "
                "that does (e.g. a number-sequence run)");
  c.conditions = db.sequenceConditions(runId);
  return c;
}

void requireCondition(const CheckedRun& run, const SequenceSet& set) {
  if (std::find(run.conditions.begin(), run.conditions.end(), set.condition) ==
      run.conditions.end())
    throw Error("run " + std::to_string(set.runId) + " has no sequences of condition \"" +
                set.condition + "\" (it has: " + joinNames(run.conditions) +
                "); pick two of those as the sides");
}

Side readChecked(Database& db, const SequenceSet& set, const CheckedRun& run, bool withTokens) {
  Side side = readSide(db, set, withTokens);
  if (side.numbers.empty())
    throw Error("run " + std::to_string(set.runId) + " has no " + verdictLabel(set.verdict) +
                " rows of condition \"" + set.condition + "\"" +
                (set.seed ? " for seed " + std::to_string(*set.seed) : std::string()) +
                (run.info.status == RunStatus::Done
                     ? ""
                     : " (the run is " + toString(run.info.status) + ")") +
                "; choose another verdict or condition");
  return side;
}

// "teacher (kept)"; with the run when the sets' runs differ, with the seed when their seeds do.
std::string setLabel(const SequenceSet& s, const SequenceSet& other) {
  std::string label = s.runId != other.runId ? "run " + std::to_string(s.runId) + " " : "";
  label += s.condition;
  if (s.seed != other.seed && s.seed) label += " seed " + std::to_string(*s.seed);
  return label + " (" + verdictLabel(s.verdict) + ")";
}

// Per-token summaries of side A's rows and of A's run's defended rows.
void addTokenSummaries(RunStats& out, Database& db, const CheckedRun& runA, const Side& a) {
  const SequenceSet& set = out.setA;
  if (!a.tokens.empty()) {
    out.divergence = summarizeDivergence(a.tokens);
  } else {
    out.notes.push_back(
        !runA.kind->recordsTokenLogprobs
            ? "no per-token log-probabilities: " + runA.kind->name + " runs do not record them"
            : "no per-token log-probabilities for the " + set.condition + " rows" +
                  (set.verdict == Verdict::Rejected ? " (only kept rows carry them)"
                                                    : " (the run predates them; rerun it)"));
  }
  if (a.badTokenInfo > 0)
    out.notes.push_back(std::to_string(a.badTokenInfo) +
                        " rows had unreadable per-token log-probabilities and were skipped");
  if (std::find(runA.conditions.begin(), runA.conditions.end(), "defended") !=
      runA.conditions.end()) {
    Side d = readSide(db, {set.runId, "defended", Verdict::Kept, set.seed}, true);
    if (!d.tokens.empty()) out.defended = summarizeDivergence(d.tokens);
  }
}

// The entanglement probe stored with A's run, and its correlations with the frequency ratios
// and with the per-token log-ratios.
void addEntanglement(RunStats& out, Database& db, const CheckedRun& runA) {
  try {
    auto j = db.analysis(out.setA.runId, "entanglement");
    if (!j) {
      out.notes.push_back(!runA.kind->recordsEntanglement
                              ? "no entanglement probe: " + runA.kind->name +
                                    " runs do not record one"
                              : "no entanglement probe stored for this run (the run predates it "
                                "or turned it off with analysis.entanglement = false)");
      return;
    }
    out.entanglement = entanglementFromJson(*j);
    std::vector<double> delta, ratio;
    for (const auto& e : out.entanglement->entries) {
      if (e.number < 0 || e.number >= kStatsNumbers) continue;
      const NumberTest& t = out.report.numbers[static_cast<size_t>(e.number)];
      if (t.countA + t.countB == 0) continue;
      delta.push_back(e.delta);
      ratio.push_back(t.log2Ratio);
    }
    if (delta.size() >= 3) out.entanglementVsFrequency = spearman(delta, ratio);
    if (!out.divergence) return;
    // Against each number's mean log-ratio over side A's rows (numbers seen >= 5 times).
    const DivergenceSummary& dv = *out.divergence;
    std::vector<double> d2, lr;
    for (const auto& e : out.entanglement->entries) {
      if (e.number < 0 || e.number >= kStatsNumbers ||
          dv.numberCount[static_cast<size_t>(e.number)] < 5)
        continue;
      d2.push_back(e.delta);
      lr.push_back(dv.numberMeanLogRatio[static_cast<size_t>(e.number)]);
    }
    if (d2.size() >= 3) {
      out.entanglementVsDivergence = spearman(d2, lr);
      out.entanglementVsDivergenceNumbers = static_cast<int64_t>(d2.size());
    }
  } catch (const Error& e) {
    out.notes.push_back(std::string("entanglement probe unreadable: ") + e.what());
  }
}

}  // namespace

RunStats compareSets(Database& db, const SequenceSet& setA, const SequenceSet& setB,
                     const CompareOptions& o) {
  const CheckedRun runA = checkRun(db, setA.runId);
  const CheckedRun runB = setB.runId == setA.runId ? runA : checkRun(db, setB.runId);
  requireCondition(runA, setA);
  requireCondition(runB, setB);
  RunStats out;
  out.runId = setA.runId;
  out.a = setA.condition;
  out.b = setB.condition;
  out.setA = setA;
  out.setB = setB;
  const Side a = readChecked(db, setA, runA, true);
  const Side b = readChecked(db, setB, runB, false);
  out.report = compareSequences(a.numbers, b.numbers, o.stats);
  out.report.a.label = setLabel(setA, setB);
  out.report.b.label = setLabel(setB, setA);
  if (o.variants) out.hidden = hiddenSignal(a.numbers, b.numbers, o.stats, &out.report.detector);
  addTokenSummaries(out, db, runA, a);
  addEntanglement(out, db, runA);
  out.contrasts = db.summaries(setA.runId, true);
  if (setA.runId != setB.runId)
    out.notes.push_back(
        "the sides come from two runs: the divergence tokens, entanglement probe "
        "and transfer contrasts shown are side A's run's (run " +
        std::to_string(setA.runId) + ")");
  return out;
}

RunStats analyzeRun(Database& db, int64_t runId, const RunStatsOptions& o) {
  CompareOptions co;
  co.stats = o.stats;
  return compareSets(db, {runId, o.a, o.verdict, o.seed}, {runId, o.b, o.verdict, o.seed}, co);
}

nlohmann::json toJson(const RunStats& s) {
  nlohmann::json j = {{"run_id", s.runId}, {"a", s.a}, {"b", s.b}, {"stats", toJson(s.report)}};
  auto setJson = [](const SequenceSet& x) {
    return nlohmann::json{{"run_id", x.runId},
                          {"condition", x.condition},
                          {"verdict", verdictLabel(x.verdict)},
                          {"seed", x.seed ? nlohmann::json(*x.seed) : nlohmann::json(nullptr)}};
  };
  // Only across runs: one run's output stays as it was (run_id, a and b say it all).
  if (s.setA.runId != s.setB.runId) {
    j["set_a"] = setJson(s.setA);
    j["set_b"] = setJson(s.setB);
  }
  if (s.hidden) j["hidden_signal"] = toJson(*s.hidden);
  j["divergence_tokens"] = s.divergence ? toJson(*s.divergence) : nlohmann::json(nullptr);
  j["defended_tokens"] = s.defended ? toJson(*s.defended) : nlohmann::json(nullptr);
  j["entanglement"] = s.entanglement ? toJson(*s.entanglement) : nlohmann::json(nullptr);
  j["entanglement_vs_frequency_spearman"] = s.entanglementVsFrequency
                                                ? nlohmann::json(*s.entanglementVsFrequency)
                                                : nlohmann::json(nullptr);
  j["entanglement_vs_divergence_spearman"] = s.entanglementVsDivergence
                                                 ? nlohmann::json(*s.entanglementVsDivergence)
                                                 : nlohmann::json(nullptr);
  j["entanglement_vs_divergence_numbers"] = s.entanglementVsDivergenceNumbers;
  nlohmann::json contrasts = nlohmann::json::object();
  for (const auto& c : s.contrasts)
    contrasts[c.condition] = {
        {"mean", c.value.mean}, {"ci95", {c.value.lo, c.value.hi}}, {"n", c.value.n}};
  j["contrasts"] = contrasts;
  j["notes"] = s.notes;
  return j;
}

}  // namespace sublab
