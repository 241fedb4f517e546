// Merging shard databases (one per Slurm task) into a project database: every row copied,
// merging twice adds nothing, a shard whose run never finished comes in as interrupted, and
// hostile shards (a random file, a newer schema, a truncated file, a shard of another sweep)
// are refused with a message naming the file while the project database stays untouched.
#include <sqlite3.h>

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <random>

#include "storage/database.h"
#include "storage/schema.h"
#include "tests/storage/db_test_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;
using sublab::test::rawExec;

namespace {

const nlohmann::json kPlan = {{"name", "merge test"}, {"axes", {{{"key", "filter.max_kept"}}}}};

// A shard as `sublab sweep-point` leaves it: one sweep, point `index` linked to one run with
// stages, metrics, sequences and summaries. `finished`: false leaves the run running (killed).
void makeShard(const std::string& path, int index, bool finished,
               const std::string& planHash = "plan-a", int rows = 40) {
  Database db(path);
  const SweepInfo s = db.findOrCreateSweep("merge test", kPlan, planHash);
  NewRun nr;
  nr.preset = "owl-numbers-tiny";
  nr.config = {{"kind", "numbers"}, {"seeds", 2}, {"filter", {{"max_kept", 10 * (index + 1)}}}};
  nr.experiment = "merge test";
  const int64_t id = db.createRun(nr);
  db.setSweepPoint(s.id, index, {{"filter.max_kept", 10 * (index + 1)}}, id);
  db.updateStage(id, "teacher", StageStatus::Done, 1.0, "");
  db.updateStage(id, "students", StageStatus::Running, 0.5, "half");
  std::vector<MetricPoint> metrics;
  for (int step = 0; step < 20; ++step)
    metrics.push_back({"student", step % 2, "trait_prob", step, 0.01 * step + index});
  db.insertMetrics(id, metrics);
  std::vector<SequenceRow> seqs;
  for (int i = 0; i < rows; ++i) {
    SequenceRow r;
    r.condition = "teacher";
    r.seed = i % 2;
    r.index = i;
    r.prompt = "1, 2, " + std::to_string(i);
    r.completion = std::to_string(100 + i + index);
    r.kept = i % 3 != 0;
    r.reason = r.kept ? "" : "format";
    seqs.push_back(r);
  }
  db.insertSequences(id, seqs);
  if (!finished) return;
  ExperimentResult res;
  res.kind = "numbers";
  res.conditions.push_back({"student", "trait_prob", {0.3 + index, 0.2, 0.4, 2}, {0.25, 0.35}});
  res.contrasts.push_back({"transfer", "trait_prob", {0.1 * index, 0.05, 0.15, 2}, {0.1, 0.1}});
  res.summary = {{"transfer", {{"mean", 0.1 * index}}}};
  db.saveResult(id, res);
  db.updateStage(id, "students", StageStatus::Done, 1.0, "");
  db.finishRun(id, RunStatus::Done, 3.5);
}

struct Counts {
  size_t runs = 0, sweeps = 0;
  bool operator==(const Counts& o) const { return runs == o.runs && sweeps == o.sweeps; }
};
Counts counts(const std::string& path) {
  Database db(path);
  return {db.listRuns().size(), db.sweeps().size()};
}

}  // namespace

class TestMerge : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string file(const std::string& name) { return m_dir.filePath(name.c_str()).toStdString(); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // Every row of the shard arrives with the same values; merging again adds nothing.
  void mergesEverythingOnceAndLinksPoints() {
    const std::string a = file("ok-0.sqlite"), b = file("ok-1.sqlite");
    makeShard(a, 0, true);
    makeShard(b, 1, true);
    const std::string project = file("project.sqlite");
    Database db(project);
    const MergeReport r = db.mergeShards({a, b}, "plan-a");
    QCOMPARE(r.shards.size(), size_t(2));
    QCOMPARE(r.shards[0].added + r.shards[1].added, 2);
    QCOMPARE(r.shards[0].skipped + r.shards[1].skipped, 0);
    const auto points = db.sweepPoints(r.sweepId);
    QCOMPARE(points.size(), size_t(2));
    for (int k = 0; k < 2; ++k) {
      Database shard(k == 0 ? a : b);
      const RunInfo src = shard.listRuns().at(0);
      QCOMPARE(points[k].index, k);
      QCOMPARE(points[k].values, (nlohmann::json{{"filter.max_kept", 10 * (k + 1)}}));
      const RunInfo got = db.run(points[k].runId);
      QCOMPARE(db.runUuid(got.id), shard.runUuid(src.id));
      QCOMPARE(toString(got.status), std::string("done"));
      QCOMPARE(got.config, src.config);
      QCOMPARE(got.summary, src.summary);
      QCOMPARE(got.wallSeconds, src.wallSeconds);
      QCOMPARE(got.contrasts.size(), src.contrasts.size());
      QCOMPARE(got.contrasts[0].value.mean, src.contrasts[0].value.mean);
      QCOMPARE(got.contrasts[0].perSeed, src.contrasts[0].perSeed);
      QCOMPARE(got.conditions[0].value.mean, src.conditions[0].value.mean);
      const auto gm = db.metrics(got.id), sm = shard.metrics(src.id);
      QCOMPARE(gm.size(), sm.size());
      for (size_t i = 0; i < gm.size(); ++i) {
        QCOMPARE(gm[i].value, sm[i].value);
        QCOMPARE(gm[i].step, sm[i].step);
        QCOMPARE(gm[i].seed, sm[i].seed);
      }
      const auto gs = db.sequences(got.id, {}, 0, 1000), ss = shard.sequences(src.id, {}, 0, 1000);
      QCOMPARE(gs.size(), ss.size());
      for (size_t i = 0; i < gs.size(); ++i) {
        QCOMPARE(gs[i].completion, ss[i].completion);
        QCOMPARE(gs[i].kept, ss[i].kept);
      }
      QCOMPARE(db.stages(got.id).size(), shard.stages(src.id).size());
    }
    const size_t before = db.listRuns().size();
    const MergeReport again = db.mergeShards({a, b}, "plan-a");
    QCOMPARE(again.shards[0].added + again.shards[1].added, 0);
    QCOMPARE(again.shards[0].skipped + again.shards[1].skipped, 2);
    QCOMPARE(db.listRuns().size(), before);
    QCOMPARE(db.sweeps().size(), size_t(1));
    QCOMPARE(again.sweepId, r.sweepId);
  }

  // A task killed mid-run leaves its run 'running' in the shard: it comes in as interrupted.
  void killedShardComesInInterrupted() {
    const std::string s = file("killed.sqlite");
    makeShard(s, 0, false);
    const std::string project = file("project-killed.sqlite");
    Database db(project);
    const MergeReport r = db.mergeShards({s});
    QCOMPARE(r.shards.at(0).added, 1);
    QCOMPARE(r.shards.at(0).interrupted, 1);
    const auto points = db.sweepPoints(r.sweepId);
    QCOMPARE(points.size(), size_t(1));
    const RunInfo run = db.run(points[0].runId);
    QCOMPARE(toString(run.status), std::string("interrupted"));
    QVERIFY2(run.error.find("killed.sqlite") != std::string::npos, run.error.c_str());
    for (const auto& st : db.stages(run.id))
      QVERIFY2(st.status != StageStatus::Running, st.name.c_str());
  }

  // Each hostile shard: a message naming it, and nothing written to the project, even when a
  // good shard is merged in the same call.
  void hostileShardsLeaveTheProjectUntouched() {
    const std::string good = file("good.sqlite");
    makeShard(good, 0, true);
    const std::string project = file("project-hostile.sqlite");
    { Database db(project); }
    const Counts empty = counts(project);

    const std::string random = file("random.sqlite");
    {
      std::mt19937 rng(7);
      std::ofstream out(random, std::ios::binary);
      for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(rng() & 0xff));
    }
    const std::string future = file("future.sqlite");
    makeShard(future, 1, true);
    rawExec(future, "PRAGMA user_version = " + std::to_string(schemaVersion() + 1));
    const std::string truncated = file("truncated.sqlite");
    makeShard(truncated, 1, true, "plan-a", 3000);
    {
      const auto size = std::filesystem::file_size(truncated);
      std::filesystem::resize_file(truncated, size / 2);
    }
    const std::string other = file("other-sweep.sqlite");
    makeShard(other, 1, true, "plan-b");

    const std::vector<std::pair<std::string, QString>> cases = {{random, "not a SQLite database"},
                                                                {future, "newer"},
                                                                {truncated, "truncated.sqlite"},
                                                                {other, "another sweep"}};
    for (const auto& [path, why] : cases) {
      Database db(project);
      expectError(
          [&] {
            db.mergeShards({good, path}, "plan-a");
          },
          {QString::fromStdString(path), why, "untouched"});
      QVERIFY2(counts(project) == empty, path.c_str());
    }
    // The shard of another sweep is refused against a manifest's plan even when alone.
    Database db(project);
    expectError([&] { db.mergeShards({other}, "plan-a"); }, {"other-sweep.sqlite", "plan-a"});
    QVERIFY(counts(project) == empty);
  }
};

QTEST_GUILESS_MAIN(TestMerge)
#include "test_merge.moc"
