// The Statistics view's verdict in words, on statistics computed by seq_stats from seeded rows:
// it names what differs (shorter rows, numbers used more often) with the figures' own
// estimates and intervals, and says "no detectable difference" when the detector's CI includes
// chance and nothing else differs.
#include <QtTest/QtTest>
#include <random>

#include "engine/seqstats/seq_stats.h"
#include "ui/stats_plots.h"
#include "ui/stats_words.h"

using namespace sublab::ui;

namespace {

// `rows` rows of `length` numbers, uniform over 0..999 except that each number is `favourite`
// with probability `bias`.
std::vector<std::vector<int>> makeRows(std::mt19937& rng, int rows, int length, double bias,
                                       int favourite) {
  std::uniform_real_distribution<double> coin(0, 1);
  std::uniform_int_distribution<int> any(0, 999);
  std::vector<std::vector<int>> out(static_cast<size_t>(rows));
  for (auto& row : out)
    for (int k = 0; k < length; ++k) row.push_back(coin(rng) < bias ? favourite : any(rng));
  return out;
}

sublab::RunStats statsOf(const std::vector<std::vector<int>>& a,
                         const std::vector<std::vector<int>>& b) {
  sublab::RunStats s;
  s.a = "teacher";
  s.b = "reference";
  s.report = sublab::compareSequences(a, b);
  return s;
}

}  // namespace

class TestStatsWords : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Shorter teacher rows that favour 123: both findings, each with the computed figures.
  void namesLengthAndNumbers() {
    std::mt19937 rng(7);
    const auto a = makeRows(rng, 400, 5, 0.2, 123);
    const auto b = makeRows(rng, 400, 8, 0.0, 123);
    const sublab::RunStats s = statsOf(a, b);
    const LengthDifference len = lengthDifference(s.report);
    QCOMPARE(len.meanA, 5.0);
    QCOMPARE(len.meanB, 8.0);
    QCOMPARE(len.diff, -3.0);
    QVERIFY(len.p < 0.05);
    const QString words = statsInWords(s);
    QVERIFY(s.report.detector.lo > 0.5);
    QVERIFY2(words.contains("A detector tells teacher rows from reference rows"),
             qPrintable(words));
    QVERIFY2(words.contains(aucText(s.report.detector)), qPrintable(words));
    QVERIFY2(words.contains("teacher rows are shorter: 5.00 vs 8.00 numbers per row"),
             qPrintable(words));
    QVERIFY2(words.contains("teacher rows use 123 more often"), qPrintable(words));
  }

  // Two samples of one generator: nothing detectable, and the words say so.
  void saysWhenNothingDiffers() {
    std::mt19937 rng(11);
    const auto a = makeRows(rng, 300, 6, 0.0, 0);
    const auto b = makeRows(rng, 300, 6, 0.0, 0);
    const sublab::RunStats s = statsOf(a, b);
    const sublab::DetectorResult& d = s.report.detector;
    QVERIFY2(d.lo <= 0.5 && d.hi >= 0.5, qPrintable(aucText(d)));
    const QString words = statsInWords(s);
    QVERIFY2(words.contains("No detectable difference"), qPrintable(words));
    QVERIFY2(words.contains(aucText(d) + " includes 0.5"), qPrintable(words));
    QVERIFY2(!words.contains("shorter") && !words.contains("longer"), qPrintable(words));
  }
};

QTEST_MAIN(TestStatsWords)
#include "test_stats_words.moc"
