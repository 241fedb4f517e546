// SIGKILL at 50 seeded random moments spread over every stage of `sublab run` (start-up,
// reference pretraining, teacher, generation with filtering, student training, writing the
// summary), over the migration of an old database (`sublab runs` upgrading it), over
// `sublab sweep-merge` and over `sublab import`. After each kill: PRAGMA integrity_check is ok,
// every earlier finished run reads back byte-identical (a dump of all its rows), the killed run
// is listed as interrupted when the project is opened next, a migration is either not begun or
// complete, a merge has added all of its runs or none, and an import all of its rows or none. The
// moments come from a timeline measured here first (two uninterrupted runs), so no kill waits for a
// whole run it does not need: a kill in stage S waits for S's first line on stderr, then a random
// part of S's measured length.
#include <signal.h>
#include <sqlite3.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "storage/database.h"
#include "storage/schema.h"
#include "tests/app/reliability_util.h"

using namespace sublab;
using namespace sublab::test;

namespace {

// Phases in order; "summary" runs from "students done" until the run is stored as done
// (then "finished": the CLI prints the results).
const QStringList kPhases = {"start", "reference", "teacher", "generation", "students", "summary"};

// The phase a progress line starts, or empty.
QString phaseOf(const QString& line) {
  static const QRegularExpression re(R"(^\[\s*[0-9.]+s\]\s+(\w+)\s+(\w+))");
  static const QRegularExpression finished(R"(^sublab: run \d+ done in)");
  if (finished.match(line).hasMatch()) return "finished";
  const auto m = re.match(line);
  if (!m.hasMatch()) return {};
  const QString stage = m.captured(1), status = m.captured(2);
  if (stage == "students" && status == "done") return "summary";
  if (status == "running" && kPhases.contains(stage)) return stage;
  return {};
}

struct Outcome {
  bool killed = false;                    // the process died of our SIGKILL (it had not finished)
  QString phase = "start";                // the phase it was in when killed (or last seen)
  int64_t runId = 0;                      // from "sublab: run N:", 0 when not seen
  std::map<QString, double> firstSeenMs;  // phase -> first line, ms after start
  double endMs = 0;
  QString output;
};

// Runs `sublab args`; `delayMs` after the first line of `phase` (or after the start for
// "start"; never for an empty phase) sends SIGKILL.
Outcome runAndKill(const QStringList& args, const QString& phase, double delayMs) {
  Outcome o;
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(kSublab, args);
  if (!p.waitForStarted()) {
    o.output = "could not start " + kSublab;
    return o;
  }
  QElapsedTimer clock;
  clock.start();
  const auto now = [&] { return clock.nsecsElapsed() / 1e6; };
  double armed = phase == "start" ? 0.0 : -1.0;
  static const QRegularExpression runLine(R"(^sublab: run (\d+):)");
  QString pending;
  o.firstSeenMs["start"] = 0.0;
  while (p.state() != QProcess::NotRunning) {
    if (armed >= 0 && now() >= armed + delayMs) {
      ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
      break;
    }
    p.waitForReadyRead(2);
    pending += QString::fromUtf8(p.readAll());
    for (int nl; (nl = pending.indexOf('\n')) >= 0;) {
      const QString line = pending.left(nl);
      pending.remove(0, nl + 1);
      o.output += line + "\n";
      if (const auto m = runLine.match(line); m.hasMatch()) o.runId = m.captured(1).toLongLong();
      const QString ph = phaseOf(line);
      if (ph.isEmpty()) continue;
      o.phase = ph;
      if (!o.firstSeenMs.count(ph)) o.firstSeenMs[ph] = now();
      if (armed < 0 && ph == phase) armed = now();
    }
  }
  p.waitForFinished(60000);
  o.endMs = now();
  o.output += QString::fromUtf8(p.readAll());
  o.killed = p.exitStatus() == QProcess::CrashExit;
  return o;
}

// Copies `from` (no WAL: written by a closed connection) to a fresh `to`.
void copyFile(const QString& from, const QString& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) QFile::remove(to + suffix);
  QVERIFY(QFile::copy(from, to));
}

}  // namespace

class TestKill : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::mt19937 m_rng{20261130};
  QString m_db, m_config, m_cache;
  std::map<QString, double> m_lengthMs;   // measured length of each phase
  std::map<int64_t, std::string> m_done;  // finished run -> dump of its rows
  std::set<int64_t> m_interrupted;        // runs the kills left behind
  std::map<QString, int> m_hits, m_tries;
  int m_kills = 0;
  QElapsedTimer m_total;

  QString path(const char* name) const { return m_dir.filePath(name); }
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng); }

  // A moment in a process that lasts `totalMs`, mostly after the start-up every `sublab`
  // command shares (measured as the run's "start" phase), where the database work is.
  double momentIn(double totalMs) {
    const double from = 0.5 * std::min(m_lengthMs["start"], totalMs);
    return from + uniform() * (totalMs - from);
  }

  QStringList runArgs(bool useCache) const {
    QStringList a = {"run", "--config", m_config, "--threads", "1", "--db", m_db};
    a << (useCache ? QStringList{"--cache-dir", m_cache} : QStringList{"--no-cache"});
    return a;
  }

  // The checks after every kill of a run into m_db.
  void checkProject(const Outcome& o) {
    const std::string db = m_db.toStdString();
    QCOMPARE(rawIntegrity(db), std::string("ok"));
    Database project(db);
    for (const RunInfo& r : project.listRuns()) {
      if (m_done.count(r.id)) {
        QCOMPARE(dumpRun(db, r.id), m_done[r.id]);
      } else if (r.status == RunStatus::Done) {
        // Finished before the kill (which then hit the printing of its results), or no kill.
        QCOMPARE(r.id, o.runId);
        m_done[r.id] = dumpRun(db, r.id);
      } else {
        QVERIFY2(r.status == RunStatus::Interrupted,
                 qPrintable(QString("run %1 is %2 after a kill")
                                .arg(r.id)
                                .arg(QString::fromStdString(toString(r.status)))));
        m_interrupted.insert(r.id);
      }
    }
    if (!o.killed || o.runId == 0 || m_done.count(o.runId)) return;
    const auto& recovered = project.recoveredRuns();
    QVERIFY2(std::find(recovered.begin(), recovered.end(), o.runId) != recovered.end(),
             qPrintable(o.output));
    if (o.phase == "start" || o.phase == "summary") return;
    for (const StageInfo& s : project.stages(o.runId))
      if (QString::fromStdString(s.name) == o.phase)
        QCOMPARE(toString(s.status), toString(StageStatus::Interrupted));
  }

  void killRunIn(const QString& phase, double fractionCap) {
    const double delay = uniform() * fractionCap * m_lengthMs[phase];
    const bool cache = phase != "start" && phase != "reference";
    const Outcome o = runAndKill(runArgs(cache), phase, delay);
    ++m_kills;
    ++m_tries[phase];
    checkProject(o);
    // A hit: the kill interrupted the run (not only the printing of a finished one).
    if (o.killed && o.phase != "finished" && !(o.runId && m_done.count(o.runId))) ++m_hits[o.phase];
  }

 private Q_SLOTS:
  void initTestCase() {
    m_total.start();
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
    m_db = path("project.sqlite");
    m_config = path("kill.json");
    m_cache = path("cache");
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kShortRunConfig);
    f.close();
    // The timeline: a run that pretrains (and fills the cache), then one that loads from it.
    const Outcome fresh = runAndKill(runArgs(true), {}, 0);
    const Outcome cached = runAndKill(runArgs(true), {}, 0);
    for (const Outcome* o : {&fresh, &cached})
      QVERIFY2(!o->killed && o->firstSeenMs.size() == size_t(kPhases.size() + 1),
               qPrintable(o->output));
    m_lengthMs["start"] = fresh.firstSeenMs.at("reference");
    m_lengthMs["reference"] = fresh.firstSeenMs.at("teacher") - fresh.firstSeenMs.at("reference");
    for (int i = 2; i < kPhases.size(); ++i) {
      const double next =
          cached.firstSeenMs.at(i + 1 < kPhases.size() ? kPhases[i + 1] : QString("finished"));
      m_lengthMs[kPhases[i]] = next - cached.firstSeenMs.at(kPhases[i]);
    }
    QString timeline;
    for (const QString& ph : kPhases) timeline += QString(" %1 %2 ms").arg(ph).arg(m_lengthMs[ph]);
    qInfo("measured timeline:%s", qPrintable(timeline));
    m_done[fresh.runId] = dumpRun(m_db.toStdString(), fresh.runId);
    checkProject(cached);
    QCOMPARE(m_done.size(), size_t(2));
  }

  // 40 kills of `sublab run`, every phase hit at least once.
  void killsDuringRuns() {
    const std::map<QString, int> plan = {{"start", 3},      {"reference", 9}, {"teacher", 7},
                                         {"generation", 7}, {"students", 7},  {"summary", 7}};
    for (const QString& phase : kPhases)
      for (int i = 0; i < plan.at(phase); ++i) {
        killRunIn(phase, 0.9);
        if (QTest::currentTestFailed()) return;
      }
    // A phase missed by every kill aimed at it (a busy machine): aim again, earlier in the phase,
    // a bounded number of times. The summary is written in a few milliseconds, less than the
    // time this process takes to see a line and send the signal, so a kill aimed at it mostly
    // lands after the run was stored as done: its hits are reported, not required.
    for (const QString& phase : kPhases)
      for (int extra = 0; m_hits[phase] == 0 && extra < 5; ++extra) killRunIn(phase, 0.3);
    QString figures;
    for (const QString& ph : kPhases)
      figures += QString(" %1 %2/%3").arg(ph).arg(m_hits[ph]).arg(m_tries[ph]);
    qInfo("kills that landed in their phase (hits/tries):%s", qPrintable(figures));
    for (const QString& ph : kPhases)
      if (ph != "summary")
        QVERIFY2(m_hits[ph] > 0, qPrintable("no kill landed in the phase " + ph));
    // The CLI, opened next, lists every killed run as interrupted.
    QProcess runs;
    runs.start(kSublab, {"runs", "--db", m_db, "--json"});
    QVERIFY(runs.waitForFinished(60000));
    const auto list = nlohmann::json::parse(runs.readAllStandardOutput().toStdString());
    QCOMPARE(list.size(), m_done.size() + m_interrupted.size());
    for (const auto& r : list) {
      const bool done = m_done.count(r["run_id"].get<int64_t>()) > 0;
      QCOMPARE(r["status"].get<std::string>(), std::string(done ? "done" : "interrupted"));
    }
    qInfo("%zu runs interrupted, %zu finished", m_interrupted.size(), m_done.size());
    QVERIFY(!m_interrupted.empty());
  }

  // 5 kills while `sublab runs` upgrades a schema-1 database holding 120,000 sequences.
  void killsDuringMigration() {
    const QString pristine = path("v1.sqlite");
    {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(pristine.toUtf8().constData(), &db), SQLITE_OK);
      const std::string sql =
          "BEGIN;" + std::string(migrations().at(0).sql) +
          "PRAGMA user_version = 1;"
          "INSERT INTO experiments(name, kind, created_at) VALUES ('old', 'numbers', 1);"
          "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) "
          "INSERT INTO runs(experiment_id, name, kind, config, status, created_at, summary) "
          "SELECT 1, 'old ' || i, 'numbers', '{\"kind\":\"numbers\"}', 'done', i, '{}' FROM r;"
          "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 119999) "
          "INSERT INTO sequences(run_id, condition, seed, idx, prompt, completion, kept, reason) "
          "SELECT 1 + i % 3, 'teacher', i % 2, i, '1, 2, ' || i, (i * 7919) % 1000 || ', ' || i,"
          " i % 3 <> 0, CASE WHEN i % 3 = 0 THEN 'format' ELSE '' END FROM r;"
          "COMMIT;";
      QCOMPARE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
    }
    std::map<int64_t, std::string> before;
    for (int64_t id = 1; id <= 3; ++id) before[id] = dumpRun(pristine.toStdString(), id);
    const QString work = path("migrating.sqlite");
    copyFile(pristine, work);
    const Outcome full = runAndKill({"runs", "--db", work}, {}, 0);
    QVERIFY2(!full.killed, qPrintable(full.output));
    int upgraded = 0;
    for (int k = 0; k < 5; ++k) {
      copyFile(pristine, work);
      runAndKill({"runs", "--db", work}, "start", momentIn(full.endMs));
      ++m_kills;
      QCOMPARE(rawIntegrity(work.toStdString()), std::string("ok"));
      {
        sqlite3* raw = nullptr;
        sqlite3_open_v2(work.toUtf8().constData(), &raw, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &q, nullptr);
        QCOMPARE(sqlite3_step(q), SQLITE_ROW);
        const int v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        sqlite3_close(raw);
        QVERIFY2(v == 1 || v == schemaVersion(), "a migration stopped half-way");
        upgraded += v == schemaVersion();
      }
      Database db(work.toStdString());  // finishes the upgrade
      QCOMPARE(db.userVersion(), schemaVersion());
      for (const auto& [id, dump] : before)
        QCOMPARE(dumpRun(work.toStdString(), id, pristine.toStdString()), dump);
    }
    qInfo("migration: %.0f ms uninterrupted; 5 kills, %d after the upgrade committed", full.endMs,
          upgraded);
  }

  // 5 kills during `sublab sweep-merge` of three shards (40,000 sequences each).
  void killsDuringMerge() {
    const QString pristine = path("merge-project.sqlite");
    const std::string earlier = [&] {
      makeShard(pristine.toStdString(), 9, 50, "another-plan");  // an earlier, finished run
      return dumpRun(pristine.toStdString(), 1);
    }();
    QStringList shards;
    for (int i = 0; i < 3; ++i) {
      shards << path(qPrintable(QString("shard-%1.sqlite").arg(i)));
      makeShard(shards.last().toStdString(), i, 40000);
    }
    const QString work = path("merging.sqlite");
    copyFile(pristine, work);
    const Outcome full =
        runAndKill(QStringList{"sweep-merge"} + shards + QStringList{"--db", work}, {}, 0);
    QVERIFY2(!full.killed, qPrintable(full.output));
    int merged = 0;
    for (int k = 0; k < 5; ++k) {
      copyFile(pristine, work);
      runAndKill(QStringList{"sweep-merge"} + shards + QStringList{"--db", work}, "start",
                 momentIn(full.endMs));
      ++m_kills;
      QCOMPARE(rawIntegrity(work.toStdString()), std::string("ok"));
      Database db(work.toStdString());
      QCOMPARE(dumpRun(work.toStdString(), 1), earlier);
      const auto runs = db.listRuns();
      QVERIFY2(runs.size() == 1 || runs.size() == 4, "a merge stopped half-way");
      for (const RunInfo& r : runs)
        if (r.id != 1) QCOMPARE(db.countSequences(r.id, {}), int64_t(40000));
      merged += runs.size() == 4;
    }
    qInfo("merge: %.0f ms uninterrupted; 5 kills, %d after the merge committed", full.endMs,
          merged);
  }

  // 5 kills during `sublab import` of 200,000 JSONL rows: the import is done with every row, or
  // (killed before its one transaction committed) listed as interrupted with none.
  void killsDuringImport() {
    const QString pristine = path("import-project.sqlite");
    const std::string earlier = [&] {
      makeShard(pristine.toStdString(), 9, 50, "a-plan");  // an earlier, finished run
      return dumpRun(pristine.toStdString(), 1);
    }();
    const QString file = path("rows.jsonl");
    {
      std::ofstream out(file.toStdString(), std::ios::binary);
      std::mt19937 rng(5);
      for (int i = 0; i < 200000; ++i)
        out << "{\"prompt\": \"Continue: " << rng() % 1000 << ", " << rng() % 1000
            << "\", \"completion\": \"" << rng() % 1000 << ", " << rng() % 1000 << ", "
            << rng() % 1000 << "\"}\n";
    }
    const QString work = path("importing.sqlite");
    const QStringList args = {"import", file, "--db", work};
    copyFile(pristine, work);
    const Outcome full = runAndKill(args, {}, 0);
    QVERIFY2(!full.killed, qPrintable(full.output));
    int imported = 0, interrupted = 0;
    for (int k = 0; k < 5; ++k) {
      copyFile(pristine, work);
      runAndKill(args, "start", momentIn(full.endMs));
      ++m_kills;
      QCOMPARE(rawIntegrity(work.toStdString()), std::string("ok"));
      Database db(work.toStdString());
      QCOMPARE(dumpRun(work.toStdString(), 1), earlier);
      for (const RunInfo& r : db.listRuns()) {
        if (r.id == 1) continue;
        const int64_t rows = db.countSequences(r.id, {});
        if (r.status == RunStatus::Done) {
          QCOMPARE(rows, int64_t(200000));
          ++imported;
        } else {
          QCOMPARE(toString(r.status), toString(RunStatus::Interrupted));
          QCOMPARE(rows, int64_t(0));  // no half-imported dataset
          ++interrupted;
        }
      }
    }
    qInfo("import: %.0f ms uninterrupted; 5 kills, %d after it committed, %d interrupted",
          full.endMs, imported, interrupted);
  }

  void cleanupTestCase() {
    qInfo("%d kills in %.1f s", m_kills, m_total.elapsed() / 1000.0);
    QVERIFY(m_kills >= 50);
  }
};

QTEST_GUILESS_MAIN(TestKill)
#include "test_kill.moc"
