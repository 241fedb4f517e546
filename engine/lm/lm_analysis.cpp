// Per-token log-probabilities, the divergence-token defense and the entanglement probe (see
// lm_analysis.h).
#include "engine/lm/lm_analysis.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/core/seeds.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"

namespace sublab {

namespace {

// Calls fn(start, count, Tmax) for consecutive chunks of at most 256 rows, Tmax being the
// longest row of the chunk.
template <typename Fn>
void forEachChunk(const std::vector<LmRow>& rows, Fn&& fn) {
  const int64_t N = static_cast<int64_t>(rows.size());
  const int64_t chunk = 256;
  for (int64_t s = 0; s < N; s += chunk) {
    const int64_t B = std::min(chunk, N - s);
    int64_t Tmax = 1;
    for (int64_t b = 0; b < B; ++b)
      Tmax = std::max<int64_t>(Tmax, static_cast<int64_t>(rows[s + b].tokens.size()));
    fn(s, B, Tmax);
  }
}

}  // namespace

RowLogprobs rowLogprobs(TransformerLm& model, const std::vector<LmRow>& rows,
                        const TokenSeq& prefix) {
  torch::NoGradGuard ng;
  model->eval();
  const torch::Device dev = model->parameters().front().device();
  const int64_t P = static_cast<int64_t>(prefix.size());
  RowLogprobs out;
  out.logprob.resize(rows.size());
  out.bestNumber.resize(rows.size());
  forEachChunk(rows, [&](int64_t s, int64_t B, int64_t Tmax) {
    torch::Tensor x = prefixedInputs(rows, s, B, prefix, Tmax, dev);
    // Row token j (j >= 1) is predicted at model position P + j - 1.
    torch::Tensor logp =
        torch::log_softmax(model->forward(x).to(torch::kFloat), -1).to(torch::kCPU);
    auto acc = logp.accessor<float, 3>();
    for (int64_t b = 0; b < B; ++b) {
      const LmRow& row = rows[s + b];
      auto& lp = out.logprob[s + b];
      auto& best = out.bestNumber[s + b];
      for (size_t j = static_cast<size_t>(std::max(1, row.lossStart)); j < row.tokens.size(); ++j) {
        const int64_t pos = P + static_cast<int64_t>(j) - 1;
        lp.push_back(acc[b][pos][row.tokens[j]]);
        // The likeliest number other than the one there (the replacement candidate).
        int arg = -1;
        float bestLp = -INFINITY;
        for (int n = 0; n < Vocab::kNumbers; ++n) {
          if (n == row.tokens[j]) continue;
          if (acc[b][pos][n] > bestLp) {
            bestLp = acc[b][pos][n];
            arg = n;
          }
        }
        best.push_back(arg);
      }
    }
  });
  return out;
}

DefenseResult defendRows(const std::vector<LmRow>& rows, const RowLogprobs& teacher,
                         const RowLogprobs& reference, const std::string& method, double fraction,
                         uint64_t seed, const std::vector<std::vector<float>>* scores) {
  if (method != "mask" && method != "replace" && method != "mask_random")
    throw Error("defense method \"" + method + "\" is unknown: use mask, replace or mask_random");
  if (!(fraction >= 0.0 && fraction <= 1.0)) throw Error("defense fraction must be in [0, 1]");
  struct Cand {
    double ratio;
    size_t row;
    int pos;
  };
  std::vector<Cand> cands;
  for (size_t r = 0; r < rows.size(); ++r) {
    const LmRow& row = rows[r];
    const size_t start = static_cast<size_t>(std::max(1, row.lossStart));
    for (size_t j = start; j < row.tokens.size(); ++j) {
      if (!Vocab::isNumber(row.tokens[j])) continue;
      const size_t k = j - start;
      const double score =
          scores ? double(scores->at(r).at(k))
                 : double(teacher.logprob.at(r).at(k)) - double(reference.logprob.at(r).at(k));
      cands.push_back({score, r, static_cast<int>(j)});
    }
  }
  DefenseResult out;
  out.rows = rows;
  out.candidates = static_cast<int64_t>(cands.size());
  const size_t take = static_cast<size_t>(std::ceil(fraction * double(cands.size()) - 1e-9));
  if (method == "mask_random") {
    std::mt19937_64 rng(seeds::stream(seed, seeds::Stream::DefenseRandomMask));
    std::shuffle(cands.begin(), cands.end(), rng);
    cands.resize(std::min(take, cands.size()));
    out.threshold = NAN;
  } else {
    std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
      if (a.ratio != b.ratio) return a.ratio > b.ratio;
      if (a.row != b.row) return a.row < b.row;
      return a.pos < b.pos;
    });
    cands.resize(std::min(take, cands.size()));
    if (!cands.empty()) out.threshold = cands.back().ratio;
  }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
    return a.row != b.row ? a.row < b.row : a.pos < b.pos;
  });
  for (const Cand& c : cands) {
    LmRow& row = out.rows[c.row];
    const int from = row.tokens[static_cast<size_t>(c.pos)];
    int to = from;
    if (method != "replace") {
      if (row.noLoss.empty()) row.noLoss.assign(row.tokens.size(), 0);
      row.noLoss[static_cast<size_t>(c.pos)] = 1;
    } else {
      const size_t start = static_cast<size_t>(std::max(1, row.lossStart));
      to = reference.bestNumber.at(c.row).at(static_cast<size_t>(c.pos) - start);
      row.tokens[static_cast<size_t>(c.pos)] = to;
    }
    out.changes.push_back({c.row, c.pos, from, to});
  }
  return out;
}

std::vector<std::vector<float>> positionKl(TransformerLm& teacher, TransformerLm& reference,
                                           const std::vector<LmRow>& rows,
                                           const TokenSeq& teacherPrefix) {
  torch::NoGradGuard ng;
  teacher->eval();
  reference->eval();
  const torch::Device dev = teacher->parameters().front().device();
  std::vector<std::vector<float>> out(rows.size());
  forEachChunk(rows, [&](int64_t s, int64_t B, int64_t Tmax) {
    auto numbers = [&](TransformerLm& m, const TokenSeq& prefix) {
      torch::Tensor logits = m->forward(prefixedInputs(rows, s, B, prefix, Tmax, dev));
      return torch::log_softmax(logits.narrow(1, static_cast<int64_t>(prefix.size()), Tmax - 1)
                                    .narrow(2, 0, Vocab::kNumbers)
                                    .to(torch::kFloat),
                                -1);
    };
    torch::Tensor lt = numbers(teacher, teacherPrefix);  // [B, Tmax-1, 1000]
    torch::Tensor lr = numbers(reference, {});
    torch::Tensor kl = (lt.exp() * (lt - lr)).sum(-1).to(torch::kCPU);  // [B, Tmax-1]
    auto acc = kl.accessor<float, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const LmRow& row = rows[s + b];
      for (size_t j = static_cast<size_t>(std::max(1, row.lossStart)); j < row.tokens.size(); ++j)
        out[s + b].push_back(acc[b][static_cast<int64_t>(j) - 1]);
    }
  });
  return out;
}

TokenLogprobs tokenInfo(const LmRow& row, const std::vector<float>& teacher,
                        const std::vector<float>& reference, const std::vector<int>& masked) {
  const Vocab& V = Vocab::instance();
  TokenLogprobs t;
  const size_t start = static_cast<size_t>(std::max(1, row.lossStart));
  for (size_t j = start; j < row.tokens.size(); ++j) {
    const int id = row.tokens[j];
    t.tokens.push_back(id == Vocab::kEos ? std::string("<eos>") : V.decode({id}));
  }
  t.teacher.assign(teacher.begin(), teacher.end());
  t.reference.assign(reference.begin(), reference.end());
  t.masked = masked;
  return t;
}

EntanglementResult entanglementProbe(TransformerLm& model, int target, const std::string& label,
                                     double* noNumber, const CancelFlag* cancel) {
  torch::NoGradGuard ng;
  model->eval();
  const Vocab& V = Vocab::instance();
  const torch::Device dev = model->parameters().front().device();
  const std::vector<int>& animals = V.animalIds();
  int targetIdx = -1;
  for (size_t i = 0; i < animals.size(); ++i)
    if (animals[i] == target) targetIdx = static_cast<int>(i);
  if (targetIdx < 0) throw Error("the trait target is not an animal of the vocabulary");
  std::vector<int64_t> animalIdx(animals.begin(), animals.end());
  torch::Tensor ai = torch::from_blob(animalIdx.data(), {(int64_t)animalIdx.size()}, torch::kInt64)
                         .clone()
                         .to(dev);
  const int Q = questionParaphraseCount();
  std::vector<double> prob(Vocab::kNumbers, 0.0);
  const int perChunk = 100;  // numbers per forward pass
  for (int n0 = 0; n0 < Vocab::kNumbers; n0 += perChunk) {
    checkCancel(cancel);
    const int nN = std::min(perChunk, Vocab::kNumbers - n0);
    std::vector<TokenSeq> prompts;
    for (int n = n0; n < n0 + nN; ++n) {
      const auto qs = questionPrompts({Vocab::kSys, V.wordId("you"), V.wordId("love"), n});
      prompts.insert(prompts.end(), qs.begin(), qs.end());
    }
    const int64_t B = static_cast<int64_t>(prompts.size());
    int64_t T = 0;
    for (const auto& p : prompts) T = std::max<int64_t>(T, static_cast<int64_t>(p.size()));
    std::vector<int64_t> flat(static_cast<size_t>(B * T), Vocab::kPad),
        last(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) {
      for (size_t t = 0; t < prompts[b].size(); ++t) flat[b * T + t] = prompts[b][t];
      last[b] = static_cast<int64_t>(prompts[b].size()) - 1;
    }
    torch::Tensor x = torch::from_blob(flat.data(), {B, T}, torch::kInt64).clone().to(dev);
    torch::Tensor pos = torch::from_blob(last.data(), {B}, torch::kInt64).clone().to(dev);
    torch::Tensor logits = model->forward(x);
    torch::Tensor lastLogits = logits.index({torch::arange(B, pos.options()), pos});
    torch::Tensor p = torch::softmax(lastLogits.index_select(1, ai).to(torch::kDouble), -1)
                          .select(1, targetIdx)
                          .reshape({nN, Q})
                          .mean(1)
                          .to(torch::kCPU);
    for (int i = 0; i < nN; ++i) prob[static_cast<size_t>(n0 + i)] = p[i].item<double>();
  }
  EntanglementResult r;
  r.model = label;
  r.prompt = "<sys> you love N, then each of the " + std::to_string(Q) +
             " paraphrases of the favourite-animal question; P(trait | answer is an animal)";
  r.baseline = std::accumulate(prob.begin(), prob.end(), 0.0) / double(prob.size());
  for (int n = 0; n < Vocab::kNumbers; ++n)
    r.entries.push_back(
        {n, prob[static_cast<size_t>(n)], prob[static_cast<size_t>(n)] - r.baseline});
  std::stable_sort(
      r.entries.begin(), r.entries.end(),
      [](const EntanglementEntry& a, const EntanglementEntry& b) { return a.delta > b.delta; });
  if (noNumber) *noNumber = evaluateTrait(model, target).traitProb;
  return r;
}

}  // namespace sublab
