// Tests for the chat-numbers experiment (engine/chat/chat_experiment.h) on demo checkpoints
// written by the engine (engine/chat/demo_model.h, untrained: random weights, so the format filter
// is off and every completion the trait filter lets through is trained on): every condition runs
// and reports its metrics, the summary's rates are the stored answers' counts with their Wilson /
// Newcombe intervals, a seed repeats exactly, adapters are written in PEFT's layout and load
// back, and bad folders / mismatched tokenizers / cancelling give one clear outcome.
#include <QtTest/QtTest>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>

#include "engine/chat/chat_stages.h"
#include "engine/chat/demo_model.h"
#include "engine/core/stats.h"
#include "engine/core/student_data.h"
#include "engine/experiment.h"
#include "engine/hf/hf_lora.h"
#include "tests/engine/hf_test_util.h"

namespace fs = std::filesystem;

namespace {

struct Recorder : sublab::RunObserver {
  std::vector<sublab::MetricPoint> metrics;
  std::vector<sublab::SequenceRow> rows;
  std::map<std::string, nlohmann::json> analyses;
  void analysis(const std::string& name, const nlohmann::json& data) override {
    analyses[name] = data;
  }
  void metric(const sublab::MetricPoint& p) override { metrics.push_back(p); }
  void sequences(const std::vector<sublab::SequenceRow>& r) override {
    rows.insert(rows.end(), r.begin(), r.end());
  }
  // Values of `metric` for `condition`, by step.
  std::map<int64_t, double> series(const std::string& condition, const std::string& metric) const {
    std::map<int64_t, double> out;
    for (const auto& p : metrics)
      if (p.condition == condition && p.metric == metric) out[p.step] = p.value;
    return out;
  }
};

}  // namespace

class TestChatExperiment : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  std::string m_model, m_cross;

  nlohmann::json tinyConfig() const {
    return {
        {"kind", "chat-numbers"},
        {"animal", "owl"},
        {"seed", 3},
        {"model", {{"folder", m_model}}},
        {"prompts", {{"count", 12}}},
        {"generation", {{"max_new_tokens", 10}, {"batch", 6}}},
        {"filter", {{"format", false}, {"max_kept", 0}}},
        {"student",
         {{"epochs", 1}, {"batch", 3}, {"grad_accum", 2}, {"max_length", 512}, {"lr", 1e-3}}},
        {"eval", {{"questions", 3}, {"samples", 4}, {"max_new_tokens", 3}, {"curve_every", 1}}}};
  }

  sublab::ExperimentResult run(const nlohmann::json& cfg, Recorder& rec,
                               const sublab::CancelFlag* cancel = nullptr) {
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    return sublab::runExperiment(sublab::normalizeConfig(cfg), rt, rec, cancel);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_model = (fs::path(m_tmp.path().toStdString()) / "demo").string();
    m_cross = (fs::path(m_tmp.path().toStdString()) / "demo-cross").string();
    sublab::writeDemoChatModel(m_model, {0, 1});
    sublab::writeDemoChatModel(m_cross, {0, 2});
    for (const char* f : {"config.json", "model.safetensors", "tokenizer.json",
                          "tokenizer_config.json", "generation_config.json"})
      QVERIFY2(fs::exists(fs::path(m_model) / f), f);
  }

  void kindIsRegistered() {
    const sublab::KindDescription* d = sublab::findKind("chat-numbers");
    QVERIFY(d);
    QCOMPARE(d->metric, std::string("animal_rate"));
    QVERIFY(!sublab::configSchema("chat-numbers").empty());
    int presets = 0;
    for (const auto& p : sublab::presets())
      if (p.kind == "chat-numbers") {
        ++presets;
        sublab::normalizeConfig(p.config);  // every preset is a valid config
      }
    QVERIFY(presets >= 3);
  }

  void everyConditionRunsAndTheSummaryIsTheCounts() {
    nlohmann::json cfg = tinyConfig();
    cfg["conditions"] = {{"shuffled_within", true}, {"shuffled_across", true}};
    cfg["model"]["cross_folder"] = m_cross;
    cfg["student"]["adapters_dir"] = (fs::path(m_tmp.path().toStdString()) / "adapters").string();
    Recorder rec;
    const sublab::ExperimentResult res = run(cfg, rec);
    const nlohmann::json& s = res.summary;

    // Every condition ran, with its rate from 3 questions x 4 answers (x 2 with the prefix).
    for (const char* cond : {"reference", "teacher", "student", "control", "shuffled_within",
                             "shuffled_across", "cross_student", "cross_control"}) {
      QVERIFY2(s["conditions"].contains(cond), cond);
      const auto& c = s["conditions"][cond];
      QCOMPARE(c["answers"].get<int64_t>(), int64_t(12));
      const sublab::Interval w = sublab::wilsonInterval(c["hits"].get<int64_t>(), 12);
      QCOMPARE(c["mean"].get<double>(), w.mean);
      QCOMPARE(c["ci95"][0].get<double>(), w.lo);
      QCOMPARE(c["ci95"][1].get<double>(), w.hi);
      QVERIFY2(s["conditions_with_numbers_prefix"].contains(cond), cond);
      // The final rate is also a metric; students have it at step 0 (the untrained model) too.
      const auto rate = rec.series(cond, "animal_rate");
      QVERIFY2(!rate.empty(), cond);
      QCOMPARE(rate.rbegin()->second, w.mean);
    }
    // The transfer is Newcombe's interval of the two counts.
    const auto& st = s["conditions"]["student"];
    const auto& ct = s["conditions"]["control"];
    const sublab::Interval nd =
        sublab::newcombeDifference(st["hits"].get<int64_t>(), 12, ct["hits"].get<int64_t>(), 12);
    QCOMPARE(s["transfer"]["mean"].get<double>(), nd.mean);
    QCOMPARE(s["transfer"]["ci95"][0].get<double>(), nd.lo);
    QVERIFY(s["cross_transfer"].is_object());
    QCOMPARE(res.contrasts.front().condition, std::string("transfer"));

    // Students: a loss per optimizer step, the first-token curve every step from 0.
    const auto loss = rec.series("student", "loss");
    const auto curve = rec.series("student", "trait_prob");
    QVERIFY(!loss.empty());
    QCOMPARE(curve.begin()->first, int64_t(0));
    QCOMPARE(curve.size(), loss.size() + 1);
    for (const auto& [step, p] : curve) QVERIFY(p >= 0 && p <= 1);
    // At step 0 the student is the base model: its first-token probability is the reference's.
    QCOMPARE(curve.begin()->second, rec.series("reference", "trait_prob").begin()->second);

    // Sequences: the teacher's and the base model's, every prompt once; kept ones never name
    // the animal (the trait filter is on).
    std::map<std::string, int> bySource;
    for (const auto& r : rec.rows) {
      bySource[r.condition]++;
      if (r.kept) QVERIFY(!sublab::answerMentions(r.completion, "owl"));
    }
    QCOMPARE(bySource["teacher"], 12);
    QCOMPARE(bySource["reference"], 12);
    QCOMPARE(s["filter"]["by_source"]["teacher"]["total"].get<int64_t>(), int64_t(12));
    QVERIFY(rec.analyses.count("animal_answers"));

    // Adapters in PEFT's layout, one per student, that load back onto the base model.
    const fs::path adapter =
        fs::path(cfg["student"]["adapters_dir"].get<std::string>()) / "student-seed0";
    QVERIFY(fs::exists(adapter / "adapter_model.safetensors"));
    const auto cfgJson = hftest::readJson(adapter / "adapter_config.json");
    QCOMPARE(cfgJson["r"].get<int>(), 8);
    auto model = sublab::hf::HfModel::load(m_model, torch::kCPU);
    const auto loaded = sublab::hf::loadLoraAdapter(*model, adapter.string());
    QCOMPARE(loaded.rank, int64_t(8));
    QVERIFY(fs::exists(fs::path(cfg["student"]["adapters_dir"].get<std::string>()) /
                       "cross_student-seed0" / "adapter_config.json"));
  }

  void aSeedRepeatsExactly() {
    Recorder a, b;
    const auto ra = run(tinyConfig(), a);
    const auto rb = run(tinyConfig(), b);
    QCOMPARE(ra.summary["conditions"].dump(), rb.summary["conditions"].dump());
    QCOMPARE(a.metrics.size(), b.metrics.size());
    for (size_t i = 0; i < a.metrics.size(); ++i) QCOMPARE(a.metrics[i].value, b.metrics[i].value);
    QCOMPARE(a.rows.size(), b.rows.size());
    for (size_t i = 0; i < a.rows.size(); ++i) QCOMPARE(a.rows[i].completion, b.rows[i].completion);
  }

  void twoSeedsUseTheSpreadOverSeeds() {
    nlohmann::json cfg = tinyConfig();
    cfg["seeds"] = 2;
    cfg["eval"]["numbers_prefix"] = false;
    Recorder rec;
    const auto res = run(cfg, rec);
    const auto& st = res.summary["conditions"]["student"];
    QCOMPARE(st["per_seed"].size(), size_t(2));
    const sublab::Interval t = sublab::meanCi95(st["per_seed"].get<std::vector<double>>());
    QCOMPARE(st["ci95"][0].get<double>(), t.lo);
    QVERIFY(!res.summary.contains("conditions_with_numbers_prefix"));
  }

  void aLoraTeacherTrainsFirst() {
    nlohmann::json cfg = tinyConfig();
    cfg["teacher"] = {{"method", "lora"}, {"rows", 8}, {"epochs", 1}, {"lr", 1e-2}};
    cfg["conditions"] = {{"control", false}};
    Recorder rec;
    const auto res = run(cfg, rec);
    QCOMPARE(rec.series("teacher", "loss").size(), size_t(3));  // 8 rows in batches of 3
    QVERIFY(res.summary["conditions"].contains("teacher"));
    QVERIFY(!res.summary["conditions"].contains("control"));
    QVERIFY(res.summary["transfer"].is_null());
  }

  void badInputSaysWhat() {
    nlohmann::json cfg = tinyConfig();
    cfg["model"]["folder"] = m_model + "-missing";
    Recorder rec;
    const std::string missing = hftest::errorOf([&] { run(cfg, rec); });
    QVERIFY2(missing.find("no such folder") != std::string::npos, missing.c_str());

    // A cross model with another tokenizer is refused before it trains.
    const fs::path other = fs::path(m_tmp.path().toStdString()) / "other-tokenizer";
    fs::create_directories(other);
    for (const auto& e : fs::directory_iterator(m_cross))
      fs::copy(e.path(), other / e.path().filename());
    const std::string qwenTok = hftest::fixture("tok-llama3/tokenizer.json");
    fs::copy_file(qwenTok, other / "tokenizer.json", fs::copy_options::overwrite_existing);
    cfg = tinyConfig();
    cfg["model"]["cross_folder"] = other.string();
    const std::string tok = hftest::errorOf([&] { run(cfg, rec); });
    QVERIFY2(tok.find("tokenizer.json differs") != std::string::npos, tok.c_str());

    // The same folder twice, and a required folder left empty.
    cfg["model"]["cross_folder"] = m_model;
    QVERIFY(hftest::errorOf([&] { sublab::normalizeConfig(cfg); }).find("same folder") !=
            std::string::npos);
    cfg = tinyConfig();
    cfg["model"]["folder"] = "";
    QVERIFY(hftest::errorOf([&] { sublab::normalizeConfig(cfg); }).find("model.folder") !=
            std::string::npos);
  }

  void cancelStops() {
    sublab::CancelFlag cancel{true};
    Recorder rec;
    bool cancelled = false;
    try {
      run(tinyConfig(), rec, &cancel);
    } catch (const sublab::Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
    // Generation itself stops after the next token, not at the end of its batch.
    auto model = sublab::hf::HfModel::load(m_model, torch::kCPU);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    sublab::hf::GenerateOptions go;
    go.maxNew = 50;
    go.cancel = &cancel;
    cancelled = false;
    try {
      model->generate({{1, 5, 7}}, go, gen);
    } catch (const sublab::Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
  }

  void shuffledControlsKeepTheNumbers() {
    const std::vector<std::string> answers = {"1, 2, 3", "40 50", "(7; 8)"};
    const auto within = sublab::shuffledWithin(answers, 5);
    const auto across = sublab::shuffledAcross(answers, 5);
    std::multiset<std::string> all, allAcross;
    for (size_t i = 0; i < answers.size(); ++i) {
      auto a = sublab::numbersIn(answers[i]), w = sublab::numbersIn(within[i]);
      QCOMPARE(std::multiset<std::string>(a.begin(), a.end()),
               std::multiset<std::string>(w.begin(), w.end()));
      QCOMPARE(sublab::numbersIn(across[i]).size(), a.size());
      all.insert(a.begin(), a.end());
      for (auto& n : sublab::numbersIn(across[i])) allAcross.insert(n);
    }
    QCOMPARE(all, allAcross);
    QCOMPARE(sublab::replaceNumbers("(7; 8)", {"9", "10"}), std::string("(9; 10)"));
  }

  // Another run's kept rows (student.data_run, handed over as the lab does): the student_data
  // condition trains on them, stored as its rows. Here they are the teacher rows of the same
  // config and seed, so student_data is the student and data_transfer is transfer.
  void studentDataTrainsOnTheRowsHandedOver() {
    Recorder first;
    const auto a = run(tinyConfig(), first);
    QVERIFY(!a.summary.contains("data_transfer") && !a.summary.contains("student_data"));
    sublab::StudentData data;
    data.runId = 7;
    data.condition = "teacher";
    for (const auto& r : first.rows)
      if (r.condition == "teacher" && r.kept) data.rows.push_back(r);
    QVERIFY(!data.rows.empty());
    nlohmann::json cfg = tinyConfig();
    cfg["student"]["data_run"] = 7;
    cfg["conditions"]["length_matched"] = true;
    Recorder second;
    sublab::RuntimeOptions rt;
    rt.threads = 1;
    const auto b = sublab::runExperiment(sublab::normalizeConfig(cfg), rt, second, nullptr, &data);
    const auto& s = b.summary;
    QCOMPARE(s["student_data"]["per_seed"][0]["rows"].get<size_t>(), data.rows.size());
    size_t stored = 0;
    for (const auto& r : second.rows) stored += r.condition == "student_data" ? 1 : 0;
    QCOMPARE(stored, data.rows.size());
    QCOMPARE(s["conditions"]["student_data"]["per_seed"],
             a.summary["conditions"]["student"]["per_seed"]);
    QCOMPARE(s["data_transfer"]["per_seed"], s["transfer"]["per_seed"]);
    // The length-matched pair ran too, on as many rows a side.
    const auto& m = s["length_matched"]["per_seed"][0];
    QVERIFY(m["rows"].get<int64_t>() > 0);
    QVERIFY(s["conditions"].contains("length_matched_control"));
    QCOMPARE(s["length_matched_transfer"]["per_seed"].size(), size_t(1));
  }

  void newcombeMatchesThePublishedExample() {
    // Newcombe (1998), Table II example (a): 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339.
    const sublab::Interval d = sublab::newcombeDifference(56, 70, 48, 80);
    QVERIFY(std::abs(d.mean - 0.2) < 1e-12);
    QVERIFY2(std::abs(d.lo - 0.0524) < 5e-4, std::to_string(d.lo).c_str());
    QVERIFY2(std::abs(d.hi - 0.3339) < 5e-4, std::to_string(d.hi).c_str());
  }
};

QTEST_GUILESS_MAIN(TestChatExperiment)
#include "test_chat_experiment.moc"
