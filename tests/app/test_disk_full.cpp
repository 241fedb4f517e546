// A full disk, made real with the file-size limit (`ulimit -f`, SIGXFSZ ignored, so a write past
// it fails with EFBIG as on a full file system): `sublab run` stops with one message saying the
// disk is full, exits with an error (no crash), the database passes integrity_check, the earlier
// finished run reads back byte-identical, and the failed run is stored as failed or, where not
// even that could be written, listed as interrupted on the next open.
#include <QProcess>
#include <QTemporaryDir>
#include <filesystem>

#include "storage/database.h"
#include "tests/app/reliability_util.h"

using namespace sublab;
using namespace sublab::test;

class TestDiskFull : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  QString path(const char* name) const { return m_dir.filePath(name); }

  // Runs the tiny preset into `db` (holding one finished run) with no file allowed to grow
  // past `limit` bytes.
  void runOutOfSpace(const QString& db, rlim_t limit, const QStringList& extra = {}) {
    const std::string file = db.toStdString();
    const int64_t earlier = 1;
    const std::string before = dumpRun(file, earlier);
    QProcess p;
    startSublab(p,
                QStringList{"run", "--preset", "owl-numbers-tiny", "--threads", "1", "--no-cache",
                            "--db", db} +
                    extra,
                limit);
    QVERIFY(p.waitForStarted());
    QVERIFY(p.waitForFinished(300000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);  // no crash, no SIGXFSZ
    QVERIFY2(p.exitCode() != 0, qPrintable(err));
    QVERIFY2(err.contains("disk holding " + db) && err.contains("is full"), qPrintable(err));
    QVERIFY2(err.count("is full") <= 2, qPrintable(err));  // said once (twice with the warning)

    QCOMPARE(rawIntegrity(file), std::string("ok"));
    Database project(file);
    QCOMPARE(dumpRun(file, earlier), before);
    for (const RunInfo& r : project.listRuns()) {
      if (r.id == earlier) continue;
      QVERIFY2(r.status == RunStatus::Failed || r.status == RunStatus::Interrupted,
               toString(r.status).c_str());
      if (r.status == RunStatus::Failed)
        QVERIFY2(QString::fromStdString(r.error).contains("is full"), r.error.c_str());
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
  }

  // Room for some commits (the write-ahead log may grow to the size of the project file plus
  // a little): the run starts, then a stage, progress or row write fails.
  void runStopsWithDiskFullMessage() {
    const QString db = path("room-for-a-little.sqlite");
    makeShard(db.toStdString(), 0, 300);
    runOutOfSpace(db, std::filesystem::file_size(db.toStdString()) + 24 * 1024);
  }

  // No room at all: not even one page fits in the write-ahead log, so the first write fails.
  void noRoomForTheRunItself() {
    const QString db = path("no-room.sqlite");
    makeShard(db.toStdString(), 0, 300);
    runOutOfSpace(db, 4096);
  }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "test_disk_full.moc"
