// Model-level checks: KV-cache generation equals full recomputation, LoRA adapters start as
// the identity, shuffles keep every number and its soft target together, determinism.
#include <QtTest/QtTest>

#include "engine/lm/flat_adamw.h"
#include "engine/lm/lm_gelu.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_loss.h"
#include "engine/lm/lm_train.h"

namespace {
sublab::LmOptions smallOptions() {
  sublab::LmOptions o;
  o.vocab = sublab::Vocab::instance().size();
  o.dModel = 32;
  o.layers = 2;
  o.heads = 4;
  o.context = 48;
  return o;
}
}  // namespace

class TestLmModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void cacheMatchesRecomputation() {
    auto model = sublab::makeModel(smallOptions(), 3, torch::kCPU);
    auto prompts = sublab::numberPrompts(40, 9);
    // Logits: one incremental step with the cache against the full forward.
    {
      torch::NoGradGuard ng;
      std::vector<int64_t> ids(prompts[0].begin(), prompts[0].end());
      auto x = torch::tensor(ids).unsqueeze(0);
      sublab::KvCache cache;
      model->forward(x.narrow(1, 0, x.size(1) - 1), &cache);
      auto step = model->forward(x.narrow(1, x.size(1) - 1, 1), &cache);
      auto full = model->forward(x);
      const double diff =
          (step.select(1, 0) - full.select(1, x.size(1) - 1)).abs().max().item<double>();
      qInfo("max |cached - full| logit difference: %g", diff);
      QVERIFY(diff < 1e-4);
    }
    // Generation: greedy and sampled give the same tokens either way.
    for (bool greedy : {true, false}) {
      sublab::GenerateOptions o;
      o.greedy = greedy;
      o.seed = 5;
      o.batch = 16;
      o.useCache = true;
      auto a = sublab::generate(model, prompts, o, nullptr);
      o.useCache = false;
      auto b = sublab::generate(model, prompts, o, nullptr);
      QCOMPARE(a.size(), prompts.size());
      QCOMPARE(a, b);
    }
  }

  // The fused attention (lm_attention.h) computes what the composite form does: logits and every
  // gradient agree to float rounding, with and without LoRA adapters, on 1 and 2 threads.
  void fusedAttentionMatchesComposite() {
    for (bool lora : {false, true}) {
      for (int threads : {1, 2}) {
        torch::set_num_threads(threads);
        auto model = sublab::makeModel(smallOptions(), 6, torch::kCPU);
        if (lora) {
          model->enableLora(4, 8.0);
          torch::NoGradGuard ng;  // B starts at 0: give the adapters something to do
          for (auto& p : model->named_parameters())
            if (p.key().find("lora_B") != std::string::npos) p.value().normal_(0.0, 0.05);
        }
        torch::manual_seed(8);
        const auto x = torch::randint(0, 1000, {5, 17}, torch::kInt64);
        const auto y = torch::randint(0, 1000, {5, 17}, torch::kInt64);
        auto run = [&](bool fused) {
          model->setFusedAttention(fused);
          for (auto& p : model->parameters())
            if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
          auto logits = model->forward(x);
          torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}),
                                               y.reshape({-1}))
              .backward();
          std::vector<torch::Tensor> out = {logits.detach().clone()};
          for (auto& p : model->parameters())
            if (p.requires_grad()) out.push_back(p.grad().clone());
          return out;
        };
        const auto fused = run(true), composite = run(false);
        QCOMPARE(fused.size(), composite.size());
        for (size_t i = 0; i < fused.size(); ++i) {
          const double scale = composite[i].abs().max().item<double>();
          const double diff = (fused[i] - composite[i]).abs().max().item<double>();
          QVERIFY2(scale > 0, qPrintable(QString("tensor %1 is all zero").arg(i)));
          QVERIFY2(diff <= 1e-5 * scale, qPrintable(QString("tensor %1 (lora %2, %3 threads): "
                                                            "%4 of %5")
                                                        .arg(i)
                                                        .arg(lora)
                                                        .arg(threads)
                                                        .arg(diff)
                                                        .arg(scale)));
        }
      }
    }
    torch::set_num_threads(1);
  }

  // The fused cross-entropy (lm_loss.h) equals torch's cross_entropy (mean, ignore_index -100):
  // loss and gradient, with ignored rows, logits spread wide enough that some exponentials
  // underflow, vocabularies that are and are not a multiple of 8, an upstream gradient other
  // than 1, on 1 and 2 threads; NaN when every row is ignored; a target out of range is refused.
  void fusedCrossEntropyMatchesTorch() {
    torch::manual_seed(5);
    for (int threads : {1, 2}) {
      torch::set_num_threads(threads);
      for (int64_t V : {int64_t(1050), int64_t(1024), int64_t(5)}) {
        for (double spread : {1.0, 40.0}) {
          const int64_t N = 37;
          torch::Tensor base = torch::randn({N, V}) * spread;
          torch::Tensor targets = torch::randint(0, V, {N}, torch::kInt64);
          targets.index_put_({torch::arange(0, N, 5)}, -100);
          for (double up : {1.0, 0.37}) {
            torch::Tensor a = base.clone().requires_grad_(true);
            torch::Tensor b = base.clone().requires_grad_(true);
            QVERIFY(sublab::crossEntropyApplies(a, targets));
            torch::Tensor la = sublab::crossEntropy(a, targets, -100);
            torch::Tensor lb = torch::nn::functional::cross_entropy(
                b, targets, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
            (la * up).backward();
            (lb * up).backward();
            const QString what = QString("V %1, spread %2, upstream %3, %4 threads")
                                     .arg(V)
                                     .arg(spread)
                                     .arg(up)
                                     .arg(threads);
            const double lossDiff = std::abs(la.item<double>() - lb.item<double>());
            QVERIFY2(lossDiff <= 2e-6 * std::abs(lb.item<double>()) + 1e-7,
                     qPrintable(what + QString(": loss %1 vs %2")
                                           .arg(la.item<double>(), 0, 'g', 9)
                                           .arg(lb.item<double>(), 0, 'g', 9)));
            const double gradDiff = (a.grad() - b.grad()).abs().max().item<double>();
            const double gradScale = b.grad().abs().max().item<double>();
            QVERIFY2(
                gradScale > 0 && gradDiff <= 1e-5 * gradScale,
                qPrintable(
                    what +
                    QString(": gradient differs by %1 (largest %2)").arg(gradDiff).arg(gradScale)));
            // Ignored rows get no gradient.
            QCOMPARE(a.grad().index({torch::arange(0, N, 5)}).abs().max().item<double>(), 0.0);
          }
        }
      }
    }
    torch::set_num_threads(1);
    const torch::Tensor logits = torch::randn({4, 9});
    QVERIFY(std::isnan(
        sublab::crossEntropy(logits, torch::full({4}, -100, torch::kInt64)).item<double>()));
    bool refused = false;
    try {
      sublab::crossEntropy(logits, torch::tensor({0, 1, 9, 2}, torch::kInt64));
    } catch (const c10::Error& e) {
      refused = std::string(e.what()).find("out of range") != std::string::npos;
    }
    QVERIFY(refused);
    QVERIFY(!sublab::crossEntropyApplies(logits.t(), torch::zeros({9}, torch::kInt64)));
  }

  // The fused GELU (lm_gelu.h) equals torch::gelu, values and gradient, element by element within
  // 2e-6 (1 + |x|) (both approximate erf to about 1e-7), over -12..12 with exact zeros, on 1 and
  // 2 threads and sizes that are not a multiple of 8; a non-contiguous input falls back to torch.
  void fusedGeluMatchesTorch() {
    torch::manual_seed(9);
    for (int threads : {1, 2}) {
      torch::set_num_threads(threads);
      for (int64_t n : {int64_t(5), int64_t(8), int64_t(20001)}) {
        torch::Tensor base = torch::rand({n}) * 24.0 - 12.0;
        base.index_put_({torch::arange(0, n, 7)}, 0.0);
        torch::Tensor a = base.clone().requires_grad_(true);
        torch::Tensor b = base.clone().requires_grad_(true);
        torch::Tensor ya = sublab::gelu(a), yb = torch::gelu(b);
        const torch::Tensor up = torch::randn({n});
        (ya * up).sum().backward();
        (yb * up).sum().backward();
        const torch::Tensor bound = 2e-6 * (1.0 + base.abs());
        const QString what = QString("n %1, %2 threads").arg(n).arg(threads);
        QVERIFY2(((ya - yb).abs() <= bound).all().item<bool>(),
                 qPrintable(what + QString(": values differ by up to %1")
                                       .arg((ya - yb).abs().max().item<double>())));
        QVERIFY2(((a.grad() - b.grad()).abs() <= bound * (1.0 + up.abs())).all().item<bool>(),
                 qPrintable(what + QString(": gradients differ by up to %1")
                                       .arg((a.grad() - b.grad()).abs().max().item<double>())));
      }
    }
    torch::set_num_threads(1);
    const torch::Tensor m = torch::randn({6, 9}).t();  // not contiguous: torch::gelu
    QVERIFY(torch::equal(sublab::gelu(m), torch::gelu(m)));
  }

  // The flat AdamW (flat_adamw.h) takes the steps torch::optim::AdamW takes: after 6 steps with
  // weight decay every parameter is equal, value for value; afterwards each parameter owns its
  // storage again (no view of the optimizer's buffer is left behind in the model).
  void flatAdamWEqualsTorchAdamW() {
    auto a = sublab::makeModel(smallOptions(), 12, torch::kCPU);
    auto b = sublab::makeModel(smallOptions(), 12, torch::kCPU);
    torch::manual_seed(13);
    std::vector<torch::Tensor> xs, ys;
    for (int i = 0; i < 6; ++i) {
      xs.push_back(torch::randint(0, 1000, {4, 10}, torch::kInt64));
      ys.push_back(torch::randint(0, 1000, {4, 10}, torch::kInt64));
    }
    auto lossOf = [](sublab::TransformerLm& m, const torch::Tensor& x, const torch::Tensor& y) {
      auto logits = m->forward(x);
      return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}),
                                                  y.reshape({-1}));
    };
    {
      sublab::FlatAdamW flat(a->parameters(), 0.01);
      torch::optim::AdamW ref(b->parameters(), torch::optim::AdamWOptions(3e-3).weight_decay(0.01));
      for (size_t i = 0; i < xs.size(); ++i) {
        flat.zeroGrad();
        lossOf(a, xs[i], ys[i]).backward();
        flat.step(3e-3);
        ref.zero_grad();
        lossOf(b, xs[i], ys[i]).backward();
        ref.step();
      }
    }
    auto pa = a->parameters(), pb = b->parameters();
    QCOMPARE(pa.size(), pb.size());
    double worst = 0;
    for (size_t i = 0; i < pa.size(); ++i) {
      worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>());
      QVERIFY(!torch::equal(pa[i],
                            sublab::makeModel(smallOptions(), 12, torch::kCPU)->parameters()[i]) ||
              pa[i].numel() == 0);
      QCOMPARE(int64_t(pa[i].storage().nbytes()), int64_t(pa[i].numel() * 4));
      QVERIFY(!pa[i].grad().defined());
    }
    qInfo("largest difference from torch::optim::AdamW after 6 steps: %g", worst);
    QCOMPARE(worst, 0.0);
  }

  void loraStartsAsIdentity() {
    auto model = sublab::makeModel(smallOptions(), 4, torch::kCPU);
    auto x = torch::randint(0, 1000, {2, 12}, torch::kInt64);
    torch::NoGradGuard ng;
    auto before = model->forward(x).clone();
    model->enableLora(4, 8.0);
    auto after = model->forward(x);
    QCOMPARE((after - before).abs().max().item<double>(), 0.0);
    int64_t trainable = 0, frozen = 0;
    for (auto& p : model->named_parameters()) {
      if (p.value().requires_grad()) {
        ++trainable;
        QVERIFY(p.key().find("lora_") != std::string::npos);
      } else {
        ++frozen;
      }
    }
    QCOMPARE(trainable, int64_t(2 * 4 * 2));  // layers x projections x (A, B)
    QVERIFY(frozen > 0);
  }

  void sameSeedSameWeights() {
    auto a = sublab::makeModel(smallOptions(), 11, torch::kCPU);
    auto b = sublab::makeModel(smallOptions(), 11, torch::kCPU);
    auto c = sublab::makeModel(smallOptions(), 12, torch::kCPU);
    auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
    bool differs = false;
    for (size_t i = 0; i < pa.size(); ++i) {
      QVERIFY(torch::equal(pa[i], pb[i]));
      differs = differs || !torch::equal(pa[i], pc[i]);
    }
    QVERIFY(differs);
    auto clone = sublab::cloneModel(a);
    auto pk = clone->parameters();
    for (size_t i = 0; i < pa.size(); ++i) QVERIFY(torch::equal(pa[i], pk[i]));
    QVERIFY(pk[0].data_ptr() != pa[0].data_ptr());
  }

  void shufflesMoveTargetsWithNumbers() {
    auto model = sublab::makeModel(smallOptions(), 5, torch::kCPU);
    std::vector<sublab::LmRow> rows;
    for (const auto& p : sublab::numberPrompts(6, 2)) {
      sublab::LmRow r;
      r.tokens = p;
      r.lossStart = static_cast<int>(p.size());
      for (int x : {11, sublab::Vocab::kComma, 22, sublab::Vocab::kComma, 33})
        r.tokens.push_back(x);
      r.tokens.push_back(sublab::Vocab::kEos);
      rows.push_back(r);
    }
    rows[1].tokens[rows[1].lossStart] = 44;  // make rows differ
    auto set = sublab::withSoftTargets(model, rows, sublab::Vocab::kNumbers);
    QCOMPARE(set.soft.size(2), int64_t(sublab::Vocab::kNumbers));
    for (bool across : {false, true}) {
      auto sh = sublab::shuffleNumbers(set, across, 3);
      std::multiset<int> before, after;
      for (size_t r = 0; r < rows.size(); ++r) {
        QCOMPARE(sh.rows[r].tokens.size(), rows[r].tokens.size());
        for (size_t j = 0; j < rows[r].tokens.size(); ++j) {
          const int t = rows[r].tokens[j];
          if (j < size_t(rows[r].lossStart) || !sublab::Vocab::isNumber(t)) {
            QCOMPARE(sh.rows[r].tokens[j], t);  // prompt and separators stay
          } else {
            before.insert(t);
            after.insert(sh.rows[r].tokens[j]);
          }
        }
      }
      QCOMPARE(before, after);
      // Each moved number carries the soft target that was computed for it.
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t j = size_t(rows[r].lossStart); j < rows[r].tokens.size(); ++j) {
          const int t = sh.rows[r].tokens[j];
          if (!sublab::Vocab::isNumber(t)) continue;
          bool found = false;
          for (size_t r2 = 0; r2 < rows.size() && !found; ++r2)
            for (size_t j2 = size_t(rows[r2].lossStart); j2 < rows[r2].tokens.size() && !found;
                 ++j2)
              found =
                  rows[r2].tokens[j2] == t && torch::equal(sh.soft[int64_t(r)][int64_t(j - 1)],
                                                           set.soft[int64_t(r2)][int64_t(j2 - 1)]);
          QVERIFY(found);
        }
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestLmModel)
#include "test_lm_model.moc"
