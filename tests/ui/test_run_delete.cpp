// Deleting runs and the run queue dock, driven through the main window's real widgets:
// - the Delete key trashes the selected run (after the confirmation), it leaves the run queue
//   dock too, and Ctrl+Z (Edit › Undo delete) brings it back whole: config, metrics,
//   summaries and sequences; closing the window deletes for good;
// - a deleted run's id is never handed out again (default export names carry the id);
// - queuing a run keeps the view and the selection the user had; one click on a job in the
//   run queue selects its run in the views.
#include <QAction>
#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/curves_view.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/run_queue.h"
#include "ui/run_queue_model.h"
#include "ui/run_queue_view.h"
#include "ui/runs_filter_proxy.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

namespace {

// Everything a run owns, as the storage API reads it back.
struct Snapshot {
  std::string config, summary;
  size_t metrics = 0, conditions = 0, contrasts = 0;
  int64_t sequences = 0;
  double firstMetric = 0, transfer = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(sublab::Database& db, qint64 id) {
  Snapshot s;
  const sublab::RunInfo info = db.run(id);
  s.config = info.config.dump();
  s.summary = info.summary.dump();
  const auto points = db.metrics(id);
  s.metrics = points.size();
  s.firstMetric = points.empty() ? -1 : points.front().value;
  s.conditions = info.conditions.size();
  s.contrasts = info.contrasts.size();
  s.transfer = info.contrasts.empty() ? -1 : info.contrasts.front().value.mean;
  s.sequences = db.countSequences(id, {});
  return s;
}

QList<qint64> queueRuns(RunQueueView* view) {
  QList<qint64> out;
  for (int r = 0; r < view->model()->rowCount(); ++r)
    out << view->model()->index(r, 0).data(RunQueueModel::RunIdRole).toLongLong();
  return out;
}

// Answers the next confirmation box with Yes (if one shows).
void confirmNextBox(bool* seen) {
  QTimer::singleShot(0, [seen] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    *seen = true;
    box->button(QMessageBox::Yes)->click();
  });
}

// The Delete key on the runs table, with the window active again (the offscreen platform
// does not give activation back after a dialog closes, as a window manager would).
void pressDelete(MainWindow& w, bool* confirmed) {
  w.showView(MainWindow::RunsTab);
  w.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&w));
  w.runsView()->table()->setFocus();
  confirmNextBox(confirmed);
  QTest::keyClick(w.runsView()->table(), Qt::Key_Delete);
}

}  // namespace

class TestRunDelete : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void deleteKeyUndoAndNoReuse() {
    AppSettings settings(m_dir.filePath("s.ini"));
    const QString path = m_dir.filePath("delete.sqlite");
    qint64 stored = 0, fromQueue = 0;
    Snapshot before;
    {
      MainWindow w(&settings);
      QString error;
      QVERIFY2(w.openDatabase(path, &error), qPrintable(error));
      w.show();
      w.activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(&w));
      sublab::Database& db = *w.project()->db();
      stored = uitest::addNumbersRun(db, "stored", 0.2);
      std::vector<sublab::SequenceRow> rows;
      for (int i = 0; i < 5; ++i)
        rows.push_back({"teacher",
                        0,
                        i,
                        "1, 2, 3",
                        std::to_string(100 + i),
                        i % 2 == 0,
                        i % 2 ? "format" : "",
                        {}});
      db.insertSequences(stored, rows);
      w.runsModel()->reload();
      before = snapshot(db, stored);

      // A run through the queue: it stays listed in the dock after it finished.
      JobSpec spec;
      spec.name = "queued";
      spec.config = uitest::tinyAuxConfig(1);
      spec.threads = 1;
      QSignalSpy finished(w.queue(), &RunQueue::runFinished);
      fromQueue = w.enqueue(spec, &error);
      QVERIFY2(fromQueue > stored, qPrintable(error));
      QVERIFY(finished.count() == 1 || finished.wait(120000));
      QVERIFY(queueRuns(w.queueView()).contains(fromQueue));

      // Delete key on the selected run: asks, then the run is gone from the table, from the
      // views' selection and from the run queue dock.
      w.selectRuns({fromQueue});
      bool confirmed = false;
      pressDelete(w, &confirmed);
      QVERIFY2(confirmed, "the Delete key asks for confirmation");
      QCOMPARE(w.runsModel()->rowOfRun(fromQueue), -1);
      QVERIFY(!db.findRun(fromQueue));
      QVERIFY2(!queueRuns(w.queueView()).contains(fromQueue),
               "a deleted run must leave the run queue dock");
      QVERIFY(w.runsView()->selectedRuns().isEmpty());

      // The stored run (metrics, summaries, sequences) goes too, then comes back whole.
      w.selectRuns({stored});
      confirmed = false;
      pressDelete(w, &confirmed);
      QVERIFY(confirmed);
      QVERIFY(!db.findRun(stored));
      QCOMPARE(w.runsModel()->rowCount(), 0);

      auto* undo = w.findChild<QAction*>(QStringLiteral("undoDelete"));
      QVERIFY2(undo, "Edit › Undo delete exists");
      QVERIFY(undo->isEnabled());
      QVERIFY(undo->text().contains(QString("#%1").arg(stored)));
      w.activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(&w));
      QTest::keyClick(w.runsView()->table(), Qt::Key_Z, Qt::ControlModifier);
      QVERIFY(db.findRun(stored));
      QCOMPARE(snapshot(db, stored), before);
      QVERIFY(w.runsModel()->rowOfRun(stored) >= 0);
      QCOMPARE(w.runsView()->selectedRuns(), QList<qint64>({stored}));
      // Undo again: the queued run is back too; then nothing is left to undo.
      undo->trigger();
      QVERIFY(db.findRun(fromQueue));
      QVERIFY(!undo->isEnabled());

      // Deleted again, then the window closes: the deletion becomes final.
      w.selectRuns({fromQueue});
      confirmed = false;
      pressDelete(w, &confirmed);
      QVERIFY(confirmed);
      QVERIFY(w.close());
    }
    sublab::Database db(path.toStdString());
    QVERIFY(!db.findRun(fromQueue));
    QVERIFY(db.metrics(fromQueue).empty());
    QCOMPARE(snapshot(db, stored), before);
    // The deleted run was the newest: its id is still never handed out again.
    sublab::NewRun nr;
    nr.config = uitest::tinyAuxConfig(1);
    const int64_t next = db.createRun(nr);
    QVERIFY2(next > fromQueue,
             qPrintable(
                 QString("new run #%1 reuses the id of deleted run #%2").arg(next).arg(fromQueue)));
  }

  void queueKeepsViewAndClickSelects() {
    AppSettings settings(m_dir.filePath("s2.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("queue.sqlite"), &error), qPrintable(error));
    const qint64 a = uitest::addNumbersRun(*w.project()->db(), "a", 0.2);
    const qint64 b = uitest::addNumbersRun(*w.project()->db(), "b", 0.1, {}, 1);
    w.runsModel()->reload();
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showView(MainWindow::StatsTab);
    w.selectRuns({a});

    // Queuing a preset: the Statistics view of run a stays where it was.
    QSignalSpy finished(w.queue(), &RunQueue::runFinished);
    const qint64 queued = w.runPreset("owl-numbers-tiny", 0, &error);
    QVERIFY2(queued > 0, qPrintable(error));
    w.queue()->cancelAll();
    QVERIFY(finished.count() == 1 || finished.wait(60000));
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::StatsTab));
    QCOMPARE(w.runsView()->selectedRuns(), QList<qint64>({a}));

    // Two jobs in the dock; a single click on one selects its run in the views.
    JobSpec spec;
    spec.name = "second";
    spec.config = uitest::tinyAuxConfig(1);
    spec.threads = 1;
    const qint64 second = w.enqueue(spec, &error);
    QVERIFY(second > queued);
    QVERIFY(finished.count() == 2 || finished.wait(120000));
    w.showView(MainWindow::CurvesTab);
    QCOMPARE(w.curvesView()->runId(), a);
    QTableView* table = w.queueView()->table();
    const QList<qint64> jobs = queueRuns(w.queueView());
    const int row = jobs.indexOf(queued);
    QVERIFY(row >= 0);
    const QRect rect = table->visualRect(table->model()->index(row, RunQueueModel::ColStatus));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(w.runsView()->selectedRuns(), QList<qint64>({queued}));
    QCOMPARE(w.curvesView()->runId(), queued);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::CurvesTab));
    Q_UNUSED(b);
  }
};

QTEST_MAIN(TestRunDelete)
#include "test_run_delete.moc"
