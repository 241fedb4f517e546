// Tests for the aux training loops: an ensemble trains each model exactly as if it were alone,
// aux-only distillation never touches the class-logit rows, runs are deterministic, and the
// losses go down (teacher cross-entropy; student KL and MSE on noise).
#include <QtTest/QtTest>

#include "engine/aux/aux_model.h"
#include "engine/aux/aux_train.h"
#include "engine/core/model_pool.h"

using namespace sublab;
using namespace sublab::aux;

namespace {

const MlpShape kShape{20, 16, 4, 3};  // in, hidden, classes, aux
const auto kNoHook = [](double) {};

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Largest difference between model `m` of `stack` and model 0 of `single`, over all tensors.
double modelDiff(const MlpStack& stack, int64_t m, const MlpStack& single, int64_t s = 0) {
  double worst = 0;
  const auto a = stack.tensors(), b = single.tensors();
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, maxDiff(a[i][m], b[i][s]));
  return worst;
}

// A separable toy set: class c has a prototype; images = prototype + noise, in [-1, 1].
struct Toy {
  torch::Tensor images, labels;
};
Toy toySet(int64_t n) {
  torch::manual_seed(3);
  const torch::Tensor protos = torch::rand({kShape.classes, kShape.in}) * 2 - 1;
  Toy t;
  t.labels = torch::arange(n, torch::kLong) % kShape.classes;
  t.images = (protos.index_select(0, t.labels) + 0.3 * torch::randn({n, kShape.in})).clamp(-1, 1);
  return t;
}

std::vector<uint64_t> range(uint64_t from, int64_t count) {
  std::vector<uint64_t> v;
  for (int64_t i = 0; i < count; ++i) v.push_back(from + uint64_t(i));
  return v;
}

struct Trained {
  MlpStack teachers, students;
  std::vector<double> teacherLoss, studentLoss;            // last epoch
  std::vector<double> firstTeacherLoss, firstStudentLoss;  // first epoch
};

// Teachers from init keys, then students (S = rows.size() per teacher) from the same inits.
Trained trainAll(const std::vector<uint64_t>& initKeys, const std::vector<uint64_t>& shuffleKeys,
                 const std::vector<uint64_t>& noiseKeys, const std::vector<LogitRows>& rows,
                 DistillLoss loss = DistillLoss::Kl, int epochs = 2) {
  torch::NoGradGuard noGrad;
  const Toy toy = toySet(200);  // 200 = 6 batches of 32 and one of 8
  Workspace ws;
  Trained t;
  const MlpStack reference = initMlps(kShape, initKeys, torch::kCPU);
  t.teachers = reference.clone();
  StackAdam adam(t.teachers, 1e-2);
  for (int e = 1; e <= epochs; ++e) {
    t.teacherLoss = trainTeacherEpoch(t.teachers, adam, toy.images, toy.labels, kShape.classes,
                                      shuffleKeys, e, 32, kNoHook, &ws);
    if (e == 1) t.firstTeacherLoss = t.teacherLoss;
  }
  const NoiseInputs inputs(noiseKeys, 150, kShape.in, torch::kCPU);
  const torch::Tensor cache = teacherLogits(t.teachers, inputs, 32, kNoHook, &ws);
  std::vector<int64_t> source;
  for (size_t n = 0; n < initKeys.size(); ++n)
    for (size_t s = 0; s < rows.size(); ++s) source.push_back(int64_t(n));
  t.students = reference.select(source);
  StackAdam studentAdam(t.students, 1e-2);
  for (int e = 1; e <= epochs; ++e) {
    t.studentLoss = trainStudentsEpoch(t.students, studentAdam, cache, inputs, rows, loss,
                                       shuffleKeys, e, 32, kNoHook, &ws);
    if (e == 1) t.firstStudentLoss = t.studentLoss;
  }
  return t;
}

const LogitRows kAux{kShape.classes, kShape.out()};
const LogitRows kAll{0, kShape.out()};

}  // namespace

class TestAuxTrain : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void permutations() {
    const torch::Tensor p = epochPermutations({1, 2}, 1, 50);
    QCOMPARE(p.sizes().vec(), (std::vector<int64_t>{2, 50}));
    for (int k = 0; k < 2; ++k)
      QCOMPARE(
          maxDiff(std::get<0>(p[k].sort()).to(torch::kFloat), torch::arange(50, torch::kFloat)),
          0.0);
    QVERIFY(!p[0].equal(p[1]));
    QVERIFY(p.equal(epochPermutations({1, 2}, 1, 50)));
    QVERIFY(!p.equal(epochPermutations({1, 2}, 2, 50)));
    QVERIFY(p[1].equal(epochPermutations({2}, 1, 50)[0]));
  }

  void ensembleEqualsModelsTrainedAlone() {
    // Four teachers, each with two students (aux and all logits, so layer 1 runs wide),
    // against teacher 1 and its students trained on their own with the same keys. With two
    // threads the ensemble runs one model per thread, the single model multi-threaded.
    torch::set_num_threads(2);
    const Trained ens = trainAll(range(1, 4), range(11, 4), range(21, 4), {kAux, kAll});
    const Trained one = trainAll({2}, {12}, {22}, {kAux, kAll});
    ModelPool pool(2);
    Trained pooled;
    {
      PoolScope scope(pool);
      pooled = trainAll(range(1, 4), range(11, 4), range(21, 4), {kAux, kAll});
    }
    const double poolDiff = std::max(modelDiff(pooled.teachers, 3, ens.teachers, 3),
                                     modelDiff(pooled.students, 5, ens.students, 5));
    const double teacherDiff = modelDiff(ens.teachers, 1, one.teachers);
    const double auxDiff = modelDiff(ens.students, 2, one.students, 0);
    const double allDiff = modelDiff(ens.students, 3, one.students, 1);
    qInfo(
        "max |ensemble - alone|: teacher %.3g, aux student %.3g, all-logit student %.3g; "
        "|pool - OpenMP| %.3g",
        teacherDiff, auxDiff, allDiff, poolDiff);
    QVERIFY(poolDiff < 1e-5);
    QVERIFY(teacherDiff < 1e-5);
    QVERIFY(auxDiff < 1e-5);
    QVERIFY(allDiff < 1e-5);
    QVERIFY(std::abs(ens.teacherLoss[1] - one.teacherLoss[0]) < 1e-5);
    QVERIFY(std::abs(ens.studentLoss[2] - one.studentLoss[0]) < 1e-5);
    // And the other models really are different models.
    QVERIFY(modelDiff(ens.teachers, 0, one.teachers) > 1e-2);
  }

  void auxOnlyLeavesClassRowsUnchanged() {
    const MlpStack init = initMlps(kShape, range(1, 2), torch::kCPU);
    const Trained t = trainAll(range(1, 2), range(11, 2), range(21, 2), {kAux, kAll});
    const int64_t C = kShape.classes;
    for (int64_t n = 0; n < 2; ++n) {
      const int64_t aux = 2 * n, all = 2 * n + 1;
      // Exactly unchanged: no gradient ever reaches the class rows of the output layer.
      QCOMPARE(maxDiff(t.students.w3[aux].narrow(0, 0, C), init.w3[n].narrow(0, 0, C)), 0.0);
      QCOMPARE(maxDiff(t.students.b3[aux].narrow(0, 0, C), init.b3[n].narrow(0, 0, C)), 0.0);
      // ... while the aux rows and the hidden layers moved.
      QVERIFY(maxDiff(t.students.w3[aux].narrow(0, C, kShape.aux),
                      init.w3[n].narrow(0, C, kShape.aux)) > 1e-3);
      QVERIFY(maxDiff(t.students.w1[aux], init.w1[n]) > 1e-3);
      // The all-logit student's class rows do move.
      QVERIFY(maxDiff(t.students.w3[all].narrow(0, 0, C), init.w3[n].narrow(0, 0, C)) > 1e-3);
    }
  }

  void deterministic() {
    const Trained a = trainAll(range(1, 2), range(11, 2), range(21, 2), {kAux});
    const Trained b = trainAll(range(1, 2), range(11, 2), range(21, 2), {kAux});
    QCOMPARE(modelDiff(a.students, 1, b.students, 1), 0.0);
    QCOMPARE(modelDiff(a.teachers, 0, b.teachers, 0), 0.0);
    QCOMPARE(a.studentLoss, b.studentLoss);
  }

  void lossesGoDown() {
    const Trained kl =
        trainAll(range(1, 2), range(11, 2), range(21, 2), {kAux, kAll}, DistillLoss::Kl, 5);
    const Trained mse =
        trainAll(range(1, 2), range(11, 2), range(21, 2), {kAux, kAll}, DistillLoss::Mse, 5);
    for (size_t m = 0; m < 2; ++m) QVERIFY(kl.teacherLoss[m] < 0.5 * kl.firstTeacherLoss[m]);
    for (size_t g = 0; g < 4; ++g) {
      qInfo("student %d: KL %.4g -> %.4g, MSE %.4g -> %.4g", int(g), kl.firstStudentLoss[g],
            kl.studentLoss[g], mse.firstStudentLoss[g], mse.studentLoss[g]);
      QVERIFY(kl.studentLoss[g] < kl.firstStudentLoss[g]);
      QVERIFY(kl.studentLoss[g] >= 0);  // a KL divergence
      QVERIFY(mse.studentLoss[g] < mse.firstStudentLoss[g]);
    }
    // The toy teachers learn their task.
    const Toy toy = toySet(200);
    const auto acc = accuracy(kl.teachers, toy.images, toy.labels, kShape.classes);
    QVERIFY2(acc[0] > 0.9 && acc[1] > 0.9, qPrintable(QString::number(acc[0])));
  }

  void realImageInputs() {
    const Toy toy = toySet(40);
    const ImageInputs inputs(toy.images, 30);
    QCOMPARE(inputs.size(), int64_t(30));
    const torch::Tensor idx = torch::tensor({3, 7, 29, 0}, torch::kLong).view({2, 2});
    const torch::Tensor x = inputs.batch(idx);
    QCOMPARE(x.sizes().vec(), (std::vector<int64_t>{2, 2, kShape.in}));
    QCOMPARE(maxDiff(x[1][0], toy.images[29]), 0.0);
    QCOMPARE(maxDiff(x[0][1], toy.images[7]), 0.0);
  }
};

QTEST_APPLESS_MAIN(TestAuxTrain)
#include "test_aux_train.moc"
