// The number-sequence experiment's summary stage (see numbers_stages.h): per-seed finals and
// filter counts gathered over the seeds become mean and 95% CI per condition, paired contrasts
// (in the kind description's order), mean animal distributions and the filter and defense JSON.
#include "engine/core/stats.h"
#include "engine/numbers/numbers_experiment.h"
#include "engine/numbers/numbers_stages.h"

namespace sublab {

void ConditionFinals::add(const std::string& condition, const TraitEval& eval) {
  traitProb[condition].push_back(eval.traitProb);
  animalProbs[condition].push_back(eval.animalProbs);
}

void FilterTally::add(const std::string& source, const FilteredData& data) {
  Source& s = bySource[source];
  s.total += data.total;
  s.kept += static_cast<int64_t>(data.kept.size());
  for (const auto& [reason, n] : data.rejected) s.rejected[reason] += n;
}

nlohmann::json defenseSummaryStart(const NumbersConfig& c) {
  return {{"method", c.defenseMethod},
          {"fraction", c.defenseFraction},
          {"per_seed", nlohmann::json::array()}};
}

namespace {

nlohmann::json intervalJson(const Interval& v) {
  return {{"mean", v.mean}, {"ci95", {v.lo, v.hi}}, {"n", v.n}};
}

// Mean over seeds of each animal's probability, by animal name.
nlohmann::json meanAnimalProbs(const std::vector<std::vector<double>>& perSeed) {
  const Vocab& V = Vocab::instance();
  std::vector<double> mean(V.animals().size(), 0.0);
  for (const auto& d : perSeed)
    for (size_t a = 0; a < d.size(); ++a) mean[a] += d[a] / double(perSeed.size());
  nlohmann::json dist = nlohmann::json::object();
  for (size_t a = 0; a < mean.size(); ++a) dist[V.animals()[a]] = mean[a];
  return dist;
}

nlohmann::json filterJson(const FilterTally& tally) {
  nlohmann::json filt = {{"total", 0},
                         {"kept", 0},
                         {"rejected", nlohmann::json::object()},
                         {"by_source", nlohmann::json::object()}};
  for (const auto& [src, t] : tally.bySource) {
    nlohmann::json rej = nlohmann::json::object();
    for (const auto& [reason, n] : t.rejected) {
      rej[reason] = n;
      filt["rejected"][reason] = filt["rejected"].value(reason, int64_t{0}) + n;
    }
    filt["by_source"][src] = {{"total", t.total}, {"kept", t.kept}, {"rejected", rej}};
    filt["total"] = filt["total"].get<int64_t>() + t.total;
    filt["kept"] = filt["kept"].get<int64_t>() + t.kept;
  }
  return filt;
}

// Conditions that ran, in the kind's order, into res.conditions and summary["conditions"] /
// summary["animal_probs"].
void summarizeConditions(const ConditionFinals& finals, ExperimentResult& res,
                         nlohmann::json& summary) {
  nlohmann::json condJson = nlohmann::json::object();
  nlohmann::json animalsJson = nlohmann::json::object();
  for (const auto& name : numbersKind().conditions) {
    auto it = finals.traitProb.find(name);
    if (it == finals.traitProb.end()) continue;
    ConditionSummary cs{name, "trait_prob", meanCi95(it->second), it->second};
    res.conditions.push_back(cs);
    condJson[name] = intervalJson(cs.value);
    condJson[name]["per_seed"] = it->second;
    animalsJson[name] = meanAnimalProbs(finals.animalProbs.at(name));
  }
  summary["conditions"] = condJson;
  summary["animal_probs"] = animalsJson;
}

// Paired contrasts in the kind's order: null when a condition did not run; the defense's
// contrasts only when the config defends, the opt-in conditions' only when they are on.
void summarizeContrasts(const NumbersConfig& c, const ConditionFinals& finals,
                        ExperimentResult& res, nlohmann::json& summary) {
  for (const ContrastSpec& spec : numbersKind().contrasts) {
    const bool aboutDefense = spec.a == "defended" || spec.b == "defended";
    if (aboutDefense && c.defenseMethod == "none") continue;
    // Opt-in conditions' contrasts only when they are on (the summary stays as it was without).
    if (spec.a == "student_data" && c.dataRun == 0) continue;
    if (spec.a == "length_matched" && !c.lengthMatched) continue;
    const auto a = finals.traitProb.find(spec.a), b = finals.traitProb.find(spec.b);
    if (a == finals.traitProb.end() || b == finals.traitProb.end()) {
      summary[spec.name] = nullptr;
      continue;
    }
    ConditionSummary cs{spec.name, "trait_prob", pairedDifferenceCi95(a->second, b->second), {}};
    for (size_t i = 0; i < a->second.size(); ++i) cs.perSeed.push_back(a->second[i] - b->second[i]);
    res.contrasts.push_back(cs);
    summary[spec.name] = intervalJson(cs.value);
    summary[spec.name]["ci95"] = {cs.value.lo, cs.value.hi};
    summary[spec.name]["per_seed"] = cs.perSeed;
  }
}

}  // namespace

ExperimentResult summarize(const NumbersConfig& c, const ConditionFinals& finals,
                           const FilterTally& tally, const nlohmann::json& defense) {
  ExperimentResult res;
  res.kind = "numbers";
  nlohmann::json summary = {{"kind", "numbers"},
                            {"trait", c.trait},
                            {"student_mode", c.studentMode},
                            {"finetune", c.finetune}};
  summarizeConditions(finals, res, summary);
  summarizeContrasts(c, finals, res, summary);
  summary["filter"] = filterJson(tally);
  if (c.defenseMethod != "none") summary["defense"] = defense;
  res.summary = summary;
  return res;
}

}  // namespace sublab
