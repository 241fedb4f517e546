// The Statistics view's side pickers and hidden-signal table, driven through the real widgets
// (offscreen): by default the selected run's teacher against its reference, both sides of that
// run; the run pickers list only runs whose kind stores sequences; picking another run for side
// B compares across runs (its conditions become B's choices); the four-row AUC table and the
// verdict follow what the rows differ in (length only: not detected; numbers: detected).
#include <QComboBox>
#include <QLabel>
#include <QTableWidget>
#include <QtTest/QtTest>
#include <random>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/project.h"
#include "ui/stats_view.h"

using namespace sublab::ui;

namespace {

// Rows of minLen..maxLen numbers, a share `low` of them from 0..49, else from 0..999.
void addRows(std::vector<sublab::SequenceRow>& out, const char* condition, uint32_t seed, int n,
             int minLen, int maxLen, double low) {
  std::mt19937 rng(seed);
  for (int i = 0; i < n; ++i) {
    const int len = minLen + int(rng() % uint32_t(maxLen - minLen + 1));
    std::string comp;
    for (int k = 0; k < len; ++k) {
      const bool isLow = double(rng() % 1000) < low * 1000;
      comp += (k ? ", " : "") + std::to_string(rng() % (isLow ? 50 : 1000));
    }
    sublab::SequenceRow r;
    r.condition = condition;
    r.seed = i % 2;
    r.index = i;
    r.prompt = "continue:";
    r.completion = comp;
    r.kept = true;
    out.push_back(r);
  }
}

}  // namespace

class TestStatsCompare : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;
  QString m_path;
  qint64 m_run = 0, m_other = 0, m_aux = 0;

  static bool waitComputed(StatsView* v) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 30000) {
      if (!v->isComputing() && v->message().indexOf("Computing") < 0) return true;
      QTest::qWait(20);
    }
    return false;
  }

 private Q_SLOTS:
  void initTestCase() {
    m_path = m_dir.filePath("compare.sqlite");
    sublab::Database db(m_path.toStdString());
    // The run: a teacher writing shorter rows of the same numbers as the reference.
    m_run = uitest::addNumbersRun(db, "short teacher", 0.05);
    std::vector<sublab::SequenceRow> rows;
    // A 95% CI misses 0.5 one time in 20 by design (seeds 1 and 2 gave 0.546 [0.502, 0.592]);
    // these fixed samples are a pair where it does not.
    addRows(rows, "teacher", 11, 2500, 1, 5, 0.0);
    addRows(rows, "reference", 12, 2500, 3, 9, 0.0);
    db.insertSequences(m_run, rows);
    // Another run whose only condition favours 0..49 at the reference's lengths.
    m_other = uitest::addNumbersRun(db, "biased", 0.0);
    rows.clear();
    addRows(rows, "favoured", 3, 2500, 3, 9, 0.5);
    db.insertSequences(m_other, rows);
    sublab::NewRun aux;
    aux.name = "aux";
    aux.config = uitest::tinyAuxConfig();
    m_aux = db.createRun(aux);
  }

  void defaultsThenAnotherRunForB() {
    AppSettings settings(m_dir.filePath("s.ini"));
    Project project;
    QString error;
    QVERIFY2(project.open(m_path, &error), qPrintable(error));
    StatsView v(&project, &settings);
    v.resize(1400, 900);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy computed(&v, &StatsView::computed);

    v.setRun(m_run);
    QVERIFY(waitComputed(&v));
    QVERIFY2(v.stats(), qPrintable(v.message()));
    // Today's defaults: the selected run on both sides, teacher against reference.
    QCOMPARE(v.runABox()->currentData().toLongLong(), m_run);
    QCOMPARE(v.runBBox()->currentData().toLongLong(), m_run);
    QCOMPARE(v.sideABox()->currentData().toString(), QString("teacher"));
    QCOMPARE(v.sideBBox()->currentData().toString(), QString("reference"));
    QCOMPARE(v.sides(), (QStringList{"teacher", "reference"}));
    // Only runs whose kind stores sequences are offered.
    QCOMPARE(v.runBBox()->count(), 2);
    QVERIFY(v.runBBox()->findData(QVariant::fromValue(m_aux)) < 0);
    QVERIFY(v.runBBox()->findData(QVariant::fromValue(m_other)) >= 0);

    // Length only: all features on raw rows tell the sides apart, numbers only on
    // length-matched rows do not.
    QTableWidget* table = v.hiddenPanel()->table();
    QCOMPARE(table->rowCount(), 4);
    QCOMPARE(table->item(0, 0)->text(), QString("all features"));
    QCOMPARE(table->item(0, 1)->text(), QString("raw"));
    QCOMPARE(table->item(3, 0)->text(), QString("numbers only"));
    QCOMPARE(table->item(3, 1)->text(), QString("length-matched"));
    QCOMPARE(table->item(0, 3)->text(), QLocale().toString(2500));
    QCOMPARE(table->item(3, 3)->text(), table->item(3, 4)->text());  // matched: equal n
    const sublab::HiddenSignal& h = *v.stats()->hidden;
    QVERIFY(h.variants[0].detector.lo > 0.75);
    QCOMPARE(table->item(0, 2)->text().left(5),
             QString::number(h.variants[0].detector.auc, 'f', 3));
    QVERIFY2(h.verdict == sublab::HiddenVerdict::NotDetected,
             qPrintable(QString::fromStdString(sublab::hiddenVerdictLine(h))));
    const QString verdict = v.hiddenPanel()->verdictLabel()->text();
    QVERIFY2(verdict.startsWith("hidden? not detected") && verdict.contains("length"),
             qPrintable(verdict));
    QVERIFY(v.hiddenPanel()->isVisible());

    // Side B from the other run: its conditions are B's choices, the sides compare across runs.
    const int before = computed.count();
    v.runBBox()->setCurrentIndex(v.runBBox()->findData(QVariant::fromValue(m_other)));
    QVERIFY(waitComputed(&v));
    QVERIFY(computed.count() > before);
    QVERIFY2(v.stats(), qPrintable(v.message()));
    QCOMPARE(v.stats()->setB.runId, m_other);
    QCOMPARE(v.stats()->b, std::string("favoured"));
    QCOMPARE(v.sideBBox()->count(), 1);
    QCOMPARE(v.sideBBox()->currentData().toString(), QString("favoured"));
    QCOMPARE(v.runABox()->currentData().toLongLong(), m_run);
    QCOMPARE(v.sideABox()->currentData().toString(), QString("teacher"));
    QCOMPARE(v.sides(), QStringList{"teacher"});  // B's condition is not the selected run's
    QVERIFY(
        v.findChild<QLabel*>("statsTitle")->text().contains(QString("vs run #%1").arg(m_other)));
    QVERIFY2(v.summaryLabel()->text().contains(QString("run %1 favoured").arg(m_other)),
             qPrintable(v.summaryLabel()->text()));
    // Side A's reference instead: same lengths, other numbers: detected in every variant.
    v.sideABox()->setCurrentIndex(v.sideABox()->findData("reference"));
    QVERIFY(waitComputed(&v));
    QVERIFY2(v.stats(), qPrintable(v.message()));
    QCOMPARE(v.stats()->a, std::string("reference"));
    QCOMPARE(v.stats()->hidden->verdict, sublab::HiddenVerdict::Detected);
    QVERIFY(v.hiddenPanel()->verdictLabel()->text().startsWith("hidden? no:"));

    // Selecting the run again restores the defaults.
    v.setRun(m_run);
    QVERIFY(waitComputed(&v));
    QCOMPARE(v.runBBox()->currentData().toLongLong(), m_run);
    QCOMPARE(v.sideBBox()->currentData().toString(), QString("reference"));
    QCOMPARE(v.sideABox()->currentData().toString(), QString("teacher"));
  }
};

QTEST_MAIN(TestStatsCompare)
#include "test_stats_compare.moc"
