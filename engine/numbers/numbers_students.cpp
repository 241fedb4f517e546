// The number-sequence experiment's student stages (see numbers_stages.h): each condition's
// training set (soft labels or sampled tokens, defended, shuffled), the list of conditions the
// config turns on, and the students trained from their initialisations.
#include "engine/core/model_pool.h"
#include "engine/core/seeds.h"
#include "engine/core/serial_observer.h"
#include "engine/numbers/numbers_stages.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

StudentSets buildStudentSets(const NumbersConfig& c, int64_t s, Teacher& teacher,
                             TransformerLm& reference, const FilteredData& teacherData,
                             const FilteredData& referenceData, const DefendedData& defended) {
  const bool soft = c.studentMode != "sft";
  const int64_t K = c.studentMode == "distill_vocab" ? Vocab::instance().size() : Vocab::kNumbers;
  const double T = c.distillTemperature;
  StudentSets sets;
  sets.teacher = soft ? withSoftTargets(teacher.model, teacherData.kept, K, teacher.prefix, T)
                      : TrainSet{teacherData.kept, {}};
  if (c.control)
    sets.control = soft ? withSoftTargets(reference, referenceData.kept, K, {}, T)
                        : TrainSet{referenceData.kept, {}};
  if (c.defenseMethod != "none") {
    if (!soft) {
      sets.defended = TrainSet{defended.defense.rows, {}};
    } else if (c.defenseMethod != "replace") {
      sets.defended = sets.teacher;  // same tokens, same targets; masked positions carry no loss
      sets.defended.rows = defended.defense.rows;
    } else {
      sets.defended = withSoftTargets(teacher.model, defended.defense.rows, K, teacher.prefix, T);
    }
  }
  if (c.shuffledWithin)
    sets.within = shuffleNumbers(sets.teacher, false, derive(c.seed, s, Purpose::Shuffle));
  if (c.shuffledAcross)
    sets.across = shuffleNumbers(sets.teacher, true, derive(c.seed, s, Purpose::Shuffle) + 1);
  return sets;
}

std::vector<StudentCondition> studentConditions(const NumbersConfig& c, TransformerLm& reference,
                                                TransformerLm& crossRef, const StudentSets& sets) {
  std::vector<StudentCondition> conds = {{"student", reference, &sets.teacher}};
  if (c.defenseMethod != "none") conds.push_back({"defended", reference, &sets.defended});
  if (c.control) conds.push_back({"control", reference, &sets.control});
  if (c.crossInit) {
    conds.push_back({"cross_student", crossRef, &sets.teacher});
    conds.push_back({"cross_control", crossRef, &sets.control});
  }
  if (c.shuffledWithin) conds.push_back({"shuffled_within", reference, &sets.within});
  if (c.shuffledAcross) conds.push_back({"shuffled_across", reference, &sets.across});
  // Opt-in conditions last, so that the others train as they did before these existed.
  if (c.dataRun > 0) conds.push_back({"student_data", reference, &sets.data});
  if (c.lengthMatched) {
    conds.push_back({"length_matched", reference, &sets.matched});
    conds.push_back({"length_matched_control", reference, &sets.matchedControl});
  }
  return conds;
}

namespace {

// One student before training: its initial weights, copied from the condition's init (LoRA
// factors drawn from torch's global generator, so made one at a time).
TransformerLm prepareStudent(const NumbersConfig& c, int64_t s, const StudentCondition& cond) {
  TransformerLm student = cloneModel(cond.init);
  if (c.finetune == "lora") {
    torch::manual_seed(derive(c.seed, s, Purpose::Lora));
    student->enableLora(c.loraRank, c.loraAlpha);
  }
  return student;
}

// Trains one student: `progress` gets the fraction of its training done.
TraitEval trainStudent(const NumbersConfig& c, int64_t s, const StudentCondition& cond,
                       TransformerLm& student, RunObserver& obs,
                       const std::function<void(double)>& progress, const CancelFlag* cancel) {
  TrainOptions to;
  to.epochs = c.studentEpochs;
  to.batch = c.studentBatch;
  to.lr = c.studentLr;
  to.weightDecay = c.weightDecay;
  to.optimizer = c.optimizer;
  to.seed = derive(c.seed, s, Purpose::StudentOrder);  // same order for every condition of a seed
  to.cancel = cancel;
  to.evalEvery = c.evalEvery;
  const int target = traitTarget(c);
  TraitEval last;
  to.onEval = [&](int64_t step) { last = reportTrait(obs, cond.name, s, step, student, target); };
  to.progress = [&](double f, double) { progress(f); };
  // The training loss per condition (metric "loss", step = the student's training step).
  to.lossPoints = kLossPoints;
  to.onLoss = [&](int64_t step, double loss) {
    obs.metric({cond.name, static_cast<int>(s), "loss", step, loss});
  };
  trainModel(student, *cond.data, to);
  return last;
}

}  // namespace

std::vector<StudentFinal> trainStudents(const NumbersConfig& c, const SeedSlot& slot,
                                        const std::vector<StudentCondition>& conditions,
                                        RunObserver& obs, const CancelFlag* cancel) {
  const size_t n = conditions.size();
  std::vector<TransformerLm> students;
  for (const StudentCondition& cond : conditions) {
    checkCancel(cancel);
    students.push_back(prepareStudent(c, slot.index, cond));
  }
  // The conditions of one seed are independent: trained side by side on CPU.
  std::vector<StudentFinal> finals(n);
  SerialObserver serial(obs);
  JobsProgress progress(serial, "students", double(slot.index) / double(slot.count),
                        1.0 / double(slot.count), n);
  const bool cpu = n == 0 || conditions.front().init->parameters().front().is_cpu();
  runSideBySide(cpu ? at::get_num_threads() : 1, static_cast<int64_t>(n), [&](int64_t i) {
    const size_t k = static_cast<size_t>(i);
    const StudentCondition& cond = conditions[k];
    checkCancel(cancel);
    const std::string message = slot.tag() + " " + cond.name;
    auto report = [&](double f) { progress.report(k, f, message); };
    finals[k] = {cond.name, trainStudent(c, slot.index, cond, students[k], serial, report, cancel)};
  });
  return finals;
}

}  // namespace sublab
