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
#include <QSpinBox>
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

// The Sequences view's number filter (-1: any number; -2: the view has none).
int numberFilter(InspectorView* v) {
  auto* box = v->findChild<QSpinBox*>(QStringLiteral("inspectorNumber"));
  return box ? box->value() : -2;
}

QString labelText(QWidget* parent, const char* name) {
  auto* label = parent->findChild<QLabel*>(QString::fromLatin1(name));
  return label ? label->text() : QStringLiteral("<no label %1>").arg(QString::fromLatin1(name));
}

}  // namespace

class TestStatsView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_path;
  qint64 m_run = 0, m_bareRun = 0, m_auxRun = 0;
  // number -> kept rows of the default sides (teacher, reference) whose completion holds it
  std::map<int, int> m_rowsWith;
  qint64 m_numberRun = 0, m_fewTokensRun = 0;
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
        // The jump to Sequences keeps the statistics' sides and verdict (kept rows).
        if (r.kept && std::string(cond) != "paraphrase")
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

    // Number 293 where a regex on the whole row would mislead: in prompts, inside longer digit
    // runs, twice in one completion, in a rejected row and in a third condition. The teacher's
    // kept completions hold it 1 + 2 + 1 = 4 times in 3 rows, the reference's once in 1 row.
    m_numberRun = uitest::addNumbersRun(db, "number 293", 0.0);
    std::vector<sublab::SequenceRow> nr;
    const auto add = [&](const char* cond, const std::string& prompt, const std::string& completion,
                         bool kept = true) {
      sublab::SequenceRow r;
      r.condition = cond;
      r.seed = int(nr.size() % 2);
      r.index = int64_t(nr.size());
      r.prompt = prompt;
      r.completion = completion;
      r.kept = kept;
      if (!kept) r.reason = "format";
      nr.push_back(r);
    };
    add("teacher", "1, 2, 3", "293, 5, 7");
    add("teacher", "4, 5, 6", "293, 293, 8");
    add("teacher", "293, 4", "2930, 1293, 12");  // only in the prompt; longer runs
    add("teacher", "7, 8", "0293, 4");           // a 4-digit run is not a number
    add("teacher", "9, 9", "12, 293.");
    add("teacher", "1, 1", "293, 1", false);  // rejected
    add("reference", "3, 3", "4, 293");
    add("reference", "293", "5, 6");  // only in the prompt
    add("paraphrase", "2, 2", "293, 9");
    // Filler rows: the same numbers (300..539, each once) on every side.
    for (const char* cond : {"teacher", "reference", "paraphrase"})
      for (int i = 0; i < 40; ++i) {
        std::vector<int> row;
        for (int k = 0; k < 6; ++k) row.push_back(300 + 6 * i + k);
        add(cond, "1, 2", joinRow(row));
      }
    db.insertSequences(m_numberRun, nr);

    // Token log-probabilities where no number occurs 5 times: the token table stays empty.
    m_fewTokensRun = uitest::addNumbersRun(db, "few tokens", 0.0);
    std::vector<sublab::SequenceRow> few;
    for (const char* cond : {"teacher", "reference"})
      for (int i = 0; i < 30; ++i) {
        const std::vector<int> row = {3 * i, 3 * i + 1, 3 * i + 2};  // each number once
        sublab::SequenceRow r;
        r.condition = cond;
        r.index = i;
        r.prompt = "go:";
        r.completion = joinRow(row);
        r.kept = true;
        if (std::string(cond) == "teacher") r.tokenInfo = tokenInfo(row);
        few.push_back(r);
      }
    db.insertSequences(m_fewTokensRun, few);
  }

  // Issue 13, bug 4: a click on a number lists exactly the rows the statistics counted: their
  // completions hold it (prompts do not count, 293 is not 2930 or 1293), they are of the two
  // sides and the verdict compared, and the occurrences shown add up to the count in the table.
  void numberJumpListsTheCountedRows() {
    AppSettings settings(m_dir.filePath("n.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_path, &error), qPrintable(error));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    StatsView* v = w.statsView();
    w.selectRuns({m_numberRun});
    w.showView(MainWindow::StatsTab);
    QVERIFY(waitComputed(v));
    QVERIFY2(v->stats(), qPrintable(v->message()));
    const sublab::NumberTest& t = v->stats()->report.numbers[293];
    QCOMPARE(t.countA, qint64(4));
    QCOMPARE(t.countB, qint64(1));

    // Double-click 293's row in the over/under table, as a user would.
    v->pages()->setCurrentIndex(1);
    QTableWidget* over = v->overUnderTable();
    QTRY_VERIFY(over->isVisible() && over->viewport()->height() > 50);
    QTableWidgetItem* item = nullptr;
    for (int r = 0; r < over->rowCount() && !item; ++r)
      if (over->item(r, 1)->data(StatsView::kNumberRole).toInt() == 293) item = over->item(r, 1);
    QVERIFY(item);
    over->scrollToItem(item);
    QTest::qWait(20);
    const QPoint cell = over->visualItemRect(item).center();
    QTest::mousePress(over->viewport(), Qt::LeftButton, {}, cell);
    QTest::mouseDClick(over->viewport(), Qt::LeftButton, {}, cell);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::InspectorTab));

    InspectorView* insp = w.inspectorView();
    SequenceTableModel* model = insp->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->totalCount(), qint64(4), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(model->atEnd() && !model->isFetching(), 10000);
    QCOMPARE(model->rowCount(), 4);
    qint64 occurrences = 0;
    for (int r = 0; r < model->rowCount(); ++r) {
      const sublab::SequenceRecord* rec = model->record(r);
      QVERIFY2(rec->condition == "teacher" || rec->condition == "reference",
               rec->condition.c_str());
      QVERIFY(rec->kept);
      const std::vector<int> numbers = sublab::parseNumbers(rec->completion);
      const auto n = std::count(numbers.begin(), numbers.end(), 293);
      QVERIFY2(n > 0, rec->completion.c_str());
      occurrences += n;
    }
    QCOMPARE(occurrences, t.countA + t.countB);
    // The status line states the same count as the statistics.
    QTRY_VERIFY2(labelText(insp, "inspectorStatus").contains("5 occurrences of 293"),
                 qPrintable(labelText(insp, "inspectorStatus")));
    QCOMPARE(numberFilter(insp), 293);
    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty()) {
      insp->table()->selectRow(1);
      QTest::qWait(100);
      w.grab().save(dir + "/sequences_number_jump.png");
    }
  }

  // Issue 13, bug 13: an empty "most divergent tokens" table says why, from the data.
  void emptyTokenTableSaysWhy() {
    AppSettings settings(m_dir.filePath("t.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_path, &error), qPrintable(error));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    StatsView* v = w.statsView();
    w.selectRuns({m_fewTokensRun});
    w.showView(MainWindow::StatsTab);
    QVERIFY(waitComputed(v));
    QVERIFY2(v->stats(), qPrintable(v->message()));
    QVERIFY(v->stats()->divergence);
    QCOMPARE(v->tokenTable()->rowCount(), 0);
    v->pages()->setCurrentIndex(1);
    // Every number occurs once: none reaches the minimum count of 5.
    QString note = labelText(v, "statsTokenNote");
    QVERIFY2(note.contains("at least 5 times"), qPrintable(note));
    QVERIFY2(note.contains("only 1 time"), qPrintable(note));
    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty()) {
      QTest::qWait(100);
      w.grab().save(dir + "/stats_empty_token_table.png");
    }

    // Without stored log-probabilities it says that instead.
    w.selectRuns({m_bareRun});
    QVERIFY(waitComputed(v));
    QVERIFY2(v->stats(), qPrintable(v->message()));
    QCOMPARE(v->tokenTable()->rowCount(), 0);
    note = labelText(v, "statsTokenNote");
    QVERIFY2(note.contains("No per-token log-probabilities"), qPrintable(note));

    // A run with enough tokens shows no note.
    w.selectRuns({m_run});
    QVERIFY(waitComputed(v));
    QVERIFY(v->tokenTable()->rowCount() > 0);
    QVERIFY(!v->findChild<QLabel*>(QStringLiteral("statsTokenNote"))->isVisible());
  }

  // Issue 13, bug 13: an aux run in Statistics and in Sequences says what such a run stores
  // and where to look instead, rather than showing an empty view.
  void auxRunExplained() {
    AppSettings settings(m_dir.filePath("a.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_path, &error), qPrintable(error));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.selectRuns({m_auxRun});
    w.showView(MainWindow::StatsTab);
    StatsView* v = w.statsView();
    QVERIFY(waitComputed(v));
    QVERIFY(!v->stats());
    for (const char* words : {"auxiliary-logit", "test accuracy", "Curves", "Results"})
      QVERIFY2(v->message().contains(words), qPrintable(v->message()));

    w.showView(MainWindow::InspectorTab);
    InspectorView* insp = w.inspectorView();
    QCOMPARE(insp->runId(), m_auxRun);
    auto* message = insp->findChild<QLabel*>(QStringLiteral("inspectorMessage"));
    QVERIFY2(message, "the Sequences view has no message for a run without sequences");
    QTRY_VERIFY(message->isVisible());
    for (const char* words : {"auxiliary-logit", "test accuracy", "Curves", "Results"})
      QVERIFY2(message->text().contains(words), qPrintable(message->text()));
    QVERIFY(!insp->table()->isVisible());
    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty()) {
      QTest::qWait(100);
      w.grab().save(dir + "/sequences_aux_run.png");
      w.showView(MainWindow::StatsTab);
      QTest::qWait(100);
      w.grab().save(dir + "/stats_aux_run.png");
      w.showView(MainWindow::InspectorTab);
    }

    // Back to a numbers run: the rows again.
    w.selectRuns({m_run});
    QTRY_VERIFY(insp->table()->isVisible());
    QVERIFY(!message->isVisible());
    QTRY_VERIFY(insp->model()->rowCount() > 0);
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

    // The figures in words, from the figures: the detector's AUC as the ROC chart states it,
    // and the favourites as the numbers the teacher rows use more often.
    const sublab::DetectorResult& det = v->stats()->report.detector;
    QVERIFY(det.lo > 0.5);
    QString words = labelText(v, "statsInWords");
    QVERIFY2(words.contains("A detector tells teacher rows from reference rows"),
             qPrintable(words));
    QVERIFY2(words.contains(aucText(det)), qPrintable(words));
    QVERIFY2(plotTitle(v->rocPlot()).contains(aucText(det)), qPrintable(plotTitle(v->rocPlot())));
    QVERIFY2(words.contains("more often"), qPrintable(words));
    const int top = v->stats()->report.over.front();
    QVERIFY(std::count(kFavourites.begin(), kFavourites.end(), top));
    QVERIFY2(words.contains(QStringLiteral("rows use %1").arg(top)), qPrintable(words));

    // Legends sit outside the axis rect of every chart, so they never cover data.
    int legends = 0;
    for (QCustomPlot* plot : {v->frequencyPlot(), v->volcanoPlot(), v->distributionPlot(),
                              v->rocPlot(), v->entanglementPlot(), v->tokenPlot()}) {
      plot->replot(QCustomPlot::rpImmediateRefresh);
      if (!plot->legend->visible()) continue;
      ++legends;
      QVERIFY2(!plot->legend->outerRect().intersects(plot->axisRect()->rect()),
               qPrintable(plot->objectName()));
    }
    QCOMPARE(legends, 6);

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
    QCOMPARE(numberFilter(insp), 777);
    QVERIFY(insp->searchEdit()->text().isEmpty());
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
    QCOMPARE(numberFilter(insp), 123);
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
    // Two uniform sides: the detector's CI includes chance, and the words say so.
    const sublab::DetectorResult& bareDet = v->stats()->report.detector;
    QVERIFY2(bareDet.lo <= 0.5 && bareDet.hi >= 0.5, qPrintable(aucText(bareDet)));
    words = labelText(v, "statsInWords");
    QVERIFY2(words.contains("No detectable difference"), qPrintable(words));
    QVERIFY2(words.contains(aucText(bareDet) + " includes 0.5"), qPrintable(words));

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
