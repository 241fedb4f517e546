// Storage tests of database files: migrations from older schemas (ids never reused, sweep
// manifests linked) and refusal of newer / foreign / non-SQLite / damaged files and unwritable
// paths, each leaving the file byte-identical.
#include <sqlite3.h>

#include <QTemporaryDir>
#include <filesystem>

#include "storage/database.h"
#include "storage/schema.h"
#include "tests/storage/db_test_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using namespace sublab::test;

class TestDatabaseFiles : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string file(const char* name) { return m_dir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void migratesFromVersion1() {
    const std::string path = file("v1.sqlite");
    rawExec(path,
            std::string(migrations().at(0).sql) +
                "PRAGMA user_version = 1;"
                "INSERT INTO experiments(name, kind, created_at) VALUES ('old', 'numbers', 1);"
                "INSERT INTO runs(experiment_id, name, kind, config, status, created_at) "
                "VALUES (1, 'old run', 'numbers', '{\"kind\":\"numbers\"}', 'done', 5);"
                "INSERT INTO sequences(run_id, condition, seed, idx, prompt, completion, kept) "
                "VALUES (1, 'teacher', 0, 0, '1, 2', '3, 4', 1);");
    OpenOptions readOnly;
    readOnly.readOnly = true;
    expectError([&] { Database db(path, readOnly); }, {"older layout", "read-only"},
                ErrorCode::DatabaseNeedsUpgrade);
    Database db(path);
    QCOMPARE(db.userVersion(), schemaVersion());
    QVERIFY(schemaVersion() >= 2);
    const RunInfo old = db.run(1);
    QCOMPARE(old.name, std::string("old run"));
    QCOMPARE(toString(old.status), toString(RunStatus::Done));
    QCOMPARE(db.countSequences(1, {}), int64_t(1));
    // The v2 column is there: a new run stores pid_start.
    NewRun nr;
    nr.config = smallConfig();
    const int64_t id = db.createRun(nr);
    QCOMPARE(toString(db.run(id).status), toString(RunStatus::Running));
    // The v5 column: an old row has no per-token log-probabilities, a new one keeps them.
    QVERIFY(db.sequences(1, {}, 0, 10).at(0).tokenInfo.empty());
    QCOMPARE(db.integrityCheck(), std::string("ok"));
  }

  // A database written by schema 5 (ids were plain INTEGER PRIMARY KEY, so deleting the newest
  // run let the next run take its id) upgrades in place: every row stays, children still
  // belong to their runs, and from then on an id is never reused.
  void migratesFromVersion5AndNeverReusesIds() {
    const std::string path = file("v5.sqlite");
    std::string sql;
    for (const Migration& m : migrations())
      if (m.version <= 5) sql += m.sql;
    sql +=
        "PRAGMA user_version = 5;"
        "INSERT INTO experiments(name, kind, created_at) VALUES ('old', 'numbers', 1);"
        "INSERT INTO runs(experiment_id, name, kind, config, status, created_at, tags) VALUES "
        "(1, 'one', 'numbers', '{\"kind\":\"numbers\"}', 'done', 5, '[\"a\"]'),"
        "(1, 'two', 'numbers', '{\"kind\":\"numbers\"}', 'done', 6, '[]'),"
        "(1, 'three', 'numbers', '{\"kind\":\"numbers\"}', 'failed', 7, '[]');"
        "INSERT INTO metrics(run_id, condition, seed, metric, step, value) VALUES "
        "(2, 'student', 0, 'trait_prob', 0, 0.25), (3, 'student', 0, 'trait_prob', 0, 0.5);"
        "INSERT INTO sequences(run_id, condition, seed, idx, prompt, completion, kept) "
        "VALUES (2, 'teacher', 0, 0, '1, 2', '3, 4', 1);"
        "INSERT INTO summaries(run_id, condition, metric, kind, mean, lo, hi, n) "
        "VALUES (2, 'transfer', 'trait_prob', 'contrast', 0.1, 0.0, 0.2, 3);";
    rawExec(path, sql);
    {
      Database db(path);
      QCOMPARE(db.userVersion(), schemaVersion());
      QCOMPARE(db.listRuns().size(), size_t(3));
      const RunInfo two = db.run(2);
      QCOMPARE(two.name, std::string("two"));
      QCOMPARE(two.contrasts.size(), size_t(1));
      QCOMPARE(two.contrasts[0].value.mean, 0.1);
      QCOMPARE(db.metrics(2).size(), size_t(1));
      QCOMPARE(db.countSequences(2, {}), int64_t(1));
      QCOMPARE(db.run(1).tags, std::vector<std::string>{"a"});
      QCOMPARE(db.integrityCheck(), std::string("ok"));

      // Deleting the newest run no longer frees its id.
      db.deleteRun(3);
      NewRun nr;
      nr.config = smallConfig();
      const int64_t four = db.createRun(nr);
      QCOMPARE(four, int64_t(4));
      db.deleteRun(four);
      QCOMPARE(db.createRun(nr), int64_t(5));
    }
    // Reopened: still never reused, and the children's foreign keys still point at runs.
    {
      Database db(path);
      db.deleteRun(5);
      NewRun nr;
      nr.config = smallConfig();
      QCOMPARE(db.createRun(nr), int64_t(6));
      expectError(
          [&] {
            db.insertMetrics(99, {{"student", 0, "trait_prob", 0, 0.1}});
          },
          {"FOREIGN KEY"});
    }
    sqlite3* raw = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    int problems = 0;
    sqlite3_exec(
        raw, "PRAGMA foreign_key_check",
        [](void* n, int, char**, char**) {
          ++*static_cast<int*>(n);
          return 0;
        },
        &problems, nullptr);
    sqlite3_close(raw);
    QCOMPARE(problems, 0);
  }

  // A schema-7 database (sweeps, no Slurm link) upgrades to 8: its sweep and point stay, the
  // sweep has no manifest until one is recorded, and deleting the sweep drops its link.
  void migratesFromVersion7AndLinksSweepManifests() {
    const std::string path = file("v7.sqlite");
    std::string sql;
    for (const Migration& m : migrations())
      if (m.version <= 7) sql += m.sql;
    sql +=
        "PRAGMA user_version = 7;"
        "INSERT INTO runs(name, kind, config, status, created_at, uuid) VALUES "
        "('p0', 'numbers', '{\"kind\":\"numbers\"}', 'done', 5, 'u1');"
        "INSERT INTO sweeps(uuid, name, plan, plan_hash, created_at) VALUES "
        "('s1', 'old sweep', '{}', 'h1', 6);"
        "INSERT INTO sweep_points(sweep_id, point_index, axis_values, run_id) VALUES "
        "(1, 0, '{\"filter.max_kept\":24}', 1);";
    rawExec(path, sql);
    Database db(path);
    QCOMPARE(db.userVersion(), schemaVersion());
    QVERIFY(schemaVersion() >= 8);
    QCOMPARE(db.sweep(1).name, std::string("old sweep"));
    QCOMPARE(db.sweepPoints(1).at(0).runId, int64_t(1));
    QCOMPARE(db.sweepManifest(1), std::string());
    db.setSweepManifest(1, "/shared/a b/manifest.json");
    QCOMPARE(db.sweepManifest(1), std::string("/shared/a b/manifest.json"));
    db.setSweepManifest(1, "/moved/manifest.json");  // found elsewhere: the link follows
    QCOMPARE(db.sweepManifest(1), std::string("/moved/manifest.json"));
    QCOMPARE(db.integrityCheck(), std::string("ok"));
  }

  // The trash: a trashed run is hidden from every listing as if deleted, keeps all its rows,
  // and comes back whole; emptying the trash deletes it for good.

  void rejectsNewerSchema() {
    const std::string path = file("newer.sqlite");
    rawExec(path, std::string(migrations().at(0).sql) + "PRAGMA user_version = 999;");
    const std::string before = readAll(path);
    expectError([&] { Database db(path); },
                {"newer", "999", QString::fromStdString(path), "untouched"},
                ErrorCode::DatabaseTooNew);
    QCOMPARE(readAll(path), before);
    QVERIFY(!QFile::exists(QString::fromStdString(path + "-wal")));
  }

  void rejectsNonSqliteFile() {
    const std::string path = file("notes.txt");
    const std::string bytes = "these are my notes, not a database\n";
    writeAll(path, bytes);
    expectError([&] { Database db(path); }, {"not a SQLite database", "untouched"},
                ErrorCode::DatabaseForeign);
    QCOMPARE(readAll(path), bytes);
    QVERIFY(!QFile::exists(QString::fromStdString(path + "-wal")));
  }

  void rejectsForeignSqlite() {
    const std::string path = file("foreign.sqlite");
    rawExec(path, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES ('ann');");
    const std::string before = readAll(path);
    expectError([&] { Database db(path); }, {"another program", "contacts", "untouched"},
                ErrorCode::DatabaseForeign);
    QCOMPARE(readAll(path), before);
  }

  void rejectsDamagedFile() {
    const std::string path = file("damaged.sqlite");
    {
      Database db(path);
      NewRun nr;
      nr.config = smallConfig();
      db.createRun(nr);
    }
    rawExec(path, "PRAGMA wal_checkpoint(TRUNCATE);");
    std::string bytes = readAll(path);
    QVERIFY(bytes.size() > 4096);
    for (size_t i = 100; i < 4096; ++i) bytes[i] = static_cast<char>(0xA5);  // page 1 b-tree
    writeAll(path, bytes);
    QFile::remove(QString::fromStdString(path + "-wal"));
    QFile::remove(QString::fromStdString(path + "-shm"));
    expectError(
        [&] {
          Database db(path);
          db.listRuns();
        },
        {"damaged", "recover"}, ErrorCode::DatabaseDamaged);
    QCOMPARE(readAll(path), bytes);
  }

  void rejectsUnwritablePaths() {
    expectError([&] { Database db("/nonexistent-folder-sublab/x.sqlite"); },
                {"does not exist", "/nonexistent-folder-sublab"}, ErrorCode::DatabaseNotCreatable);
    expectError([&] { Database db(m_dir.path().toStdString()); }, {"is a folder"},
                ErrorCode::DatabaseIsFolder);
    const std::string plain = file("plain-file");
    writeAll(plain, "x");
    expectError([&] { Database db(plain + "/db.sqlite"); }, {"not a folder"},
                ErrorCode::DatabaseNotCreatable);
    expectError([&] { Database db(""); }, {"no database file"}, ErrorCode::NoDatabasePath);
    OpenOptions existing;
    existing.create = false;
    expectError([&] { Database db(file("absent.sqlite"), existing); }, {"does not exist"},
                ErrorCode::DatabaseMissing);
    QVERIFY(!QFile::exists(QString::fromStdString(file("absent.sqlite"))));
  }
};

QTEST_GUILESS_MAIN(TestDatabaseFiles)
#include "test_database_files.moc"
