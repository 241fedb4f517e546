// The chat-numbers experiment's students (see chat_stages.h): LoRA supervised fine-tuning with a
// completion-only loss, AdamW with linear warm-up and decay, gradient clipping and accumulation,
// as the paper's open-model protocol (transformers' Trainer through the authors' code) does.
#include <algorithm>
#include <filesystem>

#include "engine/chat/chat_stages.h"
#include "engine/core/seeds.h"
#include "engine/core/stats.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

int64_t studentSteps(const ChatNumbersConfig& c, int64_t rows) {
  const int64_t eff = c.effectiveBatch();
  return c.epochs * ((rows + eff - 1) / eff);
}

AnimalEval trainAndEvaluate(const ChatNumbersConfig& c, int64_t s, const StudentRun& run,
                            RunObserver& obs, const CancelFlag* cancel,
                            const std::function<void(double)>& progress) {
  hf::HfModel& model = *run.model->model;
  const auto& data = *run.data;
  const int64_t rows = int64_t(data.size());
  if (rows == 0) throw Error(run.condition + ": no training rows for seed " + std::to_string(s));
  hf::LoraSettings ls;
  ls.rank = c.loraRank;
  ls.alpha = c.loraAlpha;
  ls.targets = c.loraTargets;
  hf::attachLora(model, ls, derive(c.seed, s, Purpose::Lora));
  struct Detach {
    hf::HfModel& m;
    ~Detach() { hf::detachLora(m); }
  } detach{model};

  const int64_t steps = studentSteps(c, rows);
  hf::LoraTrainSettings ts;
  ts.lr = c.lr;
  ts.weightDecay = c.weightDecay;
  ts.warmupSteps = c.warmupSteps;
  ts.totalSteps = steps;
  ts.maxGradNorm = c.maxGradNorm;
  hf::LoraTrainer trainer(model, ts);
  const int seed = int(s);
  const auto curvePoint = [&](int64_t step) {
    obs.metric(
        {run.condition, seed, "trait_prob", step, animalFirstTokenProb(*run.model, *run.eval)});
  };
  if (run.start) {
    obs.metric({run.condition, seed, "animal_rate", 0, run.start->plain.rate.mean});
    if (run.start->prefixed.total > 0)
      obs.metric({run.condition, seed, "animal_rate_prefix", 0, run.start->prefixed.rate.mean});
  }
  if (c.curveEvery > 0) curvePoint(0);
  // Training takes the first 80% of the condition's bar, the evaluation the rest.
  const double trainShare = 0.8;
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    std::vector<size_t> order(data.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    SplitMix64 rng(seeds::stream(derive(c.seed, s, Purpose::StudentOrder) + uint64_t(epoch),
                                 seeds::Stream::TrainOrder));
    shuffle(order, rng);
    for (size_t start = 0; start < order.size(); start += size_t(c.effectiveBatch())) {
      checkCancel(cancel);
      const size_t end = std::min(order.size(), start + size_t(c.effectiveBatch()));
      std::vector<std::vector<hf::TrainExample>> micro;
      for (size_t m = start; m < end; m += size_t(c.batch)) {
        std::vector<hf::TrainExample> mb;
        for (size_t i = m; i < std::min(end, m + size_t(c.batch)); ++i)
          mb.push_back(data[order[i]]);
        micro.push_back(std::move(mb));
      }
      const double loss = trainer.step(micro);
      ++step;
      obs.metric({run.condition, seed, "loss", step, loss});
      if (c.curveEvery > 0 && (step % c.curveEvery == 0 || step == steps)) curvePoint(step);
      if (progress) progress(trainShare * double(step) / double(steps));
    }
  }
  AnimalEval eval = evaluateAnimal(c, *run.model, *run.eval,
                                   derive(c.seed, s, Purpose::EvalSampling), cancel, [&](double f) {
                                     if (progress) progress(trainShare + (1 - trainShare) * f);
                                   });
  obs.metric({run.condition, seed, "animal_rate", step, eval.plain.rate.mean});
  if (eval.prefixed.total > 0)
    obs.metric({run.condition, seed, "animal_rate_prefix", step, eval.prefixed.rate.mean});
  if (c.curveEvery == 0) obs.metric({run.condition, seed, "trait_prob", step, eval.firstTokenProb});
  if (!c.adaptersDir.empty()) {
    const std::string folder =
        (std::filesystem::path(c.adaptersDir) / (run.condition + "-seed" + std::to_string(s)))
            .string();
    hf::saveLoraAdapter(model, ls, folder, run.model->folder);
  }
  return eval;
}

}  // namespace sublab
