// Behaviour-neutral guard: the `sublab` CLI must reproduce the golden outputs recorded in
// tests/golden/ (before the reshape of the engine) exactly — every figure floating-point
// identical — for owl-numbers-tiny, owl-numbers-quick (1 seed), owl-numbers-sft-defense
// (1 seed) and aux-fashion-quick on CPU with 2 threads. Compared: `run --json`, `show --json`
// and `stats --json` (ids, wall times, timestamps, pid, host, paths and the CPU policy aside) and
// SHA-256 digests of the metrics, sequences and summaries exports. SUBLAB_GOLDEN_RECORD=1 rewrites
// the golden files instead (do that only on purpose, when a change of arithmetic is intended, and
// say so in the commit).
#include <QCryptographicHash>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

const QString kSublab = QStringLiteral(SUBLAB_BINARY_DIR "/app/sublab");
const QString kGoldenDir = QStringLiteral(SUBLAB_SOURCE_DIR "/tests/golden");

struct Output {
  int code = -1;
  QByteArray out, err;
};

Output sublab(const QStringList& args) {
  QProcess p;
  p.start(kSublab, args);
  Output r;
  if (!p.waitForStarted()) return r;
  p.waitForFinished(1800000);
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

// Drops what differs between two runs of the same config: ids, clocks, process and paths.
void sanitize(nlohmann::json& j) {
  // "runtime": threads and OpenMP wait policy, which depend on the machine and its load.
  static const char* const kVolatile[] = {"run_id",  "wall_seconds", "engine_seconds", "db",
                                          "created", "started",      "finished",       "pid",
                                          "host",    "runtime"};
  if (j.is_object()) {
    for (const char* key : kVolatile) j.erase(key);
    for (auto& [key, value] : j.items()) sanitize(value);
  } else if (j.is_array()) {
    for (auto& value : j) sanitize(value);
  }
}

// The CPU the golden files were recorded on: float results are compared exactly only there.
std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return QSysInfo::currentCpuArchitecture().toStdString();
}

// Largest relative difference between numbers at the same place; -1 when the shapes differ.
double maxRelDiff(const nlohmann::json& a, const nlohmann::json& b, std::string& where,
                  const std::string& path = "") {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    const double d = std::abs(x - y) / std::max({1e-12, std::abs(x), std::abs(y)});
    if (d > 0) where = path;
    return d;
  }
  if (a.type() != b.type() || a.size() != b.size()) {
    where = path;
    return -1;
  }
  double worst = 0;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) {
        where = path + "/" + it.key();
        return -1;
      }
      std::string w;
      const double d = maxRelDiff(*it, b[it.key()], w, path + "/" + it.key());
      if (d < 0) {
        where = w;
        return -1;
      }
      if (d > worst) worst = d, where = w;
    }
  } else if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      std::string w;
      const double d = maxRelDiff(a[i], b[i], w, path + "/" + std::to_string(i));
      if (d < 0) {
        where = w;
        return -1;
      }
      if (d > worst) worst = d, where = w;
    }
  } else if (a != b) {
    where = path;
    return -1;
  }
  return worst;
}

}  // namespace

class TestGolden : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
  }

  void reproduces_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("seeds");  // 0: the preset's own
    QTest::addColumn<bool>("stats");
    QTest::newRow("owl-numbers-tiny") << "owl-numbers-tiny" << 0 << true;
    QTest::newRow("owl-numbers-quick") << "owl-numbers-quick" << 1 << true;
    QTest::newRow("owl-numbers-sft-defense") << "owl-numbers-sft-defense" << 1 << true;
    QTest::newRow("aux-fashion-quick") << "aux-fashion-quick" << 0 << false;
  }

  void reproduces() {
    QFETCH(QString, preset);
    QFETCH(int, seeds);
    QFETCH(bool, stats);
    // One database and one reference cache for all cases (quick and sft-defense share their
    // reference models; the cache gives identical results, which this test also checks).
    const QString db = m_dir.filePath("golden.sqlite");
    const QString cache = m_dir.filePath("cache");
    QStringList args = {"run",    "--preset",  preset, "--db",        db,
                        "--json", "--threads", "2",    "--cache-dir", cache};
    if (seeds > 0) args << "--seeds" << QString::number(seeds);
    const Output run = sublab(args);
    QVERIFY2(run.code == 0, run.err.constData());
    nlohmann::json got;
    got["run"] = nlohmann::json::parse(run.out.toStdString());
    const QString id = QString::number(got["run"]["run_id"].get<int64_t>());
    const Output show = sublab({"show", id, "--db", db, "--json"});
    QVERIFY2(show.code == 0, show.err.constData());
    got["show"] = nlohmann::json::parse(show.out.toStdString());
    if (stats) {
      const Output st = sublab({"stats", id, "--db", db, "--json"});
      QVERIFY2(st.code == 0, st.err.constData());
      got["stats"] = nlohmann::json::parse(st.out.toStdString());
    }
    for (const char* what : {"metrics", "sequences", "summaries"}) {
      const Output ex = sublab({"export", id, "--what", what, "--format", "csv", "--db", db});
      QVERIFY2(ex.code == 0, ex.err.constData());
      got["exports"][what] = {
          {"bytes", ex.out.size()},
          {"sha256",
           QCryptographicHash::hash(ex.out, QCryptographicHash::Sha256).toHex().toStdString()}};
    }
    sanitize(got);
    got["recorded_on"] = cpuModel();

    const QString file = kGoldenDir + "/" + preset + ".json";
    if (qEnvironmentVariableIntValue("SUBLAB_GOLDEN_RECORD") == 1) {
      QDir().mkpath(kGoldenDir);
      std::ofstream(file.toStdString()) << got.dump(1) << "\n";
      QSKIP("recorded (SUBLAB_GOLDEN_RECORD=1)");
    }
    std::ifstream in(file.toStdString());
    QVERIFY2(in.good(), qPrintable("no golden file " + file));
    const nlohmann::json want = nlohmann::json::parse(in);
    if (want.value("recorded_on", "") != got["recorded_on"]) {
      // Another CPU may pick other BLAS kernels: exact equality is promised on the recording
      // machine only. Elsewhere the figures must still agree closely and the digests are not
      // compared (they hash printed floats).
      nlohmann::json a = want, b = got;
      a.erase("exports"), b.erase("exports"), a.erase("recorded_on"), b.erase("recorded_on");
      std::string where;
      const double d = maxRelDiff(a, b, where);
      qWarning(
          "golden files were recorded on \"%s\"; this CPU is \"%s\": largest relative "
          "difference %.3g at %s",
          want.value("recorded_on", "").c_str(), got["recorded_on"].get<std::string>().c_str(), d,
          where.c_str());
      QVERIFY2(d >= 0 && d < 1e-3,
               qPrintable("structure or values differ at " + QString::fromStdString(where)));
      return;
    }
    if (got != want) {
      std::string where;
      const double d = maxRelDiff(want, got, where);
      QFAIL(qPrintable(QStringLiteral("%1 differs from %2 at %3 (largest relative difference "
                                      "%4; -1 = structure)")
                           .arg(preset, file, QString::fromStdString(where))
                           .arg(d)));
    }
  }
};

QTEST_GUILESS_MAIN(TestGolden)
#include "test_golden.moc"
