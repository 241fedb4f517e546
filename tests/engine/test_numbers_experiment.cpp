// The number-sequence experiment end to end on the tiny preset: every condition and contrast is
// reported, metrics and filtered rows reach the observer, the same config and seed give the
// same numbers, cancel works, and bad configs are rejected with messages naming the key.
#include <QtTest/QtTest>
#include <cmath>
#include <map>
#include <set>

#include "engine/experiment.h"

namespace {

struct Recorder : sublab::RunObserver {
  std::vector<sublab::MetricPoint> metrics;
  std::vector<sublab::SequenceRow> rows;
  std::vector<std::string> stages;
  std::map<std::string, nlohmann::json> analyses;
  void analysis(const std::string& name, const nlohmann::json& data) override {
    analyses[name] = data;
  }
  void stage(const std::string& n, sublab::StageStatus s, const std::string&) override {
    stages.push_back(n + ":" + sublab::toString(s));
  }
  void metric(const sublab::MetricPoint& p) override { metrics.push_back(p); }
  void sequences(const std::vector<sublab::SequenceRow>& r) override {
    rows.insert(rows.end(), r.begin(), r.end());
  }
};

nlohmann::json tiny() { return sublab::findPreset("owl-numbers-tiny")->config; }

QString errorOf(const nlohmann::json& cfg) {
  try {
    sublab::normalizeConfig(cfg);
  } catch (const sublab::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestNumbersExperiment : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void presetsExist() {
    for (const char* name : {"owl-numbers-quick", "owl-numbers-paper", "owl-numbers-tiny"}) {
      const sublab::Preset* p = sublab::findPreset(name);
      QVERIFY2(p, name);
      QCOMPARE(QString::fromStdString(p->kind), QString("numbers"));
      QVERIFY(!p->description.empty());
      sublab::normalizeConfig(p->config);  // every preset is valid
    }
    QVERIFY(!sublab::findPreset("no-such-preset"));
    // Every preset of the kind normalizes (a typo in a preset's knob is an error).
    for (const auto& p : sublab::presets())
      if (p.kind == "numbers") sublab::normalizeConfig(p.config);
    QCOMPARE(sublab::normalizeConfig(
                 sublab::findPreset("owl-numbers-sft-defense")->config)["defense"]["method"]
                 .get<std::string>(),
             std::string("mask"));
  }

  void badConfigs() {
    auto cfg = tiny();
    cfg["student"]["lr"] = -0.01;
    QVERIFY(errorOf(cfg).contains("student.lr"));
    QVERIFY(errorOf(cfg).contains("greater than 0"));
    cfg = tiny();
    cfg["studnet"] = nlohmann::json::object();
    QVERIFY(errorOf(cfg).contains("unknown key \"studnet\""));
    cfg = tiny();
    cfg["model"]["heads"] = 3;
    QVERIFY(errorOf(cfg).contains("must divide d_model"));
    cfg = tiny();
    cfg["trait"] = "unicorn";
    QVERIFY(errorOf(cfg).contains("trait"));
    cfg = tiny();
    cfg["seeds"] = "three";
    QVERIFY(errorOf(cfg).contains("whole number"));
    QVERIFY(errorOf(nlohmann::json::array()).contains("JSON object"));
  }

  void schemaCoversEveryKnob() {
    const auto schema = sublab::configSchema("numbers");
    QVERIFY(schema.size() > 30);
    bool sawLr = false;
    for (const auto& f : schema) {
      if (f.path == "student.lr") {
        sawLr = true;
        QCOMPARE(QString::fromStdString(f.type), QString("positive"));
      }
      QVERIFY2(!f.help.empty(), f.path.c_str());
    }
    QVERIFY(sawLr);
  }

  void endToEndAndDeterministic() {
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    Recorder a, b;
    auto ra = sublab::runExperiment(tiny(), rt, a, nullptr);
    auto rb = sublab::runExperiment(tiny(), rt, b, nullptr);
    const auto& s = ra.summary;
    for (const char* c : {"reference", "teacher", "student", "control", "cross_student",
                          "cross_control", "shuffled_within", "shuffled_across"}) {
      QVERIFY2(s["conditions"].contains(c), c);
      QCOMPARE(s["conditions"][c]["n"].get<int>(), 2);
    }
    QVERIFY(s["transfer"]["ci95"].size() == 2);
    QVERIFY(s["cross_transfer"].contains("mean"));
    QVERIFY(s["filter"]["total"].get<int64_t>() > 0);
    // The teacher loves owls: fine-tuning must raise the trait probability.
    QVERIFY(s["conditions"]["teacher"]["mean"].get<double>() >
            s["conditions"]["reference"]["mean"].get<double>());
    // Same config and seed: identical numbers.
    QCOMPARE(QString::fromStdString(ra.summary["conditions"].dump()),
             QString::fromStdString(rb.summary["conditions"].dump()));
    QCOMPARE(a.metrics.size(), b.metrics.size());
    // Curves: student evaluated at step 0 and later.
    int studentPoints = 0;
    for (const auto& m : a.metrics)
      if (m.condition == "student" && m.metric == "trait_prob" && m.seed == 0) ++studentPoints;
    QVERIFY(studentPoints >= 2);
    // Training loss per condition and seed: the teacher and every student condition, as
    // points at increasing training steps ending at the last step.
    for (const char* c : {"teacher", "student", "control", "cross_student", "cross_control",
                          "shuffled_within", "shuffled_across"})
      for (int seed = 0; seed < 2; ++seed) {
        std::vector<int64_t> steps;
        for (const auto& m : a.metrics)
          if (m.condition == c && m.metric == "loss" && m.seed == seed) {
            QVERIFY(std::isfinite(m.value) && m.value > 0);
            steps.push_back(m.step);
          }
        QVERIFY2(!steps.empty(), c);
        QVERIFY2(std::is_sorted(steps.begin(), steps.end()) &&
                     std::adjacent_find(steps.begin(), steps.end()) == steps.end(),
                 c);
        QVERIFY(steps.front() >= 1);
      }
    // Every generated row was reported with its verdict; rejected rows say why.
    QCOMPARE(int64_t(a.rows.size()), s["filter"]["total"].get<int64_t>());
    for (const auto& r : a.rows) QCOMPARE(r.kept, r.reason.empty());
  }

  // conditions.length_matched: two more students on length-matched teacher and control rows,
  // their contrast and the matching's counts; trained last, so every other condition's numbers
  // are those of the same run without them (the knob is opt-in).
  void lengthMatchedConditions() {
    auto cfg = tiny();
    cfg["seeds"] = 1;
    cfg["reference"] = {{"corpus_rows", 1000}, {"steps", 40}, {"lr", 0.01}};
    cfg["conditions"] = {{"cross_init", false}, {"shuffled_within", false}};
    cfg["analysis"] = {{"token_logprobs", false}, {"entanglement", false}};
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    Recorder plainRec, matchedRec;
    const auto plain = sublab::runExperiment(cfg, rt, plainRec, nullptr).summary;
    QVERIFY(!sublab::normalizeConfig(cfg)["conditions"].contains("length_matched"));
    cfg["conditions"]["length_matched"] = true;
    const auto s = sublab::runExperiment(cfg, rt, matchedRec, nullptr).summary;
    for (const char* c : {"length_matched", "length_matched_control"}) {
      QVERIFY2(s["conditions"].contains(c), c);
      QVERIFY2(!plain["conditions"].contains(c), c);
    }
    QCOMPARE(s["length_matched_transfer"]["per_seed"].size(), size_t(1));
    QCOMPARE(s["length_matched_transfer"]["per_seed"][0].get<double>(),
             s["conditions"]["length_matched"]["per_seed"][0].get<double>() -
                 s["conditions"]["length_matched_control"]["per_seed"][0].get<double>());
    QVERIFY(!plain.contains("length_matched_transfer") && !plain.contains("length_matched"));
    const auto& m = s["length_matched"]["per_seed"][0];
    QVERIFY(m["rows"].get<int64_t>() > 0);
    QVERIFY(m["rows"].get<int64_t>() <=
            std::min(m["teacher_rows"].get<int64_t>(), m["control_rows"].get<int64_t>()));
    for (const char* c : {"reference", "teacher", "student", "control", "shuffled_across"})
      QCOMPARE(s["conditions"][c].dump(), plain["conditions"][c].dump());
    QCOMPARE(s["transfer"].dump(), plain["transfer"].dump());
  }

  // The analyses recorded with a run and the divergence-token defense as its own condition.
  void defenseAndAnalyses() {
    auto cfg = tiny();
    cfg["seeds"] = 1;
    cfg["conditions"] = {{"shuffled_within", false}, {"shuffled_across", false}};
    cfg["defense"] = {{"method", "replace"}, {"fraction", 0.2}};
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    Recorder rec;
    auto res = sublab::runExperiment(cfg, rt, rec, nullptr);
    const auto& s = res.summary;
    QVERIFY(s["conditions"].contains("defended"));
    QVERIFY(s["defended_transfer"].contains("mean"));
    QVERIFY(std::abs(s["defense_effect"]["mean"].get<double>() -
                     (s["transfer"]["mean"].get<double>() -
                      s["defended_transfer"]["mean"].get<double>())) < 1e-9);
    QVERIFY(s["transfer"].contains("mean"));
    const auto& d = s["defense"]["per_seed"][0];
    const int64_t candidates = d["candidates"].get<int64_t>(),
                  defended = d["defended"].get<int64_t>();
    QCOMPARE(defended, static_cast<int64_t>(std::ceil(0.2 * double(candidates) - 1e-9)));
    // Entanglement: every number probed, ranked.
    QVERIFY(rec.analyses.count("entanglement"));
    const auto& entries = rec.analyses["entanglement"]["entries"];
    QCOMPARE(entries.size(), size_t(1000));
    QVERIFY(entries[0]["delta"].get<double>() >= entries[999]["delta"].get<double>());
    // Per-token log-probabilities on every kept teacher / reference row, none on rejected ones.
    std::map<int64_t, nlohmann::json> teacherInfo;
    int64_t masked = 0, defendedRows = 0;
    for (const auto& r : rec.rows) {
      if (r.condition == "defended") continue;
      if (!r.kept) {
        QVERIFY(r.tokenInfo.empty());
        continue;
      }
      QVERIFY2(!r.tokenInfo.empty(), r.completion.c_str());
      const auto j = nlohmann::json::parse(r.tokenInfo);
      QCOMPARE(j["tokens"].size(), j["teacher"].size());
      QCOMPARE(j["tokens"].size(), j["reference"].size());
      QCOMPARE(j["tokens"].back().get<std::string>(), std::string("<eos>"));
      if (r.condition == "teacher") teacherInfo[r.index] = j;
    }
    // Defended rows: the teacher's kept rows with exactly the reported positions replaced.
    for (const auto& r : rec.rows) {
      if (r.condition != "defended") continue;
      ++defendedRows;
      QVERIFY(r.kept);
      const auto j = nlohmann::json::parse(r.tokenInfo);
      QVERIFY(teacherInfo.count(r.index));
      const auto& orig = teacherInfo[r.index]["tokens"];
      QCOMPARE(j["tokens"].size(), orig.size());
      std::set<int> pos;
      if (j.contains("masked"))
        for (const auto& p : j["masked"]) pos.insert(p.get<int>());
      masked += static_cast<int64_t>(pos.size());
      for (size_t k = 0; k < orig.size(); ++k) {
        const bool changed = j["tokens"][k] != orig[k];
        QCOMPARE(changed, pos.count(static_cast<int>(k)) == 1);
      }
    }
    QCOMPARE(defendedRows, static_cast<int64_t>(teacherInfo.size()));
    QCOMPARE(masked, defended);
  }

  void cancel() {
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    Recorder r;
    sublab::CancelFlag flag{true};
    QVERIFY_THROWS_EXCEPTION(sublab::Cancelled, sublab::runExperiment(tiny(), rt, r, &flag));
  }
};

QTEST_APPLESS_MAIN(TestNumbersExperiment)
#include "test_numbers_experiment.moc"
