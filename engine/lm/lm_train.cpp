// Implementation of LM training, distillation targets and shuffles (see lm_train.h).
#include "engine/lm/lm_train.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/core/seeds.h"
#include "engine/lm/flat_adamw.h"
#include "engine/lm/lm_loss.h"

namespace sublab {

namespace {

struct Batch {
  torch::Tensor inputs;   // [B, T] int64
  torch::Tensor targets;  // [B, T] int64, -100 where no loss
  torch::Tensor soft;     // [B, T, K] float or undefined
  torch::Tensor mask;     // [B, T] float, 1 where a soft target applies
};

Batch makeBatch(const TrainSet& data, const std::vector<size_t>& idx, const torch::Device& dev) {
  int64_t T = 0;
  for (size_t i : idx)
    T = std::max<int64_t>(T, static_cast<int64_t>(data.rows[i].tokens.size()) - 1);
  const int64_t B = static_cast<int64_t>(idx.size());
  std::vector<int64_t> in(static_cast<size_t>(B * T), Vocab::kPad),
      tg(static_cast<size_t>(B * T), -100);
  std::vector<float> mk(static_cast<size_t>(B * T), 0.f);
  for (int64_t b = 0; b < B; ++b) {
    const LmRow& r = data.rows[idx[b]];
    const int64_t n = static_cast<int64_t>(r.tokens.size()) - 1;
    for (int64_t t = 0; t < n; ++t) {
      in[b * T + t] = r.tokens[t];
      if (t + 1 >= r.lossStart && (r.noLoss.empty() || r.noLoss[static_cast<size_t>(t + 1)] == 0)) {
        tg[b * T + t] = r.tokens[t + 1];
        mk[b * T + t] = 1.f;
      }
    }
  }
  Batch batch;
  batch.inputs = torch::from_blob(in.data(), {B, T}, torch::kInt64).clone().to(dev);
  batch.targets = torch::from_blob(tg.data(), {B, T}, torch::kInt64).clone().to(dev);
  batch.mask = torch::from_blob(mk.data(), {B, T}, torch::kFloat).clone().to(dev);
  if (data.soft.defined()) {
    std::vector<int64_t> ids(idx.begin(), idx.end());
    auto it = torch::from_blob(ids.data(), {B}, torch::kInt64).clone();
    batch.soft = data.soft.index_select(0, it).narrow(1, 0, T).to(dev, torch::kFloat);
  }
  return batch;
}

// TrainOptions::onLoss: the mean loss of each window of ceil(total / lossPoints) steps, the last
// window ending at the final step.
class LossWindows {
 public:
  LossWindows(const TrainOptions& o, int64_t total)
      : m_report(o.onLoss),
        m_every(o.lossPoints > 0 && o.onLoss
                    ? std::max<int64_t>(1, (total + o.lossPoints - 1) / o.lossPoints)
                    : 0),
        m_total(total) {}

  void add(int64_t step, double loss) {
    if (m_every == 0) return;
    m_sum += loss;
    ++m_count;
    if (step % m_every != 0 && step != m_total) return;
    m_report(step, m_sum / double(m_count));
    m_sum = 0.0;
    m_count = 0;
  }

 private:
  const std::function<void(int64_t, double)>& m_report;
  int64_t m_every;
  int64_t m_total;
  double m_sum = 0.0;
  int64_t m_count = 0;
};

// The training step's optimizer: AdamW over one flat buffer (flat_adamw.h), or torch's SGD.
class StepOptimizer {
 public:
  StepOptimizer(const std::vector<torch::Tensor>& params, const TrainOptions& o) {
    if (o.optimizer == "sgd")
      m_sgd = std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(o.lr).weight_decay(o.weightDecay));
    else
      m_adamw = std::make_unique<FlatAdamW>(params, o.weightDecay);
  }

  // zero the gradients, backward, one step at learning rate lr
  void step(const torch::Tensor& loss, double lr) {
    if (m_sgd) {
      for (auto& g : m_sgd->param_groups()) g.options().set_lr(lr);
      m_sgd->zero_grad();
      loss.backward();
      m_sgd->step();
    } else {
      m_adamw->zeroGrad();
      loss.backward();
      m_adamw->step(lr);
    }
  }

 private:
  std::unique_ptr<torch::optim::Optimizer> m_sgd;
  std::unique_ptr<FlatAdamW> m_adamw;
};

// Linear warm-up over the first `warm` steps, then constant or cosine decay to 0.
double learningRate(const TrainOptions& o, int64_t step, int64_t warm, int64_t total) {
  if (warm > 0 && step <= warm) return o.lr * double(step) / double(warm);
  if (!o.cosineDecay) return o.lr;
  return o.lr * 0.5 *
         (1.0 + std::cos(M_PI * double(step - warm) / double(std::max<int64_t>(1, total - warm))));
}

// The batch's loss: soft-label cross-entropy over the first K logits (-sum_k p_k log q_k, masked
// mean) when the set has soft targets, else cross-entropy on the hard targets.
torch::Tensor batchLoss(const torch::Tensor& logits, const Batch& b, const TrainSet& data) {
  if (b.soft.defined()) {
    const int64_t K = b.soft.size(2);
    torch::Tensor logq = torch::log_softmax(logits.narrow(2, 0, K) / data.temperature, -1);
    torch::Tensor ce = -(b.soft * logq).sum(-1);  // [B, T]
    return (ce * b.mask).sum() / b.mask.sum().clamp_min(1.0);
  }
  const torch::Tensor flat = logits.reshape({-1, logits.size(2)});
  const torch::Tensor targets = b.targets.reshape({-1});
  if (crossEntropyApplies(flat, targets)) return crossEntropy(flat, targets, -100);
  return torch::nn::functional::cross_entropy(
      flat, targets, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
}

}  // namespace

double trainModel(TransformerLm& model, const TrainSet& data, const TrainOptions& o) {
  if (data.rows.empty())
    throw Error(
        "no training rows: the filter kept nothing; loosen the filter or generate more prompts");
  const torch::Device dev = model->parameters().front().device();
  std::vector<torch::Tensor> params;
  for (auto& p : model->parameters())
    if (p.requires_grad()) params.push_back(p);
  StepOptimizer optimizer(params, o);
  const int64_t N = static_cast<int64_t>(data.rows.size());
  const int64_t perEpoch = std::max<int64_t>(1, (N + o.batch - 1) / o.batch);
  const int64_t total = o.maxSteps > 0 ? o.maxSteps : perEpoch * o.epochs;
  const int64_t warm = static_cast<int64_t>(o.warmupFraction * double(total));
  std::mt19937_64 rng(seeds::stream(o.seed, seeds::Stream::TrainOrder));
  std::vector<size_t> order(static_cast<size_t>(N));
  std::iota(order.begin(), order.end(), 0);
  size_t cursor = order.size();
  double lastLoss = 0.0;
  LossWindows losses(o, total);
  if (o.onEval && o.evalEvery > 0) o.onEval(0);
  model->train();
  for (int64_t step = 1; step <= total; ++step) {
    checkCancel(o.cancel);
    std::vector<size_t> idx;
    while (static_cast<int64_t>(idx.size()) < std::min(o.batch, N)) {
      if (cursor >= order.size()) {
        std::shuffle(order.begin(), order.end(), rng);
        cursor = 0;
      }
      idx.push_back(order[cursor++]);
    }
    Batch b = makeBatch(data, idx, dev);
    const torch::Tensor loss = batchLoss(model->forward(b.inputs), b, data);
    optimizer.step(loss, learningRate(o, step, warm, total));
    lastLoss = loss.item<double>();
    losses.add(step, lastLoss);
    if (o.progress) o.progress(double(step) / double(total), lastLoss);
    if (o.onEval && o.evalEvery > 0 && (step % o.evalEvery == 0 || step == total)) {
      o.onEval(step);
      model->train();
    }
  }
  model->eval();
  return lastLoss;
}

torch::Tensor prefixedInputs(const std::vector<LmRow>& rows, int64_t start, int64_t count,
                             const TokenSeq& prefix, int64_t Tmax, const torch::Device& device) {
  const int64_t T = static_cast<int64_t>(prefix.size()) + Tmax - 1;
  std::vector<int64_t> in(static_cast<size_t>(count * T), Vocab::kPad);
  for (int64_t b = 0; b < count; ++b) {
    const auto& tok = rows[static_cast<size_t>(start + b)].tokens;
    int64_t t = 0;
    in[b * T + t++] = tok[0];
    for (int x : prefix) in[b * T + t++] = x;
    for (size_t k = 1; k + 1 < tok.size(); ++k) in[b * T + t++] = tok[k];
  }
  return torch::from_blob(in.data(), {count, T}, torch::kInt64).clone().to(device);
}

TrainSet withSoftTargets(TransformerLm& teacher, const std::vector<LmRow>& rows, int64_t K,
                         const TokenSeq& prefix, double temperature) {
  torch::NoGradGuard ng;
  teacher->eval();
  const torch::Device dev = teacher->parameters().front().device();
  const int64_t P = static_cast<int64_t>(prefix.size());
  int64_t Tmax = 1;
  for (const auto& r : rows) Tmax = std::max<int64_t>(Tmax, static_cast<int64_t>(r.tokens.size()));
  const int64_t N = static_cast<int64_t>(rows.size());
  TrainSet out;
  out.rows = rows;
  out.soft = torch::zeros({N, Tmax - 1, K}, torch::kHalf);
  out.temperature = temperature;
  const int64_t chunk = 256;
  for (int64_t s = 0; s < N; s += chunk) {
    const int64_t B = std::min(chunk, N - s);
    torch::Tensor logits =
        teacher->forward(prefixedInputs(rows, s, B, prefix, Tmax, dev));  // [B, T, V]
    // Row position i (predicting token i+1) is teacher position P + i: after BOS and prefix.
    torch::Tensor aligned = logits.narrow(1, P, Tmax - 1);
    torch::Tensor probs =
        torch::softmax(aligned.narrow(2, 0, K).to(torch::kFloat) / temperature, -1);
    out.soft.narrow(0, s, B).copy_(probs.to(torch::kCPU, torch::kHalf));
  }
  return out;
}

TrainSet shuffleNumbers(const TrainSet& data, bool across, uint64_t seed) {
  std::mt19937_64 rng(
      seeds::stream(seed, across ? seeds::Stream::ShuffleAcross : seeds::Stream::ShuffleWithin));
  TrainSet out;
  out.rows = data.rows;
  out.temperature = data.temperature;
  if (data.soft.defined()) out.soft = data.soft.clone();
  // Slots: (row, position) of every number token inside a completion.
  std::vector<std::pair<size_t, size_t>> slots;
  auto numberSlots = [&](size_t r) {
    std::vector<std::pair<size_t, size_t>> s;
    const LmRow& row = data.rows[r];
    for (size_t j = static_cast<size_t>(std::max(1, row.lossStart)); j < row.tokens.size(); ++j)
      if (Vocab::isNumber(row.tokens[j])) s.push_back({r, j});
    return s;
  };
  auto move = [&](const std::vector<std::pair<size_t, size_t>>& dst,
                  const std::vector<std::pair<size_t, size_t>>& src) {
    for (size_t k = 0; k < dst.size(); ++k) {
      out.rows[dst[k].first].tokens[dst[k].second] = data.rows[src[k].first].tokens[src[k].second];
      if (data.soft.defined())
        out.soft[static_cast<int64_t>(dst[k].first)][static_cast<int64_t>(dst[k].second - 1)].copy_(
            data.soft[static_cast<int64_t>(src[k].first)][static_cast<int64_t>(src[k].second - 1)]);
    }
  };
  if (across) {
    for (size_t r = 0; r < data.rows.size(); ++r) {
      auto s = numberSlots(r);
      slots.insert(slots.end(), s.begin(), s.end());
    }
    auto src = slots;
    std::shuffle(src.begin(), src.end(), rng);
    move(slots, src);
  } else {
    for (size_t r = 0; r < data.rows.size(); ++r) {
      auto s = numberSlots(r);
      auto src = s;
      std::shuffle(src.begin(), src.end(), rng);
      move(s, src);
    }
  }
  return out;
}

}  // namespace sublab
