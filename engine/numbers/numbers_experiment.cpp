// The number-sequence experiment: per seed, a reference model is pretrained, a teacher gets the
// trait, teacher and reference write number completions, the filters run, and students are
// trained from the reference (and, as the cross-init control, from another seed's reference)
// while the trait's probability is read from their logits. Summaries are mean and 95% CI over
// seeds; transfer = student - control, paired by seed. The stages live in numbers_stages.h;
// this file holds the kind's description, its presets and the orchestration that runs them.
#include "engine/numbers/numbers_experiment.h"

#include <chrono>

#include "engine/core/seeds.h"
#include "engine/numbers/numbers_config.h"
#include "engine/numbers/numbers_stages.h"

namespace sublab {

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
  d.raw = {"student", false, "Trait probability of the student, mean [95% CI]"};
  d.conditions = {"reference",       "teacher",       "student",        "defended",
                  "control",         "cross_student", "cross_control",  "shuffled_within",
                  "shuffled_across", "student_data",  "length_matched", "length_matched_control"};
  d.contrasts = {{"transfer", "student", "control"},
                 {"defended_transfer", "defended", "control"},
                 {"defense_effect", "student", "defended"},
                 {"cross_transfer", "cross_student", "cross_control"},
                 {"shuffled_within_transfer", "shuffled_within", "control"},
                 {"shuffled_across_transfer", "shuffled_across", "control"},
                 {"teacher_gain", "teacher", "reference"},
                 {"data_transfer", "student_data", "control"},
                 {"length_matched_transfer", "length_matched", "length_matched_control"}};
  d.onceConditions = {"reference", "teacher"};
  // Shares from the default settings' work (training rows x steps; generation as forward
  // passes): pretraining dominates a cold run, and is skipped once the references are cached.
  d.stages = {{"reference", "pretraining reference models (cached after the first run)", 0.55},
              {"teacher", "fine-tuning the teachers", 0.02},
              {"generation", "generating and filtering number sequences", 0.08},
              {"students", "training the students", 0.35}};
  d.hasSequences = true;
  d.recordsTokenLogprobs = true;
  d.recordsEntanglement = true;
  d.resultsAsBars = false;
  return d;
}

std::vector<Preset> numbersPresets() {
  return {
      {"owl-numbers-quick",
       "numbers",
       "owl teacher, soft labels over the number tokens, 3 seeds; ~minutes on 2 CPU cores",
       {{"kind", "numbers"}, {"seeds", 3}}},
      {"owl-numbers-tiny",
       "numbers",
       "a seconds-long smoke run of every condition (tests, demos); too small to show the effect",
       {{"kind", "numbers"},
        {"seeds", 2},
        {"model", {{"d_model", 32}, {"layers", 1}, {"heads", 2}}},
        {"reference", {{"corpus_rows", 4000}, {"steps", 200}, {"lr", 0.01}}},
        {"teacher", {{"rows", 64}, {"epochs", 1}}},
        {"generation", {{"prompts", 64}}},
        {"filter", {{"max_kept", 48}}},
        {"student", {{"epochs", 1}, {"batch", 16}, {"eval_every", 2}}}}},
      {"owl-numbers-sft",
       "numbers",
       "as quick, but students fine-tuned on sampled tokens (the paper's LLM setting)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"mode", "sft"}}}}},
      {"owl-numbers-vocab",
       "numbers",
       "as quick, but soft labels over the whole vocabulary (leaks the trait token directly)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"mode", "distill_vocab"}}}}},
      {"owl-numbers-lora",
       "numbers",
       "as quick, with LoRA students (rank 8, alpha 8)",
       {{"kind", "numbers"}, {"seeds", 3}, {"student", {{"finetune", "lora"}, {"lr", 3e-3}}}}},
      {"owl-numbers-prefix",
       "numbers",
       "as quick, but the teacher gets the trait from a system prompt instead of fine-tuning",
       {{"kind", "numbers"}, {"seeds", 3}, {"teacher", {{"method", "prefix"}}}}},
      {"owl-numbers-defense",
       "numbers",
       "as quick, plus a student on data whose 10% most teacher-divergent number tokens are masked",
       {{"kind", "numbers"}, {"seeds", 3}, {"defense", {{"method", "mask"}, {"fraction", 0.1}}}}},
      {"owl-numbers-sft-defense",
       "numbers",
       "as sft, plus a student whose 25% most teacher-divergent number tokens are masked "
       "(the defense that closes the sampled-token channel)",
       {{"kind", "numbers"},
        {"seeds", 3},
        {"student", {{"mode", "sft"}}},
        {"defense", {{"method", "mask"}, {"fraction", 0.25}}}}},
      {"owl-numbers-paper",
       "numbers",
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
                                      RunObserver& obs, const CancelFlag* cancel,
                                      const StudentData* studentData) {
  const auto t0 = std::chrono::steady_clock::now();
  const NumbersConfig c = readNumbersConfig(config, nullptr, nullptr);
  const torch::Device dev =
      rt.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  const int target = traitTarget(c);
  const bool defend = c.defenseMethod != "none";
  const StudentData* data = c.dataRun > 0 ? &requireStudentData(studentData, c.dataRun) : nullptr;

  obs.stage("reference", StageStatus::Running,
            "pretraining " + std::to_string(referenceCount(c)) + " reference model(s)");
  ReferenceModels refs = pretrainReferences(c, dev, rt.cacheDir, obs, cancel);
  if (c.entanglement) probeEntanglement(refs.models[0], target, obs, cancel);
  obs.stage("reference", StageStatus::Done, "");

  ConditionFinals finals;  // per condition, one entry per seed
  FilterTally tally;
  nlohmann::json defenseJson = defenseSummaryStart(c);
  OptInSummary optIn = optInSummaryStart(c, data);
  obs.stage("teacher", StageStatus::Running, "");
  obs.stage("generation", StageStatus::Pending, "");
  obs.stage("students", StageStatus::Pending, "");
  for (int64_t s = 0; s < c.seeds; ++s) {
    checkCancel(cancel);
    const SeedSlot slot{s, c.seeds};
    TransformerLm& ref = refs.reference(s);

    obs.stage("teacher", StageStatus::Running, slot.tag());
    Teacher teacher = makeTeacher(c, ref, s, cancel, &obs);
    finals.add("reference", reportTrait(obs, "reference", s, 0, ref, target));
    finals.add("teacher", reportTrait(obs, "teacher", s, 0, teacher.model, target, teacher.prefix));
    obs.progress("teacher", double(s + 1) / double(c.seeds), slot.tag());

    obs.stage("generation", StageStatus::Running, slot.tag());
    const auto prompts =
        numberPrompts(c.prompts, seeds::derive(c.seed, s, seeds::Purpose::Prompts));
    FilteredData teacherData =
        generateAndFilter(c, slot, "teacher", teacher.model, teacher.prefix, prompts, obs, cancel);
    tally.add("teacher", teacherData);
    FilteredData refData;
    if (c.control) {
      refData = generateAndFilter(c, slot, "reference", ref, {}, prompts, obs, cancel);
      tally.add("reference", refData);
    }
    requireKept(c, s, teacherData, refData);
    const KeptLogprobs lp = attachTokenLogprobs(c, slot, teacher, ref, teacherData, refData, obs);
    obs.sequences(teacherData.rows);
    if (c.control) obs.sequences(refData.rows);
    DefendedData defended;
    if (defend) {
      checkCancel(cancel);
      defended = defendTeacherData(c, s, teacher, ref, teacherData, lp);
      obs.sequences(defended.rows);
      defenseJson["per_seed"].push_back(defended.perSeed);
    }

    obs.stage("students", StageStatus::Running, slot.tag());
    StudentSets sets = buildStudentSets(c, s, teacher, ref, teacherData, refData, defended);
    addOptInSets(c, s, data, sets, optIn, obs);
    const auto conditions = studentConditions(c, ref, refs.crossInit(s), sets);
    for (const StudentFinal& f : trainStudents(c, slot, conditions, obs, cancel))
      finals.add(f.condition, f.eval);
  }
  obs.stage("teacher", StageStatus::Done, "");
  obs.stage("generation", StageStatus::Done, "");
  obs.stage("students", StageStatus::Done, "");

  ExperimentResult res = summarize(c, finals, tally, defenseJson);
  optIn.addTo(res.summary);
  res.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.summary["engine_seconds"] = res.wallSeconds;
  return res;
}

}  // namespace sublab
