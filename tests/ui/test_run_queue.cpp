// The run queue: jobs run one at a time on the worker thread; Cancel (a real button click)
// stops a running job at the engine's next check and stores it as cancelled; a queued job is
// cancelled without ever starting; the GUI thread keeps processing events meanwhile.
#include <QPushButton>
#include <QTableView>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include "app/lab/run_lifecycle.h"
#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/run_queue.h"
#include "ui/run_queue_model.h"
#include "ui/run_queue_view.h"

using namespace sublab::ui;

class TestRunQueue : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  static JobSpec spec(const QString& name, const nlohmann::json& config) {
    JobSpec s;
    s.name = name;
    s.config = config;
    s.threads = 1;
    return s;
  }

  // Long enough to be cancelled mid-way: all 60,000 training images, many epochs.
  static nlohmann::json longAuxConfig() {
    return sublab::normalizeConfig({{"kind", "aux"},
                                    {"models", 2},
                                    {"model", {{"hidden", 64}}},
                                    {"teacher", {{"epochs", 200}}},
                                    {"student", {{"epochs", 200}}}});
  }

 private Q_SLOTS:
  void cancelRunningAndQueued() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("cancel.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    RunQueueView view(&queue);
    view.show();

    QSignalSpy started(&queue, &RunQueue::runStarted);
    QSignalSpy stages(&queue, &RunQueue::stageUpdated);
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    const qint64 first = queue.enqueue(spec("long", longAuxConfig()), &error);
    const qint64 second = queue.enqueue(spec("waiting", uitest::tinyAuxConfig()), &error);
    QVERIFY(first > 0 && second > first);
    QCOMPARE(queue.jobCount(), 2);
    QCOMPARE(view.model()->rowCount(), 2);
    QCOMPARE(view.model()->index(1, RunQueueModel::ColStatus).data().toString(), QString("queued"));
    QVERIFY(queue.isBusy());
    QVERIFY(project.db()->run(second).status == sublab::RunStatus::Queued);

    // Cancel the queued one first: it never starts.
    view.table()->selectRow(1);
    QVERIFY(view.cancelButton()->isEnabled());
    QTest::mouseClick(view.cancelButton(), Qt::LeftButton);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(0).toLongLong(), second);
    QCOMPARE(sublab::toString(finished.at(0).at(1).value<sublab::RunStatus>()),
             std::string("cancelled"));
    QVERIFY(project.db()->run(second).status == sublab::RunStatus::Cancelled);
    QCOMPARE(project.db()->run(second).error, std::string(sublab::kCancelledMessage));
    QCOMPARE(view.model()->index(1, RunQueueModel::ColStatus).data().toString(),
             QString("cancelled"));

    // Wait until the long run is training (a stage reported), then cancel it with the button.
    QTRY_VERIFY_WITH_TIMEOUT(started.count() == 1 && stages.count() >= 2, 60000);
    view.table()->selectRow(0);
    QVERIFY(view.cancelButton()->isEnabled());
    QVERIFY(view.stageList()->topLevelItemCount() >= 1);  // per-stage progress is listed
    QTest::mouseClick(view.cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
    QCOMPARE(finished.at(1).at(0).toLongLong(), first);
    QCOMPARE(sublab::toString(finished.at(1).at(1).value<sublab::RunStatus>()),
             std::string("cancelled"));
    const sublab::RunInfo info = project.db()->run(first);
    QVERIFY(info.status == sublab::RunStatus::Cancelled);
    QCOMPARE(info.error, std::string(sublab::kCancelledMessage));
    QVERIFY(info.wallSeconds > 0.0);
    QVERIFY(info.finishedAt > 0);
    QVERIFY(!queue.isBusy());
    QVERIFY(!view.cancelButton()->isEnabled());
    QCOMPARE(project.db()->integrityCheck(), std::string("ok"));

    queue.clearFinished();
    QCOMPARE(queue.jobCount(), 0);
    QCOMPARE(view.model()->rowCount(), 0);
  }

  void failedRunReportsReason() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("fail.sqlite"), &error));
    RunQueue queue(&project);
    nlohmann::json cfg = uitest::tinyAuxConfig();
    cfg["data"]["dir"] = m_dir.filePath("no-such-folder").toStdString();
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    const qint64 id = queue.enqueue(spec("bad data", cfg), &error);
    QVERIFY(id > 0);
    QVERIFY(finished.wait(60000));
    QCOMPARE(sublab::toString(finished.first().at(1).value<sublab::RunStatus>()),
             std::string("failed"));
    const QString message = finished.first().at(2).toString();
    QVERIFY2(message.contains("no-such-folder"), qPrintable(message));
    const sublab::RunInfo info = project.db()->run(id);
    QVERIFY(info.status == sublab::RunStatus::Failed);
    QVERIFY(!info.error.empty());
  }

  void refusesWithoutProject() {
    Project project;
    RunQueue queue(&project);
    QString error;
    QCOMPARE(queue.enqueue(spec("x", uitest::tinyAuxConfig()), &error), qint64(0));
    QVERIFY(error.contains("project"));
  }
};

QTEST_MAIN(TestRunQueue)
#include "test_run_queue.moc"
