// The chat-numbers experiment as stages (run in order by chat_experiment.cpp): a chat model
// (checkpoint, tokenizer, chat style, stop tokens), the teacher's and the base model's numbers
// through the filter, the students' LoRA fine-tuning with completion-only loss, and the
// favourite-animal evaluation. Engine-internal (exposes models and tensors); every random stream
// is derived from the config's base seed and the seed index with engine/core/seeds.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/chat/chat_config.h"
#include "engine/chat/chat_eval.h"
#include "engine/hf/chat_template.h"
#include "engine/hf/hf_lora.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/tokenizer.h"

namespace sublab {

// A loaded checkpoint with what it takes to talk to it.
struct ChatModel {
  std::unique_ptr<hf::HfModel> model;
  hf::Tokenizer tokenizer;
  hf::ChatStyle style;           // the checkpoint's chat format
  std::vector<int64_t> stopIds;  // generation stops: config eos ids, the tokenizer's eos token and
                                 // the format's end-of-turn token
  std::string tokenizerText;     // tokenizer.json as read (a cross model must have the same one)
  std::string folder;            // where it was loaded from
};

// Loads folder (config.json, safetensors, tokenizer.json, tokenizer_config.json) on `device`;
// `chatFormat` as the config's model.chat_format. Throws Error naming the folder and the problem.
ChatModel loadChatModel(const std::string& folder, const std::string& chatFormat,
                        torch::Device device);

// Who is speaking to the model: the system turn, if any. `suppressDefault` drops the chat
// template's default system prompt (Qwen's) when there is no system turn.
struct ChatContext {
  std::optional<std::string> system;
  bool suppressDefault = false;
};
// The students' context (training and evaluation alike) and the teacher's.
ChatContext studentContext(const ChatNumbersConfig& c);
ChatContext teacherContext(const ChatNumbersConfig& c);

// Token ids of a one-user-turn chat ending with the assistant's header.
std::vector<int64_t> promptIds(const ChatModel& m, const ChatContext& ctx, const std::string& user);
// A training example: the chat with the assistant's answer; labels only on the answer and its
// end-of-turn marker; cut to maxLength tokens.
hf::TrainExample trainExample(const ChatModel& m, const ChatContext& ctx, const std::string& user,
                              const std::string& answer, int64_t maxLength);
// The text of generated ids up to (not including) the first stop id, special tokens skipped.
std::string answerText(const ChatModel& m, const std::vector<int64_t>& ids);

// Samples one answer per prompt (batches of `batch`), reporting fraction done through `progress`.
std::vector<std::string> sampleAnswers(const ChatModel& m,
                                       const std::vector<std::vector<int64_t>>& prompts,
                                       int64_t maxNew, double temperature, int64_t batch,
                                       uint64_t seed, const CancelFlag* cancel,
                                       const std::function<void(double)>& progress);

// `s` with its first letter upper-cased (ASCII): "owl" -> "Owl", as one-word answers are written.
std::string capitalised(std::string s);

// --- Data ---

// One source's completions ("teacher" or "reference") with the filter's verdicts.
struct ChatData {
  std::vector<SequenceRow> rows;  // every completion with its verdict
  std::vector<size_t> kept;       // indices into rows of the kept ones
  std::map<std::string, int64_t> rejected;
};
ChatData filterCompletions(const ChatNumbersConfig& c, const std::string& source, int64_t seed,
                           const std::vector<std::string>& prompts,
                           const std::vector<std::string>& completions);

// The numbers of `text` in order, and `text` with them replaced in order by `numbers`.
std::vector<std::string> numbersIn(const std::string& text);
std::string replaceNumbers(const std::string& text, const std::vector<std::string>& numbers);
// The shuffled controls (the same prompts; the answers' numbers permuted within each answer, or
// across all answers keeping each answer's count and layout).
std::vector<std::string> shuffledWithin(const std::vector<std::string>& answers, uint64_t seed);
std::vector<std::string> shuffledAcross(const std::vector<std::string>& answers, uint64_t seed);

// --- Evaluation ---

// The evaluation questions as prompt ids: plain and (when asked for) after a numbers prefix.
struct EvalSet {
  std::vector<EvalQuestion> plain, prefixed;
  std::vector<std::vector<int64_t>> plainIds, prefixedIds;
  std::vector<int64_t> animalFirstTokens;  // first tokens of "animal" and "Animal" as answers
};
EvalSet makeEvalSet(const ChatNumbersConfig& c, const ChatModel& m, const ChatContext& ctx,
                    int64_t seed);

// Mean over the plain questions of the probability that the answer's first token is one of the
// animal's first tokens (exact, from the logits; the cheap curve).
double animalFirstTokenProb(const ChatModel& m, const EvalSet& e);

struct AnimalEval {
  AnimalRate plain, prefixed;  // prefixed.total == 0 when not asked
  double firstTokenProb = 0;
  std::map<std::string, int64_t> answers;  // normalised one-word answers and their counts (plain)
};
AnimalEval evaluateAnimal(const ChatNumbersConfig& c, const ChatModel& m, const EvalSet& e,
                          uint64_t seed, const CancelFlag* cancel,
                          const std::function<void(double)>& progress);

// The most frequent answers, as the run's "animal_answers" analysis shows them.
nlohmann::json topAnswers(const std::map<std::string, int64_t>& answers, size_t count);

// --- Students ---

struct StudentRun {
  std::string condition;
  const std::vector<hf::TrainExample>* data = nullptr;
  ChatModel* model = nullptr;
  const EvalSet* eval = nullptr;
  // The untrained model's evaluation (LoRA starts as the identity, so the student at step 0 is
  // that model): reported as the student's rates at step 0 when given.
  const AnimalEval* start = nullptr;
};
// LoRA fine-tunes `run.model` on `run.data` (batch order and adapter init from the seed's derived
// streams, the same for every condition), reporting "loss" per optimizer step and "trait_prob"
// (the animal's first-token probability) every curve_every steps; evaluates, saves the adapter
// when asked, and removes it again. Returns the evaluation at the end of training.
AnimalEval trainAndEvaluate(const ChatNumbersConfig& c, int64_t seed, const StudentRun& run,
                            RunObserver& obs, const CancelFlag* cancel,
                            const std::function<void(double)>& progress);

// Optimizer steps of one student (per epoch: ceil(rows / effective batch)).
int64_t studentSteps(const ChatNumbersConfig& c, int64_t rows);

}  // namespace sublab
