// Tests for the stacked MLPs of the aux experiment: init statistics, the hand-written backward
// against autograd, the fused Adam against torch::optim::Adam, and the counter-based noise.
#include <QtTest/QtTest>
#include <optional>

#include "engine/aux/aux_model.h"
#include "engine/aux/aux_noise.h"
#include "engine/core/model_pool.h"

using namespace sublab;
using namespace sublab::aux;

namespace {

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// One model of a stack as a plain autograd computation: logits [o, B] for images x [B, in].
torch::Tensor referenceForward(const std::vector<torch::Tensor>& p, const torch::Tensor& x) {
  torch::Tensor h1 = torch::relu(torch::mm(p[0], x.t()) + p[1]);
  torch::Tensor h2 = torch::relu(torch::mm(p[2], h1) + p[3]);
  return torch::mm(p[4], h2) + p[5];
}

}  // namespace

class TestAuxModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initStatistics() {
    MlpShape shape;  // 784 -> 256 -> 256 -> 13
    const MlpStack p = initMlps(shape, {11, 12, 13, 14}, torch::kCPU);
    QCOMPARE(p.count(), int64_t(4));
    QCOMPARE(p.w1.sizes().vec(), (std::vector<int64_t>{4, 256, 784}));
    QCOMPARE(p.w3.sizes().vec(), (std::vector<int64_t>{4, 13, 256}));
    const double s1 = p.w1.std().item<double>(), s2 = p.w2.std().item<double>(),
                 s3 = p.w3.std().item<double>();
    qInfo("weight std: w1 %.5f (want %.5f), w2 %.5f, w3 %.5f (want %.5f)", s1, 1 / std::sqrt(784.0),
          s2, s3, 1 / 16.0);
    QVERIFY(std::abs(s1 * std::sqrt(784.0) - 1) < 0.01);
    QVERIFY(std::abs(s2 * 16 - 1) < 0.01);
    QVERIFY(std::abs(s3 * 16 - 1) < 0.03);
    QVERIFY(std::abs(p.w1.mean().item<double>()) < 1e-3);
    for (const auto& b : {p.b1, p.b2, p.b3}) QCOMPARE(b.abs().max().item<float>(), 0.0f);
    // Models differ from each other; the same key gives the same model.
    QVERIFY(maxDiff(p.w1[0], p.w1[1]) > 0.1);
    const MlpStack again = initMlps(shape, {13}, torch::kCPU);
    QCOMPARE(maxDiff(again.w1[0], p.w1[2]), 0.0);
    QCOMPARE(maxDiff(again.w3[0], p.w3[2]), 0.0);
  }

  void backwardMatchesAutograd_data() {
    QTest::addColumn<bool>("batched");
    QTest::addColumn<int>("threads");
    QTest::addColumn<bool>("pool");
    QTest::newRow("bmm path") << true << 2 << false;
    QTest::newRow("per-model OpenMP") << false << 2 << false;
    QTest::newRow("one thread") << false << 1 << false;
    QTest::newRow("model pool") << false << 2 << true;
  }

  void backwardMatchesAutograd() {
    QFETCH(bool, batched);
    QFETCH(int, threads);
    QFETCH(bool, pool);
    const int before = torch::get_num_threads();
    torch::set_num_threads(threads);
    ModelPool modelPool(threads);
    std::optional<PoolScope> scope;
    if (pool) scope.emplace(modelPool);
    MlpShape shape{20, 16, 4, 3};
    const int64_t K = 2, share = 3, B = 9, G = K * share;
    std::vector<uint64_t> keys;
    for (int64_t g = 0; g < G; ++g) keys.push_back(100 + uint64_t(g));
    MlpStack p = initMlps(shape, keys, torch::kCPU);
    torch::NoGradGuard noGrad;
    for (auto* b : {&p.b1, &p.b2, &p.b3}) b->normal_(0, 0.1);  // nonzero biases too
    const torch::Tensor x = torch::rand({K, B, shape.in}) * 2 - 1;
    const torch::Tensor dOut = torch::randn({G, shape.out(), B});
    Workspace ws;
    const Activations a = forward(p, x, share, &ws, batched);
    const MlpStack g = backward(p, a, x, dOut, share, &ws, batched);
    scope.reset();
    torch::set_num_threads(before);
    double worst = 0;
    for (int64_t m = 0; m < G; ++m) {
      std::vector<torch::Tensor> leaves;
      for (const auto& t : p.tensors()) leaves.push_back(t[m].clone().set_requires_grad(true));
      torch::AutoGradMode enable(true);
      const torch::Tensor out = referenceForward(leaves, x[m / share]);
      worst = std::max(worst, maxDiff(out, a.out[m]));
      (out * dOut[m]).sum().backward();
      const auto grads = g.tensors();
      for (size_t i = 0; i < leaves.size(); ++i)
        worst = std::max(worst, maxDiff(leaves[i].grad(), grads[i][m]));
    }
    qInfo("max |manual - autograd| over outputs and gradients: %.3g", worst);
    QVERIFY(worst < 1e-4);
  }

  void poolCoversTheRangeOnce() {
    ModelPool pool(3);
    QCOMPARE(pool.threads(), 3);
    for (int64_t count : {1, 2, 3, 7, 100}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
      for (auto& h : hits) h = 0;
      pool.run(count, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) ++hits[size_t(i)];
      });
      for (const auto& h : hits) QCOMPARE(h.load(), 1);
    }
    // An exception in any chunk reaches the caller; the pool stays usable.
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.run(9, [](int64_t b, int64_t) {
      if (b > 0) throw std::runtime_error("chunk failed");
    }));
    int64_t sum = 0;
    std::mutex m;
    pool.run(10, [&](int64_t b, int64_t e) {
      std::lock_guard<std::mutex> lock(m);
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    QCOMPARE(sum, int64_t(45));
    // The scope makes parallelFor use the pool and torch single-threaded, then restores it.
    const int before = torch::get_num_threads();
    {
      PoolScope scope(pool);
      QCOMPARE(currentPool(), &pool);
      QCOMPARE(torch::get_num_threads(), 1);
    }
    QVERIFY(currentPool() == nullptr);
    QCOMPARE(torch::get_num_threads(), before);
  }

  void sideBySideRunsEveryJobOnceOnOneThread() {
    const int before = torch::get_num_threads();
    torch::set_num_threads(2);
    for (int lanes : {1, 2, 3}) {
      std::vector<std::atomic<int>> hits(5), threads(5);
      for (size_t i = 0; i < 5; ++i) hits[i] = threads[i] = 0;
      runSideBySide(lanes, 5, [&](int64_t i) {
        ++hits[size_t(i)];
        threads[size_t(i)] = torch::get_num_threads();
      });
      for (size_t i = 0; i < 5; ++i) {
        QCOMPARE(hits[i].load(), 1);
        QCOMPARE(threads[i].load(), lanes > 1 ? 1 : 2);  // in order: this thread as it is
      }
      QCOMPARE(torch::get_num_threads(), 2);
    }
    // A job's exception reaches the caller after the others; torch's threads are given back.
    std::atomic<int> ran{0};
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, runSideBySide(2, 4, [&](int64_t i) {
                               ++ran;
                               if (i == 0) throw std::runtime_error("job failed");
                             }));
    QCOMPARE(ran.load(), 3);  // the failing share stops; the other finishes its two
    QCOMPARE(torch::get_num_threads(), 2);
    torch::set_num_threads(before);
  }

  void fusedAdamMatchesTorchAdam() {
    torch::NoGradGuard noGrad;
    MlpStack p = initMlps(MlpShape{10, 8, 3, 2}, {1, 2}, torch::kCPU);
    std::vector<torch::Tensor> ref;
    for (const auto& t : p.tensors()) ref.push_back(t.clone().set_requires_grad(true));
    torch::optim::Adam torchAdam(ref, torch::optim::AdamOptions(1e-2));
    StackAdam adam(p, 1e-2);
    for (int step = 0; step < 5; ++step) {
      std::vector<torch::Tensor> grads;
      for (const auto& t : p.tensors()) grads.push_back(torch::randn_like(t));
      for (size_t i = 0; i < ref.size(); ++i) ref[i].mutable_grad() = grads[i].clone();
      torchAdam.step();
      adam.step(p, MlpStack::fromTensors(grads));
    }
    double worst = 0;
    const auto mine = p.tensors();
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, maxDiff(mine[i], ref[i]));
    qInfo("max |fused Adam - torch::optim::Adam| after 5 steps: %.3g", worst);
    QVERIFY(worst < 1e-5);
  }

  void noiseIsUniformAndAddressable() {
    const std::vector<uint64_t> keys = {7, 0xFFFFFFFF00000001ull};
    const torch::Tensor idx = torch::tensor({0, 5, 999999, 3, 3, 17}, torch::kLong).view({2, 3});
    const torch::Tensor a = noiseImagesCpuLoop(keys, idx, 784);
    const torch::Tensor b = noiseImagesTensorOps(keys, idx, 784, torch::kCPU);
    QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{2, 3, 784}));
    QCOMPARE(maxDiff(a, b), 0.0);  // bit-identical, so any device gives the same images
    QCOMPARE(a[1][0][5].item<float>(), noisePixel(keys[1], 3, 5, 784));
    // Image 3 of stream 1 appears twice in the batch: identical.
    QCOMPARE(maxDiff(a[1][0], a[1][1]), 0.0);
    // The same image, asked for in another batch, comes back identical.
    const torch::Tensor single =
        noiseImages({keys[0]}, torch::tensor({5}, torch::kLong).view({1, 1}), 784, torch::kCPU);
    QCOMPARE(maxDiff(single[0][0], a[0][1]), 0.0);
    // Different streams and images differ.
    QVERIFY(maxDiff(a[0][0], a[0][1]) > 0.5);

    const torch::Tensor many =
        noiseImages({42}, torch::arange(2000, torch::kLong).view({1, 2000}), 784, torch::kCPU);
    const double mean = many.mean().item<double>(), var = many.var().item<double>();
    qInfo("noise mean %.5f var %.5f (uniform [-1,1): 0, 1/3)", mean, var);
    QVERIFY(std::abs(mean) < 0.002);
    QVERIFY(std::abs(var - 1.0 / 3.0) < 0.002);
    QVERIFY(many.min().item<float>() >= -1.0f);
    QVERIFY(many.max().item<float>() < 1.0f);
    // Neighbouring pixels are uncorrelated.
    const torch::Tensor flat = many.view({-1});
    const double corr = (flat.narrow(0, 0, flat.numel() - 1) * flat.narrow(0, 1, flat.numel() - 1))
                            .mean()
                            .item<double>() *
                        3;
    QVERIFY(std::abs(corr) < 0.005);
  }

  void perturbationIsRelativeToInitScale() {
    torch::NoGradGuard noGrad;
    MlpStack p = initMlps(MlpShape{}, {5, 6}, torch::kCPU);
    const MlpStack before = p.clone();
    perturbWeights(p, 0.5, {77, 78});
    const double d1 = (p.w1 - before.w1).std().item<double>() * std::sqrt(784.0);
    const double d2 = (p.w2 - before.w2).std().item<double>() * 16;
    QVERIFY(std::abs(d1 - 0.5) < 0.01);
    QVERIFY(std::abs(d2 - 0.5) < 0.01);
    QCOMPARE(maxDiff(p.b1, before.b1), 0.0);
    MlpStack q = before.clone();
    perturbWeights(q, 0.0, {77, 78});
    QCOMPARE(maxDiff(q.w1, before.w1), 0.0);
  }

  void accuracyCountsArgmaxOfClassLogits() {
    torch::NoGradGuard noGrad;
    MlpShape shape{4, 3, 2, 1};
    MlpStack p = initMlps(shape, {1, 2}, torch::kCPU);
    // Model 0 always says class 1 (bias), model 1 always class 0; the aux logit is huge but
    // must be ignored.
    p.w3.zero_();
    p.b3.zero_();
    p.b3[0][1][0] = 1;
    p.b3[1][0][0] = 1;
    p.b3[0][2][0] = 100;
    p.b3[1][2][0] = 100;
    const torch::Tensor images = torch::rand({10, 4});
    const torch::Tensor labels = torch::tensor({1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, torch::kLong);
    const auto acc = accuracy(p, images, labels, shape.classes);
    QCOMPARE(acc.size(), size_t(2));
    QCOMPARE(acc[0], 0.6);
    QCOMPARE(acc[1], 0.4);
  }
};

QTEST_APPLESS_MAIN(TestAuxModel)
#include "test_aux_model.moc"
