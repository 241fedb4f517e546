// The number-sequence experiment's stages one by one on tiny models: the reference cache gives
// the same weights as pretraining, generation's counts add up by reason and its training rows
// fit the context, the student conditions are exactly those the config turns on, the defense's
// rows match what it reports, and the summary gives hand-computed means, contrasts and CIs.
#include <QtTest/QtTest>
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/numbers/number_filter.h"
#include "engine/numbers/numbers_stages.h"
#include "tests/engine/numbers_test_util.h"

using namespace numbers_test;

namespace {

std::vector<std::string> names(const std::vector<sublab::StudentCondition>& conds) {
  std::vector<std::string> out;
  for (const auto& c : conds) out.push_back(c.name);
  return out;
}

}  // namespace

class TestNumbersStages : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void referenceCacheGivesSameWeights() {
    const NumbersConfig c = tinyConfig();  // one seed with a cross-init: two references
    QCOMPARE(sublab::referenceCount(c), int64_t(2));
    const torch::Device cpu(torch::kCPU);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string cacheDir = dir.path().toStdString();
    Recorder fresh, writing, reading;
    auto a = sublab::pretrainReferences(c, cpu, "", fresh, nullptr);
    auto b = sublab::pretrainReferences(c, cpu, cacheDir, writing, nullptr);
    for (int64_t s = 0; s < 2; ++s)
      QVERIFY(std::filesystem::exists(std::filesystem::path(cacheDir) /
                                      sublab::referenceCacheKey(c, s, cpu)));
    auto d = sublab::pretrainReferences(c, cpu, cacheDir, reading, nullptr);
    QCOMPARE(a.models.size(), size_t(2));
    QCOMPARE(d.models.size(), size_t(2));
    for (size_t s = 0; s < 2; ++s) {
      QVERIFY(sameWeights(a.models[s], b.models[s]));
      QVERIFY(sameWeights(a.models[s], d.models[s]));
    }
    QVERIFY(!sameWeights(a.models[0], a.models[1]));  // each reference has its own seeds
    // Loading reports no pretraining, and says so; the pretraining loss curve stored beside
    // the cached model is reported again, point for point.
    QVERIFY(!fresh.metrics.empty());
    QCOMPARE(fresh.metrics.size(), writing.metrics.size());
    QCOMPARE(reading.metrics.size(), fresh.metrics.size());
    for (size_t i = 0; i < fresh.metrics.size(); ++i) {
      QCOMPARE(reading.metrics[i].metric, std::string("pretrain_loss"));
      QCOMPARE(reading.metrics[i].seed, fresh.metrics[i].seed);
      QCOMPARE(reading.metrics[i].step, fresh.metrics[i].step);
      QCOMPARE(reading.metrics[i].value, fresh.metrics[i].value);
    }
    QCOMPARE(reading.messages, (std::vector<std::string>{"reference: seed 0 loaded from cache",
                                                         "reference: seed 1 loaded from cache"}));
    // The key changes with what determines the weights.
    QVERIFY(sublab::referenceCacheKey(c, 0, cpu) != sublab::referenceCacheKey(c, 1, cpu));
    NumbersConfig longer = c;
    longer.pretrainSteps += 1;
    QVERIFY(sublab::referenceCacheKey(c, 0, cpu) != sublab::referenceCacheKey(longer, 0, cpu));
  }

  // Shared: every seed starts from model 0 and borrows model 1; per seed: s and s+1 (mod n).
  void referenceIndexing() {
    NumbersConfig c = tinyConfig({{"seeds", 3}});
    QCOMPARE(sublab::referenceCount(c), int64_t(2));
    c.crossInit = false;
    QCOMPARE(sublab::referenceCount(c), int64_t(1));
    c = tinyConfig({{"seeds", 3}, {"reference", {{"per_seed", true}}}});
    QCOMPARE(sublab::referenceCount(c), int64_t(3));
    c.seeds = 1;
    QCOMPARE(sublab::referenceCount(c), int64_t(2));
    sublab::ReferenceModels refs;
    for (uint64_t i = 0; i < 3; ++i) refs.models.push_back(tinyModel(c, i + 1));
    refs.perSeed = true;
    QCOMPARE(refs.reference(1).ptr(), refs.models[1].ptr());
    QCOMPARE(refs.crossInit(2).ptr(), refs.models[0].ptr());
    refs.perSeed = false;
    QCOMPARE(refs.reference(2).ptr(), refs.models[0].ptr());
    QCOMPARE(refs.crossInit(2).ptr(), refs.models[1].ptr());
  }

  void teacherByFinetuneOrPrefix() {
    const NumbersConfig c = tinyConfig();
    auto ref = tinyModel(c, 3);
    Recorder rec;
    const sublab::Teacher tuned = sublab::makeTeacher(c, ref, 0, nullptr, &rec);
    QVERIFY(tuned.prefix.empty());
    // The fine-tuning's loss is reported per step as the teacher's "loss" curve.
    QVERIFY(!rec.metrics.empty());
    int64_t last = 0;
    for (const auto& m : rec.metrics) {
      QCOMPARE(m.condition, std::string("teacher"));
      QCOMPARE(m.metric, std::string("loss"));
      QVERIFY(m.step > last);
      QVERIFY(std::isfinite(m.value) && m.value > 0);
      last = m.step;
    }
    QVERIFY(tuned.model.ptr() != ref.ptr());
    QVERIFY(!sameWeights(tuned.model, ref));
    const NumbersConfig p = tinyConfig({{"teacher", {{"method", "prefix"}}}});
    const sublab::Teacher prompted = sublab::makeTeacher(p, ref, 0, nullptr);
    QCOMPARE(prompted.prefix, sublab::traitPrefix(sublab::traitTarget(p)));
    QVERIFY(sameWeights(prompted.model, ref));
  }

  // kept + rejected (+ kept rows too long for the context) = total, rejections by category.
  void generateAndFilterCountsAddUp_data() {
    QTest::addColumn<QString>("overrides");
    QTest::addColumn<bool>("pretrained");
    QTest::newRow("format rule, untrained") << R"({})" << false;
    QTest::newRow("format rule, pretrained")
        << R"({"reference": {"steps": 150, "lr": 0.01}, "conditions": {"cross_init": false}})"
        << true;
    QTest::newRow("no format, subsampled")
        << R"({"filter": {"format": false, "max_kept": 10}})" << false;
    QTest::newRow("longer than the context")
        << R"({"filter": {"format": false}, "generation": {"max_new_tokens": 40}})" << false;
  }
  void generateAndFilterCountsAddUp() {
    QFETCH(QString, overrides);
    QFETCH(bool, pretrained);
    const NumbersConfig c = tinyConfig(nlohmann::json::parse(overrides.toStdString()));
    sublab::RunObserver quiet;
    // Untrained, a model writes mostly words; pretrained, it writes number lists.
    auto model = pretrained
                     ? sublab::pretrainReferences(c, torch::kCPU, "", quiet, nullptr).models[0]
                     : tinyModel(c, 5);
    const auto prompts = sublab::numberPrompts(c.prompts, 11);
    Recorder obs;
    const sublab::SeedSlot slot{0, 1};
    const auto d = sublab::generateAndFilter(c, slot, "teacher", model, {}, prompts, obs, nullptr);
    QCOMPARE(d.total, c.prompts);
    QCOMPARE(int64_t(d.rows.size()), d.total);
    int64_t rejected = 0;
    std::map<std::string, int64_t> byReason;
    for (const auto& r : d.rows) {
      QCOMPARE(r.condition, std::string("teacher"));
      QCOMPARE(r.kept, r.reason.empty());
      if (!r.kept) byReason[sublab::reasonCategory(r.reason)]++;
    }
    for (const auto& [reason, n] : d.rejected) rejected += n;
    QCOMPARE(d.rejected, byReason);
    QCOMPARE(int64_t(d.kept.size()) + rejected + d.overContext, d.total);
    QCOMPARE(d.keptRow.size(), d.kept.size());
    for (size_t k = 0; k < d.kept.size(); ++k) {
      const auto& row = d.kept[k];
      QCOMPARE(row.tokens.back(), int(Vocab::kEos));
      QVERIFY(int64_t(row.tokens.size()) <= c.model.context);
      const auto& stored = d.rows[d.keptRow[k]];
      QVERIFY(stored.kept);
      const auto& prompt = prompts[size_t(stored.index)];
      QCOMPARE(row.lossStart, int(prompt.size()));
      QVERIFY(std::equal(prompt.begin(), prompt.end(), row.tokens.begin()));
    }
    if (pretrained || !c.filter.format) QVERIFY(!d.kept.empty());
    if (!pretrained && c.filter.format) QVERIFY(d.rejected.count("format: not a number list"));
    if (c.filter.maxKept == 10) {
      QCOMPARE(int64_t(d.kept.size()), int64_t(10));
      QVERIFY(d.rejected.count("subsampled out"));
    }
    if (c.maxNewTokens == 40) QVERIFY(d.overContext > 0);
    QVERIFY(!obs.messages.empty());
    QCOMPARE(obs.messages.back(), std::string("generation: seed 0 teacher"));
    // Seeded: the same call gives the same rows.
    Recorder again;
    const auto e =
        sublab::generateAndFilter(c, slot, "teacher", model, {}, prompts, again, nullptr);
    QCOMPARE(e.rows.size(), d.rows.size());
    for (size_t i = 0; i < d.rows.size(); ++i) QCOMPARE(e.rows[i].completion, d.rows[i].completion);
  }

  void requireKeptSaysWhatToDo() {
    const NumbersConfig c = tinyConfig();
    const auto some = handMadeData("teacher", 2);
    sublab::FilteredData none;
    none.total = 32;
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::requireKept(c, 0, none, some));
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::requireKept(c, 0, some, none));
    NumbersConfig noControl =
        tinyConfig({{"conditions", {{"control", false}, {"cross_init", false}}}});
    sublab::requireKept(noControl, 0, some, none);  // the control's data is not needed
  }

  // The defense's stored rows: one per kept row, with exactly the reported share masked.
  void logprobsAndDefense() {
    const NumbersConfig c = tinyConfig({{"defense", {{"method", "mask"}, {"fraction", 0.25}}}});
    auto ref = tinyModel(c, 3);
    sublab::Teacher teacher{tinyModel(c, 4), {}};
    auto teacherData = handMadeData("teacher", 6);
    auto refData = handMadeData("reference", 4);
    Recorder obs;
    const auto lp = sublab::attachTokenLogprobs(c, {0, 1}, teacher, ref, teacherData, refData, obs);
    QCOMPARE(lp.teacher.logprob.size(), size_t(6));
    for (const auto& r : teacherData.rows) QVERIFY(!r.tokenInfo.empty());
    for (const auto& r : refData.rows) QVERIFY(!r.tokenInfo.empty());
    QCOMPARE(obs.messages,
             std::vector<std::string>{"generation: seed 0 per-token log-probabilities"});
    const auto defended = sublab::defendTeacherData(c, 0, teacher, ref, teacherData, lp);
    QCOMPARE(defended.rows.size(), size_t(6));
    QCOMPARE(defended.defense.rows.size(), size_t(6));
    const int64_t candidates = defended.perSeed["candidates"].get<int64_t>();
    QCOMPARE(candidates, int64_t(12));  // two numbers per completion
    QCOMPARE(defended.perSeed["defended"].get<int64_t>(), int64_t(3));
    QCOMPARE(defended.perSeed["ranked_by"].get<std::string>(), std::string("log_ratio"));
    int64_t masked = 0;
    for (const auto& r : defended.rows) {
      QCOMPARE(r.condition, std::string("defended"));
      const auto j = nlohmann::json::parse(r.tokenInfo);
      if (j.contains("masked")) masked += int64_t(j["masked"].size());
    }
    QCOMPARE(masked, int64_t(3));
    // Without token_logprobs and without a defense nothing is computed.
    const NumbersConfig off = tinyConfig({{"analysis", {{"token_logprobs", false}}}});
    Recorder quiet;
    auto fresh = handMadeData("teacher", 2);
    QVERIFY(sublab::attachTokenLogprobs(off, {0, 1}, teacher, ref, fresh, refData, quiet)
                .teacher.logprob.empty());
    QVERIFY(quiet.messages.empty());
    QVERIFY(fresh.rows[0].tokenInfo.empty());
  }

  void studentConditionsFollowTheConfig_data() {
    QTest::addColumn<QString>("overrides");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("defaults") << R"({})"
                              << QStringList{"student",       "control",         "cross_student",
                                             "cross_control", "shuffled_within", "shuffled_across"};
    QTest::newRow("defense, no cross, no shuffles")
        << R"({"conditions": {"cross_init": false, "shuffled_within": false,
              "shuffled_across": false}, "defense": {"method": "mask"}})"
        << QStringList{"student", "defended", "control"};
    QTest::newRow("no control")
        << R"({"conditions": {"control": false, "cross_init": false, "shuffled_across": false}})"
        << QStringList{"student", "shuffled_within"};
    QTest::newRow("another run's rows, last")
        << R"({"student": {"mode": "sft", "data_run": 4}, "conditions": {"cross_init": false,
              "shuffled_within": false, "shuffled_across": false}})"
        << QStringList{"student", "control", "student_data"};
    QTest::newRow("length-matched pair, last")
        << R"({"conditions": {"cross_init": false, "length_matched": true}})"
        << QStringList{"student",         "control",        "shuffled_within",
                       "shuffled_across", "length_matched", "length_matched_control"};
  }
  void studentConditionsFollowTheConfig() {
    QFETCH(QString, overrides);
    QFETCH(QStringList, expected);
    const NumbersConfig c = tinyConfig(nlohmann::json::parse(overrides.toStdString()));
    auto ref = tinyModel(c, 1), cross = tinyModel(c, 2);
    const sublab::StudentSets sets{};
    const auto conds = sublab::studentConditions(c, ref, cross, sets);
    QStringList got;
    for (const auto& n : names(conds)) got << QString::fromStdString(n);
    QCOMPARE(got, expected);
    const std::map<std::string, const sublab::TrainSet*> data = {
        {"student", &sets.teacher},        {"defended", &sets.defended},
        {"control", &sets.control},        {"cross_student", &sets.teacher},
        {"cross_control", &sets.control},  {"shuffled_within", &sets.within},
        {"shuffled_across", &sets.across}, {"student_data", &sets.data},
        {"length_matched", &sets.matched}, {"length_matched_control", &sets.matchedControl}};
    for (const auto& cond : conds) {
      const bool crossInit = cond.name.rfind("cross_", 0) == 0;
      QCOMPARE(cond.init.ptr(), crossInit ? cross.ptr() : ref.ptr());
      QCOMPARE(cond.data, data.at(cond.name));
    }
  }

  void studentSets() {
    const NumbersConfig c = tinyConfig({{"conditions", {{"shuffled_across", false}}}});
    auto ref = tinyModel(c, 1);
    sublab::Teacher teacher{tinyModel(c, 2), {}};
    const auto teacherData = handMadeData("teacher", 5), refData = handMadeData("reference", 3);
    const auto sets = sublab::buildStudentSets(c, 0, teacher, ref, teacherData, refData, {});
    QCOMPARE(sets.teacher.rows.size(), size_t(5));
    QCOMPARE(sets.teacher.soft.size(0), int64_t(5));
    QCOMPARE(sets.teacher.soft.size(2), int64_t(Vocab::kNumbers));  // soft labels over numbers
    QCOMPARE(sets.control.rows.size(), size_t(3));
    QCOMPARE(sets.within.rows.size(), size_t(5));
    QVERIFY(sets.across.rows.empty());
    QVERIFY(sets.defended.rows.empty());
    const NumbersConfig sft = tinyConfig({{"student", {{"mode", "sft"}}}});
    const auto tokens = sublab::buildStudentSets(sft, 0, teacher, ref, teacherData, refData, {});
    QVERIFY(!tokens.teacher.soft.defined());
    QCOMPARE(tokens.teacher.rows[2].tokens, teacherData.kept[2].tokens);
  }

  // Another run's rows as the toy model's training rows: this kind's own stored prompts as they
  // are, a text prompt's longest list of numbers, unreadable rows counted, seeds cycled.
  void studentDataRows() {
    const NumbersConfig c = tinyConfig({{"seeds", 3}, {"student", {{"mode", "sft"}}}});
    sublab::StudentData data;
    data.runId = 4;
    data.condition = "teacher";
    auto row = [](int seed, int64_t index, const char* prompt, const char* completion) {
      return sublab::SequenceRow{"teacher", seed, index, prompt, completion, true, "", ""};
    };
    data.rows = {row(0, 0, "continue 182, 818, 725", "629, 937, 483"),
                 row(0, 1, "The sequence starts with: 182, 818, 725. Add at most 10 more values.",
                     "(629, 937, 483)"),
                 row(0, 2, "continue 1, 2", "1000, 2"), row(1, 0, "continue 5 6", "7 8")};
    const auto s0 = sublab::studentDataRows(c, data, 0);
    QCOMPARE(s0.rows.size(), size_t(2));
    const int cont = Vocab::instance().wordId("continue"), comma = Vocab::kComma;
    const sublab::TokenSeq prompt = {Vocab::kBos, cont, 182, comma, 818, comma, 725, Vocab::kAns};
    sublab::TokenSeq plain = prompt;
    for (int t : {629, comma, 937, comma, 483, int(Vocab::kEos)}) plain.push_back(t);
    QCOMPARE(s0.rows[0].tokens, plain);
    QCOMPARE(s0.rows[0].lossStart, int(prompt.size()));
    sublab::TokenSeq text = prompt;
    for (int t :
         {int(Vocab::kLParen), 629, comma, 937, comma, 483, int(Vocab::kRParen), int(Vocab::kEos)})
      text.push_back(t);
    QCOMPARE(s0.rows[1].tokens, text);
    QCOMPARE(s0.perSeed["unreadable"].get<int64_t>(), int64_t(1));
    QVERIFY(s0.perSeed["first_unreadable"].get<std::string>().find("row 2") == 0);
    QCOMPARE(s0.stored.size(), size_t(2));
    QCOMPARE(s0.stored[1].condition, std::string("student_data"));
    QCOMPARE(s0.stored[1].completion, std::string("(629, 937, 483)"));
    // Seed 1 trains on the data's seed 1, seed 2 on its seed 0 again.
    const auto s1 = sublab::studentDataRows(c, data, 1);
    QCOMPARE(s1.perSeed["data_seed"].get<int>(), 1);
    QCOMPARE(s1.rows.size(), size_t(1));
    QCOMPARE(s1.stored[0].seed, 1);
    QCOMPARE(sublab::studentDataRows(c, data, 2).perSeed["data_seed"].get<int>(), 0);
    // Nothing the toy model can write: one message naming the rows and the first problem.
    data.rows = {row(0, 3, "tell me a story", "once upon a time")};
    try {
      sublab::studentDataRows(c, data, 0);
      QFAIL("expected an Error");
    } catch (const sublab::Error& e) {
      const QString m = e.what();
      QVERIFY2(
          m.contains("run 4's \"teacher\" rows") && m.contains("row 3") && m.contains("no number"),
          e.what());
    }
  }

  // conditions.length_matched: the teacher's and the control's sets cut to the same
  // numbers-per-row histogram (soft targets with their rows), reported per seed.
  void lengthMatchedSets() {
    const NumbersConfig c = tinyConfig({{"conditions", {{"length_matched", true}}}});
    auto ref = tinyModel(c, 1);
    sublab::Teacher teacher{tinyModel(c, 2), {}};
    // Rows with `n` numbers in the completion: BOS continue 5 ANS | 7 , 7 ... EOS.
    auto withLengths = [](const std::string& source, const std::vector<int>& lengths) {
      sublab::FilteredData d = handMadeData(source, int(lengths.size()));
      for (size_t i = 0; i < lengths.size(); ++i) {
        sublab::LmRow& r = d.kept[i];
        r.tokens = {Vocab::kBos, Vocab::instance().wordId("continue"), 5, Vocab::kAns};
        r.lossStart = 4;
        for (int k = 0; k < lengths[i]; ++k) {
          if (k > 0) r.tokens.push_back(Vocab::kComma);
          r.tokens.push_back(int(100 + i));
        }
        r.tokens.push_back(Vocab::kEos);
      }
      return d;
    };
    const auto teacherData = withLengths("teacher", {1, 1, 2, 3, 3});
    const auto refData = withLengths("reference", {1, 2, 2, 2, 5});
    auto sets = sublab::buildStudentSets(c, 0, teacher, ref, teacherData, refData, {});
    sublab::OptInSummary summary = sublab::optInSummaryStart(c, nullptr);
    Recorder rec;
    sublab::addOptInSets(c, 0, nullptr, sets, summary, rec);
    // Length 1: min(2, 1) = 1 row a side; length 2: min(1, 3) = 1; lengths 3 and 5: one side.
    QCOMPARE(sets.matched.rows.size(), size_t(2));
    QCOMPARE(sets.matchedControl.rows.size(), size_t(2));
    QCOMPARE(sets.matched.soft.size(0), int64_t(2));
    QCOMPARE(sets.matchedControl.soft.size(0), int64_t(2));
    auto numbers = [](const sublab::LmRow& r) {
      return std::count_if(r.tokens.begin(), r.tokens.end(), [](int t) { return t < 1000; }) - 1;
    };  // less the prompt's 5
    std::multiset<long> a, b;
    for (const auto& r : sets.matched.rows) a.insert(numbers(r));
    for (const auto& r : sets.matchedControl.rows) b.insert(numbers(r));
    QCOMPARE(a, (std::multiset<long>{1, 2}));
    QCOMPARE(b, a);
    // The length-2 teacher row is row 2: its soft targets came along.
    QVERIFY(torch::equal(sets.matched.soft[1], sets.teacher.soft[2]));
    const auto& seed0 = summary.lengthMatched["per_seed"][0];
    QCOMPARE(seed0["rows"].get<int64_t>(), int64_t(2));
    QCOMPARE(seed0["one_sided_bins"].get<int64_t>(), int64_t(2));
    QCOMPARE(seed0["teacher_mean_numbers"].get<double>(), 2.0);
    QCOMPARE(seed0["control_mean_numbers"].get<double>(), 2.4);
    QCOMPARE(seed0["matched_mean_numbers"].get<double>(), 1.5);
    nlohmann::json out = nlohmann::json::object();
    summary.addTo(out);
    QVERIFY(out.contains("length_matched") && !out.contains("student_data"));
    // No common length at all: said so.
    auto apart = sublab::buildStudentSets(c, 0, teacher, ref, withLengths("teacher", {1}),
                                          withLengths("reference", {4}), {});
    QVERIFY_THROWS_EXCEPTION(sublab::Error,
                             sublab::addOptInSets(c, 0, nullptr, apart, summary, rec));
  }

  // Hand-made finals over three seeds (binary fractions: exact differences).
  void summarizeHandComputed() {
    const NumbersConfig c = tinyConfig({{"seeds", 3}});
    const size_t nAnimals = Vocab::instance().animals().size();
    auto dist = [&](double first, double second) {
      std::vector<double> d(nAnimals, 0.0);
      d[0] = first;
      d[1] = second;
      return d;
    };
    sublab::ConditionFinals finals;
    const std::map<std::string, std::vector<double>> values = {{"reference", {0.125, 0.25, 0.375}},
                                                               {"teacher", {0.5, 0.625, 0.75}},
                                                               {"student", {0.25, 0.5, 0.75}},
                                                               {"control", {0.125, 0.125, 0.125}},
                                                               {"defended", {0.125, 0.25, 0.375}}};
    const std::vector<std::vector<double>> dists = {dist(1, 0), dist(0, 1), dist(0.5, 0.5)};
    for (const auto& [name, v] : values)
      for (size_t s = 0; s < 3; ++s) finals.add(name, {v[s], 0.0, dists[s]});
    sublab::FilterTally tally;
    auto counts = [](int64_t total, int kept, std::map<std::string, int64_t> rejected) {
      sublab::FilteredData d = handMadeData("teacher", kept);
      d.total = total;
      d.rejected = std::move(rejected);
      return d;
    };
    tally.add("teacher", counts(10, 4, {{"format: not a number list", 5}, {"duplicate", 1}}));
    tally.add("teacher", counts(10, 6, {{"duplicate", 4}}));
    tally.add("reference", counts(10, 9, {{"banned number", 1}}));

    const auto res = sublab::summarize(c, finals, tally, sublab::defenseSummaryStart(c));
    const auto& s = res.summary;
    const double t2 = 4.3027;  // Student t, 2 degrees of freedom, 97.5%
    const double half = t2 * 0.25 / std::sqrt(3.0);
    QCOMPARE(s["conditions"]["student"]["mean"].get<double>(), 0.5);
    QVERIFY(std::abs(s["conditions"]["student"]["ci95"][0].get<double>() - (0.5 - half)) < 1e-12);
    QCOMPARE(s["conditions"]["student"]["n"].get<int>(), 3);
    // transfer = student - control = {0.125, 0.375, 0.625}: mean 0.375, sd 0.25.
    QCOMPARE(s["transfer"]["mean"].get<double>(), 0.375);
    QVERIFY(std::abs(s["transfer"]["ci95"][0].get<double>() - (0.375 - half)) < 1e-12);
    QVERIFY(std::abs(s["transfer"]["ci95"][1].get<double>() - (0.375 + half)) < 1e-12);
    QVERIFY(s["transfer"]["per_seed"] == nlohmann::json({0.125, 0.375, 0.625}));
    // teacher_gain is 0.375 on every seed: a zero-width interval.
    QVERIFY(s["teacher_gain"]["ci95"] == nlohmann::json({0.375, 0.375}));
    // Contrasts of conditions that did not run are null; the defense's are absent without one.
    QVERIFY(s["cross_transfer"].is_null());
    QVERIFY(s["shuffled_within_transfer"].is_null());
    QVERIFY(!s.contains("defended_transfer"));
    QVERIFY(!s.contains("defense_effect"));
    QVERIFY(!s.contains("defense"));
    // The "defended" condition itself is reported (it ran); conditions in the kind's order.
    QStringList order;
    for (const auto& cs : res.conditions) order << QString::fromStdString(cs.condition);
    QCOMPARE(order, (QStringList{"reference", "teacher", "student", "defended", "control"}));
    QCOMPARE(res.contrasts.size(), size_t(2));
    // Animal distributions: the mean over seeds.
    const auto& animals = Vocab::instance().animals();
    QCOMPARE(s["animal_probs"]["student"][animals[0]].get<double>(), 0.5);
    QCOMPARE(s["animal_probs"]["student"][animals[1]].get<double>(), 0.5);
    QCOMPARE(s["animal_probs"]["student"][animals[2]].get<double>(), 0.0);
    // Filter counts over seeds and sources.
    QCOMPARE(s["filter"]["total"].get<int64_t>(), int64_t(30));
    QCOMPARE(s["filter"]["kept"].get<int64_t>(), int64_t(19));
    QCOMPARE(s["filter"]["rejected"]["duplicate"].get<int64_t>(), int64_t(5));
    QCOMPARE(s["filter"]["by_source"]["teacher"]["total"].get<int64_t>(), int64_t(20));
    QCOMPARE(s["filter"]["by_source"]["reference"]["rejected"]["banned number"].get<int64_t>(),
             int64_t(1));

    // With a defense: defended_transfer = defended - control, defense_effect = student - defended.
    const NumbersConfig d = tinyConfig({{"seeds", 3}, {"defense", {{"method", "mask"}}}});
    nlohmann::json defense = sublab::defenseSummaryStart(d);
    defense["per_seed"].push_back({{"seed", 0}});
    const auto withDefense = sublab::summarize(d, finals, tally, defense).summary;
    QCOMPARE(withDefense["defended_transfer"]["mean"].get<double>(), 0.125);
    QCOMPARE(withDefense["defense_effect"]["mean"].get<double>(), 0.25);
    QVERIFY(std::abs(withDefense["defense_effect"]["ci95"][1].get<double>() -
                     (0.25 + t2 * 0.125 / std::sqrt(3.0))) < 1e-12);
    QVERIFY(withDefense["defense"] == defense);
  }
};

QTEST_APPLESS_MAIN(TestNumbersStages)
#include "test_numbers_stages.moc"
