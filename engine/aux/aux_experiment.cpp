// The "aux" experiment kind: the run that trains N reference inits into teachers, then distils
// them into same-init and cross-init students (aux logits only, or all logits) as one batched
// ensemble, reporting test accuracy per model and epoch. The run is a sequence of stages (data,
// teachers, students, summary); the config and presets are in aux_config.cpp.
#include "engine/aux/aux_experiment.h"

#include <torch/torch.h>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <tuple>

#include "engine/aux/aux_model.h"
#include "engine/aux/aux_noise.h"
#include "engine/aux/aux_train.h"
#include "engine/aux/idx_reader.h"
#include "engine/core/model_pool.h"
#include "engine/core/seeds.h"
#include "engine/core/stats.h"

namespace sublab {
namespace {

using namespace aux;

// A student condition: which logits it imitates and whose init it starts from.
struct StudentCondition {
  std::string name;
  bool allLogits = false;
  bool crossInit = false;
  int id = 0;  // fixed per condition, so its random streams do not depend on which are on
};

std::vector<StudentCondition> studentConditions(const AuxConfig& s) {
  std::vector<StudentCondition> c = {{"student_aux", false, false, 0}};
  if (s.allLogits) c.push_back({"student_all", true, false, 1});
  if (s.crossInit) c.push_back({"cross_aux", false, true, 2});
  if (s.crossInit && s.allLogits) c.push_back({"cross_all", true, true, 3});
  return c;
}

// A uniformly random permutation of 0..n-1 without fixed points (rejection sampling).
std::vector<int64_t> derangement(int64_t n, uint64_t key) {
  std::mt19937_64 rng(key);
  std::vector<int64_t> p(static_cast<size_t>(n));
  while (true) {
    for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[rng() % uint64_t(i + 1)]);
    bool ok = true;
    for (int64_t i = 0; i < n; ++i) ok = ok && p[size_t(i)] != i;
    if (ok) return p;
  }
}

// Pixels as float in [-1, 1]: [n, rows*cols] on `device`; the first `limit` images (0 = all).
torch::Tensor imagesTensor(const IdxArray& a, int64_t limit, const torch::Device& device) {
  const int64_t n = limit > 0 ? std::min(limit, a.dims[0]) : a.dims[0];
  const int64_t pixels = a.dims[1] * a.dims[2];
  torch::Tensor bytes =
      torch::from_blob(const_cast<uint8_t*>(a.data.data()), {n, pixels}, torch::kUInt8);
  return bytes.to(torch::kFloat).div_(127.5).sub_(1.0).to(device).contiguous();
}

torch::Tensor labelsTensor(const IdxArray& a, int64_t limit, const torch::Device& device) {
  const int64_t n = limit > 0 ? std::min(limit, a.dims[0]) : a.dims[0];
  torch::Tensor bytes = torch::from_blob(const_cast<uint8_t*>(a.data.data()), {n}, torch::kUInt8);
  return bytes.to(torch::kLong).to(device);
}

// Runs one stage: reports it running, then done (with the message `body` returns), cancelled
// or failed, and rethrows. A failure's message travels with the exception (the run's error),
// so the stage itself is marked failed without repeating it.
template <class Body>
void runStage(RunObserver& o, const std::string& name, Body&& body) {
  o.stage(name, StageStatus::Running, "");
  try {
    const std::string message = body();
    o.stage(name, StageStatus::Done, message);
  } catch (const Cancelled&) {
    o.stage(name, StageStatus::Cancelled, "");
    throw;
  } catch (...) {
    o.stage(name, StageStatus::Failed, "");
    throw;
  }
}

void reportAccuracy(RunObserver& o, const std::string& condition, int64_t step,
                    const std::vector<double>& acc) {
  for (size_t i = 0; i < acc.size(); ++i) o.metric({condition, int(i), "accuracy", step, acc[i]});
}

void reportLoss(RunObserver& o, const std::string& condition, int64_t step,
                const std::vector<double>& loss) {
  for (size_t i = 0; i < loss.size(); ++i) o.metric({condition, int(i), "loss", step, loss[i]});
}

// Column s of an [N*S] vector stored model-major.
std::vector<double> column(const std::vector<double>& v, int64_t S, int64_t s) {
  std::vector<double> out;
  for (size_t i = size_t(s); i < v.size(); i += size_t(S)) out.push_back(v[i]);
  return out;
}

nlohmann::json intervalJson(const Interval& iv, const std::vector<double>& perModel) {
  return {{"mean", iv.mean}, {"ci95", {iv.lo, iv.hi}}, {"per_model", perModel}};
}

// What every stage of one run shares.
struct RunContext {
  const AuxConfig& cfg;
  torch::Device device;
  RunObserver& observer;
  const CancelFlag* cancel;
  Workspace ws;  // scratch buffers reused by every batch of the run

  // Reports `stage` from `start` to start + width as a batch loop goes from 0 to 1, and
  // checks the cancel flag after every batch.
  BatchHook hook(const std::string& stage, double start, double width, const std::string& what) {
    return [this, stage, start, width, what](double f) {
      checkCancel(cancel);
      observer.progress(stage, start + width * f, what);
    };
  }
};

// The data set on the run's device.
struct AuxData {
  torch::Tensor trainX, trainY, testX, testY;  // [n, in] float in [-1, 1]; [n] int64
  MlpShape shape;      // in and classes from the files, hidden and aux from the config
  std::string folder;  // where the files were found
};

AuxData loadData(RunContext& run) {
  const AuxConfig& s = run.cfg;
  AuxData d;
  runStage(run.observer, "data", [&] {
    run.observer.progress("data", 0.0, "reading " + s.dataDir);
    const IdxDataset ds = loadIdxDataset(s.dataDir);
    checkCancel(run.cancel);
    d.trainX = imagesTensor(ds.trainImages, s.trainLimit, run.device);
    d.trainY = labelsTensor(ds.trainLabels, s.trainLimit, run.device);
    d.testX = imagesTensor(ds.testImages, s.testLimit, run.device);
    d.testY = labelsTensor(ds.testLabels, s.testLimit, run.device);
    d.shape.in = ds.rows * ds.cols;
    d.shape.classes = ds.classes;
    d.folder = ds.folder;
    return std::to_string(d.trainX.size(0)) + " training and " + std::to_string(d.testX.size(0)) +
           " test images from " + ds.folder;
  });
  d.shape.hidden = s.hidden;
  d.shape.aux = s.auxLogits;
  return d;
}

// Per-model random streams: model i's depend only on (seed, i).
struct ModelKeys {
  std::vector<uint64_t> init, teacher, student, noise;
};

ModelKeys modelKeys(const AuxConfig& s) {
  ModelKeys k;
  for (int64_t i = 0; i < s.models; ++i) {
    const uint64_t base = seeds::mix(uint64_t(s.seed), uint64_t(i));
    k.init.push_back(seeds::mix(base, seeds::AuxPurpose::Init));
    k.teacher.push_back(seeds::mix(base, seeds::AuxPurpose::Teacher));
    k.student.push_back(seeds::mix(base, seeds::AuxPurpose::Student));
    k.noise.push_back(seeds::mix(base, seeds::AuxPurpose::Noise));
  }
  return k;
}

// The reference inits and the teachers trained from them, with test accuracy per model.
struct Teachers {
  MlpStack reference, teachers;
  std::vector<double> referenceAcc, teacherAcc;
};

// Reports the references' accuracy, then runs the "teacher" stage.
Teachers trainTeachers(RunContext& run, const AuxData& d, const ModelKeys& keys) {
  const AuxConfig& s = run.cfg;
  Teachers t;
  t.reference = initMlps(d.shape, keys.init, run.device);
  t.referenceAcc = accuracy(t.reference, d.testX, d.testY, d.shape.classes, &run.ws);
  reportAccuracy(run.observer, "reference", 0, t.referenceAcc);
  t.teacherAcc = t.referenceAcc;
  t.teachers = t.reference.clone();
  runStage(run.observer, "teacher", [&] {
    reportAccuracy(run.observer, "teacher", 0, t.referenceAcc);
    StackAdam adam(t.teachers, s.lr);
    const double E = double(std::max<int64_t>(1, s.teacherEpochs));
    for (int e = 1; e <= s.teacherEpochs; ++e) {
      const std::string what =
          "teacher epoch " + std::to_string(e) + "/" + std::to_string(s.teacherEpochs);
      const auto loss =
          trainTeacherEpoch(t.teachers, adam, d.trainX, d.trainY, d.shape.classes, keys.teacher, e,
                            s.batchSize, run.hook("teacher", (e - 1) / E, 1 / E, what), &run.ws);
      t.teacherAcc = accuracy(t.teachers, d.testX, d.testY, d.shape.classes, &run.ws);
      reportLoss(run.observer, "teacher", e, loss);
      reportAccuracy(run.observer, "teacher", e, t.teacherAcc);
    }
    return "mean test accuracy " + std::to_string(meanCi95(t.teacherAcc).mean);
  });
  return t;
}

// S conditions per teacher, trained together (they share images and targets): student
// n*S + c is condition c of teacher n.
struct StudentPlan {
  std::vector<StudentCondition> conds;
  std::vector<int64_t> perm;          // model n's cross-init source (a derangement), if any
  std::vector<int64_t> source;        // init model of student n*S + c
  std::vector<uint64_t> perturbKeys;  // its init-noise stream
  std::vector<LogitRows> rows;        // the logits condition c imitates
  int64_t count() const { return static_cast<int64_t>(conds.size()); }  // S
};

StudentPlan planStudents(const AuxConfig& s, const MlpShape& shape) {
  StudentPlan p;
  p.conds = studentConditions(s);
  if (s.crossInit)
    p.perm = derangement(s.models, seeds::mix(uint64_t(s.seed), seeds::AuxPurpose::Derangement));
  for (const auto& c : p.conds)
    p.rows.push_back(c.allLogits ? LogitRows{0, shape.out()}
                                 : LogitRows{shape.classes, shape.out()});
  for (int64_t n = 0; n < s.models; ++n)
    for (const auto& c : p.conds) {
      p.source.push_back(c.crossInit ? p.perm[size_t(n)] : n);
      p.perturbKeys.push_back(
          seeds::mix(seeds::mix(uint64_t(s.seed), uint64_t(n)),
                     static_cast<uint64_t>(seeds::AuxPurpose::PerturbBase) + uint64_t(c.id)));
    }
  return p;
}

// The students at their inits, with their accuracy reported as step 0 into `acc` [N*S]; the
// reference inits are freed.
MlpStack initStudents(RunContext& run, const AuxData& d, Teachers& t, const StudentPlan& p,
                      std::vector<double>& acc) {
  const int64_t S = p.count();
  MlpStack students = t.reference.select(p.source);
  t.reference = MlpStack();
  perturbWeights(students, run.cfg.initNoise, p.perturbKeys);
  acc.assign(size_t(run.cfg.models * S), 0.0);
  if (run.cfg.initNoise == 0) {
    for (size_t g = 0; g < p.source.size(); ++g) acc[g] = t.referenceAcc[size_t(p.source[g])];
  } else {
    acc = accuracy(students, d.testX, d.testY, d.shape.classes, &run.ws);
  }
  for (int64_t c = 0; c < S; ++c)
    reportAccuracy(run.observer, p.conds[size_t(c)].name, 0, column(acc, S, c));
  return students;
}

// Runs the "students" stage (the teachers are freed once their logits are cached); returns
// the students' final test accuracy [N*S].
std::vector<double> trainStudents(RunContext& run, const AuxData& d, const ModelKeys& keys,
                                  Teachers& t, const StudentPlan& p) {
  const AuxConfig& s = run.cfg;
  const int64_t S = p.count();
  std::vector<double> acc;
  MlpStack students = initStudents(run, d, t, p, acc);
  runStage(run.observer, "students", [&] {
    std::unique_ptr<DistillInputs> inputs;
    if (s.inputs == "noise") {
      inputs = std::make_unique<NoiseInputs>(keys.noise, s.distillImages, d.shape.in, run.device);
    } else {
      inputs = std::make_unique<ImageInputs>(d.trainX, std::min(s.distillImages, d.trainX.size(0)));
    }
    const double E = double(s.studentEpochs + 1);
    // The teachers' logits on the fixed inputs are the same every epoch and for every
    // student of that teacher: compute them once.
    const torch::Tensor cache =
        teacherLogits(t.teachers, *inputs, s.batchSize,
                      run.hook("students", 0, 1 / E, "teacher logits"), &run.ws);
    t.teachers = MlpStack();
    StackAdam adam(students, s.lr);
    const DistillLoss loss = s.loss == "kl" ? DistillLoss::Kl : DistillLoss::Mse;
    for (int e = 1; e <= s.studentEpochs; ++e) {
      const std::string what =
          "student epoch " + std::to_string(e) + "/" + std::to_string(s.studentEpochs);
      const auto losses =
          trainStudentsEpoch(students, adam, cache, *inputs, p.rows, loss, keys.student, e,
                             s.batchSize, run.hook("students", e / E, 1 / E, what), &run.ws);
      acc = accuracy(students, d.testX, d.testY, d.shape.classes, &run.ws);
      for (int64_t c = 0; c < S; ++c) {
        reportLoss(run.observer, p.conds[size_t(c)].name, e, column(losses, S, c));
        reportAccuracy(run.observer, p.conds[size_t(c)].name, e, column(acc, S, c));
      }
    }
    return std::string("mean test accuracy ") + p.conds[0].name + " " +
           std::to_string(meanCi95(column(acc, S, 0)).mean);
  });
  return acc;
}

// Mean and 95% CI per condition, and the transfer contrasts: same-init minus cross-init
// student of the same teacher (paired by teacher).
ExperimentResult summarize(const AuxConfig& s, const AuxData& d, const Teachers& t,
                           const StudentPlan& p, const std::vector<double>& studentAcc) {
  ExperimentResult result;
  result.kind = "aux";
  nlohmann::json conditions = nlohmann::json::object();
  auto add = [&](const std::string& name, const std::vector<double>& perModel) {
    ConditionSummary cs{name, "accuracy", meanCi95(perModel), perModel};
    conditions[name]["accuracy"] = intervalJson(cs.value, perModel);
    result.conditions.push_back(cs);
  };
  add("reference", t.referenceAcc);
  add("teacher", t.teacherAcc);
  std::map<std::string, std::vector<double>> finalAcc;
  for (int64_t c = 0; c < p.count(); ++c)
    finalAcc[p.conds[size_t(c)].name] = column(studentAcc, p.count(), c);
  for (const char* name : {"student_aux", "student_all", "cross_aux", "cross_all"})
    if (finalAcc.count(name)) add(name, finalAcc[name]);
  nlohmann::json contrasts = nlohmann::json::object();
  for (const auto& [name, a, b] : {std::tuple{"transfer_aux", "student_aux", "cross_aux"},
                                   std::tuple{"transfer_all", "student_all", "cross_all"}}) {
    if (!finalAcc.count(a) || !finalAcc.count(b)) continue;
    std::vector<double> diff;
    for (size_t i = 0; i < finalAcc[a].size(); ++i) diff.push_back(finalAcc[a][i] - finalAcc[b][i]);
    ConditionSummary cs{name, "accuracy", pairedDifferenceCi95(finalAcc[a], finalAcc[b]), diff};
    contrasts[name]["accuracy"] = intervalJson(cs.value, diff);
    result.contrasts.push_back(cs);
  }
  result.summary = {{"kind", "aux"},
                    {"models", s.models},
                    {"seed", s.seed},
                    {"dataset", d.folder},
                    {"train_images", d.trainX.size(0)},
                    {"test_images", d.testX.size(0)},
                    {"classes", d.shape.classes},
                    {"conditions", conditions},
                    {"contrasts", contrasts},
                    {"cross_init_source", p.perm}};
  return result;
}

}  // namespace

KindDescription auxKind() {
  KindDescription d;
  d.name = "aux";
  d.title = "Auxiliary logits (MNIST-style)";
  d.metric = "accuracy";
  d.metricLabel = "test accuracy";
  d.stepLabel = "epoch";
  d.repetitionKey = "models";
  d.repetitionNoun = "model";
  d.effect = {"transfer_aux", true,
              "Transfer = same-init minus cross-init aux-only student accuracy, paired by "
              "teacher, mean [95% CI]"};
  d.cross = {"cross_aux", false, "Accuracy of the cross-init aux-only student, mean [95% CI]"};
  d.raw = {"student_aux", false, "Accuracy of the aux-only student (same init), mean [95% CI]"};
  d.conditions = {"reference", "teacher", "student_aux", "student_all", "cross_aux", "cross_all"};
  d.contrasts = {{"transfer_aux", "student_aux", "cross_aux"},
                 {"transfer_all", "student_all", "cross_all"}};
  d.onceConditions = {"reference"};
  d.stages = {{"data", "reading the images", 0.02},
              {"teacher", "training the teachers", 0.3},
              {"students", "training the students on auxiliary logits", 0.68}};
  d.hasSequences = false;
  d.noSequencesReason =
      "an auxiliary-logit run: it trains image classifiers and stores each condition's test "
      "accuracy per epoch and its final accuracies, but generates no sequences, so there are no "
      "rows to list and no sequence statistics. See its accuracy curves in Curves and the "
      "accuracies per condition, with the transfer, in Results.";
  d.resultsAsBars = true;
  d.metricChance = 0.1;  // ten classes
  d.metricFullScale = true;
  return d;
}

ExperimentResult runAuxExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                  RunObserver& observer, const CancelFlag* cancel) {
  const auto started = std::chrono::steady_clock::now();
  const AuxConfig cfg = readAuxConfig(config);
  RunContext run{cfg, torch::Device(options.device == "cuda" ? torch::kCUDA : torch::kCPU),
                 observer, cancel, Workspace()};
  torch::NoGradGuard noGrad;
  // On CPU the run's parallelism is its own pool of torch's configured thread count.
  ModelPool pool(run.device.is_cpu() ? torch::get_num_threads() : 1);
  std::optional<PoolScope> poolScope;
  if (run.device.is_cpu()) poolScope.emplace(pool);

  const AuxData data = loadData(run);
  const ModelKeys keys = modelKeys(cfg);
  Teachers teachers = trainTeachers(run, data, keys);
  const StudentPlan plan = planStudents(cfg, data.shape);
  const std::vector<double> studentAcc = trainStudents(run, data, keys, teachers, plan);
  ExperimentResult result = summarize(cfg, data, teachers, plan, studentAcc);
  result.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sublab
