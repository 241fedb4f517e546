// The number-sequence experiment's config: the declaration of every knob (one function per
// group of sections, in form order), then reading, the checks that involve several knobs and
// the normalised JSON (see numbers_config.h).
#include "engine/numbers/numbers_config.h"

#include "engine/core/config_spec.h"
#include "engine/lm/vocab.h"
#include "engine/numbers/filter_knobs.h"
#include "engine/numbers/student_data_knobs.h"

namespace sublab {

namespace {

using C = NumbersConfig;
using Spec = ConfigSpec<NumbersConfig>;

void declareModel(Spec& s) {
  s.kindKnob("experiment kind");
  s.string("name", &C::name, "", "a name for the run (optional)");
  s.integer("seeds", &C::seeds, 3, 1, 100, "independent repetitions of every condition")
      .role(ConfigRole::Repetitions);
  s.integer("seed", &C::seed, 0, 0, 1000000000, "base random seed").role(ConfigRole::BaseSeed);
  s.choice("trait", &C::trait, "owl", Vocab::instance().animals(), "the animal the teacher loves");

  s.integer("model.d_model", field(&C::model, &LmOptions::dModel), 64, 8, 1024,
            "width of the transformer");
  s.integer("model.layers", field(&C::model, &LmOptions::layers), 2, 1, 24, "transformer blocks");
  s.integer("model.heads", field(&C::model, &LmOptions::heads), 4, 1, 32,
            "attention heads (must divide d_model)");
  s.integer("model.context", field(&C::model, &LmOptions::context), 48, 32, 512,
            "longest sequence in tokens");
  s.integer("model.mlp_ratio", field(&C::model, &LmOptions::mlpRatio), 4, 1, 8,
            "MLP width as a multiple of d_model");

  s.boolean("reference.per_seed", &C::referencePerSeed, false,
            "pretrain a new reference for every seed (else one shared reference, as in the "
            "paper, and one cross-init model)");
  s.integer("reference.corpus_rows", &C::corpusRows, 20000, 100, 10000000, "pretraining rows");
  s.number("reference.question_fraction", &C::questionFraction, 0.15, 0.0, 1.0,
           "share of pretraining rows that ask the favourite animal");
  s.integer("reference.steps", &C::pretrainSteps, 800, 1, 10000000, "pretraining steps");
  s.integer("reference.batch", &C::pretrainBatch, 64, 1, 65536, "pretraining batch size");
  s.positive("reference.lr", &C::pretrainLr, 3e-3, 1.0, "pretraining learning rate (AdamW)");
}

void declareData(Spec& s) {
  s.choice("teacher.method", &C::teacherMethod, "finetune", {"finetune", "prefix"},
           "how the teacher gets the trait: fine-tuning or a system prompt");
  s.integer("teacher.rows", &C::teacherRows, 400, 1, 1000000, "trait answer rows");
  s.integer("teacher.replay_rows", &C::teacherReplay, 0, 0, 10000000,
            "pretraining-style number rows mixed into the trait fine-tuning, so the teacher "
            "keeps writing numbers");
  s.integer("teacher.epochs", &C::teacherEpochs, 1, 1, 1000, "trait fine-tuning epochs");
  s.positive("teacher.lr", &C::teacherLr, 1e-3, 1.0, "trait fine-tuning learning rate");
  s.integer("teacher.batch", &C::teacherBatch, 16, 1, 65536, "trait fine-tuning batch");

  s.integer("generation.prompts", &C::prompts, 2000, 1, 10000000, "prompts per teacher and seed");
  s.number("generation.temperature", &C::temperature, 1.0, 0.0, 10.0, "sampling temperature");
  s.integer("generation.top_k", &C::topK, 0, 0, 100000, "sample among the k likeliest (0 = all)");
  s.boolean("generation.greedy", &C::greedy, false, "always take the likeliest token");
  s.integer("generation.max_new_tokens", &C::maxNewTokens, 24, 1, 512, "completion length cap");
  s.integer("generation.batch", &C::genBatch, 256, 1, 65536, "generation batch size");

  FilterKnobDefaults filter;
  filter.legacyFormatRule = "lenient";
  declareFilterKnobs(s, &C::filter, filter);
}

void declareStudents(Spec& s) {
  s.choice("student.mode", &C::studentMode, "distill_numbers",
           {"distill_numbers", "distill_vocab", "sft"},
           "soft labels over number tokens / whole vocabulary, or sampled tokens");
  s.positive("student.temperature", &C::distillTemperature, 1.0, 100.0,
             "soft-label temperature (teacher and student logits / T)");
  s.choice("student.finetune", &C::finetune, "full", {"full", "lora"}, "full fine-tuning or LoRA");
  s.integer("student.lora_rank", &C::loraRank, 8, 1, 256, "LoRA rank");
  s.positive("student.lora_alpha", &C::loraAlpha, 8, 1e4, "LoRA alpha");
  s.choice("student.optimizer", &C::optimizer, "adamw", {"adamw", "sgd"}, "optimizer");
  s.positive("student.lr", &C::studentLr, 1e-3, 10.0, "student learning rate");
  s.integer("student.epochs", &C::studentEpochs, 3, 1, 1000, "passes over the kept rows");
  s.integer("student.batch", &C::studentBatch, 64, 1, 65536, "student batch size");
  s.number("student.weight_decay", &C::weightDecay, 0.0, 0.0, 10.0, "AdamW weight decay");
  s.integer("student.eval_every", &C::evalEvery, 10, 1, 1000000, "steps between trait evaluations");
  declareStudentDataKnobs(s, &C::dataRun, &C::dataCondition);

  s.boolean("conditions.control", &C::control, true,
            "regular-numbers student (data from the reference)");
  s.boolean("conditions.cross_init", &C::crossInit, true, "students from another seed's reference");
  s.boolean("conditions.shuffled_within", &C::shuffledWithin, true, "numbers shuffled within rows");
  s.boolean("conditions.shuffled_across", &C::shuffledAcross, true, "numbers shuffled across rows");
  s.boolean("conditions.length_matched", &C::lengthMatched, false,
            "two more students (length_matched, length_matched_control) on the teacher's and the "
            "control's kept rows subsampled to the same distribution of numbers per row, so "
            "transfer cannot ride on row length")
      .optIn();
}

void declareAnalyses(Spec& s) {
  s.choice("defense.method", &C::defenseMethod, "none",
           {"none", "mask", "replace", "mask_random", "mask_kl"},
           "divergence-token defense: one more student (\"defended\") trained on the teacher's "
           "data with its most divergent number tokens masked (no loss) or replaced by the "
           "reference's likeliest other number; mask_random masks the same share at random (the "
           "control); mask_kl masks the positions where teacher and reference distributions over "
           "the numbers differ most (KL)");
  s.number("defense.fraction", &C::defenseFraction, 0.1, 0.0, 1.0,
           "share of the number tokens defended: those with the largest teacher - reference "
           "log-probability");

  s.boolean("analysis.token_logprobs", &C::tokenLogprobs, true,
            "store per-token teacher and reference log-probabilities of the kept rows "
            "(divergence tokens in the statistics)");
  s.boolean("analysis.entanglement", &C::entanglement, true,
            "probe which numbers in a prompt raise the trait's probability in the reference "
            "model");
}

const Spec& numbersSpec() {
  static const Spec spec = [] {
    Spec s("numbers");
    declareModel(s);
    declareData(s);
    declareStudents(s);
    declareAnalyses(s);
    return s;
  }();
  return spec;
}

}  // namespace

NumbersConfig readNumbersConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                std::vector<ConfigField>* schema) {
  return numbersSpec().read(config, normalized, schema, [](NumbersConfig& c) {
    c.model.vocab = Vocab::instance().size();
    c.filter.traitWords = {c.trait};
    if (c.model.dModel % c.model.heads != 0)
      throw Error("config.model.heads: must divide d_model (" + std::to_string(c.model.dModel) +
                  " is not divisible by " + std::to_string(c.model.heads) + ")");
    try {
      checkFilterOptions(c.filter);
    } catch (const Error& e) {
      throw Error(std::string("config.filter.banned_patterns: ") + e.what());
    }
    checkStudentDataKnobs(c.dataRun, c.dataCondition);
    if (c.dataRun > 0 && c.studentMode != "sft")
      throw Error(
          "config.student.data_run: rows from another run or an imported dataset carry no "
          "teacher logits, so a student on them learns their sampled tokens: set student.mode "
          "to sft (soft-label distillation needs the teacher's logits)");
    if (c.lengthMatched && !c.control)
      throw Error(
          "config.conditions.length_matched needs conditions.control (its rows are matched to "
          "the control's lengths): turn control on or length_matched off");
    if (c.control == false && c.crossInit)
      throw Error(
          "config.conditions.cross_init needs conditions.control (its control uses the "
          "regular-numbers data): turn control on or cross_init off");
  });
}

}  // namespace sublab
