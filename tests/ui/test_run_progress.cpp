// Whole-run progress: the stage in the kind's words with "stage k/N", the share of the run done
// (each stage's progress weighed by its share) and a time left extrapolated from the time spent
// per unit of work, leaving out stages that finished in moments (references from the cache).
// The tracker follows a real run through the queue and clears when it ends.
#include <QLabel>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/run_kind.h"
#include "ui/run_progress.h"
#include "ui/run_queue.h"

using namespace sublab::ui;

class TestRunProgress : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  static double share(const sublab::KindDescription& k, const std::string& stage) {
    double total = 0, mine = 0;
    for (const auto& s : k.stages) {
      total += s.share;
      if (s.name == stage) mine = s.share;
    }
    return mine / total;
  }

 private Q_SLOTS:
  // A cold first run: pretraining dominates, and the text says so.
  void coldRunNamesThePretraining() {
    const sublab::KindDescription k = describeKind(std::string("numbers"));
    QCOMPARE(int(k.stages.size()), 4);
    const RunEstimate e = estimateRun(k, {{"reference", 0.5, false, 60.0}}, "reference");
    const double work = share(k, "reference") * 0.5;
    QCOMPARE(e.stage, 1);
    QCOMPARE(e.stageCount, 4);
    QVERIFY(std::abs(e.fraction - work) < 1e-12);
    QVERIFY(std::abs(e.secondsLeft - (1 - work) * 60.0 / work) < 1e-9);
    QVERIFY2(e.text.startsWith("pretraining reference models (cached after the first run) — "
                               "stage 1/4"),
             qPrintable(e.text));
    QVERIFY2(e.text.contains(durationText(e.secondsLeft) + " left"), qPrintable(e.text));
    QVERIFY2(e.text.contains(QString("%1% of the run").arg(int(work * 100))), qPrintable(e.text));
  }

  // References loaded from the cache finish in moments: their share counts as done but their
  // time does not make the rest look nearly free.
  void cachedStageDoesNotSkewTheEstimate() {
    const sublab::KindDescription k = describeKind(std::string("numbers"));
    const QList<StageClock> clocks = {{"reference", 1.0, true, 0.3},
                                      {"teacher", 1.0, true, 4.0},
                                      {"generation", 0.5, false, 10.0}};
    const RunEstimate e = estimateRun(k, clocks, "generation");
    const double done = share(k, "reference") + share(k, "teacher") + share(k, "generation") / 2;
    QVERIFY(std::abs(e.fraction - done) < 1e-12);
    const double basisWork = share(k, "teacher") + share(k, "generation") / 2;
    QVERIFY(std::abs(e.secondsLeft - (1 - done) * 14.0 / basisWork) < 1e-9);
    QCOMPARE(e.stage, 3);
    QVERIFY2(e.text.startsWith("generating and filtering number sequences — stage 3/4"),
             qPrintable(e.text));
  }

  void tooEarlyToTellSaysSo() {
    const sublab::KindDescription k = describeKind(std::string("numbers"));
    const RunEstimate e = estimateRun(k, {{"reference", 0.0, false, 0.5}}, "reference");
    QCOMPARE(e.secondsLeft, -1.0);
    QVERIFY2(e.text.endsWith("estimating time left…"), qPrintable(e.text));
    // A kind this build does not know: its stages share the run equally.
    const RunEstimate u = estimateRun(describeKind(std::string("future-kind")),
                                      {{"a", 1.0, true, 10.0}, {"b", 0.0, false, 0.0}}, "b");
    QCOMPARE(u.fraction, 0.5);
    QCOMPARE(u.stage, 2);
    QVERIFY(std::abs(u.secondsLeft - 10.0) < 1e-9);
  }

  // A real run through the queue: the tracker names it, its stage and the share done while it
  // runs, and clears when it ends.
  void tracksARealRun() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("p.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    RunProgressTracker tracker(&queue);
    QSignalSpy changed(&tracker, &RunProgressTracker::changed);
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    JobSpec spec;
    spec.name = "tracked";
    spec.config = uitest::tinyAuxConfig(2);
    spec.threads = 1;
    const qint64 id = queue.enqueue(spec, &error);
    QVERIFY2(id > 0, qPrintable(error));
    QVERIFY(finished.wait(120000));
    QCOMPARE(sublab::toString(finished.first().at(1).value<sublab::RunStatus>()),
             std::string("done"));
    QVERIFY(changed.size() >= 2);
    bool sawStage = false;
    for (const QList<QVariant>& c : changed) {
      const QString t = c.first().toString();
      if (t.startsWith(QString("Run #%1: ").arg(id)) && t.contains(" — stage ") &&
          t.contains("% of the run"))
        sawStage = true;
    }
    QVERIFY(sawStage);
    QCOMPARE(changed.last().first().toString(), QString());
    QCOMPARE(tracker.runId(), qint64(0));
  }

  // Where the user watches a run: the main window's status bar shows the estimate while the
  // run trains (with a time left once there is something to extrapolate from) and clears when
  // it ends.
  void statusBarShowsIt() {
    AppSettings settings(m_dir.filePath("s.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("main.sqlite"), &error), qPrintable(error));
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* label = w.findChild<QLabel*>("runProgress");
    QVERIFY(label);
    QVERIFY(label->text().isEmpty());
    JobSpec spec;
    spec.name = "watched";
    // Long enough to still be training when looked at; cancelled below.
    spec.config = sublab::normalizeConfig({{"kind", "aux"},
                                           {"models", 2},
                                           {"model", {{"hidden", 64}}},
                                           {"teacher", {{"epochs", 200}}},
                                           {"student", {{"epochs", 200}}}});
    spec.threads = 1;
    QSignalSpy finished(w.queue(), &RunQueue::runFinished);
    const qint64 id = w.enqueue(spec, &error);
    QVERIFY2(id > 0, qPrintable(error));
    const QRegularExpression timeLeft(QStringLiteral("· ~[0-9][^·]* left$"));
    // Waits for the teachers' stage with a time left: on a loaded machine the first estimate can
    // already show while the images are read (stage 1), which is right but not this check.
    const QString teachers = QString("Run #%1: training the teachers — stage 2/3 · ").arg(id);
    QTRY_VERIFY_WITH_TIMEOUT(label->text().startsWith(teachers) && label->text().contains(timeLeft),
                             60000);
    const QString text = label->text();
    QVERIFY2(text.contains("% of the run"), qPrintable(text));
    if (const QByteArray dir = qgetenv("SUBLAB_SHOTS"); !dir.isEmpty())
      w.grab().save(QString::fromLocal8Bit(dir) + "/status-progress.png");
    w.queue()->cancelRun(id);
    QVERIFY(finished.wait(60000));
    QTRY_VERIFY(label->text().isEmpty());
  }
};

QTEST_MAIN(TestRunProgress)
#include "test_run_progress.moc"
