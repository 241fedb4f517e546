// The GUI on a full disk: a run started from the queue while no file may grow (the file-size
// limit lowered in this process, SIGXFSZ ignored, so writes fail with EFBIG as on a full disk)
// ends with the same "the disk holding … is full" message the CLI prints, in the finished
// signal and in the queue's row, and the project stays intact with its earlier run unchanged.
#include <signal.h>
#include <sys/resource.h>

#include <QSignalSpy>
#include <QTableView>
#include <filesystem>

#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/run_queue.h"
#include "ui/run_queue_model.h"
#include "ui/run_queue_view.h"

using namespace sublab::ui;

namespace {

// Lowers the soft file-size limit for this scope; the hard limit is left alone so it can be
// raised back.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &m_saved);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lower = m_saved;
    lower.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &m_saved); }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  struct rlimit m_saved {};
};

// The size of the project file or its WAL, whichever is larger.
rlim_t largestFile(const QString& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto wal = fs::file_size(path.toStdString() + "-wal", ec);
  return std::max<rlim_t>(fs::file_size(path.toStdString()), ec ? 0 : wal);
}

JobSpec tinyRun() {
  JobSpec spec;
  spec.name = "no room";
  spec.config = sublab::findPreset("owl-numbers-tiny")->config;
  spec.threads = 1;
  return spec;
}

}  // namespace

class TestDiskFull : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    // Reference models would be cached under the user's cache folder.
    qputenv("XDG_CACHE_HOME", m_dir.filePath("cache").toUtf8());
  }

  // Room for queueing the run and its first writes; a later stage or progress write fails.
  void runEndsWithDiskFullMessage() {
    const QString path = m_dir.filePath("full.sqlite");
    Project project;
    QString error;
    QVERIFY2(project.open(path, &error), qPrintable(error));
    const int64_t earlier = uitest::addNumbersRun(*project.db(), "earlier", 0.25);
    const sublab::RunInfo before = project.db()->run(earlier);
    const size_t metricsBefore = project.db()->metrics(earlier).size();
    RunQueue queue(&project);
    RunQueueView view(&queue);
    view.show();
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    qint64 runId = 0;
    {
      FileSizeLimit limit(largestFile(path) + 64 * 1024);
      runId = queue.enqueue(tinyRun(), &error);
      QVERIFY2(runId > 0, qPrintable(error));
      QVERIFY(finished.wait(300000));
    }
    QCOMPARE(finished.size(), 1);
    QVERIFY(finished.at(0).at(1).value<sublab::RunStatus>() == sublab::RunStatus::Failed);
    const QString message = finished.at(0).at(2).toString();
    QVERIFY2(message.contains("disk holding " + path) && message.contains("is full"),
             qPrintable(message));
    const QString shown =
        view.model()->index(0, RunQueueModel::ColStage).data(Qt::DisplayRole).toString();
    QCOMPARE(shown, message);

    sublab::Database reopened(path.toStdString());
    QCOMPARE(reopened.integrityCheck(), std::string("ok"));
    const sublab::RunInfo after = reopened.run(earlier);
    QCOMPARE(after.summary, before.summary);
    QCOMPARE(after.wallSeconds, before.wallSeconds);
    QCOMPARE(reopened.metrics(earlier).size(), metricsBefore);
    QVERIFY(reopened.run(runId).status != sublab::RunStatus::Done);
  }

  // No room even to queue the run: the queue refuses it with the same words.
  void enqueueSaysDiskFull() {
    const QString path = m_dir.filePath("no-room.sqlite");
    Project project;
    QString error;
    QVERIFY2(project.open(path, &error), qPrintable(error));
    uitest::addNumbersRun(*project.db(), "earlier", 0.25);
    RunQueue queue(&project);
    qint64 runId = 0;
    {
      FileSizeLimit limit(4096);  // not one WAL frame fits
      runId = queue.enqueue(tinyRun(), &error);
    }
    QVERIFY(runId <= 0);
    QVERIFY2(error.contains("disk holding " + path) && error.contains("is full"),
             qPrintable(error));
    QCOMPARE(project.db()->integrityCheck(), std::string("ok"));
  }
};

QTEST_MAIN(TestDiskFull)
#include "test_disk_full.moc"
