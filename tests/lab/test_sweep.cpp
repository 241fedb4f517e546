// Sweeps: plan expansion (grid, zip, linear, log, cap) and its errors, the schema migration that
// adds sweeps to a version-6 database, and a real two-point sweep of the smallest preset that
// resumes: only the point marked failed runs again, the done one is skipped unchanged.
#include <sqlite3.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "app/lab/sweep.h"
#include "storage/schema.h"
#include "tests/storage/db_test_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using nlohmann::json;
using sublab::test::expectError;
using sublab::test::rawExec;

namespace {

json plan(json axes, const std::string& mode = "grid") {
  return {{"name", "test sweep"},
          {"base", {{"preset", "owl-numbers-tiny"}}},
          {"axes", std::move(axes)},
          {"mode", mode}};
}

// owl-numbers-tiny shrunk further: one seed, a short reference pretraining.
json tinyPlan() {
  json p = plan(json::array({{{"key", "filter.max_kept"}, {"values", {24, 40}}}}));
  p["seeds"] = 1;
  p["set"] = {{"reference", {{"corpus_rows", 1000}, {"steps", 40}}},
              {"teacher", {{"rows", 32}}},
              {"generation", {{"prompts", 48}}}};
  return p;
}

}  // namespace

class TestSweep : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string file(const char* name) { return m_dir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void gridIsTheCartesianProductLastAxisFastest() {
    const SweepPlan p =
        parseSweepPlan(plan(json::array({{{"key", "student.lr"}, {"values", {0.001, 0.01}}},
                                         {{"key", "filter.max_kept"}, {"values", {16, 32, 48}}}})));
    QCOMPARE(p.points.size(), size_t(6));
    QCOMPARE(p.points[0].values["student.lr"].get<double>(), 0.001);
    QCOMPARE(p.points[1].values["filter.max_kept"].get<int>(), 32);
    QCOMPARE(p.points[3].values["student.lr"].get<double>(), 0.01);
    QCOMPARE(p.points[3].values["filter.max_kept"].get<int>(), 16);
    // The values reach the point's normalised config; the rest is the preset's.
    QCOMPARE(p.points[5].run.config["student"]["lr"].get<double>(), 0.01);
    QCOMPARE(p.points[5].run.config["filter"]["max_kept"].get<int>(), 48);
    QCOMPARE(p.points[5].run.config["teacher"]["rows"].get<int>(), 64);
    QCOMPARE(p.points[5].run.preset, std::string("owl-numbers-tiny"));
    QCOMPARE(p.points[5].run.kind, std::string("numbers"));
  }

  void zipPairsValuesAndRangesAreLinearOrLog() {
    const SweepPlan p = parseSweepPlan(plan(
        json::array(
            {{{"key", "student.lr"}, {"log", {{"from", 1e-4}, {"to", 1e-2}, {"count", 3}}}},
             {{"key", "filter.max_kept"}, {"linear", {{"from", 10}, {"to", 30}, {"count", 3}}}}}),
        "zip"));
    QCOMPARE(p.points.size(), size_t(3));
    // Exact ends, and no floating-point tail in between (12 significant digits).
    QCOMPARE(p.points[0].values["student.lr"].get<double>(), 1e-4);
    QCOMPARE(p.points[1].values["student.lr"].get<double>(), 1e-3);
    QCOMPARE(p.points[1].values["student.lr"].dump(), std::string("0.001"));
    QCOMPARE(p.points[2].values["student.lr"].get<double>(), 1e-2);
    // An integer knob gets integers from a linear range.
    QVERIFY(p.points[1].values["filter.max_kept"].is_number_integer());
    QCOMPARE(p.points[1].values["filter.max_kept"].get<int>(), 20);
    QCOMPARE(p.points[1].run.config["filter"]["max_kept"].get<int>(), 20);
  }

  void seedsPerPointAndTheHashIdentifiesThePlan() {
    json a = plan(json::array({{{"key", "student.lr"}, {"values", {0.001, 0.01}}}}));
    a["seeds"] = 3;
    const SweepPlan pa = parseSweepPlan(a);
    QCOMPARE(pa.points[0].run.seeds, 3);
    QCOMPARE(pa.hash, parseSweepPlan(a).hash);
    json b = a;
    b["seeds"] = 4;
    QVERIFY(parseSweepPlan(b).hash != pa.hash);
  }

  void badPlansAreRejectedWithWhatToDo() {
    json unknown = plan(json::array({{{"key", "student.lr"}, {"values", {0.1}}}}));
    unknown["sedes"] = 2;
    expectError([&] { parseSweepPlan(unknown); }, {"unknown key", "sedes", "seeds"});
    expectError(
        [&] {
          parseSweepPlan(plan(json::array({{{"key", "student.lrr"}, {"values", {0.1}}}})));
        },
        {"student.lrr", "numbers config does not have"});
    expectError(
        [&] {
          parseSweepPlan(plan(json::array(
              {{{"key", "student.lr"}, {"log", {{"from", 0}, {"to", 0.1}, {"count", 3}}}}})));
        },
        {"log range", "greater than 0", "linear"});
    expectError(
        [&] {
          parseSweepPlan(plan(json::array({{{"key", "student.lr"}, {"values", {0.1, 0.2}}},
                                           {{"key", "filter.max_kept"}, {"values", {8}}}}),
                              "zip"));
        },
        {"unequal length", "student.lr has 2", "filter.max_kept has 1"});
    json capped = plan(json::array({{{"key", "student.lr"}, {"values", {0.1, 0.2, 0.3}}},
                                    {{"key", "filter.max_kept"}, {"values", {8, 16}}}}));
    capped["max_points"] = 5;
    expectError([&] { parseSweepPlan(capped); }, {"6 points", "max_points 5"});
  }

  void anImpossiblePointFailsBeforeAnythingRuns() {
    const std::string db = file("impossible.sqlite");
    expectError(
        [&] {
          const SweepPlan p =
              parseSweepPlan(plan(json::array({{{"key", "student.lr"}, {"values", {0.01, -1}}}})));
          Database d(db);
          runSweep(d, p, {});
        },
        {"sweep point 2 of 2", "\"student.lr\":-1", "student.lr", "nothing was run"});
    QVERIFY(!QFile::exists(QString::fromStdString(db)));  // never got as far as storing
  }

  void migratesAVersion6Database() {
    const std::string path = file("v6.sqlite");
    std::string sql;
    for (const Migration& m : migrations())
      if (m.version <= 6) sql += m.sql;
    sql +=
        "PRAGMA user_version = 6;"
        "INSERT INTO experiments(name, kind, created_at) VALUES ('old', 'numbers', 1);"
        "INSERT INTO runs(experiment_id, name, kind, config, status, created_at) VALUES "
        "(1, 'one', 'numbers', '{\"kind\":\"numbers\"}', 'done', 5),"
        "(1, 'two', 'numbers', '{\"kind\":\"numbers\"}', 'failed', 6);";
    rawExec(path, sql);
    Database db(path);
    QCOMPARE(db.userVersion(), migrations().back().version);  // migrated to the latest
    QCOMPARE(db.listRuns().size(), size_t(2));
    // Old runs get distinct uuids, new ones too.
    const std::string u1 = db.runUuid(1), u2 = db.runUuid(2);
    QCOMPARE(u1.size(), size_t(32));
    QVERIFY(u1 != u2);
    NewRun nr;
    nr.config = {{"kind", "numbers"}};
    const int64_t id = db.createRun(nr);
    QCOMPARE(db.runUuid(id).size(), size_t(32));
    QVERIFY(db.runUuid(id) != u1 && db.runUuid(id) != u2);
    // The sweep tables work: the same hash finds the same sweep.
    bool created = false;
    const SweepInfo s = db.findOrCreateSweep("s", json{{"a", 1}}, "h1", &created);
    QVERIFY(created);
    QCOMPARE(db.findOrCreateSweep("s", json{{"a", 1}}, "h1", &created).id, s.id);
    QVERIFY(!created);
    db.setSweepPoint(s.id, 0, json{{"student.lr", 0.1}}, 1);
    db.setSweepPoint(s.id, 0, json{{"student.lr", 0.1}}, id);
    const auto points = db.sweepPoints(s.id);
    QCOMPARE(points.size(), size_t(1));
    QCOMPARE(points[0].runId, id);
    QCOMPARE(db.integrityCheck(), std::string("ok"));
  }

  void aTinySweepRunsAndResumesOnlyWhatIsNotDone() {
    const std::string path = file("sweep.sqlite");
    const SweepPlan p = parseSweepPlan(tinyPlan());
    QCOMPARE(p.points.size(), size_t(2));
    SweepOptions options;
    options.runtime.threads = 1;
    std::vector<std::string> lines;
    options.report = [&](const SweepPointOutcome& o, bool finished) {
      if (finished)
        lines.push_back(std::to_string(o.index) + (o.skipped ? " skipped" : " ran ") +
                        toString(o.status));
    };
    int64_t done0 = 0, done1 = 0;
    double transfer0 = 0;
    {
      Database db(path);
      const SweepOutcome first = runSweep(db, p, options);
      QVERIFY(first.created);
      QCOMPARE(first.points.size(), size_t(2));
      for (const auto& o : first.points) {
        QVERIFY(!o.skipped);
        QCOMPARE(toString(o.status), toString(RunStatus::Done));
      }
      done0 = first.points[0].runId;
      done1 = first.points[1].runId;
      const RunInfo r0 = db.run(done0);
      QCOMPARE(r0.config["filter"]["max_kept"].get<int>(), 24);
      QCOMPARE(db.run(done1).config["filter"]["max_kept"].get<int>(), 40);
      QVERIFY(!r0.contrasts.empty());
      transfer0 = r0.contrasts.front().value.mean;
    }
    // Point 1 is marked failed behind the sweep's back.
    rawExec(path, "UPDATE runs SET status = 'failed', error = 'test' WHERE id = " +
                      std::to_string(done1) + ";");
    lines.clear();
    Database db(path);
    const SweepOutcome second = runSweep(db, parseSweepPlan(tinyPlan()), options);
    QVERIFY(!second.created);
    QCOMPARE(db.sweeps().size(), size_t(1));
    QVERIFY(second.points[0].skipped);
    QCOMPARE(second.points[0].runId, done0);
    QVERIFY(!second.points[1].skipped);
    QCOMPARE(second.points[1].previous, std::string("failed"));
    QVERIFY(second.points[1].runId != done1);
    QCOMPARE(toString(second.points[1].status), toString(RunStatus::Done));
    QCOMPARE(lines, (std::vector<std::string>{"0 skipped" + toString(RunStatus::Done),
                                              "1 ran " + toString(RunStatus::Done)}));
    // The skipped point's figures are unchanged; the sweep links the new run.
    QCOMPARE(db.run(done0).contrasts.front().value.mean, transfer0);
    const auto points = db.sweepPoints(second.sweep.id);
    QCOMPARE(points.size(), size_t(2));
    QCOMPARE(points[1].runId, second.points[1].runId);
    QCOMPARE(points[0].values["filter.max_kept"].get<int>(), 24);
  }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
