// Model-level checks: KV-cache generation equals full recomputation, LoRA adapters start as
// the identity, shuffles keep every number and its soft target together, determinism.
#include <QtTest/QtTest>

#include "engine/lm/lm_generate.h"
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
