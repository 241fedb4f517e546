// Three writers on one project at the same time: `sublab run` (a process), the app's run path
// (the lab's executeRun on its own connection, as the GUI's worker thread calls it) and
// `sublab sweep-merge` of three shards (a process holding the write lock for one long
// transaction). They wait for each other (busy timeout) instead of failing: all three succeed.
// A reader polling meanwhile never sees half a run: a run listed as done has its summary, its
// conditions and only finished stages; merged runs appear all together, each with every row.
#include <QProcess>
#include <QTemporaryDir>
#include <atomic>
#include <set>
#include <thread>

#include "app/lab/run_lifecycle.h"
#include "engine/experiment.h"
#include "storage/database.h"
#include "tests/app/reliability_util.h"

using namespace sublab;
using namespace sublab::test;

namespace {

constexpr int kShardRows = 20000;

// What the reader found wrong (empty: nothing) and how often it looked.
struct ReaderReport {
  std::string problem;
  int reads = 0;
  int doneSeen = 0;
};

// Polls `path` until `stop`, checking that every run it sees is whole.
ReaderReport readWhileWriting(const std::string& path, const std::set<std::string>& shardUuids,
                              const std::atomic<bool>& stop) {
  ReaderReport rep;
  OpenOptions o;
  o.markInterrupted = false;
  Database db(path, o);
  while (!stop.load() && rep.problem.empty()) {
    int merged = 0;
    for (const RunInfo& r : db.listRuns()) {
      const bool fromShard = shardUuids.count(db.runUuid(r.id)) > 0;
      merged += fromShard;
      if (fromShard && db.countSequences(r.id, {}) != kShardRows)
        rep.problem = "merged run " + std::to_string(r.id) + " is missing rows";
      if (r.status != RunStatus::Done) continue;
      ++rep.doneSeen;
      if (r.summary.is_null() || r.conditions.empty())
        rep.problem = "run " + std::to_string(r.id) + " is done without its summary";
      for (const StageInfo& s : db.stages(r.id))
        if (s.status == StageStatus::Running)
          rep.problem =
              "run " + std::to_string(r.id) + " is done with stage " + s.name + " still running";
    }
    if (merged != 0 && merged != 3)
      rep.problem = "the reader saw " + std::to_string(merged) + " of the 3 merged runs";
    ++rep.reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return rep;
}

}  // namespace

class TestTwoWriters : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString path(const char* name) const { return m_dir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
  }

  // The app opens a second connection to its project (a run's worker, the statistics) while its
  // first is open. Opening must not drop the first's file locks: a process that then closes its
  // own connection would take itself for the last one, checkpoint and remove the WAL under the
  // app (as when a `sublab` command finishes), and the app's next writes damage the project.
  void aSecondConnectionKeepsTheFirstsLocks() {
    const std::string project = path("locks.sqlite").toStdString();
    Database first(project);
    NewRun draft;
    draft.config = nlohmann::json::parse(kShortRunConfig);
    const int64_t id = first.createRun(prepareRun(draft));
    QVERIFY(QFile::exists(path("locks.sqlite-wal")));
    { Database second(project); }  // opened and closed beside the first
    QProcess cli;
    cli.start(kSublab, {"runs", "--db", QString::fromStdString(project)});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    // Another process still has the project open: the WAL stays, and writing goes on.
    QVERIFY(QFile::exists(path("locks.sqlite-wal")));
    first.setRunName(id, "renamed after the command");
    first.finishRun(id, RunStatus::Done, 1.0);
    QCOMPARE(first.integrityCheck(), std::string("ok"));
    QCOMPARE(Database(project).run(id).name, std::string("renamed after the command"));
  }

  void cliAppAndMergeWaitForEachOther() {
    const std::string project = path("shared.sqlite").toStdString();
    makeShard(project, 9, 100, "earlier-plan");  // run 1, finished before everything
    const std::string earlier = dumpRun(project, 1);
    QStringList shards;
    std::set<std::string> shardUuids;
    for (int i = 0; i < 3; ++i) {
      shards << path(qPrintable(QString("shard-%1.sqlite").arg(i)));
      makeShard(shards.last().toStdString(), i, kShardRows);
      Database shard(shards.last().toStdString());
      shardUuids.insert(shard.runUuid(shard.listRuns().at(0).id));
    }
    const QString config = path("short.json");
    {
      QFile f(config);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(kShortRunConfig);
    }

    // The app's run, queued as the GUI queues it, executed on its own connection and thread.
    Database app(project);
    NewRun draft;
    draft.config = nlohmann::json::parse(kShortRunConfig);
    draft.threads = 1;
    draft.status = RunStatus::Queued;
    const int64_t appRun = app.createRun(prepareRun(draft));

    std::atomic<bool> stop{false};
    ReaderReport report;
    std::thread reader([&] {
      try {
        report = readWhileWriting(project, shardUuids, stop);
      } catch (const std::exception& e) {
        report.problem = std::string("the reader failed: ") + e.what();
      }
    });

    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(kSublab, {"run", "--config", config, "--threads", "1", "--no-cache", "--db",
                        QString::fromStdString(project)});
    QVERIFY(cli.waitForStarted());
    RunOutcome appOutcome;
    std::thread appThread([&] {
      ExecuteOptions options;
      options.runtime.threads = 1;
      try {
        appOutcome = executeRun(app, appRun, options);
      } catch (const std::exception& e) {
        appOutcome.message = e.what();  // the run's end could not be stored
      }
    });
    // The merge starts while both runs write (their first stage is stored within a second).
    QTest::qWait(800);
    QProcess merge;
    merge.setProcessChannelMode(QProcess::MergedChannels);
    merge.start(kSublab, QStringList{"sweep-merge"} + shards +
                             QStringList{"--db", QString::fromStdString(project)});
    QVERIFY(merge.waitForStarted());
    QVERIFY(merge.waitForFinished(300000));
    const bool mergeOverlapped = cli.state() != QProcess::NotRunning;
    QVERIFY(cli.waitForFinished(300000));
    appThread.join();
    stop = true;
    reader.join();

    const QString mergeOut = QString::fromUtf8(merge.readAll());
    const QString cliOut = QString::fromUtf8(cli.readAll());
    QVERIFY2(merge.exitStatus() == QProcess::NormalExit && merge.exitCode() == 0,
             qPrintable(mergeOut));
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, qPrintable(cliOut));
    QVERIFY2(appOutcome.status == RunStatus::Done, appOutcome.message.c_str());
    QVERIFY2(report.problem.empty(), report.problem.c_str());
    QVERIFY(report.reads > 0);
    qInfo("reader: %d reads, %d done runs seen; merge %s the CLI run", report.reads,
          report.doneSeen, mergeOverlapped ? "overlapped" : "did not overlap");

    QCOMPARE(app.integrityCheck(), std::string("ok"));
    QCOMPARE(dumpRun(project, 1), earlier);
    const auto runs = app.listRuns();
    QCOMPARE(runs.size(), size_t(6));  // earlier, app, CLI, three merged
    for (const RunInfo& r : runs) QCOMPARE(toString(r.status), toString(RunStatus::Done));
  }
};

QTEST_GUILESS_MAIN(TestTwoWriters)
#include "test_two_writers.moc"
