// The number-sequence experiment as stages with typed inputs and results, run in order by
// runNumbersExperiment (numbers_experiment.cpp) and testable one by one: reference models,
// teacher, generation and filtering, per-token log-probabilities, the defense, the students and
// the summary. Engine-internal (exposes models and tensors); every random stream is derived
// from the config's base seed and the seed index with engine/core/seeds.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/common.h"
#include "engine/core/student_data.h"
#include "engine/lm/lm_analysis.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"
#include "engine/numbers/numbers_config.h"

namespace sublab {

// Where a seed stands in the run: progress fractions and the "seed s" message.
struct SeedSlot {
  int64_t index = 0;
  int64_t count = 1;
  std::string tag() const { return "seed " + std::to_string(index); }
};

// How many points the training loss of one model (teacher, student) is reported as at most:
// each is the mean loss of the batches since the previous one.
constexpr int64_t kLossPoints = 100;

// The trait's animal id, and the system prompt a "prefix" teacher sees (empty otherwise).
int traitTarget(const NumbersConfig& c);
TokenSeq teacherPrefix(const NumbersConfig& c);

// Evaluates the trait on `model` and reports trait_prob and trait_prob_raw at `step`.
TraitEval reportTrait(RunObserver& obs, const std::string& condition, int64_t seed, int64_t step,
                      TransformerLm& model, int target, const TokenSeq& prefix = {});

// --- Reference models (numbers_models.cpp) ---

// Shared reference (the paper's setting): model 0 is every seed's reference and model 1 the
// cross-init one. Per-seed references: seed s uses model s and borrows model s+1 (mod count).
struct ReferenceModels {
  std::vector<TransformerLm> models;
  bool perSeed = false;
  TransformerLm& reference(int64_t seed);
  TransformerLm& crossInit(int64_t seed);
};
// One per seed (+1 when a single seed needs a cross-init), or 1 shared (+1 for the cross-init).
int64_t referenceCount(const NumbersConfig& c);
// Pretrains (or, with a non-empty `cacheDir`, loads from the on-disk cache) every reference;
// reports pretrain_loss metrics and "reference" progress. Cached or not, the weights are equal.
ReferenceModels pretrainReferences(const NumbersConfig& c, const torch::Device& device,
                                   const std::string& cacheDir, RunObserver& obs,
                                   const CancelFlag* cancel);
// File name of a cached reference model: a hash of everything that determines its weights.
std::string referenceCacheKey(const NumbersConfig& c, int64_t index, const torch::Device& device);
// The entanglement probe on `reference`, reported as the "entanglement" analysis.
void probeEntanglement(TransformerLm& reference, int target, RunObserver& obs,
                       const CancelFlag* cancel);

// The teacher of one seed: the reference fine-tuned on trait answers ("finetune"), or the
// reference itself behind the trait's system prompt ("prefix").
struct Teacher {
  TransformerLm model{nullptr};
  TokenSeq prefix;
};
// With an observer, the fine-tuning's training loss is reported as metric "loss" of condition
// "teacher" (step = the teacher's training step).
Teacher makeTeacher(const NumbersConfig& c, TransformerLm& reference, int64_t seed,
                    const CancelFlag* cancel, RunObserver* obs = nullptr);

// --- Data (numbers_data.cpp) ---

// One source's completions after the filters.
struct FilteredData {
  std::vector<SequenceRow> rows;  // every completion with its verdict (stored after analysis)
  std::vector<LmRow> kept;        // training rows: prompt, completion, EOS
  std::vector<size_t> keptRow;    // index into `rows` of each kept training row
  int64_t total = 0;
  std::map<std::string, int64_t> rejected;  // by reason category
  // Passed every filter but longer than the model's context: not trained on, not rejected
  // (its stored row still says kept).
  int64_t overContext = 0;
};
// Samples `source` ("teacher" or "reference") on `prompts` with the seed's derived streams,
// filters the decoded completions and builds the training rows. Reports "generation" progress.
FilteredData generateAndFilter(const NumbersConfig& c, const SeedSlot& slot,
                               const std::string& source, TransformerLm& model,
                               const TokenSeq& prefix, const std::vector<TokenSeq>& prompts,
                               RunObserver& obs, const CancelFlag* cancel);
// Throws when the filter kept nothing of the teacher's (or the control's) completions.
void requireKept(const NumbersConfig& c, int64_t seed, const FilteredData& teacherData,
                 const FilteredData& referenceData);

// Per-token log-probabilities of the teacher's kept rows under the teacher and the reference.
struct KeptLogprobs {
  RowLogprobs teacher, reference;
};
// Computed when the config records them or defends (else empty); with token_logprobs, every
// kept row of both sources gets its tokenInfo.
KeptLogprobs attachTokenLogprobs(const NumbersConfig& c, const SeedSlot& slot, Teacher& teacher,
                                 TransformerLm& reference, FilteredData& teacherData,
                                 FilteredData& referenceData, RunObserver& obs);

// The teacher's kept rows after the divergence-token defense.
struct DefendedData {
  DefenseResult defense;          // the defended training rows and what changed
  std::vector<SequenceRow> rows;  // as stored sequences ("defended"), one per kept row
  nlohmann::json perSeed;         // this seed's entry of summary.defense.per_seed
};
DefendedData defendTeacherData(const NumbersConfig& c, int64_t seed, Teacher& teacher,
                               TransformerLm& reference, const FilteredData& teacherData,
                               const KeptLogprobs& logprobs);

// --- Students from other rows (numbers_student_rows.cpp) ---

// One seed's "student_data" rows (student.data_run) as training rows of the toy model: a stored
// prompt as this kind stores it ("continue 182, 818") or, for a text prompt (an imported
// dataset's), the longest list of numbers in it; the completion in the toy vocabulary. Rows it
// cannot write (a word or a number above 999) or longer than the context are left out and counted.
struct DataStudentRows {
  std::vector<LmRow> rows;
  std::vector<SequenceRow> stored;  // the rows trained on, as condition "student_data"
  nlohmann::json perSeed;           // this seed's entry of summary.student_data.per_seed
};
DataStudentRows studentDataRows(const NumbersConfig& c, const StudentData& data, int64_t seed);

// What the opt-in student conditions add to the summary (null while off): "student_data"
// ({"run", "condition", "per_seed"}) and "length_matched" ({"per_seed"}).
struct OptInSummary {
  nlohmann::json studentData, lengthMatched;
  void addTo(nlohmann::json& summary) const;
};
OptInSummary optInSummaryStart(const NumbersConfig& c, const StudentData* data);

// --- Students (numbers_students.cpp) ---

// The training sets of one seed's students; those of conditions that are off stay empty.
struct StudentSets {
  TrainSet teacher, control, defended, within, across;
  TrainSet data;  // student.data_run's rows (student_data)
  // The teacher's and the control's sets subsampled to the same numbers-per-row distribution
  // (length_matched, length_matched_control).
  TrainSet matched, matchedControl;
};
StudentSets buildStudentSets(const NumbersConfig& c, int64_t seed, Teacher& teacher,
                             TransformerLm& reference, const FilteredData& teacherData,
                             const FilteredData& referenceData, const DefendedData& defended);
// The opt-in conditions' sets (numbers_student_rows.cpp): sets.data from `data` (its rows stored
// as condition "student_data"), and the length-matched ones from sets.teacher and sets.control.
void addOptInSets(const NumbersConfig& c, int64_t seed, const StudentData* data, StudentSets& sets,
                  OptInSummary& summary, RunObserver& obs);

struct StudentCondition {
  std::string name;
  TransformerLm init{nullptr};  // the model the student starts from (shared, cloned to train)
  const TrainSet* data = nullptr;
};
// The conditions the config turns on, in reporting order; cross-init ones start from crossRef.
std::vector<StudentCondition> studentConditions(const NumbersConfig& c, TransformerLm& reference,
                                                TransformerLm& crossRef, const StudentSets& sets);

struct StudentFinal {
  std::string condition;
  TraitEval eval;  // at the end of training
};
// Trains one student per condition (same batch order for all), reporting trait metrics at
// every evaluation and "students" progress.
std::vector<StudentFinal> trainStudents(const NumbersConfig& c, const SeedSlot& slot,
                                        const std::vector<StudentCondition>& conditions,
                                        RunObserver& obs, const CancelFlag* cancel);

// --- Summary (numbers_summary.cpp) ---

// Final trait probabilities and animal distributions per condition, one entry per seed.
struct ConditionFinals {
  std::map<std::string, std::vector<double>> traitProb;
  std::map<std::string, std::vector<std::vector<double>>> animalProbs;
  void add(const std::string& condition, const TraitEval& eval);
};

// Generated / kept / rejected-by-reason counts per source over all seeds.
struct FilterTally {
  struct Source {
    int64_t total = 0, kept = 0;
    std::map<std::string, int64_t> rejected;
  };
  std::map<std::string, Source> bySource;
  void add(const std::string& source, const FilteredData& data);
};

// {"method", "fraction", "per_seed": []}, filled with DefendedData::perSeed.
nlohmann::json defenseSummaryStart(const NumbersConfig& c);

// Means and 95% CIs per condition, the paired contrasts whose conditions ran, the animal
// distributions, the filter counts and (when defending) the defense; wallSeconds is left 0.
ExperimentResult summarize(const NumbersConfig& c, const ConditionFinals& finals,
                           const FilterTally& tally, const nlohmann::json& defense);

}  // namespace sublab
