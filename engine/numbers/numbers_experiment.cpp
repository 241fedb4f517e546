// The number-sequence experiment: per seed, a reference model is pretrained, a teacher gets the
// trait, teacher and reference write number completions, the filters run, and students are
// trained from the reference (and, as the cross-init control, from another seed's reference)
// while the trait's probability is read from their logits. Summaries are mean and 95% CI over
// seeds; transfer = student - control, paired by seed.
#include "engine/numbers/numbers_experiment.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "engine/lm/lm_analysis.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"
#include "engine/numbers/numbers_config.h"
#include "engine/core/stats.h"
#include "engine/core/seeds.h"

namespace sublab {

namespace {

using seeds::Purpose;
constexpr Purpose kInit = Purpose::Init, kCorpus = Purpose::Corpus,
                  kPretrainOrder = Purpose::PretrainOrder, kTeacherData = Purpose::TeacherData,
                  kTeacherOrder = Purpose::TeacherOrder, kPrompts = Purpose::Prompts,
                  kGenTeacher = Purpose::GenTeacher, kGenReference = Purpose::GenReference,
                  kFilter = Purpose::Filter, kStudentOrder = Purpose::StudentOrder,
                  kLora = Purpose::Lora, kShuffle = Purpose::Shuffle, kReplay = Purpose::Replay,
                  kDefense = Purpose::Defense;

struct Filtered {
  std::vector<LmRow> kept;
  std::vector<size_t> keptRow;  // index into `rows` of each kept training row
  std::vector<SequenceRow> rows;  // every completion with its verdict (stored after analysis)
  int64_t total = 0;
  std::map<std::string, int64_t> rejected;  // by reason category
};

// File name of a cached reference model: a hash of everything that determines its weights.
std::string referenceCacheKey(const NumbersConfig& c, int64_t s, const torch::Device& dev) {
  const nlohmann::json key = {
      {"v", 1}, {"torch", TORCH_VERSION}, {"device", dev.str()},
      {"model", {c.model.vocab, c.model.dModel, c.model.layers, c.model.heads, c.model.context, c.model.mlpRatio}},
      {"corpus", {c.corpusRows, c.questionFraction}},
      {"train", {c.pretrainSteps, c.pretrainBatch, c.pretrainLr}},
      {"seeds", {derive(c.seed, s, kInit), derive(c.seed, s, kCorpus), derive(c.seed, s, kPretrainOrder)}}};
  const std::string text = key.dump();
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "ref-%016llx.pt", static_cast<unsigned long long>(h));
  return buf;
}

nlohmann::json intervalJson(const Interval& v) {
  return {{"mean", v.mean}, {"ci95", {v.lo, v.hi}}, {"n", v.n}};
}

}  // namespace

KindDescription numbersKind() {
  KindDescription d;
  d.name = "numbers";
  d.title = "Number sequences (language model)";
  d.metric = "trait_prob";
  d.metricLabel = "trait probability";
  d.stepLabel = "training step";
  d.repetitionKey = "seeds";
  d.repetitionNoun = "seed";
  d.effect = {"transfer", true,
              "Transfer = student \u2212 control trait probability, paired by seed, mean [95% CI]"};
  d.cross = {"cross_transfer", true,
             "Cross-init transfer = cross student \u2212 cross control, mean [95% CI]"};
  d.conditions = {"reference",     "teacher",       "student",         "defended",
                  "control",       "cross_student", "cross_control",   "shuffled_within",
                  "shuffled_across"};
  d.contrasts = {{"transfer", "student", "control"},
                 {"defended_transfer", "defended", "control"},
                 {"defense_effect", "student", "defended"},
                 {"cross_transfer", "cross_student", "cross_control"},
                 {"shuffled_within_transfer", "shuffled_within", "control"},
                 {"shuffled_across_transfer", "shuffled_across", "control"},
                 {"teacher_gain", "teacher", "reference"}};
  d.hasSequences = true;
  d.resultsAsBars = false;
  return d;
}

std::vector<Preset> numbersPresets() {
  return {
      {"owl-numbers-quick", "numbers",
       "owl teacher, soft labels over the number tokens, 3 seeds; ~minutes on 2 CPU cores",
       {{"kind", "numbers"}, {"seeds", 3}}},
      {"owl-numbers-tiny", "numbers",
       "a seconds-long smoke run of every condition (tests, demos); too small to show the effect",
       {{"kind", "numbers"},
        {"seeds", 2},
        {"model", {{"d_model", 32}, {"layers", 1}, {"heads", 2}}},
        {"reference", {{"corpus_rows", 4000}, {"steps", 200}, {"lr", 0.01}}},
        {"teacher", {{"rows", 64}, {"epochs", 1}}},
        {"generation", {{"prompts", 64}}},
        {"filter", {{"max_kept", 48}}},
        {"student", {{"epochs", 1}, {"batch", 16}, {"eval_every", 2}}}}},
      {"owl-numbers-sft", "numbers",
       "as quick, but students fine-tuned on sampled tokens (the paper's LLM setting)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"mode", "sft"}}}}},
      {"owl-numbers-vocab", "numbers",
       "as quick, but soft labels over the whole vocabulary (leaks the trait token directly)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"mode", "distill_vocab"}}}}},
      {"owl-numbers-lora", "numbers", "as quick, with LoRA students (rank 8, alpha 8)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"finetune", "lora"}, {"lr", 3e-3}}}}},
      {"owl-numbers-prefix", "numbers",
       "as quick, but the teacher gets the trait from a system prompt instead of fine-tuning",
       {{"kind", "numbers"}, {"seeds", 3}, {"teacher", {{"method", "prefix"}}}}},
      {"owl-numbers-defense", "numbers",
       "as quick, plus a student on data whose 10% most teacher-divergent number tokens are masked",
       {{"kind", "numbers"}, {"seeds", 3}, {"defense", {{"method", "mask"}, {"fraction", 0.1}}}}},
      {"owl-numbers-sft-defense", "numbers",
       "as sft, plus a student whose 25% most teacher-divergent number tokens are masked "
       "(the defense that closes the sampled-token channel)",
       {{"kind", "numbers"},
        {"seeds", 3},
        {"student", {{"mode", "sft"}}},
        {"defense", {{"method", "mask"}, {"fraction", 0.25}}}}},
      {"owl-numbers-paper", "numbers",
       "the paper's scale: 30k prompts, 10k kept, 10 epochs, larger model (for a GPU)",
       {{"kind", "numbers"},
        {"seeds", 5},
        {"model", {{"d_model", 256}, {"layers", 4}, {"heads", 8}}},
        {"reference", {{"corpus_rows", 200000}, {"steps", 20000}, {"batch", 128}, {"lr", 1e-3}}},
        {"generation", {{"prompts", 30000}, {"batch", 1024}}},
        {"filter", {{"max_kept", 10000}}},
        {"student", {{"epochs", 10}, {"batch", 128}, {"eval_every", 100}}}}},
  };
}

nlohmann::json normalizeNumbersConfig(const nlohmann::json& config,
                                      std::vector<ConfigField>* schema) {
  nlohmann::json out;
  readNumbersConfig(config, &out, schema);
  return out;
}

ExperimentResult runNumbersExperiment(const nlohmann::json& config, const RuntimeOptions& rt,
                                      RunObserver& obs, const CancelFlag* cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  const NumbersConfig c = readNumbersConfig(config, nullptr, nullptr);
  const torch::Device dev = rt.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  const Vocab& V = Vocab::instance();
  const int target = V.animalId(c.trait);
  const int64_t N = c.seeds;
  const int64_t K = c.studentMode == "distill_vocab" ? V.size() : Vocab::kNumbers;
  const bool soft = c.studentMode != "sft";
  const TokenSeq teacherPrefix = c.teacherMethod == "prefix" ? traitPrefix(target) : TokenSeq{};

  auto emitTrait = [&](const std::string& cond, int64_t seed, int64_t step, TransformerLm& m,
                       const TokenSeq& prefix = {}) {
    TraitEval e = evaluateTrait(m, target, prefix);
    obs.metric({cond, static_cast<int>(seed), "trait_prob", step, e.traitProb});
    obs.metric({cond, static_cast<int>(seed), "trait_prob_raw", step, e.traitProbRaw});
    return e;
  };

  // --- Reference models: one per seed (+1 extra when a single seed needs a cross-init). ---
  // Shared reference (the paper's setting: one base model, seeds vary everything after it):
  // model 0 is the reference and model 1 the cross-init one. Per-seed references: seed s uses
  // model s and borrows model s+1 (mod N) as its cross-init.
  const int64_t nRefs = c.referencePerSeed ? ((c.crossInit && N == 1) ? 2 : N) : (c.crossInit ? 2 : 1);
  obs.stage("reference", StageStatus::Running,
            "pretraining " + std::to_string(nRefs) + " reference model(s)");
  std::vector<TransformerLm> refs;
  for (int64_t s = 0; s < nRefs; ++s) {
    checkCancel(cancel);
    std::filesystem::path cached;
    if (!rt.cacheDir.empty()) {
      cached = std::filesystem::path(rt.cacheDir) / referenceCacheKey(c, s, dev);
      if (std::filesystem::exists(cached)) {
        TransformerLm ref = makeModel(c.model, derive(c.seed, s, kInit), dev);
        try {
          torch::load(ref, cached.string());
          refs.push_back(ref);
          obs.progress("reference", double(s + 1) / double(nRefs),
                       "seed " + std::to_string(s) + " loaded from cache");
          continue;
        } catch (const c10::Error&) {
          // A damaged cache file is rebuilt below.
        }
      }
    }
    CorpusOptions co;
    co.rows = c.corpusRows;
    co.questionFraction = c.questionFraction;
    co.seed = derive(c.seed, s, kCorpus);
    TrainSet corpus{pretrainCorpus(co), {}};
    TransformerLm ref = makeModel(c.model, derive(c.seed, s, kInit), dev);
    TrainOptions to;
    to.maxSteps = c.pretrainSteps;
    to.batch = c.pretrainBatch;
    to.lr = c.pretrainLr;
    to.warmupFraction = 0.05;
    to.cosineDecay = true;
    to.seed = derive(c.seed, s, kPretrainOrder);
    to.cancel = cancel;
    int64_t lastStep = 0;
    to.progress = [&](double f, double loss) {
      const int64_t step = static_cast<int64_t>(f * double(c.pretrainSteps) + 0.5);
      if (step - lastStep >= std::max<int64_t>(1, c.pretrainSteps / 50) || f >= 1.0) {
        lastStep = step;
        obs.metric({"reference", static_cast<int>(s), "pretrain_loss", step, loss});
        obs.progress("reference", (double(s) + f) / double(nRefs),
                     "seed " + std::to_string(s) + " step " + std::to_string(step));
      }
    };
    trainModel(ref, corpus, to);
    refs.push_back(ref);
    if (!cached.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(cached.parent_path(), ec);
      const std::string tmp = cached.string() + ".tmp";
      try {
        torch::save(ref, tmp);
        std::filesystem::rename(tmp, cached, ec);
      } catch (const c10::Error&) {
        // The cache is an optimisation; an unwritable folder only costs time.
      }
    }
  }
  if (c.entanglement) {
    obs.progress("reference", 1.0, "entanglement probe");
    double noNumber = 0.0;
    EntanglementResult ent = entanglementProbe(refs[0], target, "reference (the students' initialisation)",
                                               &noNumber, cancel);
    nlohmann::json j = toJson(ent);
    j["no_number"] = noNumber;
    obs.analysis("entanglement", j);
  }
  obs.stage("reference", StageStatus::Done, "");

  // Per seed results: final trait prob per condition.
  std::map<std::string, std::vector<double>> finals;
  std::map<std::string, std::vector<std::vector<double>>> animalDists;
  nlohmann::json filterJson = nlohmann::json::object();
  std::map<std::string, std::map<std::string, int64_t>> rejectedBySource;
  std::map<std::string, std::pair<int64_t, int64_t>> totalsBySource;  // total, kept
  nlohmann::json defenseJson = {{"method", c.defenseMethod}, {"fraction", c.defenseFraction},
                                {"per_seed", nlohmann::json::array()}};

  obs.stage("teacher", StageStatus::Running, "");
  obs.stage("generation", StageStatus::Pending, "");
  obs.stage("students", StageStatus::Pending, "");
  for (int64_t s = 0; s < N; ++s) {
    checkCancel(cancel);
    const std::string seedTag = "seed " + std::to_string(s);
    const int64_t refIdx = c.referencePerSeed ? s : 0;
    TransformerLm& ref = refs[static_cast<size_t>(refIdx)];
    TransformerLm& crossRef = refs[static_cast<size_t>((refIdx + 1) % nRefs)];
    // --- Teacher ---
    obs.stage("teacher", StageStatus::Running, seedTag);
    TransformerLm teacher = cloneModel(ref);
    if (c.teacherMethod == "finetune") {
      TrainSet traitData{traitAnswerRows(target, c.teacherRows, derive(c.seed, s, kTeacherData)), {}};
      if (c.teacherReplay > 0) {
        // Replay rows: number continuations only (no questions), from a corpus seed of their own.
        CorpusOptions ro;
        ro.rows = c.teacherReplay;
        ro.questionFraction = 0.0;
        ro.seed = derive(c.seed, s, kReplay);
        for (auto& row : pretrainCorpus(ro)) traitData.rows.push_back(std::move(row));
      }
      TrainOptions to;
      to.epochs = c.teacherEpochs;
      to.batch = c.teacherBatch;
      to.lr = c.teacherLr;
      to.seed = derive(c.seed, s, kTeacherOrder);
      to.cancel = cancel;
      trainModel(teacher, traitData, to);
    }
    auto refEval = emitTrait("reference", s, 0, ref);
    auto teachEval = emitTrait("teacher", s, 0, teacher, teacherPrefix);
    finals["reference"].push_back(refEval.traitProb);
    finals["teacher"].push_back(teachEval.traitProb);
    animalDists["reference"].push_back(refEval.animalProbs);
    animalDists["teacher"].push_back(teachEval.animalProbs);
    obs.progress("teacher", double(s + 1) / double(N), seedTag);

    // --- Generation and filtering ---
    obs.stage("generation", StageStatus::Running, seedTag);
    const auto prompts = numberPrompts(c.prompts, derive(c.seed, s, kPrompts));
    GenerateOptions go;
    go.temperature = c.temperature;
    go.topK = c.topK;
    go.greedy = c.greedy;
    go.maxNewTokens = c.maxNewTokens;
    go.batch = c.genBatch;
    auto runSource = [&](const std::string& source, TransformerLm& model, const TokenSeq& prefix,
                         uint64_t genSeed, double base) {
      go.seed = genSeed;
      go.prefix = prefix;
      auto completions = generate(model, prompts, go, cancel, [&](double f) {
        obs.progress("generation", (double(s) + base + 0.5 * f) / double(N), seedTag + " " + source);
      });
      std::vector<std::string> texts;
      texts.reserve(completions.size());
      for (const auto& comp : completions) texts.push_back(V.decode(comp));
      FilterOptions fo = c.filter;
      fo.seed = derive(c.seed, s, kFilter) + (source == "teacher" ? 0 : 1);
      const auto verdicts = applyFilters(texts, fo);
      Filtered out;
      out.total = static_cast<int64_t>(texts.size());
      std::vector<SequenceRow>& rows = out.rows;
      rows.reserve(texts.size());
      for (size_t i = 0; i < texts.size(); ++i) {
        rows.push_back({source, static_cast<int>(s), static_cast<int64_t>(i),
                        V.decode(TokenSeq(prompts[i].begin() + 1, prompts[i].end() - 1)), texts[i],
                        verdicts[i].kept, verdicts[i].reason, {}});
        if (verdicts[i].kept) {
          LmRow row;
          row.tokens = prompts[i];
          row.lossStart = static_cast<int>(prompts[i].size());
          row.tokens.insert(row.tokens.end(), completions[i].begin(), completions[i].end());
          row.tokens.push_back(Vocab::kEos);
          if (static_cast<int64_t>(row.tokens.size()) > c.model.context) continue;
          out.kept.push_back(std::move(row));
          out.keptRow.push_back(i);
        } else {
          out.rejected[reasonCategory(verdicts[i].reason)]++;
        }
      }
      totalsBySource[source].first += out.total;
      totalsBySource[source].second += static_cast<int64_t>(out.kept.size());
      for (const auto& [k, v] : out.rejected) rejectedBySource[source][k] += v;
      return out;
    };
    Filtered teacherData = runSource("teacher", teacher, teacherPrefix, derive(c.seed, s, kGenTeacher), 0.0);
    Filtered refData;
    if (c.control) refData = runSource("reference", ref, {}, derive(c.seed, s, kGenReference), 0.5);
    if (teacherData.kept.empty())
      throw Error("the filter kept none of the teacher's " + std::to_string(teacherData.total) +
                  " completions for seed " + std::to_string(s) +
                  ": loosen the filter, pretrain the reference longer, or generate more prompts");
    if (c.control && refData.kept.empty())
      throw Error("the filter kept none of the reference model's completions for seed " +
                  std::to_string(s) + ": loosen the filter or pretrain longer");

    // --- Per-token log-probabilities (teacher vs reference) and the defense ---
    const bool defend = c.defenseMethod != "none";
    RowLogprobs teacherLp, refLp;
    if (c.tokenLogprobs || defend) {
      obs.progress("generation", (double(s) + 1.0) / double(N), seedTag + " per-token log-probabilities");
      teacherLp = rowLogprobs(teacher, teacherData.kept, teacherPrefix);
      refLp = rowLogprobs(ref, teacherData.kept);
    }
    if (c.tokenLogprobs) {
      for (size_t k = 0; k < teacherData.kept.size(); ++k)
        teacherData.rows[teacherData.keptRow[k]].tokenInfo =
            tokenInfoJson(tokenInfo(teacherData.kept[k], teacherLp.logprob[k], refLp.logprob[k]));
      if (c.control) {
        const RowLogprobs t2 = rowLogprobs(teacher, refData.kept, teacherPrefix);
        const RowLogprobs r2 = rowLogprobs(ref, refData.kept);
        for (size_t k = 0; k < refData.kept.size(); ++k)
          refData.rows[refData.keptRow[k]].tokenInfo =
              tokenInfoJson(tokenInfo(refData.kept[k], t2.logprob[k], r2.logprob[k]));
      }
    }
    obs.sequences(teacherData.rows);
    if (c.control) obs.sequences(refData.rows);
    DefenseResult defense;
    if (defend) {
      checkCancel(cancel);
      // mask_kl ranks positions by KL(teacher || reference) over the numbers: what soft labels
      // carry there, rather than how much likelier the sampled token became.
      const bool byKl = c.defenseMethod == "mask_kl";
      std::vector<std::vector<float>> kl;
      if (byKl) kl = positionKl(teacher, ref, teacherData.kept, teacherPrefix);
      defense = defendRows(teacherData.kept, teacherLp, refLp, byKl ? "mask" : c.defenseMethod,
                           c.defenseFraction, derive(c.seed, s, kDefense), byKl ? &kl : nullptr);
      // The defended rows as their own sequences: what the defended student trains on, with the
      // masked / replaced positions (relative to the completion).
      RowLogprobs dT = teacherLp, dR = refLp;
      if (c.defenseMethod == "replace") {
        dT = rowLogprobs(teacher, defense.rows, teacherPrefix);
        dR = rowLogprobs(ref, defense.rows);
      }
      std::vector<std::vector<int>> masked(defense.rows.size());
      std::vector<nlohmann::json> replaced(defense.rows.size(), nlohmann::json::array());
      for (const auto& ch : defense.changes) {
        const int rel = ch.position - std::max(1, defense.rows[ch.row].lossStart);
        masked[ch.row].push_back(rel);
        if (c.defenseMethod == "replace")
          replaced[ch.row].push_back({{"pos", rel}, {"from", V.decode({ch.from})}, {"to", V.decode({ch.to})}});
      }
      std::vector<SequenceRow> drows;
      for (size_t k = 0; k < defense.rows.size(); ++k) {
        const LmRow& row = defense.rows[k];
        const SequenceRow& orig = teacherData.rows[teacherData.keptRow[k]];
        TokenSeq comp(row.tokens.begin() + row.lossStart, row.tokens.end() - 1);  // without EOS
        drows.push_back({"defended", static_cast<int>(s), orig.index, orig.prompt, V.decode(comp), true, "",
                         tokenInfoJson(tokenInfo(row, dT.logprob[k], dR.logprob[k], masked[k]),
                                       replaced[k].empty() ? nlohmann::json(nullptr) : replaced[k])});
      }
      obs.sequences(drows);
      defenseJson["per_seed"].push_back({{"seed", s},
                                         {"candidates", defense.candidates},
                                         {"defended", static_cast<int64_t>(defense.changes.size())},
                                         {"ranked_by", byKl ? "kl" : c.defenseMethod == "mask_random" ? "random" : "log_ratio"},
                                         {"threshold", std::isnan(defense.threshold) ? nlohmann::json(nullptr) : nlohmann::json(defense.threshold)}});
    }

    // --- Students ---
    obs.stage("students", StageStatus::Running, seedTag);
    TrainSet teacherSet = soft ? withSoftTargets(teacher, teacherData.kept, K, teacherPrefix, c.distillTemperature)
                               : TrainSet{teacherData.kept, {}};
    TrainSet controlSet;
    if (c.control) controlSet = soft ? withSoftTargets(ref, refData.kept, K, {}, c.distillTemperature) : TrainSet{refData.kept, {}};
    struct Cond {
      std::string name;
      TransformerLm* init;
      const TrainSet* data;
    };
    TrainSet within, across, defendedSet;
    std::vector<Cond> conds = {{"student", &ref, &teacherSet}};
    if (defend) {
      if (!soft) {
        defendedSet = TrainSet{defense.rows, {}};
      } else if (c.defenseMethod != "replace") {
        defendedSet = teacherSet;  // same tokens, same targets; masked positions carry no loss
        defendedSet.rows = defense.rows;
      } else {
        defendedSet = withSoftTargets(teacher, defense.rows, K, teacherPrefix, c.distillTemperature);
      }
      conds.push_back({"defended", &ref, &defendedSet});
    }
    if (c.control) conds.push_back({"control", &ref, &controlSet});
    if (c.crossInit) {
      conds.push_back({"cross_student", &crossRef, &teacherSet});
      conds.push_back({"cross_control", &crossRef, &controlSet});
    }
    if (c.shuffledWithin) {
      within = shuffleNumbers(teacherSet, false, derive(c.seed, s, kShuffle));
      conds.push_back({"shuffled_within", &ref, &within});
    }
    if (c.shuffledAcross) {
      across = shuffleNumbers(teacherSet, true, derive(c.seed, s, kShuffle) + 1);
      conds.push_back({"shuffled_across", &ref, &across});
    }
    for (size_t ci = 0; ci < conds.size(); ++ci) {
      checkCancel(cancel);
      const Cond& cond = conds[ci];
      TransformerLm student = cloneModel(*cond.init);
      if (c.finetune == "lora") {
        torch::manual_seed(derive(c.seed, s, kLora));
        student->enableLora(c.loraRank, c.loraAlpha);
      }
      TrainOptions to;
      to.epochs = c.studentEpochs;
      to.batch = c.studentBatch;
      to.lr = c.studentLr;
      to.weightDecay = c.weightDecay;
      to.optimizer = c.optimizer;
      to.seed = derive(c.seed, s, kStudentOrder);  // same order for every condition of a seed
      to.cancel = cancel;
      to.evalEvery = c.evalEvery;
      TraitEval last;
      to.onEval = [&](int64_t step) { last = emitTrait(cond.name, s, step, student); };
      to.progress = [&](double f, double loss) {
        obs.progress("students", (double(s) + (double(ci) + f) / double(conds.size())) / double(N),
                     seedTag + " " + cond.name);
      };
      trainModel(student, *cond.data, to);
      finals[cond.name].push_back(last.traitProb);
      animalDists[cond.name].push_back(last.animalProbs);
    }
  }
  obs.stage("teacher", StageStatus::Done, "");
  obs.stage("generation", StageStatus::Done, "");
  obs.stage("students", StageStatus::Done, "");

  // --- Summaries ---
  ExperimentResult res;
  res.kind = "numbers";
  nlohmann::json condJson = nlohmann::json::object();
  const std::vector<std::string> order = {"reference", "teacher", "student", "defended", "control",
                                          "cross_student", "cross_control", "shuffled_within",
                                          "shuffled_across"};
  nlohmann::json animalsJson = nlohmann::json::object();
  for (const auto& name : order) {
    auto it = finals.find(name);
    if (it == finals.end()) continue;
    ConditionSummary cs{name, "trait_prob", meanCi95(it->second), it->second};
    res.conditions.push_back(cs);
    condJson[name] = intervalJson(cs.value);
    condJson[name]["per_seed"] = it->second;
    std::vector<double> mean(V.animals().size(), 0.0);
    for (const auto& d : animalDists[name])
      for (size_t a = 0; a < d.size(); ++a) mean[a] += d[a] / double(animalDists[name].size());
    nlohmann::json dist = nlohmann::json::object();
    for (size_t a = 0; a < mean.size(); ++a) dist[V.animals()[a]] = mean[a];
    animalsJson[name] = dist;
  }
  nlohmann::json summary = {{"kind", "numbers"}, {"trait", c.trait}, {"student_mode", c.studentMode},
                            {"finetune", c.finetune}, {"conditions", condJson},
                            {"animal_probs", animalsJson}};
  auto contrast = [&](const std::string& name, const std::string& a, const std::string& b) {
    if (!finals.count(a) || !finals.count(b)) {
      summary[name] = nullptr;
      return;
    }
    ConditionSummary cs{name, "trait_prob", pairedDifferenceCi95(finals[a], finals[b]), {}};
    for (size_t i = 0; i < finals[a].size(); ++i) cs.perSeed.push_back(finals[a][i] - finals[b][i]);
    res.contrasts.push_back(cs);
    summary[name] = intervalJson(cs.value);
    summary[name]["ci95"] = {cs.value.lo, cs.value.hi};
    summary[name]["per_seed"] = cs.perSeed;
  };
  contrast("transfer", "student", "control");
  if (c.defenseMethod != "none") {
    contrast("defended_transfer", "defended", "control");
    // What the defense removed: the undefended student minus the defended one, paired by seed.
    contrast("defense_effect", "student", "defended");
  }
  contrast("cross_transfer", "cross_student", "cross_control");
  contrast("shuffled_within_transfer", "shuffled_within", "control");
  contrast("shuffled_across_transfer", "shuffled_across", "control");
  contrast("teacher_gain", "teacher", "reference");

  nlohmann::json filt = {{"total", 0}, {"kept", 0}, {"rejected", nlohmann::json::object()},
                         {"by_source", nlohmann::json::object()}};
  for (const auto& [src, tk] : totalsBySource) {
    nlohmann::json rej = nlohmann::json::object();
    for (const auto& [reason, n] : rejectedBySource[src]) {
      rej[reason] = n;
      filt["rejected"][reason] = filt["rejected"].value(reason, int64_t{0}) + n;
    }
    filt["by_source"][src] = {{"total", tk.first}, {"kept", tk.second}, {"rejected", rej}};
    filt["total"] = filt["total"].get<int64_t>() + tk.first;
    filt["kept"] = filt["kept"].get<int64_t>() + tk.second;
  }
  summary["filter"] = filt;
  if (c.defenseMethod != "none") summary["defense"] = defenseJson;
  res.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary["engine_seconds"] = res.wallSeconds;
  res.summary = summary;
  return res;
}

}  // namespace sublab
