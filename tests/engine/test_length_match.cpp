// Tests for length matching (length_match.h): equal per-bin histograms after matching, the
// counts kept per bin, empty and one-sided bins, bin widths, determinism for a seed and
// different draws for another seed, and clear errors for bad input.
#include <QtTest/QtTest>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "engine/core/common.h"
#include "engine/seqstats/length_match.h"
#include "tests/storage/expect_error.h"

using sublab::LengthMatch;
using sublab::LengthMatchOptions;
using sublab::matchLengths;

namespace {

using sublab::test::errorOf;

// Lengths drawn uniformly from [lo, hi].
std::vector<int64_t> lengths(uint32_t seed, int n, int lo, int hi) {
  std::mt19937 rng(seed);
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (auto& x : out) x = lo + static_cast<int64_t>(rng() % static_cast<uint32_t>(hi - lo + 1));
  return out;
}

std::map<int64_t, int64_t> histogram(const std::vector<int64_t>& len,
                                     const std::vector<int64_t>& kept, int width = 1) {
  std::map<int64_t, int64_t> h;
  for (int64_t i : kept) h[len[static_cast<size_t>(i)] / width]++;
  return h;
}

std::vector<int64_t> every(size_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

bool ascendingUnique(const std::vector<int64_t>& v, size_t n) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0 || static_cast<size_t>(v[i]) >= n) return false;
    if (i > 0 && v[i] <= v[i - 1]) return false;
  }
  return true;
}

}  // namespace

class TestLengthMatch : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void equalHistograms() {
    // A is short (1..4 numbers), B long (3..8): only lengths 3 and 4 overlap.
    const auto a = lengths(1, 5000, 1, 4), b = lengths(2, 3000, 3, 8);
    const LengthMatch m = matchLengths(a, b, {});
    QVERIFY(ascendingUnique(m.keptA, a.size()));
    QVERIFY(ascendingUnique(m.keptB, b.size()));
    const auto ha = histogram(a, m.keptA), hb = histogram(b, m.keptB);
    QCOMPARE(ha, hb);
    QCOMPARE(ha.size(), size_t{2});
    QVERIFY(ha.count(3) && ha.count(4));
    // Per bin exactly min(count A, count B) of each side.
    const auto allA = histogram(a, every(a.size())), allB = histogram(b, every(b.size()));
    for (const auto& [bin, n] : ha) QCOMPARE(n, std::min(allA.at(bin), allB.at(bin)));
    QCOMPARE(m.keptA.size(), m.keptB.size());
    QCOMPARE(m.bins, int64_t{8});          // lengths 1..8
    QCOMPARE(m.oneSidedBins, int64_t{6});  // 1, 2 (A only) and 5..8 (B only)
  }

  void countsTable_data() {
    QTest::addColumn<QList<qint64>>("a");
    QTest::addColumn<QList<qint64>>("b");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("kept");
    QTest::addColumn<int>("oneSided");
    QTest::newRow("both empty") << QList<qint64>{} << QList<qint64>{} << 1 << 0 << 0;
    QTest::newRow("A empty") << QList<qint64>{} << QList<qint64>{1, 2} << 1 << 0 << 2;
    QTest::newRow("B empty") << QList<qint64>{3} << QList<qint64>{} << 1 << 0 << 1;
    QTest::newRow("identical") << QList<qint64>{1, 2, 2} << QList<qint64>{2, 1, 2} << 1 << 3 << 0;
    QTest::newRow("disjoint") << QList<qint64>{1, 1} << QList<qint64>{2, 2} << 1 << 0 << 2;
    QTest::newRow("zero lengths") << QList<qint64>{0, 0, 0} << QList<qint64>{0, 5} << 1 << 1 << 1;
    QTest::newRow("width 2 merges") << QList<qint64>{1, 1} << QList<qint64>{0, 2} << 2 << 1 << 1;
    QTest::newRow("width 10 one bin")
        << QList<qint64>{1, 3, 9} << QList<qint64>{0, 5} << 10 << 2 << 0;
  }
  void countsTable() {
    QFETCH(QList<qint64>, a);
    QFETCH(QList<qint64>, b);
    QFETCH(int, width);
    QFETCH(int, kept);
    QFETCH(int, oneSided);
    const std::vector<int64_t> la(a.begin(), a.end()), lb(b.begin(), b.end());
    LengthMatchOptions o;
    o.binWidth = width;
    const LengthMatch m = matchLengths(la, lb, o);
    QCOMPARE(static_cast<int>(m.keptA.size()), kept);
    QCOMPARE(static_cast<int>(m.keptB.size()), kept);
    QCOMPARE(static_cast<int>(m.oneSidedBins), oneSided);
    QCOMPARE(histogram(la, m.keptA, width), histogram(lb, m.keptB, width));
    QVERIFY(ascendingUnique(m.keptA, la.size()) && ascendingUnique(m.keptB, lb.size()));
  }

  void equalSetsKeepEverything() {
    const auto a = lengths(7, 400, 0, 12);
    const LengthMatch m = matchLengths(a, a, {});
    QCOMPARE(m.keptA.size(), a.size());
    QCOMPARE(m.keptA, m.keptB);
    QCOMPARE(m.oneSidedBins, int64_t{0});
  }

  void deterministicAndSeeded() {
    const auto a = lengths(3, 2000, 1, 6), b = lengths(4, 1500, 2, 9);
    LengthMatchOptions o;
    o.seed = 11;
    const LengthMatch m1 = matchLengths(a, b, o), m2 = matchLengths(a, b, o);
    QCOMPARE(m1.keptA, m2.keptA);
    QCOMPARE(m1.keptB, m2.keptB);
    o.seed = 12;
    const LengthMatch m3 = matchLengths(a, b, o);
    QVERIFY(m3.keptA != m1.keptA);  // other rows of A's over-full bins
    QCOMPARE(m3.keptB, m1.keptB);   // B has no over-full bin: all its rows in A's range stay
    QCOMPARE(m3.keptA.size(), m1.keptA.size());  // the same counts per bin
    QCOMPARE(histogram(a, m3.keptA), histogram(a, m1.keptA));
    // Over many seeds every row of an over-full bin is sometimes kept (a draw, not a prefix).
    std::set<int64_t> everKept;
    for (uint64_t s = 1; s <= 40; ++s) {
      o.seed = s;
      for (int64_t i : matchLengths(a, b, o).keptA) everKept.insert(i);
    }
    size_t eligible = 0;
    for (int64_t len : a) eligible += len >= 2 ? 1 : 0;
    QCOMPARE(everKept.size(), eligible);
  }

  void bothSidesDrawn() {
    // A mostly short, B mostly long: A's bins 1..4 and B's bins 5..8 are over-full.
    auto a = lengths(3, 3000, 1, 4), b = lengths(4, 3000, 5, 8);
    for (int64_t x : lengths(33, 500, 1, 8)) a.push_back(x);
    for (int64_t x : lengths(44, 500, 1, 8)) b.push_back(x);
    LengthMatchOptions o;
    const LengthMatch m1 = matchLengths(a, b, o);
    o.seed = 2;
    const LengthMatch m2 = matchLengths(a, b, o);
    QVERIFY(m1.keptA != m2.keptA && m1.keptB != m2.keptB);
    QCOMPARE(histogram(a, m1.keptA), histogram(b, m1.keptB));
    QCOMPARE(histogram(a, m2.keptA), histogram(b, m1.keptB));
  }

  void oneSideIndependentOfOtherOrder() {
    // A's kept rows depend on B's per-bin counts only, not on B's order.
    const auto a = lengths(5, 800, 1, 5);
    auto b = lengths(6, 600, 1, 5);
    const LengthMatch m1 = matchLengths(a, b, {});
    std::reverse(b.begin(), b.end());
    const LengthMatch m2 = matchLengths(a, b, {});
    QCOMPARE(m1.keptA, m2.keptA);
  }

  void selectRows() {
    const std::vector<std::vector<int>> rows{{1}, {2, 3}, {4, 5, 6}};
    QCOMPARE(sublab::rowLengths(rows), (std::vector<int64_t>{1, 2, 3}));
    const auto picked = sublab::selectRows(rows, {0, 2});
    QCOMPARE(picked, (std::vector<std::vector<int>>{{1}, {4, 5, 6}}));
  }

  void badInput() {
    QVERIFY(errorOf([] {
              matchLengths({1, -2}, {1});
            }).find("row 1 of side A") != std::string::npos);
    QVERIFY(errorOf([] { matchLengths({1}, {-1}); }).find("side B") != std::string::npos);
    LengthMatchOptions o;
    o.binWidth = 0;
    QVERIFY(errorOf([&] { matchLengths({1}, {1}, o); }).find("bin width 0") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestLengthMatch)
#include "test_length_match.moc"
