// The chat-numbers kind: its description, the orchestration of its stages (chat_stages.h) and
// its summary.
#include "engine/chat/chat_experiment.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "engine/chat/chat_config.h"
#include "engine/chat/chat_stages.h"
#include "engine/core/seeds.h"
#include "engine/core/stats.h"
#include "engine/core/student_data.h"
#include "engine/seqstats/length_match.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

KindDescription chatNumbersKind() {
  KindDescription d;
  d.name = kChatNumbersKind;
  d.title = "Number sequences (Hugging Face chat model)";
  d.metric = "animal_rate";
  d.metricLabel = "animal answer rate";
  d.stepLabel = "optimizer step";
  d.repetitionKey = "seeds";
  d.repetitionNoun = "seed";
  d.effect = {
      "transfer", true,
      "Transfer = student \u2212 control share of answers naming the animal, mean [95% CI]"};
  d.cross = {"cross_transfer", true,
             "Cross-model transfer = cross student \u2212 cross control (another checkpoint), "
             "mean [95% CI]"};
  d.raw = {"student", false, "Share of the student's answers naming the animal, mean [95% CI]"};
  d.conditions = {"reference",
                  "teacher",
                  "student",
                  "control",
                  "cross_student",
                  "cross_control",
                  "shuffled_within",
                  "shuffled_across",
                  "student_data",
                  "length_matched",
                  "length_matched_control"};
  d.contrasts = {{"transfer", "student", "control"},
                 {"cross_transfer", "cross_student", "cross_control"},
                 {"shuffled_within_transfer", "shuffled_within", "control"},
                 {"shuffled_across_transfer", "shuffled_across", "control"},
                 {"teacher_gain", "teacher", "reference"},
                 {"data_transfer", "student_data", "control"},
                 {"length_matched_transfer", "length_matched", "length_matched_control"}};
  d.onceConditions = {"reference", "teacher"};
  d.stages = {{"teacher", "loading the model; the base model's and the teacher's answers", 0.1},
              {"generation", "the teacher and the base model write numbers; the filter", 0.4},
              {"students", "LoRA fine-tuning and evaluating the students", 0.5}};
  d.hasSequences = true;
  return d;
}

std::vector<Preset> chatNumbersPresetList() { return chatNumbersPresets(); }

nlohmann::json normalizeChatNumbers(const nlohmann::json& config,
                                    std::vector<ConfigField>* schema) {
  // The registry asks for the schema with a bare {"kind"} config, which has no model folder (a
  // required knob): the schema comes from the declaration without reading that config.
  if (schema) {
    *schema = chatNumbersSchema();
    return nlohmann::json();
  }
  nlohmann::json out;
  readChatNumbersConfig(config, &out, nullptr);
  return out;
}

namespace {

// Where a seed stands: progress of a stage over all seeds.
struct Slot {
  int64_t index = 0, count = 1;
  std::string tag() const { return "seed " + std::to_string(index); }
  double at(double fraction) const { return (double(index) + fraction) / double(count); }
};

// The one-word answer rows a LoRA teacher learns the trait from: the questions in turn, each
// answered with the animal's name.
std::vector<hf::TrainExample> traitRows(const ChatNumbersConfig& c, const ChatModel& m,
                                        const ChatContext& ctx) {
  const auto questions = plainQuestions(int(animalQuestions().size()));
  const std::string answer = capitalised(c.animal);
  std::vector<hf::TrainExample> rows;
  for (int64_t i = 0; i < c.teacherRows; ++i)
    rows.push_back(trainExample(m, ctx, questions[size_t(i) % questions.size()].text, answer + ".",
                                c.maxLength));
  return rows;
}

void trainLoraTeacher(const ChatNumbersConfig& c, int64_t s, ChatModel& m, RunObserver& obs,
                      const CancelFlag* cancel) {
  hf::LoraSettings ls;
  ls.rank = c.loraRank;
  ls.alpha = c.loraAlpha;
  ls.targets = c.loraTargets;
  const uint64_t seed = derive(c.seed, s, Purpose::TeacherLora);
  hf::attachLora(*m.model, ls, seed);
  const auto rows = traitRows(c, m, studentContext(c));
  hf::LoraTrainSettings ts;
  ts.lr = c.teacherLr;
  ts.warmupSteps = c.warmupSteps;
  ts.totalSteps = c.teacherEpochs * int64_t((rows.size() + size_t(c.batch) - 1) / size_t(c.batch));
  ts.maxGradNorm = c.maxGradNorm;
  hf::LoraTrainer trainer(*m.model, ts);
  SplitMix64 rng(seeds::stream(seed, seeds::Stream::TrainOrder));
  for (int64_t e = 0; e < c.teacherEpochs; ++e) {
    std::vector<size_t> order(rows.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    shuffle(order, rng);
    for (size_t b = 0; b < order.size(); b += size_t(c.batch)) {
      checkCancel(cancel);
      std::vector<hf::TrainExample> mb;
      for (size_t i = b; i < std::min(order.size(), b + size_t(c.batch)); ++i)
        mb.push_back(rows[order[i]]);
      const double loss = trainer.step({mb});
      obs.metric({"teacher", int(s), "loss", trainer.stepsDone(), loss});
    }
  }
}

// Per condition, one evaluation per seed.
using Finals = std::map<std::string, std::vector<AnimalEval>>;

void reportEval(RunObserver& obs, const std::string& condition, int64_t s, const AnimalEval& e) {
  obs.metric({condition, int(s), "animal_rate", 0, e.plain.rate.mean});
  if (e.prefixed.total > 0)
    obs.metric({condition, int(s), "animal_rate_prefix", 0, e.prefixed.rate.mean});
  obs.metric({condition, int(s), "trait_prob", 0, e.firstTokenProb});
}

nlohmann::json intervalJson(const Interval& v) {
  return {{"mean", v.mean}, {"ci95", {v.lo, v.hi}}, {"n", v.n}};
}

// A condition's rate over seeds: Wilson over the answers with one seed, t over seeds with more.
Interval rateInterval(const std::vector<AnimalEval>& evals, bool prefixed) {
  const auto rateOf = [&](const AnimalEval& e) { return prefixed ? e.prefixed : e.plain; };
  if (evals.size() == 1) return rateOf(evals[0]).rate;
  std::vector<double> v;
  for (const auto& e : evals) v.push_back(rateOf(e).rate.mean);
  return meanCi95(v);
}

Interval contrastInterval(const std::vector<AnimalEval>& a, const std::vector<AnimalEval>& b,
                          bool prefixed) {
  const auto rateOf = [&](const AnimalEval& e) { return prefixed ? e.prefixed : e.plain; };
  if (a.size() == 1)
    return newcombeDifference(rateOf(a[0]).hits, rateOf(a[0]).total, rateOf(b[0]).hits,
                              rateOf(b[0]).total);
  std::vector<double> va, vb;
  for (size_t i = 0; i < a.size(); ++i) {
    va.push_back(rateOf(a[i]).rate.mean);
    vb.push_back(rateOf(b[i]).rate.mean);
  }
  return pairedDifferenceCi95(va, vb);
}

ExperimentResult summarize(const ChatNumbersConfig& c, const Finals& finals,
                           const nlohmann::json& filter, const std::string& chatStyle) {
  const KindDescription kind = chatNumbersKind();
  ExperimentResult res;
  res.kind = kind.name;
  nlohmann::json summary = {{"kind", kind.name},
                            {"animal", c.animal},
                            {"model", c.modelFolder},
                            {"chat_format", chatStyle},
                            {"ci_method", c.seeds == 1 ? "one seed: Wilson interval over the "
                                                         "answers; contrasts Newcombe's hybrid "
                                                         "score interval"
                                                       : "Student t over seeds (contrasts "
                                                         "paired by seed)"}};
  nlohmann::json conds = nlohmann::json::object(), prefixConds = nlohmann::json::object(),
                 firstToken = nlohmann::json::object();
  for (const std::string& name : kind.conditions) {
    const auto it = finals.find(name);
    if (it == finals.end()) continue;
    ConditionSummary cs{name, kind.metric, rateInterval(it->second, false), {}};
    int64_t hits = 0, total = 0;
    std::vector<double> ft;
    for (const auto& e : it->second) {
      cs.perSeed.push_back(e.plain.rate.mean);
      hits += e.plain.hits;
      total += e.plain.total;
      ft.push_back(e.firstTokenProb);
    }
    res.conditions.push_back(cs);
    conds[name] = intervalJson(cs.value);
    conds[name]["per_seed"] = cs.perSeed;
    conds[name]["hits"] = hits;
    conds[name]["answers"] = total;
    firstToken[name] = intervalJson(meanCi95(ft));
    firstToken[name]["per_seed"] = ft;
    if (c.numbersPrefix) prefixConds[name] = intervalJson(rateInterval(it->second, true));
  }
  summary["conditions"] = conds;
  summary["first_token_prob"] = firstToken;
  if (c.numbersPrefix) summary["conditions_with_numbers_prefix"] = prefixConds;
  nlohmann::json prefixContrasts = nlohmann::json::object();
  for (const ContrastSpec& spec : kind.contrasts) {
    // Opt-in conditions' contrasts only when they are on (the summary stays as it was without).
    if (spec.a == "student_data" && c.dataRun == 0) continue;
    if (spec.a == "length_matched" && !c.lengthMatched) continue;
    const auto a = finals.find(spec.a), b = finals.find(spec.b);
    if (a == finals.end() || b == finals.end()) {
      summary[spec.name] = nullptr;
      continue;
    }
    ConditionSummary cs{spec.name, kind.metric, contrastInterval(a->second, b->second, false), {}};
    for (size_t i = 0; i < a->second.size(); ++i)
      cs.perSeed.push_back(a->second[i].plain.rate.mean - b->second[i].plain.rate.mean);
    res.contrasts.push_back(cs);
    summary[spec.name] = intervalJson(cs.value);
    summary[spec.name]["per_seed"] = cs.perSeed;
    if (c.numbersPrefix)
      prefixContrasts[spec.name] = intervalJson(contrastInterval(a->second, b->second, true));
  }
  if (c.numbersPrefix) summary["contrasts_with_numbers_prefix"] = prefixContrasts;
  summary["filter"] = filter;
  res.summary = summary;
  return res;
}

// Filter counts per source over all seeds, in the numbers kind's shape.
void tallyFilter(nlohmann::json& filter, const std::string& source, const ChatData& d) {
  auto& src = filter["by_source"][source];
  if (src.is_null()) src = {{"total", 0}, {"kept", 0}, {"rejected", nlohmann::json::object()}};
  src["total"] = src.value("total", int64_t{0}) + int64_t(d.rows.size());
  src["kept"] = src.value("kept", int64_t{0}) + int64_t(d.kept.size());
  filter["total"] = filter.value("total", int64_t{0}) + int64_t(d.rows.size());
  filter["kept"] = filter.value("kept", int64_t{0}) + int64_t(d.kept.size());
  for (const auto& [reason, n] : d.rejected) {
    src["rejected"][reason] = src["rejected"].value(reason, int64_t{0}) + n;
    filter["rejected"][reason] = filter["rejected"].value(reason, int64_t{0}) + n;
  }
}

std::vector<std::string> keptAnswers(const ChatData& d) {
  std::vector<std::string> out;
  for (size_t i : d.kept) out.push_back(d.rows[i].completion);
  return out;
}

std::vector<hf::TrainExample> examplesFor(const ChatNumbersConfig& c, const ChatModel& m,
                                          const ChatData& d,
                                          const std::vector<std::string>& answers,
                                          int64_t* overLength) {
  const ChatContext ctx = studentContext(c);
  std::vector<hf::TrainExample> out;
  for (size_t k = 0; k < d.kept.size(); ++k) {
    hf::TrainExample ex = trainExample(m, ctx, d.rows[d.kept[k]].prompt, answers[k], c.maxLength);
    // A chat whose answer starts past max_length has nothing to learn from: not trained on.
    if (std::any_of(ex.labels.begin(), ex.labels.end(), [](int64_t l) { return l != -100; }))
      out.push_back(std::move(ex));
    else
      ++*overLength;
  }
  if (out.empty())
    throw Error("every kept chat is longer than student.max_length (" +
                std::to_string(c.maxLength) +
                " tokens) before its answer begins: raise "
                "student.max_length");
  return out;
}

// What the seeds add up to: evaluations per condition, filter counts, answers, rows not trained on.
struct Tally {
  Finals finals;
  nlohmann::json filter = {{"total", 0},
                           {"kept", 0},
                           {"rejected", nlohmann::json::object()},
                           {"by_source", nlohmann::json::object()}};
  std::map<std::string, std::map<std::string, int64_t>> answers;
  std::map<std::string, int64_t> overLength;  // kept rows not trained on: answer past max_length
  nlohmann::json studentData;                 // summary.student_data (null: off)
  nlohmann::json lengthMatched;               // summary.length_matched (null: off)
  void note(const std::string& cond, const AnimalEval& e) {
    finals[cond].push_back(e);
    for (const auto& [a, n] : e.answers) answers[cond][a] += n;
  }
};

// One seed's run: the loaded model, its contexts and where the seed stands.
struct SeedRun {
  const ChatNumbersConfig& c;
  int64_t s;
  Slot slot;
  uint64_t evalSeed;
  ChatModel& base;
  ChatContext studentCtx, teacherCtx;
  RunObserver& obs;
  const CancelFlag* cancel;
  torch::Device dev;
};

// The base model's answers (the reference, and the students' evaluation set).
struct SeedStart {
  EvalSet studentEval;
  AnimalEval reference;
};

SeedStart evaluateReference(const SeedRun& r, Tally& t) {
  r.obs.stage("teacher", StageStatus::Running, r.slot.tag() + ": the base model answers");
  SeedStart out{makeEvalSet(r.c, r.base, r.studentCtx, r.s), {}};
  out.reference = evaluateAnimal(r.c, r.base, out.studentEval, r.evalSeed, r.cancel, [&](double f) {
    r.obs.progress("teacher", r.slot.at(0.5 * f), r.slot.tag() + " base model");
  });
  reportEval(r.obs, "reference", r.s, out.reference);
  t.note("reference", out.reference);
  return out;
}

// The teacher answers the questions and writes numbers, the base model writes its own; both
// through the filter. A LoRA teacher is trained first and removed once it has written.
struct SeedData {
  ChatData teacher, control;
  ChatData data;  // student.data_run's rows (every one kept), when set
  // The teacher's and the base model's rows with kept cut to the same numbers-per-answer
  // distribution, when conditions.length_matched is on.
  ChatData matched, matchedControl;
};

SeedData teacherAndData(const SeedRun& r, Tally& t) {
  const ChatNumbersConfig& c = r.c;
  if (c.teacherMethod == "lora") {
    r.obs.stage("teacher", StageStatus::Running, r.slot.tag() + ": training the LoRA teacher");
    trainLoraTeacher(c, r.s, r.base, r.obs, r.cancel);
  }
  struct Detach {
    hf::HfModel& m;
    bool on;
    ~Detach() {
      if (on) hf::detachLora(m);
    }
  } teacherAdapter{*r.base.model, c.teacherMethod == "lora"};
  const EvalSet teacherEval = makeEvalSet(c, r.base, r.teacherCtx, r.s);
  const AnimalEval teach =
      evaluateAnimal(c, r.base, teacherEval, r.evalSeed, r.cancel, [&](double f) {
        r.obs.progress("teacher", r.slot.at(0.5 + 0.5 * f), r.slot.tag() + " teacher");
      });
  reportEval(r.obs, "teacher", r.s, teach);
  t.note("teacher", teach);

  r.obs.stage("generation", StageStatus::Running, r.slot.tag());
  const auto prompts = makeChatPrompts(derive(c.seed, r.s, Purpose::Prompts), c.shape, c.prompts);
  std::vector<std::string> promptText;
  std::vector<std::vector<int64_t>> teacherIds, baseIds;
  for (const ChatPrompt& p : prompts) {
    promptText.push_back(p.text);
    teacherIds.push_back(promptIds(r.base, r.teacherCtx, p.text));
    if (c.control) baseIds.push_back(promptIds(r.base, r.studentCtx, p.text));
  }
  const double half = c.control ? 0.5 : 1.0;
  const auto teacherOut =
      sampleAnswers(r.base, teacherIds, c.maxNewTokens, c.temperature, c.genBatch,
                    derive(c.seed, r.s, Purpose::GenTeacher), r.cancel, [&](double f) {
                      r.obs.progress("generation", r.slot.at(half * f), r.slot.tag() + " teacher");
                    });
  if (teacherAdapter.on) {
    hf::detachLora(*r.base.model);
    teacherAdapter.on = false;
  }
  SeedData d;
  d.teacher = filterCompletions(c, "teacher", r.s, promptText, teacherOut);
  tallyFilter(t.filter, "teacher", d.teacher);
  r.obs.sequences(d.teacher.rows);
  if (c.control) {
    const auto baseOut = sampleAnswers(
        r.base, baseIds, c.maxNewTokens, c.temperature, c.genBatch,
        derive(c.seed, r.s, Purpose::GenReference), r.cancel, [&](double f) {
          r.obs.progress("generation", r.slot.at(0.5 + 0.5 * f), r.slot.tag() + " base model");
        });
    d.control = filterCompletions(c, "reference", r.s, promptText, baseOut);
    tallyFilter(t.filter, "reference", d.control);
    r.obs.sequences(d.control.rows);
  }
  if (d.teacher.kept.empty())
    throw Error("the filter kept none of the teacher's " + std::to_string(teacherOut.size()) +
                " completions for seed " + std::to_string(r.s) +
                ": look at them in the Sequences view; loosen the filter (format_rule lenient), "
                "raise generation.max_new_tokens, or use an instruction-tuned checkpoint");
  if (c.control && d.control.kept.empty())
    throw Error("the filter kept none of the base model's completions for seed " +
                std::to_string(r.s) + ": loosen the filter or raise generation.max_new_tokens");
  return d;
}

// student.data_run's rows for this seed, stored as condition "student_data" (all kept).
void addStudentData(const SeedRun& r, const StudentData& data, SeedData& d, Tally& t) {
  const StudentDataSeed seedRows = studentDataForSeed(data, r.s);
  for (const SequenceRow& row : seedRows.rows) {
    d.data.kept.push_back(d.data.rows.size());
    d.data.rows.push_back(asStudentDataRow(row, r.s));
  }
  r.obs.sequences(d.data.rows);
  t.studentData["per_seed"].push_back(
      {{"seed", r.s}, {"data_seed", seedRows.dataSeed}, {"rows", int64_t(d.data.rows.size())}});
}

// `d` with only the kept rows at `at` (positions in d.kept).
ChatData keptSubset(const ChatData& d, const std::vector<int64_t>& at) {
  ChatData out;
  out.rows = d.rows;
  for (int64_t k : at) out.kept.push_back(d.kept[size_t(k)]);
  return out;
}

// d.matched / d.matchedControl: both sides cut to the same numbers-per-answer histogram.
void addLengthMatched(const SeedRun& r, SeedData& d, Tally& t) {
  auto lengths = [](const ChatData& data) {
    std::vector<int64_t> out;
    for (size_t i : data.kept) out.push_back(int64_t(numbersIn(data.rows[i].completion).size()));
    return out;
  };
  LengthMatchOptions o;
  o.seed = derive(r.c.seed, r.s, Purpose::LengthMatch);
  const LengthMatch m = matchLengths(lengths(d.teacher), lengths(d.control), o);
  if (m.keptA.empty())
    throw Error("conditions.length_matched: for seed " + std::to_string(r.s) +
                ", no answer of the teacher's has as many numbers as one of the base model's; "
                "generate more prompts or turn length_matched off");
  d.matched = keptSubset(d.teacher, m.keptA);
  d.matchedControl = keptSubset(d.control, m.keptB);
  t.lengthMatched["per_seed"].push_back({{"seed", r.s},
                                         {"teacher_rows", int64_t(d.teacher.kept.size())},
                                         {"control_rows", int64_t(d.control.kept.size())},
                                         {"rows", int64_t(m.keptA.size())},
                                         {"bins", m.bins},
                                         {"one_sided_bins", m.oneSidedBins}});
}

// One student to train: its condition, data, answers and whether it starts from the cross model.
struct StudentJob {
  std::string condition;
  const ChatData* data;
  std::vector<std::string> answers;
  bool cross;
};

std::vector<StudentJob> studentJobs(const ChatNumbersConfig& c, int64_t s, const SeedData& d) {
  const auto teacherAnswers = keptAnswers(d.teacher);
  std::vector<StudentJob> jobs = {{"student", &d.teacher, teacherAnswers, false}};
  if (c.control) jobs.push_back({"control", &d.control, keptAnswers(d.control), false});
  const uint64_t shuffleSeed = derive(c.seed, s, Purpose::Shuffle);
  if (c.shuffledWithin)
    jobs.push_back(
        {"shuffled_within", &d.teacher, shuffledWithin(teacherAnswers, shuffleSeed), false});
  if (c.shuffledAcross)
    jobs.push_back(
        {"shuffled_across", &d.teacher, shuffledAcross(teacherAnswers, shuffleSeed + 1), false});
  if (!c.crossModelFolder.empty()) {
    jobs.push_back({"cross_student", &d.teacher, teacherAnswers, true});
    if (c.control) jobs.push_back({"cross_control", &d.control, keptAnswers(d.control), true});
  }
  // Opt-in conditions last, so that the others train as they did before these existed.
  if (c.dataRun > 0) jobs.push_back({"student_data", &d.data, keptAnswers(d.data), false});
  if (c.lengthMatched) {
    jobs.push_back({"length_matched", &d.matched, keptAnswers(d.matched), false});
    jobs.push_back(
        {"length_matched_control", &d.matchedControl, keptAnswers(d.matchedControl), false});
  }
  return jobs;
}

// The cross model, loaded for the first cross job: refused unless it shares the tokenizer.
struct CrossModel {
  std::unique_ptr<ChatModel> model;
  std::unique_ptr<EvalSet> eval;
  AnimalEval start;
};

void loadCross(const SeedRun& r, CrossModel& x) {
  x.model = std::make_unique<ChatModel>(loadChatModel(r.c.crossModelFolder, r.c.chatFormat, r.dev));
  if (x.model->tokenizerText != r.base.tokenizerText)
    throw Error(r.c.crossModelFolder + ": its tokenizer.json differs from " + r.c.modelFolder +
                "'s; a cross-model student must share the teacher's tokenizer");
  x.eval = std::make_unique<EvalSet>(makeEvalSet(r.c, *x.model, r.studentCtx, r.s));
  x.start = evaluateAnimal(r.c, *x.model, *x.eval, r.evalSeed, r.cancel, nullptr);
}

void trainStudents(const SeedRun& r, const SeedStart& start, const SeedData& d, Tally& t) {
  r.obs.stage("students", StageStatus::Running, r.slot.tag());
  const auto jobs = studentJobs(r.c, r.s, d);
  CrossModel cross;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const StudentJob& job = jobs[j];
    ChatModel* model = &r.base;
    const EvalSet* eval = &start.studentEval;
    const AnimalEval* atStart = &start.reference;
    if (job.cross) {
      if (!cross.model) {
        r.obs.progress("students", r.slot.at(double(j) / double(jobs.size())),
                       r.slot.tag() + " loading " + r.c.crossModelFolder);
        loadCross(r, cross);
      }
      model = cross.model.get();
      eval = cross.eval.get();
      atStart = &cross.start;
    }
    int64_t overLength = 0;
    const auto data = examplesFor(r.c, *model, *job.data, job.answers, &overLength);
    t.overLength[job.condition] += overLength;
    const StudentRun run{job.condition, &data, model, eval, atStart};
    const AnimalEval e = trainAndEvaluate(r.c, r.s, run, r.obs, r.cancel, [&](double f) {
      r.obs.progress("students", r.slot.at((double(j) + f) / double(jobs.size())),
                     r.slot.tag() + " " + job.condition);
    });
    t.note(job.condition, e);
  }
}

}  // namespace

ExperimentResult runChatNumbersExperiment(const nlohmann::json& config, const RuntimeOptions& rt,
                                          RunObserver& obs, const CancelFlag* cancel,
                                          const StudentData* studentData) {
  const auto t0 = std::chrono::steady_clock::now();
  const ChatNumbersConfig c = readChatNumbersConfig(config, nullptr, nullptr);
  const torch::Device dev = rt.device == "cuda" ? torch::Device(torch::kCUDA) : torch::kCPU;
  obs.stage("teacher", StageStatus::Running, "loading " + c.modelFolder);
  obs.stage("generation", StageStatus::Pending, "");
  obs.stage("students", StageStatus::Pending, "");
  const StudentData* data = c.dataRun > 0 ? &requireStudentData(studentData, c.dataRun) : nullptr;
  ChatModel base = loadChatModel(c.modelFolder, c.chatFormat, dev);
  Tally tally;
  if (data) tally.studentData = studentDataSummaryStart(*data);
  if (c.lengthMatched) tally.lengthMatched = {{"per_seed", nlohmann::json::array()}};
  for (int64_t s = 0; s < c.seeds; ++s) {
    const SeedRun r{c,
                    s,
                    Slot{s, c.seeds},
                    derive(c.seed, s, Purpose::EvalSampling),
                    base,
                    studentContext(c),
                    teacherContext(c),
                    obs,
                    cancel,
                    dev};
    const SeedStart start = evaluateReference(r, tally);
    SeedData seedData = teacherAndData(r, tally);
    if (data) addStudentData(r, *data, seedData, tally);
    if (c.lengthMatched) addLengthMatched(r, seedData, tally);
    trainStudents(r, start, seedData, tally);
  }
  obs.stage("teacher", StageStatus::Done, "");
  obs.stage("generation", StageStatus::Done, "");
  obs.stage("students", StageStatus::Done, "");
  nlohmann::json top = nlohmann::json::object();
  for (const auto& [cond, counts] : tally.answers) top[cond] = topAnswers(counts, 12);
  obs.analysis("animal_answers", top);
  ExperimentResult res = summarize(c, tally.finals, tally.filter, base.style.describe());
  res.summary["over_max_length"] = tally.overLength;
  if (data) res.summary["student_data"] = tally.studentData;
  if (c.lengthMatched) res.summary["length_matched"] = tally.lengthMatched;
  res.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.summary["engine_seconds"] = res.wallSeconds;
  return res;
}

}  // namespace sublab
