// Tests of the headless `sublab` CLI, run as a real process (QProcess): every kind of bad input
// gives a non-zero exit and one message naming the problem without losing stored data; show /
// runs / export read what storage wrote; a tiny preset runs end to end with --json; `execute`
// runs a queued run by id; SIGINT stores the run as cancelled; SIGKILL during training leaves a
// consistent file whose run the next `sublab runs` shows as interrupted.
#include <signal.h>

#include <QProcess>
#include <QTemporaryDir>
#include <fstream>

#include "app/lab/run_lifecycle.h"
#include "engine/core/thread_policy.h"
#include "engine/experiment.h"
#include "storage/database.h"

using namespace sublab;

namespace {

const QString kSublab = QStringLiteral(SUBLAB_BINARY_DIR "/app/sublab");

struct Result {
  int code = -1;
  QString out, err;
};

Result runSublab(const QStringList& args, int timeoutMs = 600000) {
  QProcess p;
  p.start(kSublab, args);
  Result r;
  if (!p.waitForStarted()) {
    r.err = "could not start " + kSublab;
    return r;
  }
  p.waitForFinished(timeoutMs);
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

std::string readAll(const QString& path) {
  std::ifstream in(path.toStdString(), std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(bytes);
}

// Waits until the run `runId` in `db` has stored at least one metric point (it is training).
bool waitForTraining(const QString& db, int64_t runId, QProcess& proc) {
  for (int i = 0; i < 6000; ++i) {
    if (proc.state() == QProcess::NotRunning) return false;
    if (QFile::exists(db)) {
      try {
        OpenOptions o;
        o.markInterrupted = false;
        Database d(db.toStdString(), o);
        if (d.findRun(runId) && !d.metrics(runId).empty()) return true;
      } catch (const Error&) {
        // created concurrently; try again
      }
    }
    QTest::qWait(100);
  }
  return false;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_db;
  int64_t m_storedRun = 0;
  QString m_tinyDb;
  int64_t m_tinyRun = 0;

  QString path(const char* name) const { return m_dir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
    // A database that already holds a finished run with rows: no error case may lose it.
    m_db = path("project.sqlite");
    Database db(m_db.toStdString());
    NewRun nr;
    nr.preset = "hand-made";
    nr.config = {{"kind", "numbers"}, {"seeds", 1}};
    m_storedRun = db.createRun(nr);
    db.updateStage(m_storedRun, "generation", StageStatus::Done, 1.0, "");
    db.insertMetrics(m_storedRun, {{"student", 0, "trait_prob", 5, 0.25}});
    db.insertSequences(m_storedRun,
                       {{"teacher", 0, 0, "1, 2, 3", "4, 5, 6", true, "", {}},
                        {"teacher", 0, 1, "7, 8", "x, \"y\"", false, "format: letters", {}}});
    ExperimentResult res;
    res.conditions.push_back({"student", "trait_prob", {0.25, 0.2, 0.3, 1}, {0.25}});
    res.contrasts.push_back({"transfer", "trait_prob", {0.05, -0.01, 0.11, 1}, {0.05}});
    res.summary = {{"transfer", {{"mean", 0.05}}}};
    db.saveResult(m_storedRun, res);
    db.finishRun(m_storedRun, RunStatus::Done, 3.0);
  }

  void presetsListed() {
    const Result r = runSublab({"presets"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("owl-numbers-tiny"), qPrintable(r.out));
    QVERIFY(r.out.contains("owl-numbers-quick"));
  }

  void badInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("expected");  // words the one-line message must contain
    writeFile(path("malformed.json"), "{\"kind\": \"numbers\",\n  \"seeds\": 2,,\n}\n");
    writeFile(path("negative_lr.json"), R"({"kind": "numbers", "student": {"lr": -0.001}})");
    writeFile(path("bad_kind.json"), R"({"kind": "poems"})");
    writeFile(path("notes.txt"), "my notes, not a database\n");
    const QString db = m_db;
    QTest::newRow("unknown preset")
        << QStringList{"run", "--preset", "owl-nope", "--db", db}
        << QStringList{"unknown preset", "owl-nope", "owl-numbers-tiny"};
    QTest::newRow("malformed json")
        << QStringList{"run", "--config", path("malformed.json"), "--db", db}
        << QStringList{"not valid JSON", "line 2", "column"};
    QTest::newRow("negative lr") << QStringList{"run", "--config", path("negative_lr.json"), "--db",
                                                db}
                                 << QStringList{"student.lr", "-0.001"};
    QTest::newRow("bad kind") << QStringList{"run", "--config", path("bad_kind.json"), "--db", db}
                              << QStringList{"kind", "poems"};
    writeFile(path("bad_regex.json"),
              "{\"kind\": \"numbers\", \"filter\": {\"banned_patterns\": [\"^6\", \"(13\"]}}");
    writeFile(path("typo.json"), "{\"kind\": \"numbers\", \"student\": {\"lrr\": 0.1}}");
    for (const QString command : {"run", "validate"}) {
      const QStringList where = command == "run" ? QStringList{"--db", db} : QStringList{};
      QTest::newRow(qPrintable(QString("invalid regex (%1)").arg(command)))
          << QStringList{command, "--config", path("bad_regex.json")} + where
          << QStringList{"config.filter.banned_patterns", "\"(13\"",
                         "not a valid regular expression"};
      QTest::newRow(qPrintable(QString("unknown key (%1)").arg(command)))
          << QStringList{command, "--config", path("typo.json")} + where
          << QStringList{"config.student: unknown key \"lrr\"", "did you mean \"lr\"?"};
    }
    QTest::newRow("missing config file")
        << QStringList{"run", "--config", path("absent.json"), "--db", db}
        << QStringList{"cannot read the config file", "absent.json"};
    QTest::newRow("unwritable db path")
        << QStringList{"run", "--preset", "owl-numbers-tiny", "--db",
                       "/nonexistent-sublab-dir/x.sqlite"}
        << QStringList{"/nonexistent-sublab-dir", "does not exist", "give --db a path"};
    QTest::newRow("db is a folder")
        << QStringList{"run", "--preset", "owl-numbers-tiny", "--db", m_dir.path()}
        << QStringList{"is a folder", "--db", "/project.sqlite"};
    QTest::newRow("non-sqlite db")
        << QStringList{"run", "--preset", "owl-numbers-tiny", "--db", path("notes.txt")}
        << QStringList{"notes.txt", "not a SQLite database", "untouched", "give --db"};
    QTest::newRow("non-sqlite db for runs")
        << QStringList{"runs", "--db", path("notes.txt")} << QStringList{"not a SQLite database"};
    QTest::newRow("no preset or config")
        << QStringList{"run", "--db", db} << QStringList{"--preset", "--config"};
    QTest::newRow("unknown run id (show)")
        << QStringList{"show", "999", "--db", db}
        << QStringList{"no run 999", "`sublab runs --db " + db + "`"};
    QTest::newRow("unknown run id (export)")
        << QStringList{"export", "999", "--what", "metrics", "--format", "csv", "--db", db}
        << QStringList{"no run 999"};
    QTest::newRow("missing db (show)") << QStringList{"show", "1", "--db", path("absent.sqlite")}
                                       << QStringList{"no database", "absent.sqlite"};
    QTest::newRow("unknown run id (execute)")
        << QStringList{"execute", "999", "--db", db} << QStringList{"no run 999"};
    QTest::newRow("finished run (execute)")
        << QStringList{"execute", QString::number(m_storedRun), "--db", db}
        << QStringList{"run 1 is done", "only a queued run"};
    QTest::newRow("missing db (execute)")
        << QStringList{"execute", "1", "--db", path("absent.sqlite")}
        << QStringList{"no database", "absent.sqlite"};
  }

  void badInput() {
    QFETCH(QStringList, args);
    QFETCH(QStringList, expected);
    const std::string notesBefore = readAll(path("notes.txt"));
    const Result r = runSublab(args);
    QVERIFY2(r.code != 0, qPrintable(r.err));
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    const QString msg = r.err.trimmed();
    QVERIFY2(!msg.contains('\n'), qPrintable("one message expected, got:\n" + msg));
    for (const auto& word : expected)
      QVERIFY2(msg.contains(word, Qt::CaseInsensitive), qPrintable(msg));
    // Nothing stored was lost or changed.
    QCOMPARE(readAll(path("notes.txt")), notesBefore);
    Database db(m_db.toStdString());
    QCOMPARE(db.listRuns().size(), size_t(1));
    QCOMPARE(db.countSequences(m_storedRun, {}), int64_t(2));
    QCOMPARE(db.integrityCheck(), std::string("ok"));
    QVERIFY(!QFile::exists(path("absent.sqlite")));
  }

  // `sublab validate` checks as `run` does and stores nothing.
  void validateChecksOnly() {
    writeFile(path("lenient.json"),
              "{\"kind\": \"numbers\", \"filter\": {\"format_rule\": \"lenient\"}}");
    Result r = runSublab({"validate", "--config", path("lenient.json"), "--seeds", "2"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.trimmed(), QString("lenient.json: a valid numbers config (seeds = 2)"));
    r = runSublab({"validate", "--preset", "owl-numbers-tiny", "--json"});
    QCOMPARE(r.code, 0);
    const auto config = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(config["filter"]["format_rule"], nlohmann::json("paper"));
    QVERIFY(runSublab({"validate"}).code != 0);
  }

  void usageErrorsAreNonZero() {
    QVERIFY(runSublab({}).code != 0);
    QVERIFY(runSublab({"frobnicate"}).code != 0);
    const Result both =
        runSublab({"run", "--preset", "owl-numbers-tiny", "--config", "x.json", "--db", m_db});
    QVERIFY(both.code != 0);
    QVERIFY2(both.err.contains("exclude", Qt::CaseInsensitive), qPrintable(both.err));
    QVERIFY(runSublab({"export", "1", "--what", "weights", "--db", m_db}).code != 0);
    const Result cache =
        runSublab({"execute", "1", "--db", m_db, "--no-cache", "--cache-dir", "x"});
    QVERIFY(cache.code != 0);
    QVERIFY2(cache.err.contains("exclude", Qt::CaseInsensitive), qPrintable(cache.err));
  }

  void runsShowExport() {
    const Result runs = runSublab({"runs", "--db", m_db});
    QCOMPARE(runs.code, 0);
    QVERIFY2(runs.out.contains("hand-made") && runs.out.contains("done") &&
                 runs.out.contains("transfer"),
             qPrintable(runs.out));

    const Result js = runSublab({"runs", "--db", m_db, "--json"});
    QCOMPARE(js.code, 0);
    const auto arr = nlohmann::json::parse(js.out.toStdString());
    QVERIFY(arr.is_array());
    QCOMPARE(arr.size(), size_t(1));
    QCOMPARE(arr[0]["run_id"].get<int64_t>(), m_storedRun);
    QCOMPARE(arr[0]["status"].get<std::string>(), std::string("done"));

    const Result show = runSublab({"show", QString::number(m_storedRun), "--db", m_db});
    QCOMPARE(show.code, 0);
    QVERIFY2(show.out.contains("generation") && show.out.contains("format: letters 1") &&
                 show.out.contains("0.2500"),
             qPrintable(show.out));

    const QString csv = path("seq.csv");
    const Result ex = runSublab({"export", QString::number(m_storedRun), "--what", "sequences",
                                 "--format", "csv", "--out", csv, "--db", m_db});
    QCOMPARE(ex.code, 0);
    const std::string text = readAll(csv);
    QCOMPARE(text, std::string("run_id,condition,seed,index,prompt,completion,kept,reason\n"
                               "1,teacher,0,0,\"1, 2, 3\",\"4, 5, 6\",1,\n"
                               "1,teacher,0,1,\"7, 8\",\"x, \"\"y\"\"\",0,format: letters\n"));
    const Result met = runSublab({"export", QString::number(m_storedRun), "--what", "metrics",
                                  "--format", "csv", "--db", m_db});
    QCOMPARE(met.code, 0);
    QCOMPARE(met.out,
             QString("run_id,condition,seed,metric,step,value\n1,student,0,trait_prob,5,0.25\n"));
  }

  // Needs the number-sequence engine's `owl-numbers-tiny` preset (seconds-long).
  void endToEndTinyJson() {
    const QString db = path("e2e.sqlite");
    const Result r = runSublab({"run", "--preset", "owl-numbers-tiny", "--seeds", "2", "--db", db,
                                "--threads", "2", "--json", "--cache-dir", path("cache")});
    QVERIFY2(r.code == 0, qPrintable(r.err.right(800)));
    QVERIFY2(r.err.contains("done"), qPrintable(r.err));
    const auto j = nlohmann::json::parse(r.out.toStdString());  // exactly one JSON value
    QVERIFY(j.is_object());
    for (const char* key : {"run_id", "preset", "seeds", "wall_seconds", "conditions", "transfer",
                            "cross_transfer", "filter", "kind", "device", "threads", "db"})
      QVERIFY2(j.contains(key), key);
    QCOMPARE(j["preset"].get<std::string>(), std::string("owl-numbers-tiny"));
    QCOMPARE(j["seeds"].get<int>(), 2);
    QCOMPARE(j["transfer"]["ci95"].size(), size_t(2));
    QVERIFY(j["conditions"].contains("student"));
    QVERIFY(j["conditions"]["student"].contains("mean"));
    QVERIFY(j["filter"].contains("kept"));
    // How the CPU was used is recorded with the figures.
    QCOMPARE(j["runtime"]["threads"].get<int>(), 2);
    QCOMPARE(j["runtime"]["threads_from"].get<std::string>(), std::string("asked"));
    const std::string wait = j["runtime"]["openmp_wait"].get<std::string>();
    QVERIFY2(wait == "spin" || wait == "passive", wait.c_str());

    Database d(db.toStdString());
    const RunInfo run = d.run(j["run_id"].get<int64_t>());
    QCOMPARE(toString(run.status), std::string("done"));
    QVERIFY(!run.contrasts.empty());
    QVERIFY(d.countSequences(run.id, {}) > 0);
    QVERIFY(!d.metrics(run.id).empty());
    QCOMPARE(d.integrityCheck(), std::string("ok"));
    m_tinyDb = db;
    m_tinyRun = run.id;
  }

  // Threads come from SLURM_CPUS_PER_TASK when no count is asked for; a user's OMP_WAIT_POLICY
  // is kept and reported, and so are the BLAS kernels a user's OPENBLAS_CORETYPE picks (Nehalem:
  // SSE kernels, which every x86-64 CPU runs); `show` says all three. The busy-machine rule itself:
  // sleep from a load of one per usable core.
  void threadPolicyFollowsSlurmAndIsShown() {
    QCOMPARE(sublab::busyReason(0.5, 2), std::string());
    QCOMPARE(sublab::busyReason(-1, 2), std::string());
    QVERIFY(sublab::busyReason(2.0, 2).find("load 2.0 on 2 usable cores") != std::string::npos);
    QVERIFY(sublab::usableCores() >= 1);
    QCOMPARE(sublab::threadPolicy(3).threads, 3);

    const QString db = path("policy.sqlite");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SLURM_CPUS_PER_TASK", "1");
    env.insert("OMP_WAIT_POLICY", "passive");
    env.insert("OPENBLAS_CORETYPE", "Nehalem");
    p.setProcessEnvironment(env);
    p.start(kSublab, {"run", "--preset", "owl-numbers-tiny", "--seeds", "1", "--db", db, "--json",
                      "--cache-dir", path("cache")});
    QVERIFY(p.waitForFinished(600000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().right(800).constData());
    const auto j = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
    QCOMPARE(j["runtime"]["threads"].get<int>(), 1);
    QCOMPARE(j["runtime"]["threads_from"].get<std::string>(), std::string("SLURM_CPUS_PER_TASK"));
    QCOMPARE(j["runtime"]["openmp_wait"].get<std::string>(), std::string("passive"));
    QCOMPARE(j["runtime"]["blas"].get<std::string>(), std::string("Nehalem"));
    const Result show =
        runSublab({"show", QString::number(j["run_id"].get<int64_t>()), "--db", db});
    QVERIFY2(show.out.contains("1 thread (SLURM_CPUS_PER_TASK); OpenMP threads sleep when idle: "
                               "OMP_WAIT_POLICY=passive was set; OpenBLAS Nehalem kernels "
                               "(OPENBLAS_CORETYPE=Nehalem was set)"),
             qPrintable(show.out));
  }

  // `sublab sweep`: two points of a shrunk tiny preset, resumed after one point was marked
  // interrupted (only that point runs again, and the output says so per point); `sublab sweeps`
  // lists it; a plan with an impossible point stores nothing and names the point.
  void sweepRunsResumesAndLists() {
    const QString plan = path("sweep.json");
    writeFile(plan, R"({"name": "cli sweep", "base": {"preset": "owl-numbers-tiny"},
      "set": {"reference": {"corpus_rows": 1000, "steps": 40}, "teacher": {"rows": 32},
              "generation": {"prompts": 48}},
      "axes": [{"key": "filter.max_kept", "values": [24, 40]}], "seeds": 1})");
    const QString db = path("sweep.sqlite");
    const QStringList args = {"sweep", plan,          "--db",        db,      "--threads",
                              "1",     "--cache-dir", path("cache"), "--json"};
    const Result first = runSublab(args);
    QVERIFY2(first.code == 0, qPrintable(first.err.right(800)));
    const auto j1 = nlohmann::json::parse(first.out.toStdString());
    QCOMPARE(j1["points"].size(), size_t(2));
    QCOMPARE(j1["resumed"].get<bool>(), false);
    for (const auto& p : j1["points"]) {
      QCOMPARE(p["status"].get<std::string>(), std::string("done"));
      QCOMPARE(p["effect"]["name"].get<std::string>(), std::string("transfer"));
      // One seed: a mean and no interval (a zero-width CI would look certain).
      QVERIFY(p["effect"]["mean"].is_number());
      QCOMPARE(p["effect"]["n"].get<int>(), 1);
      QVERIFY(p["effect"]["lo"].is_null() && p["effect"]["hi"].is_null());
    }
    const int64_t run0 = j1["points"][0]["run_id"].get<int64_t>();
    const int64_t run1 = j1["points"][1]["run_id"].get<int64_t>();
    {
      Database d(db.toStdString());
      d.finishRun(run1, RunStatus::Interrupted, 1.0, "killed");
    }
    const Result second = runSublab(args);
    QVERIFY2(second.code == 0, qPrintable(second.err.right(800)));
    QVERIFY2(second.err.contains("point 1/2 {\"filter.max_kept\":24}: skipped, run " +
                                 QString::number(run0) + " done before"),
             qPrintable(second.err));
    QVERIFY2(second.err.contains("again: the earlier run was interrupted"), qPrintable(second.err));
    const auto j2 = nlohmann::json::parse(second.out.toStdString());
    QCOMPARE(j2["resumed"].get<bool>(), true);
    QCOMPARE(j2["sweep_id"], j1["sweep_id"]);
    QCOMPARE(j2["points"][0]["run_id"].get<int64_t>(), run0);
    QCOMPARE(j2["points"][0]["effect"], j1["points"][0]["effect"]);
    QVERIFY(j2["points"][1]["run_id"].get<int64_t>() != run1);
    QCOMPARE(j2["points"][1]["status"].get<std::string>(), std::string("done"));

    const Result list = runSublab({"sweeps", "--db", db});
    QVERIFY2(list.code == 0 && list.out.contains("cli sweep") && list.out.contains("2/2"),
             qPrintable(list.out + list.err));
    const Result one =
        runSublab({"sweeps", QString::number(j1["sweep_id"].get<int64_t>()), "--db", db});
    QVERIFY2(one.code == 0 && one.out.contains("transfer"), qPrintable(one.out + one.err));

    const QString bad = path("bad-sweep.json");
    writeFile(bad, R"({"name": "bad", "base": {"preset": "owl-numbers-tiny"},
      "axes": [{"key": "student.lr", "values": [0.01, -1]}]})");
    const QString badDb = path("bad-sweep.sqlite");
    const Result r = runSublab({"sweep", bad, "--db", badDb});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("sweep point 2 of 2") && r.err.contains("student.lr"),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(badDb));
  }

  // Each point into its own shard (as a Slurm task would), merged: the project holds the same
  // figures as the sweep run locally; merging twice adds nothing; a hostile shard is named.
  void sweepShardsMergeLikeALocalSweep() {
    const QString plan = path("shard-sweep.json");
    writeFile(plan, R"({"name": "shard sweep", "base": {"preset": "owl-numbers-tiny"},
      "set": {"reference": {"corpus_rows": 1000, "steps": 40}, "teacher": {"rows": 32},
              "generation": {"prompts": 48}},
      "axes": [{"key": "filter.max_kept", "values": [24, 40]}], "seeds": 1})");
    const QString cache = path("cache");
    const QString local = path("shard-local.sqlite");
    const Result l =
        runSublab({"sweep", plan, "--db", local, "--threads", "1", "--cache-dir", cache, "--json"});
    QVERIFY2(l.code == 0, qPrintable(l.err.right(800)));
    QStringList shards;
    for (int k = 0; k < 2; ++k) {
      shards << path(("shard " + std::to_string(k) + ".sqlite").c_str());
      qputenv("SLURM_CPUS_PER_TASK", "1");
      const Result r = runSublab({"sweep-point", plan, "--point", QString::number(k), "--shard",
                                  shards.back(), "--cache-dir", cache});
      qunsetenv("SLURM_CPUS_PER_TASK");
      QVERIFY2(r.code == 0, qPrintable(r.err.right(800)));
      QVERIFY2(r.err.contains("(1 threads)"), qPrintable(r.err));
    }
    const QString project = path("shard-project.sqlite");
    const Result m =
        runSublab(QStringList{"sweep-merge"} + shards + QStringList{"--db", project, "--json"});
    QVERIFY2(m.code == 0, qPrintable(m.err.right(800)));
    QCOMPARE(nlohmann::json::parse(m.out.toStdString())["added"].get<int>(), 2);
    auto points = [](const QString& db) {
      const Result r = runSublab({"sweeps", "1", "--db", db, "--json"});
      auto j = nlohmann::json::parse(r.out.toStdString());
      for (auto& p : j["points"]) p.erase("run_id");
      return j["points"];
    };
    const auto want = points(local), got = points(project);
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got, want);
    QCOMPARE(got[1]["status"].get<std::string>(), std::string("done"));
    const Result again =
        runSublab(QStringList{"sweep-merge"} + shards + QStringList{"--db", project, "--json"});
    const auto ja = nlohmann::json::parse(again.out.toStdString());
    QCOMPARE(ja["added"].get<int>(), 0);
    QCOMPARE(ja["skipped"].get<int>(), 2);
    QCOMPARE(points(project), want);
    const QString junk = path("junk shard.sqlite");
    writeFile(junk, QByteArray(4096, 'x'));
    const Result bad =
        runSublab(QStringList{"sweep-merge", shards[0], junk, "--db", path("shard-new.sqlite")});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.contains("junk shard.sqlite") && bad.err.contains("nothing was merged"),
             qPrintable(bad.err));
    const Result none = runSublab({"sweeps", "--db", path("shard-new.sqlite"), "--json"});
    QCOMPARE(nlohmann::json::parse(none.out.toStdString()).size(), size_t(0));
  }

  // A queued run stored by another program runs by id with nothing but the database:
  // `sublab execute` uses the device and threads stored with it unless told otherwise.
  void executeQueuedRun() {
    const QString db = path("queued.sqlite");
    int64_t id = 0;
    {
      Database d(db.toStdString());
      NewRun draft;
      draft.preset = "owl-numbers-tiny";
      draft.config = findPreset("owl-numbers-tiny")->config;
      draft.threads = 2;
      draft.status = RunStatus::Queued;
      id = d.createRun(prepareRun(draft, 1));
    }
    const Result r = runSublab(
        {"execute", QString::number(id), "--db", db, "--json", "--cache-dir", path("cache")});
    QVERIFY2(r.code == 0, qPrintable(r.err.right(800)));
    QVERIFY2(r.err.contains("from " + db) && r.err.contains("done"), qPrintable(r.err));
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["run_id"].get<int64_t>(), id);
    QCOMPARE(j["seeds"].get<int>(), 1);
    QCOMPARE(j["threads"].get<int>(), 2);
    QCOMPARE(j["device"].get<std::string>(), std::string("cpu"));
    QVERIFY(j.contains("transfer"));
    Database d(db.toStdString());
    const RunInfo run = d.run(id);
    QCOMPARE(toString(run.status), std::string("done"));
    QCOMPARE(run.wallSeconds, j["wall_seconds"].get<double>());
    QVERIFY(!run.contrasts.empty());
    // Executed once only.
    const Result again = runSublab({"execute", QString::number(id), "--db", db});
    QCOMPARE(again.code, 2);
    QVERIFY2(again.err.contains("only a queued run"), qPrintable(again.err));
  }

  // `sublab stats` on the tiny run: every analysis is printed; JSON has every part; bad input
  // gets a clear message and exit 2.
  void statsOfARun() {
    if (m_tinyRun == 0) QSKIP("needs endToEndTinyJson's run");
    const QString id = QString::number(m_tinyRun);
    const Result r = runSublab({"stats", id, "--db", m_tinyDb});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    for (const char* s :
         {"A = teacher (kept)", "B = reference (kept)", "KL(A||B)", "JS", "chi-square",
          "held-out AUC", "over-represented in A", "under-represented in A", "length distribution",
          "digit frequency", "first numbers", "divergence tokens of the teacher rows",
          "entanglement probe", "transfer"})
      QVERIFY2(r.out.contains(s), qPrintable(QString(s) + "\n" + r.out));

    const Result js = runSublab({"stats", id, "--db", m_tinyDb, "--json", "--top", "5"});
    QCOMPARE(js.code, 0);
    const auto j = nlohmann::json::parse(js.out.toStdString());
    QCOMPARE(j["run_id"].get<int64_t>(), m_tinyRun);
    const auto& st = j["stats"];
    QVERIFY(st.contains("detector"));
    const double auc = st["detector"]["auc"].get<double>();
    QVERIFY(auc >= 0.0 && auc <= 1.0);
    QVERIFY(st["over"].size() <= 5);
    QVERIFY(!j["divergence_tokens"].is_null());
    QVERIFY(!j["entanglement"].is_null());
    QCOMPARE(j["entanglement"]["entries"].size(), size_t(1000));
    QVERIFY(j["contrasts"].contains("transfer"));

    // One seed only, all rows, reference against teacher.
    QCOMPARE(runSublab({"stats", id, "--db", m_tinyDb, "--seed", "1", "--verdict", "all", "--a",
                        "reference", "--b", "teacher"})
                 .code,
             0);
    const Result noCond = runSublab({"stats", id, "--db", m_tinyDb, "--b", "nonsense"});
    QCOMPARE(noCond.code, 2);
    QVERIFY2(noCond.err.contains("no sequences of condition \"nonsense\"") &&
                 noCond.err.contains("teacher"),
             qPrintable(noCond.err));
    const Result noRun = runSublab({"stats", "999", "--db", m_tinyDb});
    QCOMPARE(noRun.code, 2);
    QVERIFY2(noRun.err.contains("999"), qPrintable(noRun.err));
  }

  // `sublab stats` across runs and with --variants: RUN:COND sides (RUN_ID optional then), a
  // copy of the tiny run's reference rows in a second run gives the same figures as the run's
  // own comparison, the 4-row hidden-signal table and verdict, and clear errors.
  void statsAcrossRuns() {
    if (m_tinyRun == 0) QSKIP("needs endToEndTinyJson's run");
    const QString db = path("cross.sqlite");
    QFile::remove(db);
    QVERIFY(QFile::copy(m_tinyDb, db));
    int64_t copyRun = 0;
    {
      Database d(db.toStdString());
      NewRun nr;
      nr.config = {{"kind", "numbers"}};
      copyRun = d.createRun(nr);
      SequenceFilter f;
      f.condition = "reference";
      const auto recs = d.sequencesAfter(m_tinyRun, f, 0, 1000000);
      d.insertSequences(copyRun, std::vector<SequenceRow>(recs.begin(), recs.end()));
    }
    const QString id = QString::number(m_tinyRun), other = QString::number(copyRun);
    const Result own = runSublab({"stats", id, "--db", db, "--json"});
    const Result cross = runSublab(
        {"stats", "--a", id + ":teacher", "--b", other + ":reference", "--db", db, "--json"});
    QVERIFY2(cross.code == 0, qPrintable(cross.err));
    const auto jo = nlohmann::json::parse(own.out.toStdString());
    const auto jc = nlohmann::json::parse(cross.out.toStdString());
    QCOMPARE(jc["set_b"]["run_id"].get<int64_t>(), copyRun);
    QCOMPARE(jc["stats"]["detector"].dump(), jo["stats"]["detector"].dump());
    QCOMPARE(jc["stats"]["counts"].dump(), jo["stats"]["counts"].dump());
    QCOMPARE(jc["stats"]["b"]["label"].get<std::string>(),
             "run " + other.toStdString() + " reference (kept)");
    // A bare condition is of RUN_ID; text output names both runs.
    const Result mixed = runSublab({"stats", id, "--b", other + ":reference", "--db", db});
    QVERIFY2(mixed.code == 0, qPrintable(mixed.err));
    QVERIFY2(mixed.out.contains("runs " + id) && mixed.out.contains("B = run " + other),
             qPrintable(mixed.out));

    const Result v = runSublab({"stats", id, "--db", db, "--variants"});
    QVERIFY2(v.code == 0, qPrintable(v.err));
    for (const char* s : {"is the difference hidden?", "all features", "numbers only", "raw",
                          "length-matched", "hidden? "})
      QVERIFY2(v.out.contains(s), qPrintable(QString(s) + "\n" + v.out));
    // Four table rows, two per feature set (the verdict line says "length-matched" too).
    QCOMPARE(v.out.count("\n  all features   "), 2);
    QCOMPARE(v.out.count("\n  numbers only   "), 2);
    const Result vj = runSublab({"stats", id, "--db", db, "--variants", "--json"});
    const auto hj = nlohmann::json::parse(vj.out.toStdString())["hidden_signal"];
    QCOMPARE(hj["variants"].size(), size_t{4});
    QCOMPARE(hj["variants"][0]["auc"].get<double>(), jo["stats"]["detector"]["auc"].get<double>());
    QVERIFY(!hj["verdict_line"].get<std::string>().empty());
    QVERIFY(!jo.contains("hidden_signal"));  // only with --variants

    const Result noRun =
        runSublab({"stats", "--a", "teacher", "--b", id + ":reference", "--db", db});
    QCOMPARE(noRun.code, 2);
    QVERIFY2(noRun.err.contains("--a \"teacher\" names no run") && noRun.err.contains("3:teacher"),
             qPrintable(noRun.err));
    const Result badRun = runSublab({"stats", id, "--b", "999:reference", "--db", db});
    QCOMPARE(badRun.code, 2);
    QVERIFY2(badRun.err.contains("999"), qPrintable(badRun.err));
    const Result badCond = runSublab({"stats", id, "--b", other + ":teacher", "--db", db});
    QCOMPARE(badCond.code, 2);
    QVERIFY2(badCond.err.contains("run " + other + " has no sequences of condition \"teacher\""),
             qPrintable(badCond.err));
  }

  void sigintStoresCancelled() {
    const QString db = path("cancel.sqlite");
    QProcess p;
    p.start(kSublab,
            {"run", "--preset", "owl-numbers-tiny", "--db", db, "--threads", "2", "--no-cache"});
    QVERIFY(p.waitForStarted());
    QVERIFY2(waitForTraining(db, 1, p), qPrintable(QString::fromUtf8(p.readAllStandardError())));
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGINT), 0);
    QVERIFY(p.waitForFinished(600000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("cancelled"));
    Database d(db.toStdString());
    QCOMPARE(toString(d.run(1).status), std::string("cancelled"));
    QCOMPARE(d.run(1).error, std::string(kCancelledMessage));
    QCOMPARE(d.integrityCheck(), std::string("ok"));
  }

  // A Slurm task killed mid-run (SIGKILL during training) leaves a shard with a running run and
  // its WAL file: the merge brings it in as interrupted, with the rows stored so far.
  void killedShardMergesAsInterrupted() {
    const QString plan = path("killed-sweep.json");
    writeFile(plan, R"({"name": "killed sweep", "base": {"preset": "owl-numbers-tiny"},
      "axes": [{"key": "filter.max_kept", "values": [24, 40]}], "seeds": 1})");
    const QString shard = path("killed shard.sqlite");
    QProcess p;
    p.start(kSublab, {"sweep-point", plan, "--point", "1", "--shard", shard, "--threads", "1",
                      "--no-cache"});
    QVERIFY(p.waitForStarted());
    QVERIFY2(waitForTraining(shard, 1, p), qPrintable(QString::fromUtf8(p.readAllStandardError())));
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGKILL), 0);
    QVERIFY(p.waitForFinished(60000));
    const QString project = path("killed-project.sqlite");
    const Result m = runSublab({"sweep-merge", shard, "--db", project, "--json"});
    QVERIFY2(m.code == 0, qPrintable(m.err));
    const auto j = nlohmann::json::parse(m.out.toStdString());
    QCOMPARE(j["added"].get<int>(), 1);
    QCOMPARE(j["interrupted"].get<int>(), 1);
    Database d(project.toStdString());
    const auto points = d.sweepPoints(j["sweep_id"].get<int64_t>());
    QCOMPARE(points.size(), size_t(1));
    QCOMPARE(points[0].index, 1);
    const RunInfo run = d.run(points[0].runId);
    QCOMPARE(toString(run.status), std::string("interrupted"));
    QVERIFY2(run.error.find("killed shard.sqlite") != std::string::npos, run.error.c_str());
    QVERIFY(!d.metrics(run.id).empty());
    OpenOptions ro;
    ro.readOnly = true;
    ro.markInterrupted = false;
    Database s(shard.toStdString(), ro);
    QCOMPARE(d.metrics(run.id).size(), s.metrics(s.sweepPoints(1).at(0).runId).size());
  }

  void sigkillLeavesInterruptedRun() {
    const QString db = path("killed.sqlite");
    QProcess p;
    p.start(kSublab,
            {"run", "--preset", "owl-numbers-tiny", "--db", db, "--threads", "2", "--no-cache"});
    QVERIFY(p.waitForStarted());
    QVERIFY2(waitForTraining(db, 1, p), qPrintable(QString::fromUtf8(p.readAllStandardError())));
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGKILL), 0);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    const Result runs = runSublab({"runs", "--db", db});
    QCOMPARE(runs.code, 0);
    QVERIFY2(runs.out.contains("interrupted"), qPrintable(runs.out));
    Database d(db.toStdString());
    QCOMPARE(d.integrityCheck(), std::string("ok"));
    const RunInfo run = d.run(1);
    QCOMPARE(toString(run.status), std::string("interrupted"));
    for (const auto& s : d.stages(1)) QVERIFY(s.status != StageStatus::Running);
  }
};

int main(int argc, char** argv) {
  // The tiny run takes seconds on an idle machine but minutes on a loaded shared one: lift
  // Qt Test's 5-minute per-function watchdog (ctest still bounds the whole file).
  if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
    qputenv("QTEST_FUNCTION_TIMEOUT", "900000");
  QCoreApplication app(argc, argv);
  TestCli test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_cli.moc"
