// Storage tests: round trip of runs / stages / metrics / sequences / summaries, trash, token info
// and analyses, interrupted-run recovery (also after a real SIGKILL mid-write), paging and
// filters, and the buffered StorageObserver writing from another thread while a second
// connection reads. Migrations and refused files: test_database_files.cpp.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <fstream>
#include <thread>

#include "engine/seqstats/seq_stats.h"
#include "storage/database.h"
#include "storage/schema.h"
#include "storage/storage_observer.h"
#include "tests/storage/db_test_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using namespace sublab::test;

class TestDatabase : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string file(const char* name) { return m_dir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void roundTrip() {
    const std::string path = file("round.sqlite");
    int64_t id = 0;
    {
      Database db(path);
      QCOMPARE(db.userVersion(), schemaVersion());
      NewRun nr;
      nr.preset = "owl-numbers-tiny";
      nr.config = smallConfig();
      nr.threads = 2;
      nr.tags = {"a", "b,c"};
      id = db.createRun(nr);
      QVERIFY(id > 0);
      db.updateStage(id, "reference", StageStatus::Running, 0.0, "pretraining");
      db.updateStageProgress(id, "reference", 0.5, "half");
      db.updateStage(id, "reference", StageStatus::Done, -1, "");
      db.updateStage(id, "teacher", StageStatus::Running, 0.0, "");
      db.insertMetrics(id, {{"student", 0, "trait_prob", 0, 0.1},
                            {"student", 0, "trait_prob", 10, 0.25},
                            {"control", 1, "trait_prob", 10, 0.125}});
      db.insertSequences(id, makeRows(30, 0, "teacher"));
      ExperimentResult res;
      res.kind = "numbers";
      res.conditions.push_back({"student", "trait_prob", {0.3, 0.2, 0.4, 2}, {0.25, 0.35}});
      res.contrasts.push_back({"transfer", "trait_prob", {0.1, 0.05, 0.15, 2}, {0.1, 0.1}});
      res.summary = {{"transfer", {{"mean", 0.1}, {"ci95", {0.05, 0.15}}}}};
      db.saveResult(id, res);
      db.finishRun(id, RunStatus::Done, 12.5);
    }
    Database db(path);
    QVERIFY(db.recoveredRuns().empty());
    const RunInfo r = db.run(id);
    QCOMPARE(r.name, std::string("owl-numbers-tiny"));
    QCOMPARE(r.kind, std::string("numbers"));
    QCOMPARE(r.seeds, 2);
    QCOMPARE(r.threads, 2);
    QCOMPARE(toString(r.status), toString(RunStatus::Done));
    QCOMPARE(r.config, smallConfig());
    QCOMPARE(r.wallSeconds, 12.5);
    QVERIFY(r.startedAt > 0 && r.finishedAt >= r.startedAt);
    QCOMPARE(r.tags, (std::vector<std::string>{"a", "b,c"}));
    QCOMPARE(r.summary["transfer"]["mean"].get<double>(), 0.1);
    QCOMPARE(r.conditions.size(), size_t(1));
    QCOMPARE(r.conditions[0].value.n, 2);
    QCOMPARE(r.conditions[0].perSeed, (std::vector<double>{0.25, 0.35}));
    QCOMPARE(r.contrasts.size(), size_t(1));
    QCOMPARE(r.contrasts[0].condition, std::string("transfer"));
    QCOMPARE(r.contrasts[0].value.lo, 0.05);

    const auto st = db.stages(id);
    QCOMPARE(st.size(), size_t(2));
    QCOMPARE(st[0].name, std::string("reference"));
    QCOMPARE(toString(st[0].status), toString(StageStatus::Done));
    QCOMPARE(st[0].progress, 1.0);
    QCOMPARE(toString(st[1].status),
             toString(StageStatus::Done));  // finishRun(Done) closes running stages

    const auto m = db.metrics(id);
    QCOMPARE(m.size(), size_t(3));
    QCOMPARE(m[1].step, int64_t(10));
    QCOMPARE(m[1].value, 0.25);
    QCOMPARE(db.metrics(id, m[1].id).size(), size_t(1));
    QCOMPARE(db.metrics(id, 0, "trait_prob", "control").size(), size_t(1));
    QCOMPARE(db.metricNames(id), (std::vector<std::string>{"trait_prob"}));

    QCOMPARE(db.countSequences(id, {}), int64_t(30));
    const auto page = db.sequences(id, {}, 0, 5);
    QCOMPARE(page.size(), size_t(5));
    QCOMPARE(page[3].index, int64_t(3));
    QCOMPARE(page[3].completion, std::string("103, 21"));
    QCOMPARE(page[3].kept, false);
    QCOMPARE(page[3].reason, std::string("banned_number"));
    QCOMPARE(db.conditions(id), (std::vector<std::string>{"control", "student", "teacher"}));
    QCOMPARE(db.integrityCheck(), std::string("ok"));

    db.setRunName(id, "renamed");
    db.setRunTags(id, {"x"});
    db.setRunNotes(id, "note");
    const RunInfo r2 = db.listRuns().at(0);
    QCOMPARE(r2.name, std::string("renamed"));
    QCOMPARE(r2.tags, std::vector<std::string>{"x"});
    QCOMPARE(r2.notes, std::string("note"));
    QCOMPARE(r2.contrasts.size(), size_t(1));

    const int64_t art = db.addArtifact(id, "checkpoint", "/tmp/student-0.pt", "seed 0");
    QVERIFY(art > 0);
    QCOMPARE(db.artifacts(id).size(), size_t(1));
    QCOMPARE(db.artifacts(id)[0].path, std::string("/tmp/student-0.pt"));
    expectError([&] { db.addArtifact(9999, "checkpoint", "x"); }, {"no run 9999"},
                ErrorCode::NoSuchRun);

    db.deleteRun(id);
    QVERIFY(!db.findRun(id));
    QVERIFY(db.artifacts(id).empty());
    QCOMPARE(db.countSequences(id, {}), int64_t(0));
    QVERIFY(db.metrics(id).empty());
    expectError([&] { db.run(id); },
                {"no run", QString::number(id), QString::fromStdString(db.path())},
                ErrorCode::NoSuchRun);
    expectError([&] { db.setRunNotes(id, "x"); }, {"no run"});
  }

  void failedRunKeepsError() {
    Database db(file("failed.sqlite"));
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = db.createRun(nr);
    db.updateStage(id, "student", StageStatus::Running, 0.3, "");
    db.finishRun(id, RunStatus::Failed, 1.0, "the engine failed: boom");
    const RunInfo r = db.run(id);
    QCOMPARE(toString(r.status), toString(RunStatus::Failed));
    QCOMPARE(r.error, std::string("the engine failed: boom"));
    QCOMPARE(toString(db.stages(id).at(0).status), toString(StageStatus::Failed));
    QCOMPARE(db.stages(id).at(0).progress, 0.3);
  }

  void trashKeepsRunsWhole() {
    Database db(file("trash.sqlite"));
    NewRun nr;
    nr.name = "kept";
    nr.config = smallConfig();
    const int64_t keep = db.createRun(nr);
    nr.name = "trashed";
    const int64_t id = db.createRun(nr);
    db.insertMetrics(id,
                     {{"student", 0, "trait_prob", 0, 0.2}, {"student", 0, "trait_prob", 1, 0.3}});
    db.insertSequences(id, makeRows(6, 0, "teacher"));
    ExperimentResult r;
    r.kind = "numbers";
    r.conditions = {{"student", "trait_prob", {0.3, 0.2, 0.4, 2}, {0.25, 0.35}}};
    r.contrasts = {{"transfer", "trait_prob", {0.1, 0.0, 0.2, 2}, {0.05, 0.15}}};
    r.summary = {{"kind", "numbers"}, {"x", 1}};
    db.saveResult(id, r);
    db.saveAnalysis(id, "entanglement", {{"baseline", 0.1}});
    db.finishRun(id, RunStatus::Done, 3.0);
    const RunInfo before = db.run(id);

    db.trashRun(id);
    QVERIFY(!db.findRun(id));
    QCOMPARE(db.listRuns().size(), size_t(1));
    QCOMPARE(db.trashedRuns(), std::vector<int64_t>{id});
    expectError([&] { db.trashRun(id); }, {"no run"}, ErrorCode::NoSuchRun);
    expectError([&] { db.restoreRun(keep); }, {"trash"}, ErrorCode::NoSuchRun);

    db.restoreRun(id);
    const RunInfo after = db.run(id);
    QCOMPARE(after.config, before.config);
    QCOMPARE(after.summary, before.summary);
    QCOMPARE(after.contrasts.size(), size_t(1));
    QCOMPARE(after.contrasts[0].perSeed, before.contrasts[0].perSeed);
    QCOMPARE(after.conditions[0].value.mean, 0.3);
    QCOMPARE(db.metrics(id).size(), size_t(2));
    QCOMPARE(db.countSequences(id, {}), int64_t(6));
    QCOMPARE(db.analysis(id, "entanglement")->at("baseline").get<double>(), 0.1);
    QVERIFY(db.trashedRuns().empty());

    db.trashRun(id);
    QCOMPARE(db.emptyTrash({keep}), 0);  // not in the trash: left alone
    QCOMPARE(db.emptyTrash(), 1);
    QVERIFY(db.trashedRuns().empty());
    QVERIFY(db.metrics(id).empty());
    QCOMPARE(db.countSequences(id, {}), int64_t(0));
    expectError([&] { db.restoreRun(id); }, {"trash"}, ErrorCode::NoSuchRun);
    QVERIFY(db.createRun(nr) > id);
  }

  void tokenInfoAndAnalyses() {
    Database db(file("analyses.sqlite"));
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = db.createRun(nr);
    SequenceRow kept{"teacher", 0, 0, "1, 2", "3, 4", true, "", R"({"tokens":["3"]})"};
    SequenceRow rejected{"teacher", 0, 1, "1, 2", "x", false, "format", {}};
    db.insertSequences(id, {kept, rejected});
    const auto rows = db.sequences(id, {}, 0, 10);
    QCOMPARE(rows.size(), size_t(2));
    QCOMPARE(rows[0].tokenInfo, kept.tokenInfo);
    QVERIFY(rows[1].tokenInfo.empty());

    QVERIFY(!db.analysis(id, "entanglement"));
    db.saveAnalysis(id, "entanglement", {{"baseline", 0.1}});
    db.saveAnalysis(id, "entanglement", {{"baseline", 0.2}});  // replaces
    db.saveAnalysis(id, "other", nlohmann::json::array({1, 2}));
    QCOMPARE(db.analysis(id, "entanglement")->at("baseline").get<double>(), 0.2);
    QCOMPARE(db.analysisNames(id), (std::vector<std::string>{"entanglement", "other"}));
    expectError([&] { db.saveAnalysis(id + 100, "x", 1); }, {QString::number(id + 100)});
    db.deleteRun(id);
    QVERIFY(!db.analysis(id, "entanglement"));
    QVERIFY(db.analysisNames(id).empty());
  }

  void marksDeadRunsInterrupted() {
    const std::string path = file("interrupted.sqlite");
    int64_t dead = 0, alive = 0;
    {
      Database db(path);
      NewRun nr;
      nr.config = smallConfig();
      dead = db.createRun(nr);
      alive = db.createRun(nr);
      db.updateStage(dead, "student", StageStatus::Running, 0.4, "training");
      db.updateStage(dead, "reference", StageStatus::Done, 1.0, "");
    }
    // A pid that certainly ended: a child we have reaped.
    const pid_t child = fork();
    if (child == 0) _exit(0);
    QVERIFY(child > 0);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    rawExec(path,
            "UPDATE runs SET pid=" + std::to_string(child) + " WHERE id=" + std::to_string(dead));
    Database db(path);
    QCOMPARE(db.recoveredRuns(), std::vector<int64_t>{dead});
    const RunInfo r = db.run(dead);
    QCOMPARE(toString(r.status), toString(RunStatus::Interrupted));
    QVERIFY(QString::fromStdString(r.error).contains("ended before the run finished"));
    QVERIFY(r.finishedAt > 0);
    QCOMPARE(toString(db.run(alive).status), toString(RunStatus::Running));  // our own pid is alive
    const auto st = db.stages(dead);
    QCOMPARE(toString(st.at(0).status), toString(StageStatus::Interrupted));
    QCOMPARE(toString(st.at(1).status), toString(StageStatus::Done));
  }

  // A real SIGKILL while a child process writes batches: the file stays consistent, whole
  // batches only, and the next open shows the run as interrupted.
  void survivesSigkillDuringWrites() {
    const std::string path = file("killed.sqlite");
    { Database init(path); }
    int fds[2];
    QCOMPARE(pipe(fds), 0);
    const pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      try {
        Database db(path);
        NewRun nr;
        nr.config = smallConfig();
        int64_t id = db.createRun(nr);
        if (write(fds[1], &id, sizeof id) != sizeof id) _exit(2);
        StorageObserver obs(db, id, nullptr, {100, 1e9, 0.0});
        obs.stage("generation", StageStatus::Running, "");
        for (int batch = 0;; ++batch) {
          for (int i = 0; i < 10; ++i) obs.sequences(makeRows(10, batch, "teacher"));
          obs.metric({"student", 0, "trait_prob", batch, 0.5});
        }
      } catch (...) {
        _exit(3);
      }
    }
    close(fds[1]);
    int64_t id = 0;
    QCOMPARE(read(fds[0], &id, sizeof id), static_cast<ssize_t>(sizeof id));
    close(fds[0]);
    {
      Database reader(path, {.markInterrupted = false});
      for (int i = 0; i < 20000 && reader.countSequences(id, {}) < 3000; ++i) usleep(1000);
      QVERIFY(reader.countSequences(id, {}) >= 3000);
    }
    QCOMPARE(kill(child, SIGKILL), 0);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFSIGNALED(status));

    Database db(path);
    QCOMPARE(db.integrityCheck(), std::string("ok"));
    QCOMPARE(db.recoveredRuns(), std::vector<int64_t>{id});
    QCOMPARE(toString(db.run(id).status), toString(RunStatus::Interrupted));
    QCOMPARE(toString(db.stages(id).at(0).status), toString(StageStatus::Interrupted));
    const int64_t n = db.countSequences(id, {});
    QCOMPARE(n % 100, int64_t(0));  // flushRows = 100 (+1 metric): whole batches only
  }

  void pagingAndFilters() {
    Database db(file("paging.sqlite"));
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = db.createRun(nr);
    const int64_t other = db.createRun(nr);
    for (int seed = 0; seed < 2; ++seed) {
      db.insertSequences(id, makeRows(600, seed, "teacher"));
      db.insertSequences(id, makeRows(300, seed, "reference"));
    }
    db.insertSequences(other, makeRows(50, 0, "teacher"));
    QCOMPARE(db.countSequences(id, {}), int64_t(1800));
    QCOMPARE(db.sequenceConditions(id), (std::vector<std::string>{"reference", "teacher"}));
    QCOMPARE(db.sequenceSeeds(id), (std::vector<int>{0, 1}));

    SequenceFilter f;
    f.condition = "teacher";
    f.seed = 1;
    f.verdict = Verdict::Rejected;
    QCOMPARE(db.countSequences(id, f), int64_t(200));  // i % 3 == 0 of 600
    // Offset pages and keyset pages give the same rows in the same order.
    std::vector<int64_t> byOffset, byKeyset;
    for (int64_t off = 0;; off += 37) {
      const auto page = db.sequences(id, f, off, 37);
      for (const auto& r : page) {
        QCOMPARE(r.condition, std::string("teacher"));
        QCOMPARE(r.seed, 1);
        QVERIFY(!r.kept);
        byOffset.push_back(r.id);
      }
      if (page.size() < 37) break;
    }
    for (int64_t after = 0;;) {
      const auto page = db.sequencesAfter(id, f, after, 37);
      for (const auto& r : page) byKeyset.push_back(r.id);
      if (page.empty()) break;
      after = page.back().id;
    }
    QCOMPARE(byOffset.size(), size_t(200));
    QCOMPARE(byOffset, byKeyset);
    QVERIFY(std::is_sorted(byOffset.begin(), byOffset.end()));

    SequenceFilter reason;
    reason.reason = "format";
    const int64_t formatCount = db.countSequences(id, reason);
    const auto reasons = db.rejectReasons(id);
    QCOMPARE(reasons.size(), size_t(2));
    int64_t sum = 0;
    for (const auto& [why, n] : reasons) sum += n;
    SequenceFilter rejected;
    rejected.verdict = Verdict::Rejected;
    QCOMPARE(sum, db.countSequences(id, rejected));
    QVERIFY(formatCount > 0);

    SequenceFilter text;
    text.text = "1, 2, 599";  // prompt of index 599 only, per (condition teacher, seed)
    QCOMPARE(db.countSequences(id, text), int64_t(2));
    text.text = "100%";  // LIKE wildcards are literal
    QCOMPARE(db.countSequences(id, text), int64_t(0));
    SequenceFilter re;
    re.text = "^1, 2, 5\\d\\d$";
    re.textIsRegex = true;
    re.condition = "teacher";
    QCOMPARE(db.countSequences(id, re), int64_t(200));
    QCOMPARE(db.sequences(id, re, 150, 100).size(), size_t(50));
    re.text = "([unclosed";
    expectError([&] { db.countSequences(id, re); }, {"not a valid regular expression"});
    QVERIFY(db.sequences(id, {}, 5000, 10).empty());
    QCOMPARE(db.countSequences(other, {}), int64_t(50));
  }

  // The number filter reads completions as the statistics do (parseNumbers), never prompts;
  // the conditions list keeps rows of any of its conditions; occurrences add up per row.
  void numberAndConditionsFilters() {
    Database db(file("numbers.sqlite"));
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = db.createRun(nr);
    const auto row = [](const char* cond, const char* prompt, const char* completion) {
      SequenceRow r;
      r.condition = cond;
      r.prompt = prompt;
      r.completion = completion;
      r.kept = true;
      return r;
    };
    db.insertSequences(id, {row("teacher", "1", "293, 5"), row("teacher", "1", "293, 293, 7"),
                            row("teacher", "293", "2930, 1293, 12"), row("teacher", "1", "0293"),
                            row("teacher", "1", "x293y, 07"), row("reference", "2", "4, 293."),
                            row("paraphrase", "3", "293")});
    SequenceFilter f;
    f.number = 293;
    QCOMPARE(db.countSequences(id, f), int64_t(5));  // teacher 3, reference 1, paraphrase 1
    QCOMPARE(db.countNumberOccurrences(id, f), int64_t(6));
    f.conditions = {"teacher", "reference"};
    QCOMPARE(db.countSequences(id, f), int64_t(4));
    QCOMPARE(db.countNumberOccurrences(id, f), int64_t(5));
    for (const auto& r : db.sequencesAfter(id, f, 0, 100)) {
      const auto n = parseNumbers(r.completion);
      QVERIFY2(std::count(n.begin(), n.end(), 293) > 0, r.completion.c_str());
      QVERIFY(r.condition != "paraphrase");
    }
    f.condition = "reference";  // a single condition wins over the list
    QCOMPARE(db.countSequences(id, f), int64_t(1));
    SequenceFilter seven;
    seven.number = 7;  // "07" is 7, as parseNumbers reads it
    QCOMPARE(db.countSequences(id, seven), int64_t(2));
    expectError([&] { db.countNumberOccurrences(id, {}); }, {"needs a filter with a number"});
  }

  void observerWritesWhileAnotherConnectionReads() {
    const std::string path = file("observer.sqlite");
    Database writer(path);
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = writer.createRun(nr);
    Database reader(path);
    {
      StorageObserver obs(writer, id, nullptr, {500, 0.05, 0.0});
      std::thread engine([&] {
        obs.stage("generation", StageStatus::Running, "sampling");
        for (int b = 0; b < 40; ++b) {
          obs.sequences(makeRows(50, b, "teacher"));
          obs.progress("generation", (b + 1) / 40.0, "");
          obs.metric({"student", 0, "loss", b, 1.0 / (b + 1)});
        }
        obs.stage("generation", StageStatus::Done, "");
      });
      // Poll until the engine's final stage change; every read sees whole batches only.
      bool consistent = true, done = false;
      int64_t seen = 0;
      while (!done) {
        const auto st = reader.stages(id);
        done = !st.empty() && st[0].status == StageStatus::Done;
        const int64_t now = reader.countSequences(id, {});
        consistent = consistent && now >= seen && now % 50 == 0;
        seen = now;
      }
      engine.join();
      QVERIFY(consistent);
    }
    QCOMPARE(reader.countSequences(id, {}), int64_t(2000));
    QCOMPARE(reader.metrics(id).size(), size_t(40));
    const auto st = reader.stages(id);
    QCOMPARE(st.size(), size_t(1));
    QCOMPARE(toString(st[0].status), toString(StageStatus::Done));
    QCOMPARE(st[0].progress, 1.0);
  }

  void defaultPathUsesXdg() {
    const QByteArray old = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", m_dir.filePath("xdg").toUtf8());
    const std::string p = defaultDatabasePath();
    if (old.isEmpty())
      qunsetenv("XDG_DATA_HOME");
    else
      qputenv("XDG_DATA_HOME", old);
    QCOMPARE(QString::fromStdString(p), m_dir.filePath("xdg/subliminal-lab/default.sqlite"));
    QVERIFY(QFileInfo(m_dir.filePath("xdg/subliminal-lab")).isDir());
  }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "test_database.moc"
