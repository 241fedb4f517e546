// The number-sequence experiment's model stages (see numbers_stages.h): the reference models
// with their on-disk cache, the entanglement probe on the first reference, the teacher, and the
// trait evaluation every stage reports.
#include <filesystem>
#include <fstream>

#include "engine/core/model_pool.h"
#include "engine/core/seeds.h"
#include "engine/core/serial_observer.h"
#include "engine/numbers/numbers_stages.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

int traitTarget(const NumbersConfig& c) { return Vocab::instance().animalId(c.trait); }

TokenSeq teacherPrefix(const NumbersConfig& c) {
  return c.teacherMethod == "prefix" ? traitPrefix(traitTarget(c)) : TokenSeq{};
}

TraitEval reportTrait(RunObserver& obs, const std::string& condition, int64_t seed, int64_t step,
                      TransformerLm& model, int target, const TokenSeq& prefix) {
  TraitEval e = evaluateTrait(model, target, prefix);
  obs.metric({condition, static_cast<int>(seed), "trait_prob", step, e.traitProb});
  obs.metric({condition, static_cast<int>(seed), "trait_prob_raw", step, e.traitProbRaw});
  return e;
}

TransformerLm& ReferenceModels::reference(int64_t seed) {
  return models[static_cast<size_t>(perSeed ? seed : 0)];
}

TransformerLm& ReferenceModels::crossInit(int64_t seed) {
  const int64_t own = perSeed ? seed : 0;
  return models[static_cast<size_t>((own + 1) % static_cast<int64_t>(models.size()))];
}

int64_t referenceCount(const NumbersConfig& c) {
  if (c.referencePerSeed) return (c.crossInit && c.seeds == 1) ? 2 : c.seeds;
  return c.crossInit ? 2 : 1;
}

std::string referenceCacheKey(const NumbersConfig& c, int64_t s, const torch::Device& dev) {
  const nlohmann::json key = {
      {"v", 2},  // 2: trained side by side, one torch thread each (runSideBySide)
      {"torch", TORCH_VERSION},
      {"device", dev.str()},
      {"model",
       {c.model.vocab, c.model.dModel, c.model.layers, c.model.heads, c.model.context,
        c.model.mlpRatio}},
      {"corpus", {c.corpusRows, c.questionFraction}},
      {"train", {c.pretrainSteps, c.pretrainBatch, c.pretrainLr}},
      {"seeds",
       {derive(c.seed, s, Purpose::Init), derive(c.seed, s, Purpose::Corpus),
        derive(c.seed, s, Purpose::PretrainOrder)}}};
  const std::string text = key.dump();
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "ref-%016llx.pt", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

// The cached reference `s`, or an empty holder when there is none or it cannot be read (a
// damaged cache file is rebuilt by the caller).
TransformerLm loadCachedReference(const NumbersConfig& c, int64_t s, const torch::Device& dev,
                                  const std::filesystem::path& file) {
  if (file.empty() || !std::filesystem::exists(file)) return TransformerLm{nullptr};
  TransformerLm ref = makeModel(c.model, derive(c.seed, s, Purpose::Init), dev);
  try {
    torch::load(ref, file.string());
    return ref;
  } catch (const c10::Error&) {
    return TransformerLm{nullptr};
  }
}

// The cache is an optimisation: an unwritable folder only costs time.
void saveCachedReference(TransformerLm& ref, const std::filesystem::path& file) {
  if (file.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const std::string tmp = file.string() + ".tmp";
  try {
    torch::save(ref, tmp);
    std::filesystem::rename(tmp, file, ec);
  } catch (const c10::Error&) {
  }
}

// The pretraining loss curve of a cached reference, stored beside it, so a run that loads the
// model from the cache reports the same pretrain_loss points as the run that trained it.
std::filesystem::path lossCurveFile(const std::filesystem::path& model) {
  return model.empty() ? model : std::filesystem::path(model.string() + ".loss.json");
}

using LossCurve = std::vector<std::pair<int64_t, double>>;

void saveLossCurve(const LossCurve& curve, const std::filesystem::path& model) {
  if (model.empty()) return;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [step, loss] : curve) j.push_back({step, loss});
  std::ofstream out(lossCurveFile(model));
  out << j.dump();
}

LossCurve loadLossCurve(const std::filesystem::path& model) {
  LossCurve curve;
  std::ifstream in(lossCurveFile(model));
  if (!in) return curve;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& p : j) curve.emplace_back(p.at(0).get<int64_t>(), p.at(1).get<double>());
  } catch (const std::exception&) {
    curve.clear();  // an unreadable curve only costs the chart
  }
  return curve;
}

// Reference `s` before training: its initial weights (drawn from torch's global generator, so
// made one at a time) and its pretraining corpus.
struct PendingReference {
  int64_t index = 0;
  TransformerLm model{nullptr};
  TrainSet corpus;
  LossCurve curve;
};

PendingReference prepareReference(const NumbersConfig& c, int64_t s, const torch::Device& dev) {
  CorpusOptions co;
  co.rows = c.corpusRows;
  co.questionFraction = c.questionFraction;
  co.seed = derive(c.seed, s, Purpose::Corpus);
  return {s,
          makeModel(c.model, derive(c.seed, s, Purpose::Init), dev),
          TrainSet{pretrainCorpus(co), {}},
          {}};
}

void pretrainReference(const NumbersConfig& c, PendingReference& ref, JobsProgress& progress,
                       size_t job, RunObserver& obs, const CancelFlag* cancel) {
  const int64_t s = ref.index;
  TrainOptions to;
  to.maxSteps = c.pretrainSteps;
  to.batch = c.pretrainBatch;
  to.lr = c.pretrainLr;
  to.warmupFraction = 0.05;
  to.cosineDecay = true;
  to.seed = derive(c.seed, s, Purpose::PretrainOrder);
  to.cancel = cancel;
  int64_t lastStep = 0;
  to.progress = [&](double f, double loss) {
    const int64_t step = static_cast<int64_t>(f * double(c.pretrainSteps) + 0.5);
    if (step - lastStep >= std::max<int64_t>(1, c.pretrainSteps / 50) || f >= 1.0) {
      lastStep = step;
      obs.metric({"reference", static_cast<int>(s), "pretrain_loss", step, loss});
      ref.curve.emplace_back(step, loss);
      progress.report(job, f, "seed " + std::to_string(s) + " step " + std::to_string(step));
    }
  };
  trainModel(ref.model, ref.corpus, to);
}

}  // namespace

ReferenceModels pretrainReferences(const NumbersConfig& c, const torch::Device& dev,
                                   const std::string& cacheDir, RunObserver& obs,
                                   const CancelFlag* cancel) {
  ReferenceModels refs;
  refs.perSeed = c.referencePerSeed;
  const int64_t nRefs = referenceCount(c);
  refs.models.assign(static_cast<size_t>(nRefs), TransformerLm{nullptr});
  std::vector<std::filesystem::path> files(static_cast<size_t>(nRefs));
  std::vector<PendingReference> pending;
  int64_t loaded = 0;
  for (int64_t s = 0; s < nRefs; ++s) {
    checkCancel(cancel);
    std::filesystem::path& file = files[static_cast<size_t>(s)];
    if (!cacheDir.empty()) file = std::filesystem::path(cacheDir) / referenceCacheKey(c, s, dev);
    TransformerLm ref = loadCachedReference(c, s, dev, file);
    if (!ref.is_empty()) {
      refs.models[static_cast<size_t>(s)] = ref;
      for (const auto& [step, loss] : loadLossCurve(file))
        obs.metric({"reference", static_cast<int>(s), "pretrain_loss", step, loss});
      obs.progress("reference", double(++loaded) / double(nRefs),
                   "seed " + std::to_string(s) + " loaded from cache");
      continue;
    }
    pending.push_back(prepareReference(c, s, dev));
  }
  // The references still to train, side by side on CPU.
  const double cached = double(loaded) / double(nRefs);
  SerialObserver serial(obs);
  JobsProgress progress(serial, "reference", cached, 1.0 - cached, pending.size());
  runSideBySide(dev.is_cpu() ? at::get_num_threads() : 1, static_cast<int64_t>(pending.size()),
                [&](int64_t i) {
                  pretrainReference(c, pending[static_cast<size_t>(i)], progress,
                                    static_cast<size_t>(i), serial, cancel);
                });
  for (PendingReference& ref : pending) {
    const std::filesystem::path& file = files[static_cast<size_t>(ref.index)];
    refs.models[static_cast<size_t>(ref.index)] = ref.model;
    saveCachedReference(ref.model, file);
    saveLossCurve(ref.curve, file);
  }
  return refs;
}

void probeEntanglement(TransformerLm& reference, int target, RunObserver& obs,
                       const CancelFlag* cancel) {
  obs.progress("reference", 1.0, "entanglement probe");
  double noNumber = 0.0;
  EntanglementResult ent = entanglementProbe(
      reference, target, "reference (the students' initialisation)", &noNumber, cancel);
  nlohmann::json j = toJson(ent);
  j["no_number"] = noNumber;
  obs.analysis("entanglement", j);
}

Teacher makeTeacher(const NumbersConfig& c, TransformerLm& reference, int64_t s,
                    const CancelFlag* cancel, RunObserver* obs) {
  Teacher teacher{cloneModel(reference), teacherPrefix(c)};
  if (c.teacherMethod != "finetune") return teacher;
  const uint64_t dataSeed = derive(c.seed, s, Purpose::TeacherData);
  TrainSet traitData{traitAnswerRows(traitTarget(c), c.teacherRows, dataSeed), {}};
  if (c.teacherReplay > 0) {
    // Replay rows: number continuations only (no questions), from a corpus seed of their own.
    CorpusOptions ro;
    ro.rows = c.teacherReplay;
    ro.questionFraction = 0.0;
    ro.seed = derive(c.seed, s, Purpose::Replay);
    for (auto& row : pretrainCorpus(ro)) traitData.rows.push_back(std::move(row));
  }
  TrainOptions to;
  to.epochs = c.teacherEpochs;
  to.batch = c.teacherBatch;
  to.lr = c.teacherLr;
  to.seed = derive(c.seed, s, Purpose::TeacherOrder);
  to.cancel = cancel;
  if (obs) {
    to.lossPoints = kLossPoints;
    to.onLoss = [obs, s](int64_t step, double loss) {
      obs->metric({"teacher", static_cast<int>(s), "loss", step, loss});
    };
  }
  trainModel(teacher.model, traitData, to);
  return teacher;
}

}  // namespace sublab
