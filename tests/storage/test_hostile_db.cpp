// Project files from someone else: real SQLite files made here with a trigger that writes to
// other tables, a view named like a table, a schema from the future, extra columns and indexes,
// and a WAL left by a crashed writer. Each is refused with one message naming what is wrong
// (file and WAL left byte-identical) or, for an honest crashed writer, opened with its committed
// rows; none changes a row the app did not write, none crashes. The defensive connection
// settings are checked on their own too (a trigger in a file does not fire).
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>

#include "storage/database.h"
#include "storage/schema.h"
#include "storage/sqlite_util.h"
#include "tests/storage/db_test_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;
using sublab::test::rawExec;
using sublab::test::readAll;

namespace {

// One value of a raw query (the test reads the file behind the app's back).
std::string rawValue(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out = "(error)";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const auto* p = sqlite3_column_text(st, 0);
    out = p ? reinterpret_cast<const char*>(p) : "NULL";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A project with one finished run holding a stage, metrics, sequences and a summary.
int64_t makeProject(const std::string& path) {
  Database db(path);
  NewRun nr;
  nr.preset = "shared";
  nr.config = {{"kind", "numbers"}, {"seeds", 1}};
  const int64_t id = db.createRun(nr);
  db.updateStage(id, "generation", StageStatus::Done, 1.0, "");
  db.insertMetrics(id,
                   {{"student", 0, "trait_prob", 1, 0.25}, {"student", 0, "trait_prob", 2, 0.5}});
  db.insertSequences(id, {{"teacher", 0, 0, "1, 2", "3, 4", true, "", {}},
                          {"teacher", 0, 1, "5, 6", "owl", false, "format", {}}});
  ExperimentResult res;
  res.conditions.push_back({"student", "trait_prob", {0.25, 0.2, 0.3, 1}, {0.25}});
  db.saveResult(id, res);
  db.finishRun(id, RunStatus::Done, 2.0);
  return id;
}

struct Snapshot {
  std::string main, wal;
};

Snapshot snapshot(const std::string& path) { return {readAll(path), readAll(path + "-wal")}; }

// Opening `path` writable and read-only both refuse it with `words` and leave it as it was.
void expectRefused(const std::string& path, const QStringList& words) {
  const Snapshot before = snapshot(path);
  QVERIFY(!before.main.empty());
  expectError([&] { Database db(path); }, words, ErrorCode::DatabaseForeign);
  OpenOptions ro;
  ro.readOnly = true;
  expectError([&] { Database db(path, ro); }, words, ErrorCode::DatabaseForeign);
  const Snapshot after = snapshot(path);
  QVERIFY2(after.main == before.main, "the refused file changed");
  QVERIFY2(after.wal == before.wal, "the refused file's WAL changed");
}

// Runs `fn` in a child process that then dies without closing its connections, so its last
// commits stay in the WAL as a crashed writer leaves them. `fn` returns false on failure.
template <typename Fn>
void crashAfter(const std::string& path, Fn fn) {
  const pid_t child = fork();
  if (child == 0) {
    bool ok = false;
    try {
      ok = fn();
    } catch (...) {
    }
    _exit(ok ? 0 : 3);  // no close: no checkpoint, the WAL stays
  }
  int status = 0;
  QCOMPARE(waitpid(child, &status, 0), child);
  QVERIFY(WIFEXITED(status));
  QCOMPARE(WEXITSTATUS(status), 0);
  QVERIFY(std::filesystem::file_size(path + "-wal") > 0);
}

// Commits `sql` through a raw connection, then crashes (see crashAfter).
void commitAndCrash(const std::string& path, const std::string& sql) {
  crashAfter(path, [&] {
    sqlite3* db = nullptr;
    return sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
           sqlite3_exec(db, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr) == SQLITE_OK &&
           sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  });
}

}  // namespace

class TestHostileDb : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string file(const char* name) { return m_dir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // The sender's trigger would wipe every sequence and rename runs on the next metric insert.
  void triggerWritingElsewhereIsRefused() {
    const std::string path = file("trigger.sqlite");
    makeProject(path);
    rawExec(path,
            "CREATE TRIGGER grab AFTER INSERT ON metrics BEGIN "
            "DELETE FROM sequences; UPDATE runs SET name = 'pwned'; END;");
    expectRefused(path, {QString::fromStdString(path), "trigger", "\"grab\"", "untouched"});
    QCOMPARE(rawValue(path, "SELECT count(*) FROM sequences"), std::string("2"));
  }

  // Even on a connection that skipped the layout check, the hardened settings keep a file's
  // trigger from firing and its views from being read.
  void hardenedConnectionIgnoresTriggersAndViews() {
    const std::string path = file("harden.sqlite");
    const int64_t id = makeProject(path);
    rawExec(path,
            "CREATE TRIGGER grab AFTER INSERT ON metrics BEGIN DELETE FROM sequences; END;"
            "CREATE VIEW peek AS SELECT * FROM runs;");
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite::harden(db, path);
    const std::string insert =
        "INSERT INTO metrics(run_id, condition, seed, metric, step, value) "
        "VALUES (" +
        std::to_string(id) + ", 'student', 0, 'x', 3, 1.0)";
    QCOMPARE(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "SELECT * FROM peek", nullptr, nullptr, nullptr), SQLITE_ERROR);
    // Defensive mode: the schema cannot be rewritten from SQL.
    sqlite3_exec(db, "PRAGMA writable_schema = ON", nullptr, nullptr, nullptr);
    QVERIFY(sqlite3_exec(db, "UPDATE sqlite_schema SET sql = 'x' WHERE name = 'runs'", nullptr,
                         nullptr, nullptr) != SQLITE_OK);
    QCOMPARE(sqlite3_enable_load_extension(db, 0), SQLITE_OK);
    char* err = nullptr;
    QVERIFY(sqlite3_load_extension(db, "/nonexistent/ext.so", nullptr, &err) != SQLITE_OK);
    sqlite3_free(err);
    sqlite3_close(db);
    QCOMPARE(rawValue(path, "SELECT count(*) FROM sequences"), std::string("2"));
  }

  void viewNamedLikeATableIsRefused() {
    const std::string path = file("view.sqlite");
    makeProject(path);
    rawExec(path,
            "DROP TABLE summaries;"
            "CREATE VIEW summaries AS SELECT id, id AS run_id, 'student' AS condition, "
            "'trait_prob' AS metric, 'condition' AS kind, 1.0 AS mean, 0.9 AS lo, 1.1 AS hi, "
            "1 AS n, '[1]' AS per_seed FROM runs;");
    expectRefused(path, {"view", "\"summaries\"", "never creates"});
  }

  // A view or trigger alone marks a file that is not a new, empty one.
  void viewInAnUnversionedFileIsRefused() {
    const std::string path = file("bare-view.sqlite");
    rawExec(path, "CREATE VIEW runs AS SELECT 1 AS id;");
    expectRefused(path, {"another program", "view \"runs\""});
  }

  void schemaFromTheFutureIsRefused() {
    const std::string path = file("future.sqlite");
    makeProject(path);
    rawExec(path, "CREATE TABLE tomorrow(x); PRAGMA user_version = " +
                      std::to_string(schemaVersion() + 1) + ";");
    const Snapshot before = snapshot(path);
    expectError([&] { Database db(path); }, {"newer", "untouched"}, ErrorCode::DatabaseTooNew);
    QCOMPARE(snapshot(path).main, before.main);
  }

  // Extra columns are refused, not tolerated: a NOT NULL one makes every insert of the app fail
  // mid-run, a generated one evaluates the sender's expression, and a later migration adding a
  // column of that name would fail on this file.
  void extraColumnsAreRefused() {
    const std::string path = file("extra-column.sqlite");
    makeProject(path);
    rawExec(path, "ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT 'mallory';");
    expectRefused(path, {"column", "\"runs.owner\"", "never creates"});

    const std::string generated = file("generated-column.sqlite");
    makeProject(generated);
    rawExec(generated, "ALTER TABLE metrics ADD COLUMN twice REAL AS (value * 2);");
    expectRefused(generated, {"\"metrics.twice\""});
  }

  void changedDeclarationsAndIndexesAreRefused() {
    const std::string unique = file("unique-index.sqlite");
    makeProject(unique);
    rawExec(unique, "CREATE UNIQUE INDEX one_run_per_kind ON runs(kind);");
    expectRefused(unique, {"index", "\"one_run_per_kind\""});

    // The same index name on other columns.
    const std::string moved = file("moved-index.sqlite");
    makeProject(moved);
    rawExec(moved, "DROP INDEX metrics_series; CREATE INDEX metrics_series ON metrics(value);");
    expectRefused(moved, {"\"metrics_series\"", "declared differently"});

    const std::string missing = file("missing-table.sqlite");
    makeProject(missing);
    rawExec(missing, "DROP TABLE analyses;");
    expectRefused(missing, {"lacks", "\"analyses\""});
  }

  // An old layout with someone's extra column is refused before any migration touches it.
  void olderVersionWithExtraColumnIsRefusedUnmigrated() {
    const std::string path = file("v5-extra.sqlite");
    std::string sql;
    for (const Migration& m : migrations())
      if (m.version <= 5) sql += m.sql;
    rawExec(path, sql + "ALTER TABLE sequences ADD COLUMN secret TEXT; PRAGMA user_version = 5;");
    expectRefused(path, {"schema 5", "\"sequences.secret\""});
    QCOMPARE(rawValue(path, "PRAGMA user_version"), std::string("5"));
  }

  // An honest crashed writer: its committed run is in the WAL only. Opening recovers it, marks
  // it interrupted (its process is gone) and leaves the earlier finished run as it was.
  void walOfACrashedWriterIsRecovered() {
    const std::string path = file("crashed.sqlite");
    const int64_t earlier = makeProject(path);
    const std::string earlierRow =
        rawValue(path, "SELECT name || status || summary || wall_seconds FROM runs WHERE id = " +
                           std::to_string(earlier));
    crashAfter(path, [&] {
      auto* db = new Database(path);  // never closed
      NewRun nr;
      nr.config = {{"kind", "numbers"}, {"seeds", 1}};
      const int64_t id = db->createRun(nr);
      db->insertMetrics(id, {{"student", 0, "trait_prob", 1, 0.5}});
      return true;
    });
    Database db(path);
    QCOMPARE(db.integrityCheck(), std::string("ok"));
    const auto runs = db.listRuns();
    QCOMPARE(runs.size(), size_t(2));
    const int64_t crashed = db.recoveredRuns().at(0);
    QCOMPARE(toString(db.run(crashed).status), toString(RunStatus::Interrupted));
    QCOMPARE(db.metrics(crashed).size(), size_t(1));  // its committed rows came back
    QCOMPARE(rawValue(path,
                      "SELECT name || status || summary || wall_seconds FROM runs WHERE "
                      "id = " +
                          std::to_string(earlier)),
             earlierRow);
    QCOMPARE(db.countSequences(earlier, {}), int64_t(2));
  }

  // A crashed writer whose last commit (still in the WAL) added a trigger: the check sees the
  // WAL's schema, refuses, and closing does not checkpoint that WAL into the refused file.
  void walAddingATriggerIsRefusedAndNotCheckpointed() {
    const std::string path = file("crashed-trigger.sqlite");
    makeProject(path);
    rawExec(path, "PRAGMA wal_checkpoint(TRUNCATE);");
    commitAndCrash(path,
                   "CREATE TRIGGER late AFTER INSERT ON runs BEGIN DELETE FROM metrics; END;");
    expectRefused(path, {"trigger", "\"late\""});
    QCOMPARE(rawValue(path, "SELECT count(*) FROM metrics"), std::string("2"));
  }

  // The app's own files at every version still open (and migrate) after these checks.
  void everyOwnVersionOpens() {
    for (const Migration& upTo : migrations()) {
      const std::string path = file(("own-v" + std::to_string(upTo.version) + ".sqlite").c_str());
      std::string sql;
      for (const Migration& m : migrations())
        if (m.version <= upTo.version) sql += m.sql;
      rawExec(path, "BEGIN;" + sql + "PRAGMA user_version = " + std::to_string(upTo.version) +
                        "; COMMIT;");
      Database db(path);
      QCOMPARE(db.userVersion(), schemaVersion());
      QCOMPARE(db.integrityCheck(), std::string("ok"));
    }
  }
};

QTEST_GUILESS_MAIN(TestHostileDb)
#include "test_hostile_db.moc"
