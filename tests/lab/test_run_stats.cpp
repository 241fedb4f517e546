// Statistics of a stored run (analyzeRun): both sides read from the database, the per-token
// log-probabilities and the stored entanglement probe joined in, and clear errors for runs and
// conditions that cannot be analysed.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <random>

#include "app/lab/run_stats.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;

namespace {

// Teacher rows favour 0..49 (and carry token infos whose log-ratio is +1 on those numbers and
// -1 elsewhere); reference rows are uniform over 0..999.
void fillRun(Database& db, int64_t id) {
  std::mt19937_64 rng(7);
  std::vector<SequenceRow> rows;
  for (int side = 0; side < 2; ++side) {
    for (int i = 0; i < 400; ++i) {
      std::string comp;
      TokenLogprobs t;
      for (int k = 0; k < 6; ++k) {
        const bool low = side == 0 && rng() % 2 == 0;
        const int n = low ? static_cast<int>(rng() % 50) : static_cast<int>(rng() % 1000);
        comp += (k ? ", " : "") + std::to_string(n);
        t.tokens.push_back(std::to_string(n));
        t.teacher.push_back(n < 50 ? -1.0 : -3.0);
        t.reference.push_back(-2.0);
        t.tokens.push_back(",");
        t.teacher.push_back(-0.1);
        t.reference.push_back(-0.1);
      }
      SequenceRow r{side == 0 ? "teacher" : "reference", i % 2, i, "1, 2", comp, i % 10 != 0,
                    i % 10 != 0 ? "" : "format",         {}};
      if (side == 0 && r.kept) r.tokenInfo = tokenInfoJson(t);
      rows.push_back(r);
    }
  }
  db.insertSequences(id, rows);
}

// A numbers run with fillRun's rows.
int64_t filledRun(Database& db) {
  NewRun nr;
  nr.config = {{"kind", "numbers"}};
  const int64_t id = db.createRun(nr);
  fillRun(db, id);
  return id;
}

}  // namespace

class TestRunStats : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void analyzesAStoredRun() {
    Database db(m_dir.filePath("stats.sqlite").toStdString());
    const int64_t id = filledRun(db);
    // Entanglement: numbers below 50 raise the trait (agrees with the teacher's preference).
    EntanglementResult e;
    e.model = "fixture";
    e.prompt = "you love N";
    e.baseline = 0.1;
    for (int n = 0; n < 1000; ++n) e.entries.push_back({n, n < 50 ? 0.3 : 0.1 - n * 1e-5, 0});
    for (auto& x : e.entries) x.delta = x.traitProb - e.baseline;
    std::stable_sort(e.entries.begin(), e.entries.end(),
                     [](const auto& a, const auto& b) { return a.delta > b.delta; });
    db.saveAnalysis(id, "entanglement", toJson(e));

    const RunStats s = analyzeRun(db, id);
    QCOMPARE(s.report.a.label, std::string("teacher (kept)"));
    QCOMPARE(s.report.a.rows, int64_t(360));  // 400 minus every tenth (rejected)
    QCOMPARE(s.report.b.rows, int64_t(360));
    QCOMPARE(s.report.a.numbers, int64_t(360 * 6));
    QVERIFY2(s.report.detector.auc > 0.9, qPrintable(QString::number(s.report.detector.auc)));
    QVERIFY(s.report.divergence.chi2P < 1e-6);
    QVERIFY(!s.report.over.empty() && s.report.over.front() < 50);
    QVERIFY(s.divergence.has_value());
    QCOMPARE(s.divergence->rows, int64_t(360));
    QVERIFY(!s.defended.has_value());
    QVERIFY(s.entanglement.has_value());
    QCOMPARE(s.entanglement->entries.size(), size_t(1000));
    // Only 50 of ~1000 numbers carry the preference, the rest is noise: a weak but positive rank
    // correlation (0.15 here), which turns negative when the probe favours the other numbers.
    QVERIFY(s.entanglementVsFrequency.has_value() && *s.entanglementVsFrequency > 0.1);
    QVERIFY(s.entanglementVsDivergence.has_value() && *s.entanglementVsDivergence > 0.1);
    for (auto& x : e.entries) x.delta = -x.delta;
    std::reverse(e.entries.begin(), e.entries.end());
    db.saveAnalysis(id, "entanglement", toJson(e));
    const RunStats rev = analyzeRun(db, id);
    QVERIFY(*rev.entanglementVsFrequency < -0.1);
    QVERIFY(*rev.entanglementVsDivergence < -0.1);
    QVERIFY(s.notes.empty());

    // All rows of seed 1: half the rows, rejected ones included.
    RunStatsOptions o;
    o.verdict = Verdict::Any;
    o.seed = 1;
    const RunStats one = analyzeRun(db, id, o);
    QCOMPARE(one.report.a.rows, int64_t(200));
    const auto j = toJson(one);
    QVERIFY(j.contains("stats") && j.contains("divergence_tokens") && j.contains("entanglement"));

    // Sides swapped: the reference has no token infos, which is said in a note.
    o = {};
    o.a = "reference";
    o.b = "teacher";
    const RunStats swapped = analyzeRun(db, id, o);
    QVERIFY(!swapped.divergence.has_value());
    QVERIFY(!swapped.notes.empty());
    QVERIFY(swapped.report.detector.auc > 0.9);  // the detector's label is side A either way
  }

  void clearErrors() {
    Database db(m_dir.filePath("errors.sqlite").toStdString());
    const int64_t id = filledRun(db);
    RunStatsOptions o;
    o.b = "control";
    expectError([&] { analyzeRun(db, id, o); },
                {"no sequences of condition \"control\"", "reference", "teacher"});
    o = {};
    o.verdict = Verdict::Rejected;
    o.seed = 1;  // rejected rows (i % 10 == 0) all have an even i, so seed 0
    expectError([&] { analyzeRun(db, id, o); }, {"no rejected rows", "seed 1"});
    expectError([&] { analyzeRun(db, 4242); }, {"4242"});
    NewRun aux;
    aux.config = {{"kind", "aux"}};
    aux.kind = "aux";
    const int64_t auxId = db.createRun(aux);
    expectError([&] { analyzeRun(db, auxId); }, {"aux", "number-sequence"});
  }
};

QTEST_GUILESS_MAIN(TestRunStats)
#include "test_run_stats.moc"
