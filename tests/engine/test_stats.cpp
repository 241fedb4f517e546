// Tests for the summary statistics: t quantiles, mean with 95% CI, paired differences.
#include <QtTest/QtTest>

#include "engine/core/stats.h"

class TestStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tQuantiles() {
    QCOMPARE(qRound(sublab::tQuantile975(1) * 1000), 12706);
    QCOMPARE(qRound(sublab::tQuantile975(2) * 1000), 4303);
    // Beyond the table the expansion must stay close to the exact values.
    QVERIFY(std::abs(sublab::tQuantile975(40) - 2.0211) < 2e-3);
    QVERIFY(std::abs(sublab::tQuantile975(99) - 1.9842) < 2e-3);
  }
  void meanCi() {
    // Hand computed: mean 2, sd 1, n 3 -> half width 4.3027 / sqrt(3) = 2.48416.
    auto r = sublab::meanCi95({1.0, 2.0, 3.0});
    QCOMPARE(r.n, 3);
    QVERIFY(std::abs(r.mean - 2.0) < 1e-12);
    QVERIFY(std::abs(r.hi - r.mean - 2.48416) < 1e-4);
    QVERIFY(std::abs(r.mean - r.lo - 2.48416) < 1e-4);
    auto one = sublab::meanCi95({5.0});
    QCOMPARE(one.lo, 5.0);
    QCOMPARE(one.hi, 5.0);
    QCOMPARE(sublab::meanCi95({}).n, 0);
  }
  void paired() {
    auto r = sublab::pairedDifferenceCi95({3.0, 4.0, 5.0}, {1.0, 1.0, 1.0});
    QVERIFY(std::abs(r.mean - 3.0) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             sublab::pairedDifferenceCi95({1.0}, {1.0, 2.0}));
  }
};

QTEST_APPLESS_MAIN(TestStats)
#include "test_stats.moc"
