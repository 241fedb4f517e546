// The files `sublab sweep --slurm` writes: the job-array script carries every option, quotes
// every path (spaces, a single quote) so that bash hands sublab exactly the right arguments,
// the merge script names the manifest and the project database, the manifest lists each
// point's shard; bad option values are refused with a message saying what to give.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/lab/slurm.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;

namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

SweepPlan twoPoints() {
  return parseSweepPlan({{"name", "rows sweep"},
                         {"base", {{"preset", "owl-numbers-tiny"}}},
                         {"axes", {{{"key", "filter.max_kept"}, {"values", {24, 40}}}}},
                         {"seeds", 1}});
}

// Runs `script` with bash as array task `task`, its sublab replaced by a stub that writes one
// argument per line into `out`; returns the arguments.
QStringList argumentsOf(const std::string& script, const std::string& stub, int task) {
  const std::string cmd = "SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash " +
                          shellQuote(script) + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) return {"bash failed: " + QString::number(rc)};
  return QString::fromStdString(readAll(stub + ".args")).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class TestSlurmFiles : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void everyOptionIsInTheArrayScript() {
    SlurmOptions o;
    o.partition = "gpu";
    o.time = "01:30:00";
    o.cpusPerTask = 4;
    o.gres = "gpu:1";
    o.mem = "8G";
    o.maxParallel = 3;
    o.sbatchArgs = {"--account=lab", "--qos=short"};
    o.device = "cuda";
    const SweepPlan plan = twoPoints();
    const std::string s = sbatchArrayScript(plan, o, "/opt/sublab", "/p/plan.json", "/p/out");
    for (const char* line :
         {"#!/bin/bash\n", "#SBATCH --array=0-1%3\n", "#SBATCH --partition=gpu\n",
          "#SBATCH --time=01:30:00\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --gres=gpu:1\n",
          "#SBATCH --mem=8G\n", "#SBATCH --account=lab\n", "#SBATCH --qos=short\n",
          "#SBATCH --output=logs/point-%a.out\n", "--device cuda\n"})
      QVERIFY2(s.find(line) != std::string::npos,
               (std::string(line) + " missing in:\n" + s).c_str());
    // No limit, no GPU, no memory: those lines are left out.
    const std::string plain =
        sbatchArrayScript(plan, SlurmOptions{}, "/opt/sublab", "/p/plan.json", "/p/out");
    QVERIFY(plain.find("#SBATCH --array=0-1\n") != std::string::npos);
    QVERIFY(plain.find("--gres") == std::string::npos && plain.find("--mem") == std::string::npos &&
            plain.find("--partition") == std::string::npos);
    const std::string merge =
        sbatchMergeScript(plan, o, "/opt/sublab", "/p/out/manifest.json", "/p/project.sqlite");
    QVERIFY(merge.find("#SBATCH --partition=gpu\n") != std::string::npos);
    QVERIFY(merge.find("--gres") == std::string::npos);  // the merge needs no GPU
    QVERIFY(merge.find("#SBATCH --account=lab\n") != std::string::npos);
    QVERIFY(merge.find("sweep-merge \"$MANIFEST\" --db \"$DB\"") != std::string::npos);
  }

  // Paths with spaces and a single quote reach sublab as exactly one argument each.
  void pathsWithSpacesAndQuotesAreQuoted() {
    const std::string root = m_dir.filePath("it's a dir").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(root)));
    const std::string stub = root + "/sub lab";
    writeAll(stub, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$0.args\"\n");
    QVERIFY(std::system(("chmod +x " + shellQuote(stub)).c_str()) == 0);
    const std::string planPath = root + "/my plan.json";
    writeAll(planPath, "{}");
    const std::string db = root + "/project $HOME `x`.sqlite";
    const SweepPlan plan = twoPoints();
    const SlurmSweepFiles f =
        writeSlurmSweep(plan, SlurmOptions{}, stub, planPath, root + "/slurm out", db);
    const QStringList args = argumentsOf(f.arrayScript, stub, 1);
    const QStringList want = {
        "sweep-point", QString::fromStdString(planPath),
        "--point",     "1",
        "--shard",     QString::fromStdString(root + "/slurm out/shards/point-1.sqlite"),
        "--device",    "cpu"};
    QCOMPARE(args, want);
    const QStringList margs = argumentsOf(f.mergeScript, stub, 0);
    QCOMPARE(margs, (QStringList{"sweep-merge", QString::fromStdString(f.manifest), "--db",
                                 QString::fromStdString(db)}));
    QCOMPARE(QString::fromStdString(shellQuote("a'b c")), QString("'a'\\''b c'"));
  }

  void manifestListsPointsAndShards() {
    const SweepPlan plan = twoPoints();
    const std::string dir = m_dir.filePath("m").toStdString();
    SlurmOptions o;
    o.maxParallel = 2;
    const SlurmSweepFiles f = writeSlurmSweep(plan, o, "/opt/sublab", "plan.json", dir, "p.sqlite");
    const nlohmann::json m = readSweepManifest(f.manifest);
    QCOMPARE(m["plan_hash"].get<std::string>(), plan.hash);
    QCOMPARE(m["name"].get<std::string>(), std::string("rows sweep"));
    QCOMPARE(m["points"].size(), size_t(2));
    for (int k = 0; k < 2; ++k) {
      QCOMPARE(m["points"][k]["index"].get<int>(), k);
      QCOMPARE(m["points"][k]["values"], plan.points[k].values);
      QCOMPARE(m["points"][k]["shard"].get<std::string>(), shardPath(f.dir, k));
    }
    QVERIFY(std::filesystem::path(m["db"].get<std::string>()).is_absolute());
    QVERIFY(std::filesystem::path(m["plan"].get<std::string>()).is_absolute());
    QCOMPARE(m["options"]["max_parallel"].get<int>(), 2);
    QVERIFY(QFileInfo(QString::fromStdString(f.arrayScript)).isExecutable());
    QVERIFY(QDir(QString::fromStdString(f.dir + "/shards")).exists());
    QVERIFY(QDir(QString::fromStdString(f.dir + "/logs")).exists());
    const std::string bad = m_dir.filePath("not-manifest.json").toStdString();
    writeAll(bad, "{\"a\": 1}");
    expectError([&] { readSweepManifest(bad); }, {"not-manifest.json", "points"});
  }

  void badOptionsAreRefused() {
    auto with = [](auto set) {
      SlurmOptions o;
      set(o);
      return o;
    };
    expectError([&] { checkSlurmOptions(with([](SlurmOptions& o) { o.time = "1 hour"; })); },
                {"--time", "HH:MM:SS"});
    expectError([&] { checkSlurmOptions(with([](SlurmOptions& o) { o.partition = "a b"; })); },
                {"--partition", "a b"});
    expectError([&] { checkSlurmOptions(with([](SlurmOptions& o) { o.gres = "gpu;rm"; })); },
                {"--gres", "gpu:1"});
    expectError(
        [&] {
          checkSlurmOptions(with([](SlurmOptions& o) { o.sbatchArgs = {"--a=1\n#SBATCH x"}; }));
        },
        {"--sbatch-arg", "one line"});
    checkSlurmOptions(with([](SlurmOptions& o) { o.time = "1-02:00:00"; }));
  }
};

QTEST_GUILESS_MAIN(TestSlurmFiles)
#include "test_slurm_files.moc"
