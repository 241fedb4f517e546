// Any two sets of stored sequences compared (compareSets): one run's two conditions give what
// analyzeRun gives; conditions of two runs compare with run-labelled sides; per-set verdicts;
// the hidden-signal variants on a length-only difference and on a frequency difference; and
// clear errors naming the run and condition at fault.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <random>

#include "app/lab/run_stats.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;

namespace {

// Rows of `condition`: lengths minLen..maxLen, numbers from 0..49 with probability `low`, else
// 0..999; every tenth row rejected; seeds 0 and 1 alternate.
std::vector<SequenceRow> rows(const std::string& condition, uint64_t seed, int n, int minLen,
                              int maxLen, double low) {
  std::mt19937_64 rng(seed);
  std::vector<SequenceRow> out;
  for (int i = 0; i < n; ++i) {
    const int len = minLen + static_cast<int>(rng() % static_cast<uint64_t>(maxLen - minLen + 1));
    std::string comp;
    for (int k = 0; k < len; ++k) {
      const bool isLow = static_cast<double>(rng() % 1000) < low * 1000;
      comp += (k ? ", " : "") + std::to_string(rng() % (isLow ? 50 : 1000));
    }
    out.push_back({condition, i % 2, i, "1, 2", comp, i % 10 != 0, i % 10 ? "" : "format", {}});
  }
  return out;
}

int64_t numbersRun(Database& db, const std::vector<SequenceRow>& r) {
  NewRun nr;
  nr.config = {{"kind", "numbers"}};
  const int64_t id = db.createRun(nr);
  db.insertSequences(id, r);
  return id;
}

CompareOptions fast(bool variants = false) {
  CompareOptions o;
  o.stats.bootstrap = 200;
  o.variants = variants;
  return o;
}

}  // namespace

class TestCompareSets : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void sameRunIsAnalyzeRun() {
    Database db(m_dir.filePath("same.sqlite").toStdString());
    auto r = rows("teacher", 1, 600, 3, 8, 0.4);
    for (const auto& x : rows("reference", 2, 600, 3, 8, 0.0)) r.push_back(x);
    const int64_t id = numbersRun(db, r);
    const RunStats viaRun = analyzeRun(db, id);
    const RunStats viaSets = compareSets(db, {id, "teacher"}, {id, "reference"});
    QCOMPARE(toJson(viaSets).dump(), toJson(viaRun).dump());
    QCOMPARE(viaSets.report.a.label, std::string("teacher (kept)"));
    QCOMPARE(viaSets.report.a.rows, int64_t{540});
    QVERIFY(!viaSets.hidden.has_value());
    QVERIFY(!toJson(viaSets).contains("hidden_signal"));
    QVERIFY(!toJson(viaSets).contains("set_b"));  // one run: the JSON is as it always was
  }

  void twoRuns() {
    Database db(m_dir.filePath("two.sqlite").toStdString());
    auto r1 = rows("teacher", 3, 500, 3, 8, 0.5);
    for (const auto& x : rows("reference", 4, 500, 3, 8, 0.0)) r1.push_back(x);
    const int64_t run1 = numbersRun(db, r1);
    const int64_t run2 = numbersRun(db, rows("reference", 5, 700, 3, 8, 0.0));
    // Teacher of run 1 against the reference of run 2: told apart; labels name the runs.
    const RunStats s = compareSets(db, {run1, "teacher"}, {run2, "reference"}, fast());
    QCOMPARE(s.report.a.label, "run " + std::to_string(run1) + " teacher (kept)");
    QCOMPARE(s.report.b.label, "run " + std::to_string(run2) + " reference (kept)");
    QCOMPARE(s.report.a.rows, int64_t{450});
    QCOMPARE(s.report.b.rows, int64_t{630});
    QVERIFY(s.report.detector.auc > 0.9);
    QVERIFY(!s.report.over.empty() && s.report.over.front() < 50);
    QCOMPARE(s.runId, run1);
    QCOMPARE(s.setB.runId, run2);
    QCOMPARE(toJson(s)["set_b"]["condition"].get<std::string>(), std::string("reference"));
    QCOMPARE(toJson(s)["set_a"]["run_id"].get<int64_t>(), run1);
    bool noted = false;
    for (const auto& n : s.notes) noted |= n.find("two runs") != std::string::npos;
    QVERIFY(noted);
    // The two references, one from each run, are the same distribution.
    const RunStats same = compareSets(db, {run1, "reference"}, {run2, "reference"}, fast());
    QVERIFY2(same.report.detector.lo < 0.5 && 0.5 < same.report.detector.hi,
             qPrintable(QString::number(same.report.detector.auc)));
    // Per-set verdicts and seeds: all of run 2's seed 0 rows against run 1's kept teacher rows.
    const RunStats mixed =
        compareSets(db, {run1, "teacher"}, {run2, "reference", Verdict::Any, 0}, fast());
    QCOMPARE(mixed.report.b.rows, int64_t{350});
    QCOMPARE(mixed.report.b.label, "run " + std::to_string(run2) + " reference seed 0 (all)");
    QCOMPARE(toJson(mixed)["set_b"]["seed"].get<int>(), 0);
  }

  void hiddenSignalVariants() {
    Database db(m_dir.filePath("hidden.sqlite").toStdString());
    // "short" differs from "long" in row length only; "biased" in its numbers only.
    const int64_t run1 = numbersRun(db, rows("short", 6, 3000, 1, 5, 0.0));
    auto r2 = rows("long", 7, 3000, 3, 9, 0.0);
    for (const auto& x : rows("biased", 8, 3000, 3, 9, 0.5)) r2.push_back(x);
    const int64_t run2 = numbersRun(db, r2);
    const RunStats s = compareSets(db, {run1, "short"}, {run2, "long"}, fast(true));
    QVERIFY(s.hidden.has_value());
    const HiddenSignal& h = *s.hidden;
    QCOMPARE(h.variants.size(), size_t{4});
    QCOMPARE(h.variants[0].detector.auc, s.report.detector.auc);  // the report's own detector
    QVERIFY(h.variants[0].detector.lo > 0.75);
    QCOMPARE(h.variants[3].features, DetectorFeatures::NumbersOnly);
    QVERIFY(h.variants[3].lengthMatched);
    QCOMPARE(h.variants[3].rowsA, h.variants[3].rowsB);
    QVERIFY2(h.verdict == HiddenVerdict::NotDetected,
             qPrintable(QString::fromStdString(hiddenVerdictLine(h))));
    const auto j = toJson(s);
    QCOMPARE(j["hidden_signal"]["variants"].size(), size_t{4});
    QCOMPARE(j["hidden_signal"]["verdict"].get<std::string>(), std::string("not_detected"));

    const RunStats b = compareSets(db, {run2, "biased"}, {run2, "long"}, fast(true));
    QCOMPARE(b.hidden->verdict, HiddenVerdict::Detected);
    QVERIFY(b.hidden->variants[3].detector.lo > 0.8);
  }

  void clearErrors() {
    Database db(m_dir.filePath("errors.sqlite").toStdString());
    const int64_t run1 = numbersRun(db, rows("teacher", 9, 50, 2, 4, 0.0));
    const int64_t run2 = numbersRun(db, rows("reference", 10, 50, 2, 4, 0.0));
    const std::string r2 = std::to_string(run2);
    expectError(
        [&] {
          compareSets(db, {run1, "teacher"}, {run2, "teacher"});
        },
        {QString::fromStdString("run " + r2), "no sequences of condition \"teacher\"",
         "reference"});
    expectError([&] { compareSets(db, {run1, "teacher"}, {4242, "teacher"}); }, {"4242"});
    expectError(
        [&] {
          compareSets(db, {run1, "teacher"}, {run2, "reference", Verdict::Rejected, 1});
        },
        {QString::fromStdString("run " + r2), "no rejected rows", "seed 1"});
    NewRun aux;
    aux.config = {{"kind", "aux"}};
    aux.kind = "aux";
    const int64_t auxId = db.createRun(aux);
    expectError(
        [&] {
          compareSets(db, {auxId, "teacher"}, {run1, "teacher"});
        },
        {"aux", "number-sequence"});
  }
};

QTEST_GUILESS_MAIN(TestCompareSets)
#include "test_compare_sets.moc"
