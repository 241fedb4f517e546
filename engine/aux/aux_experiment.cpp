// The "aux" experiment kind: config and presets, and the run that trains N reference inits
// into teachers, then distils them into same-init and cross-init students (aux logits only,
// or all logits) as one batched ensemble, reporting test accuracy per model and epoch.
#include "engine/aux/aux_experiment.h"

#include <torch/torch.h>

#include <chrono>
#include <optional>
#include <cmath>
#include <random>

#include "engine/aux/aux_model.h"
#include "engine/aux/aux_noise.h"
#include "engine/aux/aux_pool.h"
#include "engine/aux/aux_train.h"
#include "engine/aux/idx_reader.h"
#include "engine/core/stats.h"
#include "engine/core/seeds.h"

namespace sublab {
namespace {

constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

// Everything a run needs, read from a normalized config.
struct AuxSettings {
  int64_t seed = 0, models = 10;
  std::string dataDir;
  int64_t trainLimit = 0, testLimit = 0;
  int64_t hidden = 256, auxLogits = 3;
  double lr = 3e-4;
  int64_t batchSize = 1024;
  int64_t teacherEpochs = 5, studentEpochs = 5;
  std::string loss = "kl", inputs = "noise";
  int64_t distillImages = 60000;
  double initNoise = 0;
  bool allLogits = true, crossInit = true;
};

AuxSettings readSettings(const nlohmann::json& c) {
  AuxSettings s;
  s.seed = c["seed"];
  s.models = c["models"];
  s.dataDir = c["data"]["dir"];
  s.trainLimit = c["data"]["train_limit"];
  s.testLimit = c["data"]["test_limit"];
  s.hidden = c["model"]["hidden"];
  s.auxLogits = c["model"]["aux_logits"];
  s.lr = c["train"]["lr"];
  s.batchSize = c["train"]["batch_size"];
  s.teacherEpochs = c["teacher"]["epochs"];
  s.studentEpochs = c["student"]["epochs"];
  s.loss = c["student"]["loss"];
  s.inputs = c["student"]["inputs"];
  s.distillImages = c["student"]["images"];
  s.initNoise = c["student"]["init_noise"];
  s.allLogits = c["student"]["all_logits"];
  s.crossInit = c["student"]["cross_init"];
  return s;
}

// A student condition: which logits it imitates and whose init it starts from.
struct StudentCondition {
  std::string name;
  bool allLogits = false;
  bool crossInit = false;
  int id = 0;  // fixed per condition, so its random streams do not depend on which are on
};

std::vector<StudentCondition> studentConditions(const AuxSettings& s) {
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
  torch::Tensor bytes = torch::from_blob(const_cast<uint8_t*>(a.data.data()), {n, pixels},
                                         torch::kUInt8);
  return bytes.to(torch::kFloat).div_(127.5).sub_(1.0).to(device).contiguous();
}

torch::Tensor labelsTensor(const IdxArray& a, int64_t limit, const torch::Device& device) {
  const int64_t n = limit > 0 ? std::min(limit, a.dims[0]) : a.dims[0];
  torch::Tensor bytes =
      torch::from_blob(const_cast<uint8_t*>(a.data.data()), {n}, torch::kUInt8);
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
  for (size_t i = 0; i < acc.size(); ++i)
    o.metric({condition, int(i), "accuracy", step, acc[i]});
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
  d.effect = {"student_aux", false, "Accuracy of the aux-only student (same init), mean [95% CI]"};
  d.cross = {"cross_aux", false, "Accuracy of the cross-init aux-only student, mean [95% CI]"};
  d.conditions = {"reference", "teacher", "student_aux", "student_all", "cross_aux", "cross_all"};
  d.contrasts = {{"transfer_aux", "student_aux", "cross_aux"},
                 {"transfer_all", "student_all", "cross_all"}};
  d.hasSequences = false;
  d.noSequencesReason =
      "an auxiliary-logit run: it generates no number sequences, so there are no sequence "
      "statistics. Its figures are in the Results view.";
  d.resultsAsBars = true;
  d.metricChance = 0.1;  // ten classes
  d.metricFullScale = true;
  return d;
}

std::vector<Preset> auxPresets() {
  return {
      {"aux-fashion", "aux",
       "Auxiliary-logit transfer, the paper's protocol on Fashion-MNIST: 10 models, 5+5 epochs",
       {{"kind", "aux"}, {"models", 10}}},
      {"aux-fashion-quick", "aux",
       "Short aux-logit demo: 6 models, 1+3 epochs, 20k noise images, batch 256 (~20 s)",
       {{"kind", "aux"},
        {"models", 6},
        {"train", {{"batch_size", 256}}},
        {"teacher", {{"epochs", 1}}},
        {"student", {{"epochs", 3}, {"images", 20000}}}}},
      {"aux-fashion-100", "aux",
       "The paper's scale: 100 models, 5+5 epochs (meant for a GPU: --device cuda)",
       {{"kind", "aux"}, {"models", 100}}},
  };
}

nlohmann::json normalizeAuxConfig(const nlohmann::json& config,
                                  std::vector<ConfigField>* schema) {
  ConfigReader r(config, "config", schema);
  r.allow("kind");
  nlohmann::json out;
  out["kind"] = "aux";
  out["seed"] = r.integer("seed", 0, 0, 2147483647, "Seed of every random draw in the run");
  out["models"] = r.integer("models", 10, 1, 1000,
                            "Independent models (reference inits), trained as one ensemble");

  const nlohmann::json data = r.object("data");
  ConfigReader d(data, "config.data", schema);
  out["data"]["dir"] = d.string("dir", kDefaultDataDir,
                                "Folder with the four IDX files (raw or .gz), e.g. MNIST");
  out["data"]["train_limit"] =
      d.integer("train_limit", 0, 0, 10000000, "Use only the first N training images (0 = all)");
  out["data"]["test_limit"] =
      d.integer("test_limit", 0, 0, 10000000, "Use only the first N test images (0 = all)");
  d.finish();

  const nlohmann::json model = r.object("model");
  ConfigReader m(model, "config.model", schema);
  out["model"]["hidden"] = m.integer("hidden", 256, 1, 8192, "Width of both hidden layers");
  out["model"]["aux_logits"] = m.integer(
      "aux_logits", 3, 1, 1000, "Auxiliary logits m, never trained on images by the teacher");
  m.finish();

  const nlohmann::json train = r.object("train");
  ConfigReader t(train, "config.train", schema);
  out["train"]["lr"] = t.positive("lr", 3e-4, 1.0, "Adam learning rate (teacher and students)");
  out["train"]["batch_size"] =
      t.integer("batch_size", 1024, 1, 1000000, "Images per batch and model");
  t.finish();

  const nlohmann::json teacher = r.object("teacher");
  ConfigReader te(teacher, "config.teacher", schema);
  out["teacher"]["epochs"] = te.integer(
      "epochs", 5, 0, 1000, "Teacher epochs of cross-entropy on the class logits only");
  te.finish();

  const nlohmann::json student = r.object("student");
  ConfigReader st(student, "config.student", schema);
  out["student"]["epochs"] =
      st.integer("epochs", 5, 0, 1000, "Student distillation epochs over the same inputs");
  out["student"]["loss"] =
      st.choice("loss", "kl", {"kl", "mse"},
                "kl: KL(softmax teacher || softmax student); mse: squared error on raw logits");
  out["student"]["inputs"] =
      st.choice("inputs", "noise", {"noise", "real"},
                "Distillation inputs: uniform noise in [-1, 1] or the real training images");
  out["student"]["images"] =
      st.integer("images", 60000, 1, aux::kMaxNoiseImages,
                 "Distillation images per model (noise drawn once; real: capped at the set)");
  out["student"]["init_noise"] = st.number(
      "init_noise", 0.0, 0.0, 100.0,
      "Gaussian noise added to the student's init, in units of the init's std 1/sqrt(fan_in)");
  out["student"]["all_logits"] =
      st.boolean("all_logits", true, "Also train students on all logits (student_all)");
  out["student"]["cross_init"] = st.boolean(
      "cross_init", true, "Also train cross-init controls (another model's init, a derangement)");
  st.finish();
  r.finish();

  if (out["student"]["cross_init"].get<bool>() && out["models"].get<int64_t>() < 2)
    throw Error(
        "config.student.cross_init needs at least 2 models (each cross-init student starts from "
        "another model's init): set models to 2 or more, or cross_init to false");
  return out;
}

ExperimentResult runAuxExperiment(const nlohmann::json& config, const RuntimeOptions& options,
                                  RunObserver& observer, const CancelFlag* cancel) {
  using namespace aux;
  const auto started = std::chrono::steady_clock::now();
  const nlohmann::json cfg = normalizeAuxConfig(config);
  const AuxSettings s = readSettings(cfg);
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
  torch::NoGradGuard noGrad;
  const int64_t N = s.models;
  // On CPU the run's parallelism is its own pool of torch's configured thread count.
  ModelPool pool(device.is_cpu() ? torch::get_num_threads() : 1);
  std::optional<PoolScope> poolScope;
  if (device.is_cpu()) poolScope.emplace(pool);

  // ---- data
  torch::Tensor trainX, trainY, testX, testY;  // [n, in] float in [-1, 1]; [n] int64
  MlpShape shape;
  std::string dataFolder;
  runStage(observer, "data", [&] {
    observer.progress("data", 0.0, "reading " + s.dataDir);
    const IdxDataset ds = loadIdxDataset(s.dataDir);
    checkCancel(cancel);
    trainX = imagesTensor(ds.trainImages, s.trainLimit, device);
    trainY = labelsTensor(ds.trainLabels, s.trainLimit, device);
    testX = imagesTensor(ds.testImages, s.testLimit, device);
    testY = labelsTensor(ds.testLabels, s.testLimit, device);
    shape.in = ds.rows * ds.cols;
    shape.classes = ds.classes;
    dataFolder = ds.folder;
    return std::to_string(trainX.size(0)) + " training and " + std::to_string(testX.size(0)) +
           " test images from " + ds.folder;
  });
  shape.hidden = s.hidden;
  shape.aux = s.auxLogits;

  // Per-model keys: model i's streams depend only on (seed, i).
  std::vector<uint64_t> initKeys, teacherKeys, studentKeys, noiseKeys;
  for (int64_t i = 0; i < N; ++i) {
    const uint64_t base = seeds::mix(uint64_t(s.seed), uint64_t(i));
    initKeys.push_back(seeds::mix(base, seeds::AuxPurpose::Init));
    teacherKeys.push_back(seeds::mix(base, seeds::AuxPurpose::Teacher));
    studentKeys.push_back(seeds::mix(base, seeds::AuxPurpose::Student));
    noiseKeys.push_back(seeds::mix(base, seeds::AuxPurpose::Noise));
  }
  auto hookFor = [&](const std::string& stage, double start, double width,
                     const std::string& what) {
    return [&observer, cancel, stage, start, width, what](double f) {
      checkCancel(cancel);
      observer.progress(stage, start + width * f, what);
    };
  };

  // ---- reference inits and teachers
  Workspace ws;  // scratch buffers reused by every batch of the run
  MlpStack reference = initMlps(shape, initKeys, device);
  const std::vector<double> refAcc = accuracy(reference, testX, testY, shape.classes, &ws);
  reportAccuracy(observer, "reference", 0, refAcc);
  std::vector<double> teacherAcc = refAcc;
  MlpStack teachers = reference.clone();
  runStage(observer, "teacher", [&] {
    reportAccuracy(observer, "teacher", 0, refAcc);
    StackAdam adam(teachers, s.lr);
    const double E = double(std::max<int64_t>(1, s.teacherEpochs));
    for (int e = 1; e <= s.teacherEpochs; ++e) {
      const std::string what =
          "teacher epoch " + std::to_string(e) + "/" + std::to_string(s.teacherEpochs);
      const auto loss =
          trainTeacherEpoch(teachers, adam, trainX, trainY, shape.classes, teacherKeys, e,
                            s.batchSize, hookFor("teacher", (e - 1) / E, 1 / E, what), &ws);
      teacherAcc = accuracy(teachers, testX, testY, shape.classes, &ws);
      reportLoss(observer, "teacher", e, loss);
      reportAccuracy(observer, "teacher", e, teacherAcc);
    }
    return "mean test accuracy " + std::to_string(meanCi95(teacherAcc).mean);
  });

  // ---- students: S conditions per teacher, trained together (they share images and targets)
  const std::vector<StudentCondition> conds = studentConditions(s);
  const int64_t S = static_cast<int64_t>(conds.size());
  const std::vector<int64_t> perm =
      s.crossInit ? derangement(N, seeds::mix(uint64_t(s.seed), seeds::AuxPurpose::Derangement)) : std::vector<int64_t>();
  std::vector<int64_t> source;        // init model of student n*S + c
  std::vector<uint64_t> perturbKeys;  // its init-noise stream
  std::vector<LogitRows> rows;
  for (const auto& c : conds)
    rows.push_back(c.allLogits ? LogitRows{0, shape.out()}
                               : LogitRows{shape.classes, shape.out()});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < S; ++c) {
      source.push_back(conds[size_t(c)].crossInit ? perm[size_t(n)] : n);
      perturbKeys.push_back(
          seeds::mix(seeds::mix(uint64_t(s.seed), uint64_t(n)),
                     static_cast<uint64_t>(seeds::AuxPurpose::PerturbBase) + uint64_t(conds[size_t(c)].id)));
    }
  MlpStack students = reference.select(source);
  reference = MlpStack();
  perturbWeights(students, s.initNoise, perturbKeys);
  std::vector<double> studentAcc(size_t(N * S));
  if (s.initNoise == 0) {
    for (size_t g = 0; g < source.size(); ++g) studentAcc[g] = refAcc[size_t(source[g])];
  } else {
    studentAcc = accuracy(students, testX, testY, shape.classes, &ws);
  }
  for (int64_t c = 0; c < S; ++c)
    reportAccuracy(observer, conds[size_t(c)].name, 0, column(studentAcc, S, c));

  runStage(observer, "students", [&] {
    std::unique_ptr<DistillInputs> inputs;
    if (s.inputs == "noise") {
      inputs = std::make_unique<NoiseInputs>(noiseKeys, s.distillImages, shape.in, device);
    } else {
      inputs = std::make_unique<ImageInputs>(trainX, std::min(s.distillImages, trainX.size(0)));
    }
    const double E = double(s.studentEpochs + 1);
    // The teachers' logits on the fixed inputs are the same every epoch and for every
    // student of that teacher: compute them once.
    const torch::Tensor cache = teacherLogits(
        teachers, *inputs, s.batchSize, hookFor("students", 0, 1 / E, "teacher logits"), &ws);
    teachers = MlpStack();
    StackAdam adam(students, s.lr);
    const DistillLoss loss = s.loss == "kl" ? DistillLoss::Kl : DistillLoss::Mse;
    for (int e = 1; e <= s.studentEpochs; ++e) {
      const std::string what =
          "student epoch " + std::to_string(e) + "/" + std::to_string(s.studentEpochs);
      const auto losses =
          trainStudentsEpoch(students, adam, cache, *inputs, rows, loss, studentKeys, e,
                             s.batchSize, hookFor("students", e / E, 1 / E, what), &ws);
      studentAcc = accuracy(students, testX, testY, shape.classes, &ws);
      for (int64_t c = 0; c < S; ++c) {
        reportLoss(observer, conds[size_t(c)].name, e, column(losses, S, c));
        reportAccuracy(observer, conds[size_t(c)].name, e, column(studentAcc, S, c));
      }
    }
    return std::string("mean test accuracy ") + conds[0].name + " " +
           std::to_string(meanCi95(column(studentAcc, S, 0)).mean);
  });

  // ---- summary
  ExperimentResult result;
  result.kind = "aux";
  nlohmann::json conditions = nlohmann::json::object();
  auto add = [&](const std::string& name, const std::vector<double>& perModel) {
    ConditionSummary cs{name, "accuracy", meanCi95(perModel), perModel};
    conditions[name]["accuracy"] = intervalJson(cs.value, perModel);
    result.conditions.push_back(cs);
  };
  add("reference", refAcc);
  add("teacher", teacherAcc);
  std::map<std::string, std::vector<double>> finalAcc;
  for (int64_t c = 0; c < S; ++c) finalAcc[conds[size_t(c)].name] = column(studentAcc, S, c);
  for (const char* name : {"student_aux", "student_all", "cross_aux", "cross_all"})
    if (finalAcc.count(name)) add(name, finalAcc[name]);
  // Transfer: same-init minus cross-init student of the same teacher (paired by teacher).
  nlohmann::json contrasts = nlohmann::json::object();
  for (const auto& [name, a, b] :
       {std::tuple{"transfer_aux", "student_aux", "cross_aux"},
        std::tuple{"transfer_all", "student_all", "cross_all"}}) {
    if (!finalAcc.count(a) || !finalAcc.count(b)) continue;
    std::vector<double> diff;
    for (size_t i = 0; i < finalAcc[a].size(); ++i) diff.push_back(finalAcc[a][i] - finalAcc[b][i]);
    ConditionSummary cs{name, "accuracy", pairedDifferenceCi95(finalAcc[a], finalAcc[b]), diff};
    contrasts[name]["accuracy"] = intervalJson(cs.value, diff);
    result.contrasts.push_back(cs);
  }
  result.summary = {{"kind", "aux"},
                    {"models", N},
                    {"seed", s.seed},
                    {"dataset", dataFolder},
                    {"train_images", trainX.size(0)},
                    {"test_images", testX.size(0)},
                    {"classes", shape.classes},
                    {"conditions", conditions},
                    {"contrasts", contrasts},
                    {"cross_init_source", perm}};
  result.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sublab
