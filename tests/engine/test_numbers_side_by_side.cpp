// Independent trainings side by side (runSideBySide): the two references and the students of a
// seed, trained at once on one thread each, equal the same trainings one after the other.
#include <QtTest/QtTest>
#include <algorithm>
#include <tuple>

#include "tests/engine/numbers_test_util.h"

using namespace numbers_test;

class TestNumbersSideBySide : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Independent trainings run side by side when torch has 2 threads (one thread each): the
  // weights and evaluations equal those of the same trainings one after the other on 1 thread,
  // the same points are reported (in another order), and progress only grows.
  void sideBySideEqualsOneAfterAnother() {
    const NumbersConfig c = tinyConfig();  // two references
    const torch::Device cpu(torch::kCPU);
    auto sortedPoints = [](std::vector<sublab::MetricPoint> v) {
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return std::tie(a.condition, a.seed, a.metric, a.step) <
               std::tie(b.condition, b.seed, b.metric, b.step);
      });
      return v;
    };
    auto samePoints = [&](const Recorder& a, const Recorder& b) {
      const auto x = sortedPoints(a.metrics), y = sortedPoints(b.metrics);
      if (x.size() != y.size() || x.empty()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i].condition != y[i].condition || x[i].seed != y[i].seed ||
            x[i].metric != y[i].metric || x[i].step != y[i].step || x[i].value != y[i].value)
          return false;
      return true;
    };
    auto growing = [](const Recorder& r) {
      return !r.fractions.empty() && std::is_sorted(r.fractions.begin(), r.fractions.end()) &&
             r.fractions.back() == 1.0;
    };
    Recorder inOrder, sideBySide;
    torch::set_num_threads(1);
    auto a = sublab::pretrainReferences(c, cpu, "", inOrder, nullptr);
    torch::set_num_threads(2);
    auto b = sublab::pretrainReferences(c, cpu, "", sideBySide, nullptr);
    QCOMPARE(torch::get_num_threads(), 2);  // given back after the jobs
    for (size_t s = 0; s < 2; ++s) QVERIFY(sameWeights(a.models[s], b.models[s]));
    QVERIFY(samePoints(inOrder, sideBySide));
    QCOMPARE(inOrder.metricThreads.size(), size_t(1));
    QCOMPARE(sideBySide.metricThreads.size(), size_t(2));  // the two trained at once
    QVERIFY(growing(inOrder));
    QVERIFY(growing(sideBySide));

    // The students of one seed: every condition, the same evaluations.
    sublab::Teacher teacher{tinyModel(c, 2), {}};
    const auto teacherData = handMadeData("teacher", 12), refData = handMadeData("reference", 9);
    const auto sets =
        sublab::buildStudentSets(c, 0, teacher, a.models[0], teacherData, refData, {});
    const auto conditions = sublab::studentConditions(c, a.models[0], a.models[1], sets);
    QVERIFY(conditions.size() >= 4);
    Recorder studentsInOrder, studentsSideBySide;
    const sublab::SeedSlot slot{0, 1};
    torch::set_num_threads(1);
    const auto x = sublab::trainStudents(c, slot, conditions, studentsInOrder, nullptr);
    torch::set_num_threads(2);
    const auto y = sublab::trainStudents(c, slot, conditions, studentsSideBySide, nullptr);
    torch::set_num_threads(1);
    QCOMPARE(x.size(), conditions.size());
    QCOMPARE(y.size(), conditions.size());
    for (size_t i = 0; i < x.size(); ++i) {
      QCOMPARE(y[i].condition, conditions[i].name);  // in the conditions' order
      QCOMPARE(y[i].eval.traitProb, x[i].eval.traitProb);
      QCOMPARE(y[i].eval.traitProbRaw, x[i].eval.traitProbRaw);
    }
    QVERIFY(samePoints(studentsInOrder, studentsSideBySide));
    QCOMPARE(studentsSideBySide.metricThreads.size(), size_t(2));
    QVERIFY(growing(studentsSideBySide));
  }
};

QTEST_APPLESS_MAIN(TestNumbersSideBySide)
#include "test_numbers_side_by_side.moc"
