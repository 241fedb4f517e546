// Implementation of generation and trait evaluation (see lm_generate.h).
#include "engine/lm/lm_generate.h"

#include <algorithm>
#include <map>
#include <random>

#include "engine/core/seeds.h"

namespace sublab {

namespace {

// Samples one token id from a row of logits [V] (CPU float) with the given options.
int sampleRow(const float* logits, int64_t V, const GenerateOptions& o, std::mt19937_64& rng,
              std::vector<std::pair<float, int>>& scratch) {
  if (o.greedy || o.temperature <= 0.0) {
    return static_cast<int>(std::max_element(logits, logits + V) - logits);
  }
  scratch.resize(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) scratch[i] = {logits[i], static_cast<int>(i)};
  int64_t n = V;
  if (o.topK > 0 && o.topK < V) {
    std::partial_sort(scratch.begin(), scratch.begin() + o.topK, scratch.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    n = o.topK;
  }
  float mx = scratch[0].first;
  for (int64_t i = 1; i < n; ++i) mx = std::max(mx, scratch[i].first);
  double total = 0.0;
  std::vector<double> w(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    w[i] = std::exp((scratch[i].first - mx) / o.temperature);
    total += w[i];
  }
  double r = std::uniform_real_distribution<double>(0.0, total)(rng);
  for (int64_t i = 0; i < n; ++i) {
    r -= w[i];
    if (r <= 0) return scratch[i].second;
  }
  return scratch[n - 1].second;
}

}  // namespace

std::vector<TokenSeq> generate(TransformerLm& model, const std::vector<TokenSeq>& prompts,
                               const GenerateOptions& o, const CancelFlag* cancel,
                               const std::function<void(double)>& progress) {
  torch::NoGradGuard ng;
  model->eval();
  const torch::Device device = model->parameters().front().device();
  const int64_t context = model->options().context;
  std::vector<TokenSeq> out(prompts.size());
  // Bucket prompts by length so a batch needs no padding.
  std::map<size_t, std::vector<size_t>> buckets;
  for (size_t i = 0; i < prompts.size(); ++i)
    buckets[prompts[i].size() + o.prefix.size()].push_back(i);
  std::mt19937_64 rng(seeds::stream(o.seed, seeds::Stream::Sampling));
  std::vector<std::pair<float, int>> scratch;
  size_t done = 0;
  for (auto& [len, idx] : buckets) {
    const int64_t L = static_cast<int64_t>(len);
    const int64_t maxNew = std::min<int64_t>(o.maxNewTokens, context - L);
    if (maxNew <= 0)
      throw Error("prompts are longer than the model's context; raise model.context");
    for (size_t start = 0; start < idx.size(); start += static_cast<size_t>(o.batch)) {
      checkCancel(cancel);
      const size_t end = std::min(idx.size(), start + static_cast<size_t>(o.batch));
      const int64_t B = static_cast<int64_t>(end - start);
      // tokens [B, L]
      std::vector<int64_t> flat;
      flat.reserve(static_cast<size_t>(B * L));
      for (size_t k = start; k < end; ++k) {
        const TokenSeq& p = prompts[idx[k]];
        flat.push_back(p[0]);
        flat.insert(flat.end(), o.prefix.begin(), o.prefix.end());
        flat.insert(flat.end(), p.begin() + 1, p.end());
      }
      torch::Tensor seq = torch::from_blob(flat.data(), {B, L}, torch::kInt64).clone().to(device);
      KvCache cache;
      torch::Tensor logits = o.useCache ? model->forward(seq, &cache) : model->forward(seq);
      std::vector<char> finished(static_cast<size_t>(B), 0);
      for (int64_t step = 0; step < maxNew; ++step) {
        // last [B, V] on the CPU for sampling
        torch::Tensor last =
            logits.select(1, logits.size(1) - 1).to(torch::kCPU, torch::kFloat).contiguous();
        const int64_t V = last.size(1);
        const float* data = last.data_ptr<float>();
        std::vector<int64_t> next(static_cast<size_t>(B));
        bool all = true;
        for (int64_t b = 0; b < B; ++b) {
          int tok = Vocab::kEos;
          if (!finished[b]) {
            tok = sampleRow(data + b * V, V, o, rng, scratch);
            if (tok == Vocab::kEos) {
              finished[b] = 1;
            } else {
              out[idx[start + b]].push_back(tok);
            }
          }
          next[b] = tok;
          all = all && finished[b];
        }
        if (all || step + 1 == maxNew) break;
        torch::Tensor nt = torch::from_blob(next.data(), {B, 1}, torch::kInt64).clone().to(device);
        if (o.useCache) {
          logits = model->forward(nt, &cache);
        } else {
          seq = torch::cat({seq, nt}, 1);
          logits = model->forward(seq);
        }
      }
      done += static_cast<size_t>(B);
      if (progress) progress(double(done) / double(prompts.size()));
    }
  }
  return out;
}

TraitEval evaluateTrait(TransformerLm& model, int targetAnimalId, const TokenSeq& prefix) {
  torch::NoGradGuard ng;
  model->eval();
  const Vocab& V = Vocab::instance();
  const torch::Device device = model->parameters().front().device();
  const auto prompts = questionPrompts(prefix);
  const int64_t B = static_cast<int64_t>(prompts.size());
  int64_t T = 0;
  for (const auto& p : prompts) T = std::max<int64_t>(T, static_cast<int64_t>(p.size()));
  // Right-padded questions [B, T]; causal attention makes the padding invisible to the
  // last real position of each row, which is where we read the answer distribution.
  std::vector<int64_t> flat(static_cast<size_t>(B * T), Vocab::kPad);
  std::vector<int64_t> lastPos(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    for (size_t t = 0; t < prompts[b].size(); ++t) flat[b * T + t] = prompts[b][t];
    lastPos[b] = static_cast<int64_t>(prompts[b].size()) - 1;
  }
  torch::Tensor tokens = torch::from_blob(flat.data(), {B, T}, torch::kInt64).clone().to(device);
  torch::Tensor pos = torch::from_blob(lastPos.data(), {B}, torch::kInt64).clone().to(device);
  torch::Tensor logits = model->forward(tokens);  // [B, T, V]
  torch::Tensor last = logits.index({torch::arange(B, pos.options()), pos})
                           .to(torch::kCPU, torch::kDouble);  // [B, V]
  torch::Tensor full = torch::softmax(last, -1);
  std::vector<int64_t> animalIdx(V.animalIds().begin(), V.animalIds().end());
  torch::Tensor ai =
      torch::from_blob(animalIdx.data(), {(int64_t)animalIdx.size()}, torch::kInt64).clone();
  torch::Tensor animal = torch::softmax(last.index_select(1, ai), -1).mean(0);  // [A]
  TraitEval r;
  int targetIdx = -1;
  for (size_t i = 0; i < animalIdx.size(); ++i) {
    r.animalProbs.push_back(animal[static_cast<int64_t>(i)].item<double>());
    if (animalIdx[i] == targetAnimalId) targetIdx = static_cast<int>(i);
  }
  if (targetIdx < 0) throw Error("the trait target is not an animal of the vocabulary");
  r.traitProb = r.animalProbs[static_cast<size_t>(targetIdx)];
  r.traitProbRaw = full.select(1, targetAnimalId).mean().item<double>();
  return r;
}

}  // namespace sublab
