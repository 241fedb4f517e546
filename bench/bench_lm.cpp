// Language-model throughput: training tokens/s for a fixed shape (d_model 64, 2 layers,
// 4 heads, vocabulary ~1,050, batch 64 x 24 positions, every position trained) and generation
// sequences/s with and without the KV cache. Usage: bench_lm [THREADS] [STEPS]
#include <chrono>
#include <cstdio>
#include <random>

#include "engine/experiment.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  sublab::RuntimeOptions rt;
  rt.threads = argc > 1 ? std::atoi(argv[1]) : 0;
  sublab::configureRuntime(rt);
  std::printf("torch threads: %d\n", torch::get_num_threads());
  sublab::LmOptions o;
  o.vocab = sublab::Vocab::instance().size();
  o.dModel = 64;
  o.layers = 2;
  o.heads = 4;
  o.context = 48;
  auto model = sublab::makeModel(o, 1, torch::kCPU);
  // 25-token rows: 24 input positions, each with a target.
  std::mt19937_64 rng(7);
  sublab::TrainSet data;
  for (int i = 0; i < 4096; ++i) {
    sublab::LmRow r;
    r.tokens.push_back(sublab::Vocab::kBos);
    for (int t = 0; t < 24; ++t) r.tokens.push_back(static_cast<int>(rng() % 1000));
    data.rows.push_back(r);
  }
  sublab::TrainOptions to;
  to.batch = 64;
  to.lr = 1e-3;
  to.maxSteps = 20;
  sublab::trainModel(model, data, to);  // warm-up
  to.maxSteps = argc > 2 ? std::atoi(argv[2]) : 300;
  auto t0 = Clock::now();
  sublab::trainModel(model, data, to);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("train: %.0f tokens/s (%lld steps of 64x24 in %.2f s)\n",
              double(to.maxSteps) * 64 * 24 / secs, (long long)to.maxSteps, secs);

  auto prompts = sublab::numberPrompts(1024, 3);
  for (bool cache : {true, false}) {
    sublab::GenerateOptions go;
    go.useCache = cache;
    go.maxNewTokens = 24;
    go.batch = 256;
    go.seed = 1;
    // Force full length so both modes do the same work.
    auto t1 = Clock::now();
    auto out = sublab::generate(model, prompts, go, nullptr);
    double s = std::chrono::duration<double>(Clock::now() - t1).count();
    size_t toks = 0;
    for (auto& c : out) toks += c.size();
    std::printf("generate (%s cache): %.0f sequences/s, %.0f new tokens/s\n",
                cache ? "with" : "without", prompts.size() / s, toks / s);
  }
  return 0;
}
