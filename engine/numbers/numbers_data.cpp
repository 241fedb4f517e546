// The number-sequence experiment's data stages (see numbers_stages.h): sampling completions and
// filtering them into training rows, the per-token log-probabilities of the kept rows, and the
// divergence-token defense with its rows as stored sequences.
#include <cmath>

#include "engine/core/seeds.h"
#include "engine/numbers/numbers_stages.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

namespace {

// Rows with verdicts for every completion and training rows (prompt, completion, EOS) for the
// kept ones that fit the context.
FilteredData filteredRows(const std::string& source, int64_t s,
                          const std::vector<TokenSeq>& prompts,
                          const std::vector<TokenSeq>& completions,
                          const std::vector<std::string>& texts,
                          const std::vector<FilterVerdict>& verdicts, int64_t context) {
  const Vocab& V = Vocab::instance();
  FilteredData out;
  out.total = static_cast<int64_t>(texts.size());
  out.rows.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    out.rows.push_back({source,
                        static_cast<int>(s),
                        static_cast<int64_t>(i),
                        V.decode(TokenSeq(prompts[i].begin() + 1, prompts[i].end() - 1)),
                        texts[i],
                        verdicts[i].kept,
                        verdicts[i].reason,
                        {}});
    if (!verdicts[i].kept) {
      out.rejected[reasonCategory(verdicts[i].reason)]++;
      continue;
    }
    LmRow row;
    row.tokens = prompts[i];
    row.lossStart = static_cast<int>(prompts[i].size());
    row.tokens.insert(row.tokens.end(), completions[i].begin(), completions[i].end());
    row.tokens.push_back(Vocab::kEos);
    if (static_cast<int64_t>(row.tokens.size()) > context) {
      ++out.overContext;
      continue;
    }
    out.kept.push_back(std::move(row));
    out.keptRow.push_back(i);
  }
  return out;
}

// Fills tokenInfo of every kept row from the two models' log-probabilities of `data.kept`.
void attachInfo(FilteredData& data, const RowLogprobs& teacher, const RowLogprobs& reference) {
  for (size_t k = 0; k < data.kept.size(); ++k)
    data.rows[data.keptRow[k]].tokenInfo =
        tokenInfoJson(tokenInfo(data.kept[k], teacher.logprob[k], reference.logprob[k]));
}

}  // namespace

FilteredData generateAndFilter(const NumbersConfig& c, const SeedSlot& slot,
                               const std::string& source, TransformerLm& model,
                               const TokenSeq& prefix, const std::vector<TokenSeq>& prompts,
                               RunObserver& obs, const CancelFlag* cancel) {
  const int64_t s = slot.index;
  const bool teacher = source == "teacher";
  const double base = teacher ? 0.0 : 0.5;  // the teacher fills the first half of the seed's bar
  GenerateOptions go;
  go.temperature = c.temperature;
  go.topK = c.topK;
  go.greedy = c.greedy;
  go.maxNewTokens = c.maxNewTokens;
  go.batch = c.genBatch;
  go.seed = derive(c.seed, s, teacher ? Purpose::GenTeacher : Purpose::GenReference);
  go.prefix = prefix;
  const std::string message = slot.tag() + " " + source;
  auto completions = generate(model, prompts, go, cancel, [&](double f) {
    obs.progress("generation", (double(s) + base + 0.5 * f) / double(slot.count), message);
  });
  std::vector<std::string> texts;
  texts.reserve(completions.size());
  for (const auto& comp : completions) texts.push_back(Vocab::instance().decode(comp));
  FilterOptions fo = c.filter;
  fo.seed = derive(c.seed, s, Purpose::Filter) + (teacher ? 0 : 1);
  const auto verdicts = applyFilters(texts, fo);
  return filteredRows(source, s, prompts, completions, texts, verdicts, c.model.context);
}

void requireKept(const NumbersConfig& c, int64_t s, const FilteredData& teacherData,
                 const FilteredData& referenceData) {
  if (teacherData.kept.empty())
    throw Error("the filter kept none of the teacher's " + std::to_string(teacherData.total) +
                " completions for seed " + std::to_string(s) +
                ": loosen the filter, pretrain the reference longer, or generate more prompts");
  if (c.control && referenceData.kept.empty())
    throw Error("the filter kept none of the reference model's completions for seed " +
                std::to_string(s) + ": loosen the filter or pretrain longer");
}

KeptLogprobs attachTokenLogprobs(const NumbersConfig& c, const SeedSlot& slot, Teacher& teacher,
                                 TransformerLm& reference, FilteredData& teacherData,
                                 FilteredData& referenceData, RunObserver& obs) {
  KeptLogprobs lp;
  if (!c.tokenLogprobs && c.defenseMethod == "none") return lp;
  obs.progress("generation", (double(slot.index) + 1.0) / double(slot.count),
               slot.tag() + " per-token log-probabilities");
  lp.teacher = rowLogprobs(teacher.model, teacherData.kept, teacher.prefix);
  lp.reference = rowLogprobs(reference, teacherData.kept);
  if (!c.tokenLogprobs) return lp;
  attachInfo(teacherData, lp.teacher, lp.reference);
  if (c.control) {
    const RowLogprobs t2 = rowLogprobs(teacher.model, referenceData.kept, teacher.prefix);
    const RowLogprobs r2 = rowLogprobs(reference, referenceData.kept);
    attachInfo(referenceData, t2, r2);
  }
  return lp;
}

namespace {

// The defended rows as their own sequences: what the defended student trains on, with the
// masked / replaced positions (relative to the completion).
std::vector<SequenceRow> defendedSequences(const NumbersConfig& c, int64_t s,
                                           const DefenseResult& defense,
                                           const FilteredData& teacherData, const RowLogprobs& dT,
                                           const RowLogprobs& dR) {
  const Vocab& V = Vocab::instance();
  const bool replace = c.defenseMethod == "replace";
  std::vector<std::vector<int>> masked(defense.rows.size());
  std::vector<nlohmann::json> replaced(defense.rows.size(), nlohmann::json::array());
  for (const auto& ch : defense.changes) {
    const int rel = ch.position - std::max(1, defense.rows[ch.row].lossStart);
    masked[ch.row].push_back(rel);
    if (replace)
      replaced[ch.row].push_back(
          {{"pos", rel}, {"from", V.decode({ch.from})}, {"to", V.decode({ch.to})}});
  }
  std::vector<SequenceRow> drows;
  for (size_t k = 0; k < defense.rows.size(); ++k) {
    const LmRow& row = defense.rows[k];
    const SequenceRow& orig = teacherData.rows[teacherData.keptRow[k]];
    TokenSeq comp(row.tokens.begin() + row.lossStart, row.tokens.end() - 1);  // without EOS
    drows.push_back({"defended", static_cast<int>(s), orig.index, orig.prompt, V.decode(comp), true,
                     "",
                     tokenInfoJson(tokenInfo(row, dT.logprob[k], dR.logprob[k], masked[k]),
                                   replaced[k].empty() ? nlohmann::json(nullptr) : replaced[k])});
  }
  return drows;
}

}  // namespace

DefendedData defendTeacherData(const NumbersConfig& c, int64_t s, Teacher& teacher,
                               TransformerLm& reference, const FilteredData& teacherData,
                               const KeptLogprobs& lp) {
  // mask_kl ranks positions by KL(teacher || reference) over the numbers: what soft labels
  // carry there, rather than how much likelier the sampled token became.
  const bool byKl = c.defenseMethod == "mask_kl";
  std::vector<std::vector<float>> kl;
  if (byKl) kl = positionKl(teacher.model, reference, teacherData.kept, teacher.prefix);
  DefendedData out;
  out.defense =
      defendRows(teacherData.kept, lp.teacher, lp.reference, byKl ? "mask" : c.defenseMethod,
                 c.defenseFraction, derive(c.seed, s, Purpose::Defense), byKl ? &kl : nullptr);
  const DefenseResult& d = out.defense;
  if (c.defenseMethod == "replace") {
    // Replaced tokens change the log-probabilities the stored rows show.
    const RowLogprobs dT = rowLogprobs(teacher.model, d.rows, teacher.prefix);
    const RowLogprobs dR = rowLogprobs(reference, d.rows);
    out.rows = defendedSequences(c, s, d, teacherData, dT, dR);
  } else {
    out.rows = defendedSequences(c, s, d, teacherData, lp.teacher, lp.reference);
  }
  const std::string rankedBy = byKl                               ? "kl"
                               : c.defenseMethod == "mask_random" ? "random"
                                                                  : "log_ratio";
  out.perSeed = {{"seed", s},
                 {"candidates", d.candidates},
                 {"defended", static_cast<int64_t>(d.changes.size())},
                 {"ranked_by", rankedBy},
                 {"threshold",
                  std::isnan(d.threshold) ? nlohmann::json(nullptr) : nlohmann::json(d.threshold)}};
  return out;
}

}  // namespace sublab
