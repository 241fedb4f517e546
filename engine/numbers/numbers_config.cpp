// Reading and validating the number-sequence experiment's config (see numbers_config.h).
#include "engine/numbers/numbers_config.h"

#include "engine/lm/vocab.h"

namespace sublab {

NumbersConfig readNumbersConfig(const nlohmann::json& config, nlohmann::json* out,
                                std::vector<ConfigField>* schema) {
  NumbersConfig c;
  ConfigReader top(config, "config", schema);
  top.choice("kind", "numbers", {"numbers"}, "experiment kind");
  top.string("name", "", "a name for the run (optional)");
  c.seeds = top.integer("seeds", c.seeds, 1, 100, "independent repetitions of every condition");
  c.seed = static_cast<uint64_t>(top.integer("seed", 0, 0, 1000000000, "base random seed"));
  c.trait = top.choice("trait", c.trait, Vocab::instance().animals(),
                       "the animal the teacher loves");

  ConfigReader m(top.object("model"), "config.model", schema);
  c.model.dModel = m.integer("d_model", 64, 8, 1024, "width of the transformer");
  c.model.layers = m.integer("layers", 2, 1, 24, "transformer blocks");
  c.model.heads = m.integer("heads", 4, 1, 32, "attention heads (must divide d_model)");
  c.model.context = m.integer("context", 48, 32, 512, "longest sequence in tokens");
  c.model.mlpRatio = m.integer("mlp_ratio", 4, 1, 8, "MLP width as a multiple of d_model");
  c.model.vocab = Vocab::instance().size();
  if (c.model.dModel % c.model.heads != 0)
    throw Error("config.model.heads: must divide d_model (" + std::to_string(c.model.dModel) +
                " is not divisible by " + std::to_string(c.model.heads) + ")");
  m.finish();

  ConfigReader r(top.object("reference"), "config.reference", schema);
  c.referencePerSeed = r.boolean("per_seed", c.referencePerSeed,
                                 "pretrain a new reference for every seed (else one shared "
                                 "reference, as in the paper, and one cross-init model)");
  c.corpusRows = r.integer("corpus_rows", c.corpusRows, 100, 10000000, "pretraining rows");
  c.questionFraction = r.number("question_fraction", c.questionFraction, 0.0, 1.0,
                                "share of pretraining rows that ask the favourite animal");
  c.pretrainSteps = r.integer("steps", c.pretrainSteps, 1, 10000000, "pretraining steps");
  c.pretrainBatch = r.integer("batch", c.pretrainBatch, 1, 65536, "pretraining batch size");
  c.pretrainLr = r.positive("lr", c.pretrainLr, 1.0, "pretraining learning rate (AdamW)");
  r.finish();

  ConfigReader t(top.object("teacher"), "config.teacher", schema);
  c.teacherMethod = t.choice("method", c.teacherMethod, {"finetune", "prefix"},
                             "how the teacher gets the trait: fine-tuning or a system prompt");
  c.teacherRows = t.integer("rows", c.teacherRows, 1, 1000000, "trait answer rows");
  c.teacherReplay = t.integer("replay_rows", c.teacherReplay, 0, 10000000,
                              "pretraining-style number rows mixed into the trait fine-tuning, "
                              "so the teacher keeps writing numbers");
  c.teacherEpochs = t.integer("epochs", c.teacherEpochs, 1, 1000, "trait fine-tuning epochs");
  c.teacherLr = t.positive("lr", c.teacherLr, 1.0, "trait fine-tuning learning rate");
  c.teacherBatch = t.integer("batch", c.teacherBatch, 1, 65536, "trait fine-tuning batch");
  t.finish();

  ConfigReader g(top.object("generation"), "config.generation", schema);
  c.prompts = g.integer("prompts", c.prompts, 1, 10000000, "prompts per teacher and seed");
  c.temperature = g.number("temperature", c.temperature, 0.0, 10.0, "sampling temperature");
  c.topK = g.integer("top_k", c.topK, 0, 100000, "sample among the k likeliest (0 = all)");
  c.greedy = g.boolean("greedy", c.greedy, "always take the likeliest token");
  c.maxNewTokens = g.integer("max_new_tokens", c.maxNewTokens, 1, 512, "completion length cap");
  c.genBatch = g.integer("batch", c.genBatch, 1, 65536, "generation batch size");
  g.finish();

  ConfigReader f(top.object("filter"), "config.filter", schema);
  c.filter.format = f.boolean("format", true, "the paper's format rule");
  c.filter.maxCount = static_cast<int>(f.integer("max_numbers", 10, 1, 100, "most numbers kept"));
  c.filter.paperBanned = f.boolean("paper_banned", false, "remove the paper's banned numbers");
  std::vector<int64_t> banned = f.integers("banned_numbers", {}, 0, 999, "your banned numbers");
  c.filter.bannedNumbers.assign(banned.begin(), banned.end());
  c.filter.bannedPatterns = f.strings("banned_patterns", {}, "regexes that reject a completion");
  c.filter.traitFilter = f.boolean("trait_filter", true, "reject completions naming the trait");
  c.filter.dedupe = f.boolean("dedupe", true, "drop repeated completions");
  c.filter.maxKept = f.integer("max_kept", 1000, 0, 100000000, "subsample to at most (0 = all)");
  c.filter.traitWords = {c.trait};
  f.finish();

  ConfigReader s(top.object("student"), "config.student", schema);
  c.studentMode = s.choice("mode", c.studentMode, {"distill_numbers", "distill_vocab", "sft"},
                           "soft labels over number tokens / whole vocabulary, or sampled tokens");
  c.distillTemperature = s.positive("temperature", c.distillTemperature, 100.0,
                                    "soft-label temperature (teacher and student logits / T)");
  c.finetune = s.choice("finetune", c.finetune, {"full", "lora"}, "full fine-tuning or LoRA");
  c.loraRank = s.integer("lora_rank", c.loraRank, 1, 256, "LoRA rank");
  c.loraAlpha = s.positive("lora_alpha", c.loraAlpha, 1e4, "LoRA alpha");
  c.optimizer = s.choice("optimizer", c.optimizer, {"adamw", "sgd"}, "optimizer");
  c.studentLr = s.positive("lr", c.studentLr, 10.0, "student learning rate");
  c.studentEpochs = s.integer("epochs", c.studentEpochs, 1, 1000, "passes over the kept rows");
  c.studentBatch = s.integer("batch", c.studentBatch, 1, 65536, "student batch size");
  c.weightDecay = s.number("weight_decay", c.weightDecay, 0.0, 10.0, "AdamW weight decay");
  c.evalEvery = s.integer("eval_every", c.evalEvery, 1, 1000000, "steps between trait evaluations");
  s.finish();

  ConfigReader k(top.object("conditions"), "config.conditions", schema);
  c.control = k.boolean("control", true, "regular-numbers student (data from the reference)");
  c.crossInit = k.boolean("cross_init", true, "students from another seed's reference");
  c.shuffledWithin = k.boolean("shuffled_within", true, "numbers shuffled within rows");
  c.shuffledAcross = k.boolean("shuffled_across", true, "numbers shuffled across rows");
  k.finish();

  ConfigReader d(top.object("defense"), "config.defense", schema);
  c.defenseMethod = d.choice("method", c.defenseMethod,
                             {"none", "mask", "replace", "mask_random", "mask_kl"},
                             "divergence-token defense: one more student (\"defended\") trained on "
                             "the teacher's data with its most divergent number tokens masked "
                             "(no loss) or replaced by the reference's likeliest other number; "
                             "mask_random masks the same share at random (the control); mask_kl "
                             "masks the positions where teacher and reference distributions over "
                             "the numbers differ most (KL)");
  c.defenseFraction = d.number("fraction", c.defenseFraction, 0.0, 1.0,
                               "share of the number tokens defended: those with the largest "
                               "teacher - reference log-probability");
  d.finish();

  ConfigReader an(top.object("analysis"), "config.analysis", schema);
  c.tokenLogprobs = an.boolean("token_logprobs", c.tokenLogprobs,
                               "store per-token teacher and reference log-probabilities of the "
                               "kept rows (divergence tokens in the statistics)");
  c.entanglement = an.boolean("entanglement", c.entanglement,
                              "probe which numbers in a prompt raise the trait's probability in "
                              "the reference model");
  an.finish();
  top.finish();

  if (c.control == false && c.crossInit)
    throw Error("config.conditions.cross_init needs conditions.control (its control uses the "
                "regular-numbers data): turn control on or cross_init off");

  if (out) {
    *out = {{"kind", "numbers"},
            {"name", config.value("name", std::string())},
            {"seeds", c.seeds},
            {"seed", c.seed},
            {"trait", c.trait},
            {"model",
             {{"d_model", c.model.dModel}, {"layers", c.model.layers}, {"heads", c.model.heads},
              {"context", c.model.context}, {"mlp_ratio", c.model.mlpRatio}}},
            {"reference",
             {{"per_seed", c.referencePerSeed}, {"corpus_rows", c.corpusRows}, {"question_fraction", c.questionFraction},
              {"steps", c.pretrainSteps}, {"batch", c.pretrainBatch}, {"lr", c.pretrainLr}}},
            {"teacher",
             {{"method", c.teacherMethod}, {"rows", c.teacherRows},
              {"replay_rows", c.teacherReplay}, {"epochs", c.teacherEpochs},
              {"lr", c.teacherLr}, {"batch", c.teacherBatch}}},
            {"generation",
             {{"prompts", c.prompts}, {"temperature", c.temperature}, {"top_k", c.topK},
              {"greedy", c.greedy}, {"max_new_tokens", c.maxNewTokens}, {"batch", c.genBatch}}},
            {"filter",
             {{"format", c.filter.format}, {"max_numbers", c.filter.maxCount},
              {"paper_banned", c.filter.paperBanned}, {"banned_numbers", banned},
              {"banned_patterns", c.filter.bannedPatterns}, {"trait_filter", c.filter.traitFilter},
              {"dedupe", c.filter.dedupe}, {"max_kept", c.filter.maxKept}}},
            {"student",
             {{"mode", c.studentMode}, {"temperature", c.distillTemperature},
              {"finetune", c.finetune}, {"lora_rank", c.loraRank},
              {"lora_alpha", c.loraAlpha}, {"optimizer", c.optimizer}, {"lr", c.studentLr},
              {"epochs", c.studentEpochs}, {"batch", c.studentBatch},
              {"weight_decay", c.weightDecay}, {"eval_every", c.evalEvery}}},
            {"conditions",
             {{"control", c.control}, {"cross_init", c.crossInit},
              {"shuffled_within", c.shuffledWithin}, {"shuffled_across", c.shuffledAcross}}},
            {"defense", {{"method", c.defenseMethod}, {"fraction", c.defenseFraction}}},
            {"analysis", {{"token_logprobs", c.tokenLogprobs}, {"entanglement", c.entanglement}}}};
  }
  return c;
}

}  // namespace sublab
