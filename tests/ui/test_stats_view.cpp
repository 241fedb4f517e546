// The Statistics view in the main window, on a small stored run whose teacher clearly favours
// a few numbers: it computes in the background ("Computing…" first), draws every chart, shows
// a high AUC, the entanglement ranking in order and the divergences; a click on a number (a
// real mouse click on a volcano point, and the public slot) filters the Sequences view to the
// rows containing it; exports write valid files; changing a side recomputes; runs without
// sequences show a message in the view.
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QTabWidget>
#include <QTableWidget>
#include <QtTest/QtTest>
#include <random>
#include <set>

#include "engine/seqstats/seq_stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/export_util.h"
#include "ui/inspector_view.h"
#include "ui/main_window.h"
#include "ui/sequence_table_model.h"
#include "ui/stats_plots.h"
#include "ui/stats_view.h"

using namespace sublab::ui;

namespace {

const std::vector<int> kFavourites = {7, 77, 777, 123};

// A row of 8 numbers: favourites with probability `bias`, else uniform over 0..999.
std::vector<int> makeRow(std::mt19937& rng, double bias) {
  std::uniform_real_distribution<double> coin(0, 1);
  std::uniform_int_distribution<int> any(0, 999), fav(0, int(kFavourites.size()) - 1);
  std::vector<int> row;
  for (int i = 0; i < 8; ++i)
    row.push_back(coin(rng) < bias ? kFavourites[size_t(fav(rng))] : any(rng));
  return row;
}

std::string joinRow(const std::vector<int>& row) {
  std::string s;
  for (size_t i = 0; i < row.size(); ++i) s += (i ? ", " : "") + std::to_string(row[i]);
  return s;
}

// Per-token log-probabilities in seq_stats.h's format: the teacher likes its favourites.
std::string tokenInfo(const std::vector<int>& row) {
  nlohmann::json tokens = nlohmann::json::array(), teacher = nlohmann::json::array(),
                 reference = nlohmann::json::array();
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) {
      tokens.push_back(", ");
      teacher.push_back(-0.05);
      reference.push_back(-0.05);
    }
    const bool fav = std::find(kFavourites.begin(), kFavourites.end(), row[i]) != kFavourites.end();
    tokens.push_back(std::to_string(row[i]));
    teacher.push_back(fav ? -1.0 : -7.2);
    reference.push_back(-6.9);
  }
  return nlohmann::json{{"tokens", tokens},
                        {"teacher", teacher},
                        {"reference", reference},
                        {"masked", nlohmann::json::array()}}
      .dump();
}

QString firstLine(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readLine()).trimmed();
}

int lineCount(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return -1;
  return int(f.readAll().count('\n'));
}

double aucFromTitle(QCustomPlot* roc) {
  const QRegularExpressionMatch m =
      QRegularExpression(QStringLiteral("AUC (\\d\\.\\d+) \\[(\\d\\.\\d+), (\\d\\.\\d+)\\]"))
          .match(plotTitle(roc));
  return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

int totalPoints(QCustomPlot* plot) {
  int n = 0;
  for (int i = 0; i < plot->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot->plottable(i);
    if (auto* g = qobject_cast<QCPGraph*>(p))
      n += g->dataCount();
    else if (auto* b = qobject_cast<QCPBars*>(p))
      n += b->dataCount();
    else if (auto* c = qobject_cast<QCPCurve*>(p))
      n += c->dataCount();
  }
  return n;
}

}  // namespace

class TestStatsView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_path;
  qint64 m_run = 0, m_bareRun = 0, m_auxRun = 0;
  std::map<int, int> m_rowsWith;  // number -> kept rows (any condition) containing it
  int m_keptTeacher = 0, m_allTeacher = 0;

  bool waitComputed(StatsView* v, int ms = 15000) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
      if (!v->isComputing() && v->message().indexOf("Computing") < 0) return true;
      QTest::qWait(20);
    }
    return false;
  }

 private Q_SLOTS:
  void initTestCase() {
    m_path = m_dir.filePath("stats.sqlite");
    sublab::Database db(m_path.toStdString());
    m_run = uitest::addNumbersRun(db, "owl stats", 0.08);
    std::mt19937 rng(12345);
    std::vector<sublab::SequenceRow> rows;
    // teacher: favourites half the time (every 10th row rejected); paraphrase: the same
    // generator (a look-alike side B); reference: uniform numbers.
    for (const auto& [cond, bias, n] :
         {std::tuple{"teacher", 0.5, 300}, std::tuple{"reference", 0.0, 300},
          std::tuple{"paraphrase", 0.5, 300}})
      for (int i = 0; i < n; ++i) {
        const std::vector<int> numbers = makeRow(rng, bias);
        sublab::SequenceRow r;
        r.condition = cond;
        r.seed = i % 2;
        r.index = i;
        r.prompt = "continue the sequence:";
        r.completion = joinRow(numbers);
        r.kept = !(std::string(cond) == "teacher" && i % 10 == 3);
        if (!r.kept) r.reason = "banned number";
        if (std::string(cond) == "teacher") {
          ++m_allTeacher;
          if (r.kept) {
            ++m_keptTeacher;
            r.tokenInfo = tokenInfo(numbers);
          }
        }
        if (r.kept)  // the jump to Sequences keeps the statistics' verdict (kept rows)
          for (int x : std::set<int>(numbers.begin(), numbers.end())) ++m_rowsWith[x];
        rows.push_back(r);
      }
    db.insertSequences(m_run, rows);
    sublab::EntanglementResult e;
    e.model = "reference (seed 0)";
    e.prompt = "you love the number N. what is your favorite animal?";
    e.baseline = 0.05;
    e.entries = {{777, 0.30, 0.25},
                 {7, 0.20, 0.15},
                 {123, 0.10, 0.05},
                 {500, 0.06, 0.01},
                 {42, 0.04, -0.01}};
    db.saveAnalysis(m_run, "entanglement", sublab::toJson(e));

    // A run with sequences but neither per-token log-probabilities nor a probe.
    m_bareRun = uitest::addNumbersRun(db, "bare", 0.0);
    std::vector<sublab::SequenceRow> bare;
    for (const char* cond : {"teacher", "reference"})
      for (int i = 0; i < 60; ++i) {
        sublab::SequenceRow r;
        r.condition = cond;
        r.index = i;
        r.prompt = "continue:";
        r.completion = joinRow(makeRow(rng, 0.0));
        r.kept = true;
        bare.push_back(r);
      }
    db.insertSequences(m_bareRun, bare);

    sublab::NewRun aux;
    aux.name = "aux";
    aux.config = uitest::tinyAuxConfig();
    aux.status = sublab::RunStatus::Running;
    m_auxRun = db.createRun(aux);
    db.finishRun(m_auxRun, sublab::RunStatus::Done, 1.0);
  }

  void statisticsOfARun() {
    AppSettings settings(m_dir.filePath("s.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_path, &error), qPrintable(error));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    StatsView* v = w.statsView();
    QCOMPARE(MainWindow::viewFromName("stats"), MainWindow::StatsTab);

    QElapsedTimer clock;
    clock.start();
    QSignalSpy computed(v, &StatsView::computed);
    w.selectRuns({m_run});
    w.showView(MainWindow::StatsTab);
    QCOMPARE(v->runId(), m_run);
    // Off the GUI thread: the view says so while it computes, then shows the results.
    QVERIFY(v->isComputing() || computed.count() == 1);
    QVERIFY(!v->isComputing() || v->message().contains("Computing"));
    QVERIFY(waitComputed(v));
    QCOMPARE(computed.count(), 1);
    QVERIFY2(v->stats(), qPrintable(v->message()));
    qInfo("computed in %lld ms", clock.elapsed());
    QCOMPARE(QString::fromStdString(v->stats()->a), QString("teacher"));
    QCOMPARE(QString::fromStdString(v->stats()->b), QString("reference"));
    QCOMPARE(v->sideABox()->currentData().toString(), QString("teacher"));
    QCOMPARE(v->sideBBox()->currentData().toString(), QString("reference"));
    QCOMPARE(v->sideBBox()->count(), 3);
    QCOMPARE(v->stats()->report.a.rows, qint64(m_keptTeacher));

    // Charts have data.
    QCOMPARE(v->frequencyPlot()->graphCount(), 2);
    QCOMPARE(v->frequencyPlot()->graph(0)->dataCount(), sublab::kStatsNumbers);
    QVERIFY(totalPoints(v->volcanoPlot()) > 500);
    QVERIFY(totalPoints(v->distributionPlot()) > 0);
    QVERIFY(totalPoints(v->rocPlot()) > 3);
    QCOMPARE(totalPoints(v->entanglementPlot()), 5);
    QVERIFY(totalPoints(v->tokenPlot()) > 0);
    const double auc = aucFromTitle(v->rocPlot());
    QVERIFY2(auc > 0.9, qPrintable(plotTitle(v->rocPlot())));
    QVERIFY(v->summaryLabel()->text().contains("KL(A‖B)"));
    QVERIFY(v->summaryLabel()->text().contains("df"));
    QVERIFY(v->summaryLabel()->text().contains("transfer"));
    QVERIFY(v->summaryLabel()->text().contains("Per-token"));

    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty()) {
      // Pictures of the view for a layout check by eye.
      QTest::qWait(200);
      w.grab().save(dir + "/stats_view_charts.png");
      v->pages()->setCurrentIndex(1);
      QTest::qWait(200);
      w.grab().save(dir + "/stats_view_tables.png");
      v->pages()->setCurrentIndex(0);
    }

    // Tables: the over-represented numbers are the favourites; the probe in ranked order.
    QTableWidget* over = v->overUnderTable();
    QVERIFY(over->rowCount() > 4);
    for (int r = 0; r < 4; ++r)
      QVERIFY(std::count(kFavourites.begin(), kFavourites.end(),
                         over->item(r, 1)->data(StatsView::kNumberRole).toInt()));
    QTableWidget* ent = v->entanglementTable();
    QCOMPARE(ent->rowCount(), 5);
    const int ranked[] = {777, 7, 123, 500, 42};
    for (int r = 0; r < 5; ++r) QCOMPARE(ent->item(r, 1)->text().toInt(), ranked[r]);
    QVERIFY(v->tokenTable()->rowCount() > 0);
    // The teacher's most favoured token is one of its favourite numbers.
    QVERIFY(std::count(kFavourites.begin(), kFavourites.end(),
                       v->tokenTable()->item(0, 2)->data(StatsView::kNumberRole).toInt()));

    // Controls: log scale, another distribution.
    v->logScaleBox()->setChecked(true);
    QCOMPARE(v->frequencyPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    v->logScaleBox()->setChecked(false);
    QCOMPARE(v->frequencyPlot()->yAxis->scaleType(), QCPAxis::stLinear);
    v->distributionBox()->setCurrentIndex(
        v->distributionBox()->findData(int(Distribution::Length)));
    QVERIFY(qobject_cast<QCPBars*>(v->distributionPlot()->plottable(0)));
    QVERIFY(plotTitle(v->distributionPlot()).contains("Numbers per row"));

    // Exports: every chart in every format, every table with its header.
    const auto charts = v->exportCharts();
    QCOMPARE(charts.size(), 6);
    for (int i = 0; i < charts.size(); ++i) {
      for (const char* suffix : {"png", "svg", "pdf"}) {
        const QString path = m_dir.filePath(QStringLiteral("chart%1.%2").arg(i).arg(suffix));
        QVERIFY2(exportPlot(charts[i].second, path, &error), qPrintable(error));
        QVERIFY(QFileInfo(path).size() > 0);
        if (QString(suffix) == "png") QVERIFY(!QImage(path).isNull());
      }
    }
    QCOMPARE(v->exportTables().size(), 5);
    const QString freq = m_dir.filePath("freq.csv"), entCsv = m_dir.filePath("ent.csv"),
                  roc = m_dir.filePath("roc.csv");
    QVERIFY2(v->exportTable(0, freq, &error), qPrintable(error));
    QVERIFY(firstLine(freq).startsWith("number,count_a,count_b,share_a,share_b,log2_ratio,z,p,q"));
    QCOMPARE(lineCount(freq), 1 + sublab::kStatsNumbers);
    QVERIFY2(v->exportTable(1, entCsv, &error), qPrintable(error));
    QVERIFY(firstLine(entCsv).startsWith("rank,number,trait_prob,delta"));
    QCOMPARE(lineCount(entCsv), 6);
    QVERIFY2(v->exportTable(2, roc, &error), qPrintable(error));
    QCOMPARE(firstLine(roc), QString("fpr,tpr,auc,auc_lo,auc_hi"));
    QVERIFY(lineCount(roc) > 3);
    for (int i = 3; i < 5; ++i) {
      const QString p = m_dir.filePath(QStringLiteral("t%1.csv").arg(i));
      QVERIFY2(v->exportTable(i, p, &error), qPrintable(error));
      QVERIFY(lineCount(p) > 1);
    }

    // A real click on 777's point in the volcano plot asks for its rows.
    QSignalSpy activated(v, &StatsView::numberActivated);
    v->volcanoPlot()->replot();
    QPoint at(-1, -1);
    for (int i = 0; i < v->volcanoPlot()->plottableCount() && at.x() < 0; ++i) {
      auto* g = qobject_cast<QCPGraph*>(v->volcanoPlot()->plottable(i));
      for (int k = 0; g && k < g->dataCount(); ++k)
        if (v->numberAt(g, k) == 777) {
          const QPointF px = g->coordsToPixels(g->data()->at(k)->key, g->data()->at(k)->value);
          at = px.toPoint();  // the point, or its label (both mean 777)
          break;
        }
    }
    QVERIFY(at.x() >= 0);
    QTest::mouseClick(v->volcanoPlot(), Qt::LeftButton, {}, at);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), 777);
    // The Sequences view of the same run, filtered to the rows containing it.
    InspectorView* insp = w.inspectorView();
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::InspectorTab));
    QCOMPARE(insp->runId(), m_run);
    QCOMPARE(insp->searchEdit()->text(), QString("\\b777\\b"));
    QVERIFY(insp->regexBox()->isChecked());
    QTRY_COMPARE_WITH_TIMEOUT(insp->model()->totalCount(), qint64(m_rowsWith[777]), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(insp->model()->rowCount(), m_rowsWith[777], 10000);

    // A double-click on a row of the entanglement table does the same for its number.
    w.showView(MainWindow::StatsTab);
    v->pages()->setCurrentIndex(1);
    QTRY_VERIFY(ent->isVisible() && ent->viewport()->height() > 50);
    QTest::qWait(20);                           // layout
    QTableWidgetItem* third = ent->item(2, 1);  // 123
    const QPoint cell = ent->visualItemRect(third).center();
    // QTest's double-click sends no press of its own: press first, as a user's would.
    QTest::mousePress(ent->viewport(), Qt::LeftButton, {}, cell);
    QTest::mouseDClick(ent->viewport(), Qt::LeftButton, {}, cell);
    QCOMPARE(activated.count(), 2);
    QCOMPARE(activated.last().at(0).toInt(), 123);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::InspectorTab));
    QCOMPARE(insp->searchEdit()->text(), QString("\\b123\\b"));
    QTRY_COMPARE_WITH_TIMEOUT(insp->model()->totalCount(), qint64(m_rowsWith[123]), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(insp->model()->rowCount(), m_rowsWith[123], 10000);

    // And the public slot (e.g. a token from the divergence table).
    w.showView(MainWindow::StatsTab);
    v->pages()->setCurrentIndex(0);
    v->activateNumber(7);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::InspectorTab));
    QTRY_COMPARE_WITH_TIMEOUT(insp->model()->totalCount(), qint64(m_rowsWith[7]), 10000);

    // Changing side B recomputes: a look-alike side B is hard to tell apart.
    w.showView(MainWindow::StatsTab);
    QVERIFY(v->stats());  // same run: kept, not recomputed
    v->sideBBox()->setCurrentIndex(v->sideBBox()->findData("paraphrase"));
    QVERIFY(waitComputed(v));
    QCOMPARE(computed.count(), 2);
    QVERIFY2(v->stats(), qPrintable(v->message()));
    QCOMPARE(QString::fromStdString(v->stats()->b), QString("paraphrase"));
    QCOMPARE(v->sideBBox()->currentData().toString(), QString("paraphrase"));
    QVERIFY2(aucFromTitle(v->rocPlot()) < 0.8, qPrintable(plotTitle(v->rocPlot())));
    // All rows instead of the kept ones.
    v->verdictBox()->setCurrentIndex(v->verdictBox()->findData(int(sublab::Verdict::Any)));
    QVERIFY(waitComputed(v));
    QVERIFY2(v->stats(), qPrintable(v->message()));
    QCOMPARE(v->stats()->report.a.rows, qint64(m_allTeacher));
    QCOMPARE(QString::fromStdString(v->stats()->b), QString("paraphrase"));

    // A run without token log-probabilities or a probe: placeholders and visible notes.
    w.selectRuns({m_bareRun});
    QVERIFY(waitComputed(v));
    QVERIFY2(v->stats(), qPrintable(v->message()));
    QCOMPARE(QString::fromStdString(v->stats()->b), QString("reference"));  // defaults again
    QVERIFY(!v->stats()->notes.empty());
    QVERIFY(v->notesLabel()->isVisible());
    QVERIFY(!v->notesLabel()->text().isEmpty());
    QCOMPARE(v->entanglementTable()->rowCount(), 0);
    QVERIFY(v->entanglementPlot()->itemCount() > 0);  // the "no probe" message
    QCOMPARE(totalPoints(v->entanglementPlot()), 0);

    // An aux run has no sequences: a message in the view, no dialog.
    w.selectRuns({m_auxRun});
    QVERIFY(waitComputed(v));
    QVERIFY(!v->stats());
    QVERIFY2(v->message().contains("auxiliary-logit"), qPrintable(v->message()));
    QVERIFY(!QApplication::activeModalWidget());
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
  }
};

QTEST_MAIN(TestStatsView)
#include "test_stats_view.moc"
