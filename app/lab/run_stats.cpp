// Statistics of one stored run (see run_stats.h): reads both sides' rows in keyset pages,
// parses their numbers, and hands them to seq_stats; adds the stored per-token
// log-probabilities and the entanglement probe.
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

Side readSide(Database& db, int64_t runId, const std::string& condition, Verdict verdict,
              const std::optional<int>& seed, bool withTokens) {
  SequenceFilter f;
  f.condition = condition;
  f.verdict = verdict;
  f.seed = seed;
  Side side;
  int64_t after = 0;
  for (;;) {
    auto page = db.sequencesAfter(runId, f, after, 20000);
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

}  // namespace

RunStats analyzeRun(Database& db, int64_t runId, const RunStatsOptions& o) {
  const RunInfo info = db.run(runId);
  const KindDescription* kind = findKind(info.kind);
  if (!kind || !kind->hasSequences)
    throw Error("run " + std::to_string(runId) + " is a \"" + info.kind +
                "\" run, which stores no generated sequences; sequence statistics need a run "
                "that does (e.g. a number-sequence run)");
  const auto conditions = db.sequenceConditions(runId);
  for (const auto& side : {o.a, o.b})
    if (std::find(conditions.begin(), conditions.end(), side) == conditions.end())
      throw Error("run " + std::to_string(runId) + " has no sequences of condition \"" + side +
                  "\" (it has: " + joinNames(conditions) + "); pick two of those as the sides");
  RunStats out;
  out.runId = runId;
  out.a = o.a;
  out.b = o.b;
  Side a = readSide(db, runId, o.a, o.verdict, o.seed, true);
  Side b = readSide(db, runId, o.b, o.verdict, o.seed, false);
  const std::string which = verdictLabel(o.verdict);
  for (const auto& [name, side] : {std::pair{o.a, &a}, std::pair{o.b, &b}})
    if (side->numbers.empty())
      throw Error(
          "run " + std::to_string(runId) + " has no " + which + " rows of condition \"" + name +
          "\"" + (o.seed ? " for seed " + std::to_string(*o.seed) : std::string()) +
          (info.status == RunStatus::Done ? "" : " (the run is " + toString(info.status) + ")") +
          "; choose another verdict or condition");
  out.report = compareSequences(a.numbers, b.numbers, o.stats);
  out.report.a.label = o.a + " (" + which + ")";
  out.report.b.label = o.b + " (" + which + ")";

  if (!a.tokens.empty()) {
    out.divergence = summarizeDivergence(a.tokens);
  } else {
    out.notes.push_back(
        !kind->recordsTokenLogprobs
            ? "no per-token log-probabilities: " + kind->name + " runs do not record them"
            : "no per-token log-probabilities for the " + o.a + " rows" +
                  (o.verdict == Verdict::Rejected ? " (only kept rows carry them)"
                                                  : " (the run predates them; rerun it)"));
  }
  if (a.badTokenInfo > 0)
    out.notes.push_back(std::to_string(a.badTokenInfo) +
                        " rows had unreadable per-token log-probabilities and were skipped");
  if (std::find(conditions.begin(), conditions.end(), "defended") != conditions.end()) {
    Side d = readSide(db, runId, "defended", Verdict::Kept, o.seed, true);
    if (!d.tokens.empty()) out.defended = summarizeDivergence(d.tokens);
  }

  try {
    if (auto j = db.analysis(runId, "entanglement")) {
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
      if (out.divergence) {
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
      }
    } else {
      out.notes.push_back(!kind->recordsEntanglement
                              ? "no entanglement probe: " + kind->name + " runs do not record one"
                              : "no entanglement probe stored for this run (the run predates it "
                                "or turned it off with analysis.entanglement = false)");
    }
  } catch (const Error& e) {
    out.notes.push_back(std::string("entanglement probe unreadable: ") + e.what());
  }
  out.contrasts = db.summaries(runId, true);
  return out;
}

nlohmann::json toJson(const RunStats& s) {
  nlohmann::json j = {{"run_id", s.runId}, {"a", s.a}, {"b", s.b}, {"stats", toJson(s.report)}};
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
