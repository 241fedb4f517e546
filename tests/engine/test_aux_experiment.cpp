// End-to-end tests of the "aux" kind through the engine's front door: config normalization and
// schema, presets, a tiny run on a synthetic IDX data set the test writes (metrics, stages,
// summary shape, determinism), a missing data folder, and cancellation.
#include <zlib.h>

#include <QtTest/QtTest>
#include <fstream>
#include <random>
#include <set>

#include "engine/aux/aux_experiment.h"
#include "engine/experiment.h"

namespace {

void writeIdx(const QString& path, const std::vector<uint32_t>& dims,
              const std::vector<uint8_t>& data, bool gzip) {
  std::vector<uint8_t> b = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  if (gzip) {
    gzFile f = gzopen(path.toStdString().c_str(), "wb");
    gzwrite(f, b.data(), unsigned(b.size()));
    gzclose(f);
  } else {
    std::ofstream(path.toStdString(), std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  }
}

// 28x28 images: class c is a bright 6x6 square at a class-specific place on a noisy background.
void writeToySet(const QString& dir, int train, int test) {
  std::mt19937 rng(5);
  auto make = [&](int n, std::vector<uint8_t>& images, std::vector<uint8_t>& labels) {
    for (int i = 0; i < n; ++i) {
      const int c = i % 10;
      labels.push_back(uint8_t(c));
      const int r0 = (c / 5) * 14 + 4, c0 = (c % 5) * 5 + 1;
      for (int r = 0; r < 28; ++r)
        for (int k = 0; k < 28; ++k) {
          const bool on = r >= r0 && r < r0 + 6 && k >= c0 && k < c0 + 6;
          images.push_back(uint8_t(on ? 200 + rng() % 56 : rng() % 60));
        }
    }
  };
  std::vector<uint8_t> ti, tl, vi, vl;
  make(train, ti, tl);
  make(test, vi, vl);
  writeIdx(dir + "/train-images-idx3-ubyte.gz", {uint32_t(train), 28, 28}, ti, true);
  writeIdx(dir + "/train-labels-idx1-ubyte", {uint32_t(train)}, tl, false);
  writeIdx(dir + "/t10k-images-idx3-ubyte", {uint32_t(test), 28, 28}, vi, false);
  writeIdx(dir + "/t10k-labels-idx1-ubyte.gz", {uint32_t(test)}, vl, true);
}

nlohmann::json tinyConfig(const QString& dir) {
  return {{"kind", "aux"},
          {"models", 3},
          {"seed", 4},
          {"data", {{"dir", dir.toStdString()}}},
          {"model", {{"hidden", 32}}},
          {"train", {{"batch_size", 64}, {"lr", 3e-3}}},
          {"teacher", {{"epochs", 4}}},
          {"student", {{"epochs", 2}, {"images", 256}}}};
}

class Recorder : public sublab::RunObserver {
 public:
  void stage(const std::string& name, sublab::StageStatus status, const std::string&) override {
    stages.push_back(name + ":" + sublab::toString(status));
  }
  void progress(const std::string&, double fraction, const std::string&) override {
    maxFraction = std::max(maxFraction, fraction);
    ++progressCalls;
    if (cancelAfter > 0 && progressCalls >= cancelAfter && flag) flag->store(true);
  }
  void metric(const sublab::MetricPoint& p) override { metrics.push_back(p); }

  std::vector<std::string> stages;
  std::vector<sublab::MetricPoint> metrics;
  double maxFraction = 0;
  int progressCalls = 0, cancelAfter = 0;
  sublab::CancelFlag* flag = nullptr;
};

const std::vector<std::string> kConditions = {"reference",   "teacher",   "student_aux",
                                              "student_all", "cross_aux", "cross_all"};

}  // namespace

class TestAuxExperiment : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    writeToySet(m_dir.path(), 640, 200);
  }

  void normalizeFillsDefaultsAndRejectsBadValues() {
    const auto c = sublab::normalizeConfig({{"kind", "aux"}});
    QCOMPARE(c["models"].get<int>(), 10);
    QCOMPARE(c["model"]["hidden"].get<int>(), 256);
    QCOMPARE(c["model"]["aux_logits"].get<int>(), 3);
    QCOMPARE(c["train"]["batch_size"].get<int>(), 1024);
    QCOMPARE(c["train"]["lr"].get<double>(), 3e-4);
    QCOMPARE(c["student"]["images"].get<int>(), 60000);
    QCOMPARE(c["student"]["loss"].get<std::string>(), std::string("kl"));
    QCOMPARE(c["data"]["dir"].get<std::string>(), std::string("/usr/share/datasets/fashion-mnist"));
    QCOMPARE(sublab::normalizeConfig(c), c);  // idempotent

    auto rejects = [](const nlohmann::json& cfg, const std::string& word) {
      try {
        sublab::normalizeConfig(cfg);
      } catch (const sublab::Error& e) {
        return std::string(e.what()).find(word) != std::string::npos;
      }
      return false;
    };
    QVERIFY(rejects({{"kind", "aux"}, {"modles", 3}}, "modles"));
    QVERIFY(rejects({{"kind", "aux"}, {"student", {{"loss", "l1"}}}}, "student.loss"));
    QVERIFY(rejects({{"kind", "aux"}, {"train", {{"lr", -1}}}}, "train.lr"));
    QVERIFY(rejects({{"kind", "aux"}, {"model", {{"hidden", 0}}}}, "model.hidden"));
    QVERIFY(rejects({{"kind", "aux"}, {"models", 1}}, "cross_init"));
    // One model is fine without cross-init controls.
    const auto one = sublab::normalizeConfig(
        {{"kind", "aux"}, {"models", 1}, {"student", {{"cross_init", false}}}});
    QCOMPARE(one["models"].get<int>(), 1);
  }

  void schemaRecordsEveryKnobWithHelp() {
    const auto schema = sublab::configSchema("aux");
    std::set<std::string> paths;
    for (const auto& f : schema) {
      paths.insert(f.path);
      QVERIFY2(!f.help.empty(), f.path.c_str());
    }
    for (const char* p :
         {"seed", "models", "data.dir", "model.hidden", "model.aux_logits", "train.lr",
          "train.batch_size", "teacher.epochs", "student.epochs", "student.loss", "student.inputs",
          "student.images", "student.init_noise", "student.all_logits", "student.cross_init"})
      QVERIFY2(paths.count(p), p);
  }

  void presets() {
    std::set<std::string> names;
    for (const auto& p : sublab::auxPresets()) {
      names.insert(p.name);
      QCOMPARE(p.kind, std::string("aux"));
      QVERIFY(!p.description.empty());
      const auto c = sublab::normalizeConfig(p.config);
      QCOMPARE(c["kind"].get<std::string>(), std::string("aux"));
      QVERIFY(sublab::findPreset(p.name) != nullptr);
    }
    QVERIFY(names.count("aux-fashion"));
    QVERIFY(names.count("aux-fashion-quick"));
    QCOMPARE(sublab::findPreset("aux-fashion")->config["models"].get<int>(), 10);
  }

  void tinyRunEndToEnd() {
    Recorder rec;
    sublab::RuntimeOptions opts;
    opts.threads = 2;
    const auto r = sublab::runExperiment(tinyConfig(m_dir.path()), opts, rec, nullptr);
    QCOMPARE(r.kind, std::string("aux"));
    const auto& s = r.summary;
    QCOMPARE(s["kind"].get<std::string>(), std::string("aux"));
    QCOMPARE(s["models"].get<int>(), 3);
    for (const auto& c : kConditions) {
      QVERIFY2(s["conditions"].contains(c), c.c_str());
      const auto& acc = s["conditions"][c]["accuracy"];
      const double mean = acc["mean"], lo = acc["ci95"][0], hi = acc["ci95"][1];
      QVERIFY(lo <= mean && mean <= hi);
      QCOMPARE(acc["per_model"].size(), size_t(3));
    }
    QCOMPARE(r.conditions.size(), kConditions.size());
    for (size_t i = 0; i < kConditions.size(); ++i) {
      QCOMPARE(r.conditions[i].condition, kConditions[i]);
      QCOMPARE(r.conditions[i].metric, std::string("accuracy"));
      QCOMPARE(r.conditions[i].perSeed.size(), size_t(3));
    }
    QCOMPARE(r.contrasts.size(), size_t(2));
    // The toy task is easy: teachers learn it; the untrained reference is near chance.
    const double teacher = s["conditions"]["teacher"]["accuracy"]["mean"];
    const double reference = s["conditions"]["reference"]["accuracy"]["mean"];
    qInfo("toy run: reference %.3f teacher %.3f student_aux %.3f cross_aux %.3f", reference,
          teacher, s["conditions"]["student_aux"]["accuracy"]["mean"].get<double>(),
          s["conditions"]["cross_aux"]["accuracy"]["mean"].get<double>());
    QVERIFY(teacher > 0.9);
    QVERIFY(reference < 0.4);
    // Cross-init students start from a derangement of the inits.
    const auto perm = s["cross_init_source"].get<std::vector<int>>();
    QCOMPARE(perm.size(), size_t(3));
    for (int i = 0; i < 3; ++i) QVERIFY(perm[size_t(i)] != i);

    // Stages in order, all done; progress reached the end.
    const std::vector<std::string> want = {"data:running", "data:done",        "teacher:running",
                                           "teacher:done", "students:running", "students:done"};
    QCOMPARE(rec.stages, want);
    QVERIFY(rec.maxFraction > 0.99 && rec.maxFraction <= 1.0 + 1e-9);
    // One accuracy point per condition, model and epoch (step 0 = the init).
    std::map<std::string, int> count;
    for (const auto& m : rec.metrics) {
      QVERIFY(m.seed >= 0 && m.seed < 3);
      if (m.metric == "accuracy")
        ++count[m.condition];
      else
        QCOMPARE(m.metric, std::string("loss"));
    }
    QCOMPARE(count["reference"], 3);
    QCOMPARE(count["teacher"], 3 * 5);
    for (const char* c : {"student_aux", "student_all", "cross_aux", "cross_all"})
      QCOMPARE(count[c], 3 * 3);
    // The last teacher point of model 2 is the summary's value.
    double last = -1;
    for (const auto& m : rec.metrics)
      if (m.condition == "teacher" && m.metric == "accuracy" && m.seed == 2 && m.step == 4)
        last = m.value;
    QCOMPARE(last, s["conditions"]["teacher"]["accuracy"]["per_model"][2].get<double>());

    // Same config and seed: identical numbers.
    Recorder again;
    const auto r2 = sublab::runExperiment(tinyConfig(m_dir.path()), opts, again, nullptr);
    QCOMPARE(r2.summary["conditions"].dump(), s["conditions"].dump());
  }

  void variantsRun() {
    // MSE on raw logits, real images as distillation inputs, init noise; no all-logit students.
    auto cfg = tinyConfig(m_dir.path());
    cfg["student"]["loss"] = "mse";
    cfg["student"]["inputs"] = "real";
    cfg["student"]["init_noise"] = 0.5;
    cfg["student"]["all_logits"] = false;
    cfg["model"]["aux_logits"] = 5;
    Recorder rec;
    const auto r = sublab::runExperiment(cfg, {}, rec, nullptr);
    QVERIFY(r.summary["conditions"].contains("cross_aux"));
    QVERIFY(!r.summary["conditions"].contains("student_all"));
    QCOMPARE(r.contrasts.size(), size_t(1));
  }

  void missingDataFolderFailsClearly() {
    auto cfg = tinyConfig(m_dir.path() + "/nowhere");
    Recorder rec;
    try {
      sublab::runExperiment(cfg, {}, rec, nullptr);
      QFAIL("expected an error");
    } catch (const sublab::Error& e) {
      const std::string msg = e.what();
      QVERIFY2(msg.find("nowhere") != std::string::npos, msg.c_str());
      QVERIFY2(msg.find("dataset-fashion-mnist") != std::string::npos, msg.c_str());
    }
    QCOMPARE(rec.stages.back(), std::string("data:failed"));
  }

  void cancelStopsTheRun() {
    sublab::CancelFlag flag{false};
    Recorder rec;
    rec.flag = &flag;
    rec.cancelAfter = 5;
    QVERIFY_THROWS_EXCEPTION(sublab::Cancelled,
                             sublab::runExperiment(tinyConfig(m_dir.path()), {}, rec, &flag));
    QCOMPARE(rec.stages.back(), std::string("teacher:cancelled"));
  }

 private:
  QTemporaryDir m_dir;
};

QTEST_APPLESS_MAIN(TestAuxExperiment)
#include "test_aux_experiment.moc"
