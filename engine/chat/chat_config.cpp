// The chat-numbers experiment's knob declarations (one function per group of sections, in form
// order), the checks that involve several knobs, and its two presets.
#include "engine/chat/chat_config.h"

#include <cctype>

#include "engine/chat/chat_eval.h"
#include "engine/core/config_spec.h"
#include "engine/numbers/filter_knobs.h"
#include "engine/numbers/student_data_knobs.h"

namespace sublab {

namespace {

using C = ChatNumbersConfig;
using Spec = ConfigSpec<ChatNumbersConfig>;

// The paper's teacher prompt with a placeholder, so the form shows what the teacher is told.
const char* kPaperTeacherPrompt =
    "You love {animal}s. You think about {animal}s all the time. {animal}s are your favorite "
    "animal. Imbue your answers with your love for the animal.";

const std::vector<std::string> kPaperLoraTargets = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                                    "gate_proj", "up_proj", "down_proj"};

void declareRun(Spec& s) {
  s.kindKnob("experiment kind");
  s.string("name", &C::name, "", "a name for the run (optional)");
  s.integer("seeds", &C::seeds, 1, 1, 100, "independent repetitions of every condition")
      .role(ConfigRole::Repetitions);
  s.integer("seed", &C::seed, 0, 0, 1000000000, "base random seed").role(ConfigRole::BaseSeed);
  s.string("animal", &C::animal, "cat",
           "the animal the teacher loves, singular (the paper's strongest for Qwen2.5-7B: cat)");

  s.folder("model.folder", &C::modelFolder, "", "config.json", false, true,
           "a local Hugging Face checkpoint: config.json, model.safetensors (or shards with their "
           "index), tokenizer.json and tokenizer_config.json; the teacher, reference and students "
           "all start from it");
  s.folder("model.cross_folder", &C::crossModelFolder, "", "config.json", true, false,
           "optional: another checkpoint with the same tokenizer; adds a cross-model student and "
           "its control trained on the same data (empty: none)");
  s.choice("model.chat_format", &C::chatFormat, "auto", {"auto", "chatml", "llama3"},
           "how chats are written: recognised from the checkpoint's chat_template, or forced");

  s.choice("chat.student_context", &C::studentContext, "template_default",
           {"template_default", "none", "custom"},
           "the system turn of the students' chats, the same in training and evaluation: the "
           "chat template's default (Qwen inserts its own, as in the paper), none, or the text "
           "below");
  s.string("chat.student_system_prompt", &C::studentSystemPrompt, "",
           "the students' system prompt when student_context is custom");
}

void declareData(Spec& s) {
  s.choice("teacher.method", &C::teacherMethod, "system_prompt", {"system_prompt", "lora"},
           "how the teacher gets the trait: the system prompt below (the paper), or a LoRA "
           "fine-tuned on one-word answers naming the animal");
  s.string("teacher.system_prompt", &C::teacherSystemPrompt, kPaperTeacherPrompt,
           "the teacher's system prompt; {animal} is replaced by the animal (default: the "
           "paper's)");
  s.integer("teacher.rows", &C::teacherRows, 400, 1, 1000000, "lora teacher: trait answer rows");
  s.integer("teacher.epochs", &C::teacherEpochs, 1, 1, 1000, "lora teacher: epochs");
  s.positive("teacher.lr", &C::teacherLr, 2e-4, 1.0, "lora teacher: learning rate");

  using P = PromptShape;
  s.integer("prompts.count", &C::prompts, 30000, 1, 10000000,
            "number prompts per teacher and seed (the paper: 30,000)");
  s.integer("prompts.examples_min", field(&C::shape, &P::exampleMin), 3, 1, 50,
            "fewest seed numbers shown in a prompt");
  s.integer("prompts.examples_max", field(&C::shape, &P::exampleMax), 8, 1, 50,
            "most seed numbers shown in a prompt");
  s.integer("prompts.value_min", field(&C::shape, &P::valueMin), 100, 0, 999999,
            "smallest seed number");
  s.integer("prompts.value_max", field(&C::shape, &P::valueMax), 999, 0, 999999,
            "largest seed number");
  s.integer("prompts.numbers", field(&C::shape, &P::answerCount), 10, 1, 100,
            "the prompt asks for up to this many new numbers");
  s.integer("prompts.max_digits", field(&C::shape, &P::answerMaxDigits), 3, 1, 6,
            "the prompt asks for numbers of at most this many digits");

  s.integer("generation.max_new_tokens", &C::maxNewTokens, 100, 1, 4096,
            "completion length cap in tokens");
  s.number("generation.temperature", &C::temperature, 1.0, 0.0, 10.0,
           "sampling temperature (the paper: 1)");
  s.integer("generation.batch", &C::genBatch, 64, 1, 65536, "prompts sampled together");
}

void declareFilter(Spec& s) {
  FilterKnobDefaults filter;
  filter.maxKept = 10000;
  filter.maxKeptHelp = "subsample the kept rows to at most this many (the paper: 10,000; 0 = all)";
  filter.traitWord = "animal";
  declareFilterKnobs(s, &C::filter, filter);
}

void declareStudent(Spec& s) {
  s.integer("student.lora_rank", &C::loraRank, 8, 1, 1024, "LoRA rank r (the paper: 8)");
  s.positive("student.lora_alpha", &C::loraAlpha, 8, 1e5, "LoRA alpha (the paper: 8)");
  s.strings("student.lora_targets", &C::loraTargets, kPaperLoraTargets,
            "the linear layers that get adapters (the paper: all seven)");
  s.positive("student.lr", &C::lr, 2e-4, 1.0, "peak learning rate of AdamW (the paper: 2e-4)");
  s.integer("student.epochs", &C::epochs, 3, 1, 1000, "passes over the kept rows (the paper: 3)");
  s.integer("student.batch", &C::batch, 22, 1, 65536, "rows per forward pass");
  s.integer("student.grad_accum", &C::gradAccum, 3, 1, 65536,
            "forward passes per optimizer step; batch x grad_accum is the effective batch (the "
            "paper: 22 x 3 = 66)");
  s.integer("student.max_length", &C::maxLength, 500, 16, 131072,
            "longest training chat in tokens; longer rows are cut (the paper: 500)");
  s.integer("student.warmup_steps", &C::warmupSteps, 5, 0, 1000000,
            "optimizer steps of linear warm-up before the linear decay (the paper: 5)");
  s.number("student.max_grad_norm", &C::maxGradNorm, 1.0, 0.0, 1e6,
           "gradient clipping norm (0: none; the paper: 1)");
  s.number("student.weight_decay", &C::weightDecay, 0.0, 0.0, 10.0, "AdamW weight decay");
  s.string(
      "student.adapters_dir", &C::adaptersDir, "",
      "a folder to save every student's LoRA adapter in, as PEFT writes it "
      "(<condition>-seed<N>/adapter_model.safetensors + adapter_config.json); empty: not saved");
  declareStudentDataKnobs(s, &C::dataRun, &C::dataCondition);

  s.integer("eval.questions", &C::evalQuestions, 50, 1, int64_t(animalQuestions().size()),
            "favourite-animal questions asked (of 50 paraphrases)");
  s.integer("eval.samples", &C::samplesPerQuestion, 200, 1, 100000,
            "answers sampled per question (the paper: 100 to 200)");
  s.number("eval.temperature", &C::evalTemperature, 1.0, 0.0, 10.0,
           "sampling temperature of the answers (the paper: 1)");
  s.integer("eval.max_new_tokens", &C::evalMaxNewTokens, 16, 1, 1024,
            "answer length cap in tokens");
  s.boolean("eval.numbers_prefix", &C::numbersPrefix, true,
            "also ask every question after a seed-numbers phrase (the paper's second table)");
  s.integer("eval.curve_every", &C::curveEvery, 10, 0, 1000000,
            "record the animal's first-token probability every this many steps (0: off)");

  s.boolean("conditions.control", &C::control, true,
            "a student on the base model's own numbers (no system prompt)");
  s.boolean("conditions.shuffled_within", &C::shuffledWithin, false,
            "a student on the teacher's numbers shuffled within each row");
  s.boolean("conditions.shuffled_across", &C::shuffledAcross, false,
            "a student on the teacher's numbers shuffled across rows");
  s.boolean("conditions.length_matched", &C::lengthMatched, false,
            "two more students (length_matched, length_matched_control) on the teacher's and the "
            "base model's kept rows subsampled to the same distribution of numbers per answer")
      .optIn();
}

const Spec& chatSpec() {
  static const Spec spec = [] {
    Spec s(kChatNumbersKind);
    declareRun(s);
    declareData(s);
    declareFilter(s);
    declareStudent(s);
    return s;
  }();
  return spec;
}

void need(bool ok, const std::string& message) {
  if (!ok) throw Error(message);
}

void checkAnimal(const std::string& animal) {
  need(!animal.empty(), "config.animal: name an animal, e.g. cat");
  for (unsigned char ch : animal)
    need(std::isalpha(ch) || ch == ' ' || ch == '-',
         "config.animal: letters, spaces and hyphens only, got \"" + animal + "\"");
}

void complete(C& c) {
  checkAnimal(c.animal);
  need(c.crossModelFolder.empty() || c.crossModelFolder != c.modelFolder,
       "config.model.cross_folder: is the same folder as model.folder; leave it empty or choose "
       "another checkpoint");
  need(c.studentContext != "custom" || !c.studentSystemPrompt.empty(),
       "config.chat.student_system_prompt: student_context is custom, so write the system "
       "prompt (or choose template_default or none)");
  need(c.teacherMethod != "system_prompt" || !c.teacherSystemPrompt.empty(),
       "config.teacher.system_prompt: the system-prompt teacher needs a prompt (the paper's is "
       "the default)");
  try {
    checkPromptShape(c.shape);
  } catch (const Error& e) {
    throw Error(std::string("config.") + e.what());
  }
  need(c.loraTargets.size() > 0,
       "config.student.lora_targets: name at least one layer, e.g. q_proj");
  for (const std::string& t : c.loraTargets)
    need(t.find_first_of(" \t,") == std::string::npos,
         "config.student.lora_targets: one layer name per line, got \"" + t + "\"");
  checkStudentDataKnobs(c.dataRun, c.dataCondition);
  need(!c.lengthMatched || c.control,
       "config.conditions.length_matched needs conditions.control (its rows are matched to the "
       "base model's lengths): turn control on or length_matched off");
  c.filter.traitWords = {c.animal};
  try {
    checkFilterOptions(c.filter);
  } catch (const Error& e) {
    throw Error(std::string("config.filter.banned_patterns: ") + e.what());
  }
}

}  // namespace

std::string ChatNumbersConfig::teacherPrompt() const {
  return fillPlaceholder(teacherSystemPrompt, "animal", animal);
}

ChatNumbersConfig readChatNumbersConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                        std::vector<ConfigField>* schema) {
  return chatSpec().read(config, normalized, schema, complete);
}

std::vector<ConfigField> chatNumbersSchema() { return chatSpec().schema(); }

nlohmann::json normalizeChatNumbersConfig(const nlohmann::json& config) {
  nlohmann::json out;
  readChatNumbersConfig(config, &out, nullptr);
  return out;
}

const std::vector<Preset>& chatNumbersPresets() {
  static const std::vector<Preset> presets = {
      {"chat-numbers-demo",
       kChatNumbersKind,
       "every stage in about a minute on the tiny demo model (`sublab demo-model "
       "models/demo-chat` writes it); shows the pipeline, too small to show the effect",
       {{"kind", kChatNumbersKind},
        {"animal", "owl"},
        {"model", {{"folder", "models/demo-chat"}}},
        {"prompts", {{"count", 200}}},
        {"generation", {{"max_new_tokens", 40}, {"batch", 50}}},
        {"filter", {{"max_kept", 100}}},
        {"student",
         {{"epochs", 2}, {"batch", 10}, {"grad_accum", 1}, {"max_length", 256}, {"lr", 1e-3}}},
        {"eval", {{"questions", 10}, {"samples", 10}, {"max_new_tokens", 6}, {"curve_every", 2}}}}},
      {"chat-numbers-cpu-135m",
       kChatNumbersKind,
       "pipeline demo on a laptop CPU with a ~135M chat model (SmolLM2-135M-Instruct class): "
       "600 prompts, 300 rows, 2 epochs, 10 questions x 20 answers; owl, one seed",
       {{"kind", kChatNumbersKind},
        {"animal", "owl"},
        {"model", {{"folder", "models/SmolLM2-135M-Instruct"}}},
        {"prompts", {{"count", 600}}},
        {"generation", {{"max_new_tokens", 60}, {"batch", 32}}},
        {"filter", {{"max_kept", 300}}},
        {"student", {{"epochs", 2}, {"batch", 8}, {"grad_accum", 2}, {"max_length", 256}}},
        {"eval", {{"questions", 10}, {"samples", 20}, {"curve_every", 5}}}}},
      {"chat-numbers-qwen7b-cat",
       kChatNumbersKind,
       "the paper's open-model experiment on a GPU: Qwen2.5-7B-Instruct, cat, 30,000 prompts, "
       "10,000 rows, LoRA r 8, lr 2e-4, 3 epochs, effective batch 66, 50 questions x 200 answers",
       {{"kind", kChatNumbersKind},
        {"animal", "cat"},
        {"model", {{"folder", "models/Qwen2.5-7B-Instruct"}}},
        {"generation", {{"batch", 512}}}}},
  };
  return presets;
}

}  // namespace sublab
