// The main window wiring end to end: a run queued from the window shows up selected in the
// runs table, its curves fill in live while it trains, and when it finishes the table, the
// curves and the results bars show the stored figures; switching views loads them lazily.
#include <QTabWidget>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/aux_view.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/run_queue.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

class TestMainWindow : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void runFromWindow() {
    AppSettings settings(m_dir.filePath("s.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("main.sqlite"), &error), qPrintable(error));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));

    JobSpec spec;
    spec.name = "from the window";
    spec.config = uitest::tinyAuxConfig(2);
    spec.threads = 1;
    QSignalSpy live(w.queue(), &RunQueue::metricsArrived);
    QSignalSpy finished(w.queue(), &RunQueue::runFinished);
    const qint64 id = w.enqueue(spec, &error);
    QVERIFY2(id > 0, qPrintable(error));
    // Queued: listed and, as nothing was selected, selected; the view stays where it was
    // (Runs) until the user opens Curves, which then follows the run.
    QCOMPARE(w.runsView()->selectedRuns(), QList<qint64>({id}));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::RunsTab));
    w.showView(MainWindow::CurvesTab);
    QCOMPARE(w.curvesView()->runId(), id);
    QVERIFY(w.runsModel()->rowOfRun(id) >= 0);

    QVERIFY(finished.wait(120000));
    QCOMPARE(sublab::toString(finished.first().at(1).value<sublab::RunStatus>()),
             std::string("done"));
    QVERIFY(live.count() > 0);
    // Live points reached the curves view (then the finished run was re-read from storage).
    QVERIFY(w.curvesView()->data().pointCount() > 0);
    QCOMPARE(w.curvesView()->metric(), QString("accuracy"));
    QVERIFY(!w.curvesView()->plot()->series().isEmpty());
    const int row = w.runsModel()->rowOfRun(id);
    QCOMPARE(w.runsModel()->index(row, RunsTableModel::ColStatus).data().toString(),
             QString("done"));
    QVERIFY(!w.runsModel()->index(row, RunsTableModel::ColEffect).data().toString().isEmpty());

    // The Results view loads when shown: one bar per condition, from the stored summary.
    QCOMPARE(w.auxView()->runId(), qint64(0));
    w.showView(MainWindow::AuxTab);
    QCOMPARE(w.auxView()->runId(), id);
    const sublab::RunInfo info = w.project()->db()->run(id);
    QCOMPARE(w.auxView()->bars().size(), int(info.conditions.size()));
    for (const BarFigure& b : w.auxView()->bars()) {
      QVERIFY(b.mean >= 0.0 && b.mean <= 1.0);
      QVERIFY(b.lo <= b.mean && b.mean <= b.hi);
    }
  }

  void refusesToSwitchProjectWhileRunning() {
    AppSettings settings(m_dir.filePath("s2.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY(w.openDatabase(m_dir.filePath("busy.sqlite"), &error));
    JobSpec spec;
    spec.name = "busy";
    spec.config = uitest::tinyAuxConfig(50);
    spec.threads = 1;
    QVERIFY(w.enqueue(spec, &error) > 0);
    QVERIFY(!w.openDatabase(m_dir.filePath("other.sqlite"), &error));
    QVERIFY(error.contains("running"));
    QSignalSpy finished(w.queue(), &RunQueue::runFinished);
    w.queue()->cancelAll();
    QVERIFY(finished.count() == 1 || finished.wait(60000));
    QVERIFY(w.openDatabase(m_dir.filePath("other.sqlite"), &error));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
