// Language-model throughput: training tokens/s for a fixed shape (d_model 64, 2 layers,
// 4 heads, vocabulary ~1,050, batch 64 x 24 positions, every position trained, AdamW) and
// generation with and without the KV cache (256 prompts per batch, 24 new tokens).
//
//   bench_lm [THREADS] [STEPS]   prints the figures and one line "RESULT train gen_cache
//   gen_nocache"
//                                (tokens/s), which bench/bench_lm.py compare reads
//   bench_lm THREADS STEPS --train-only   training alone (for a profiler)
//   bench_lm THREADS STEPS --profile FILE  training alone under libtorch's profiler: a Chrome trace
//                                          of every operation (bench/profile_ops.py sums it by op)
//   bench_lm THREADS STEPS --side-by-side N   N copies trained at once with runSideBySide (as
//                                          a numbers run trains its references and students):
//                                          each job's tokens/s and the total
//   bench_lm --dump DIR          writes what the plain PyTorch peer (bench/bench_lm.py) needs to
//                                compute the same thing: the initial weights (init.safetensors),
//                                the shape (meta.json), the generation prompts (prompts.txt), and
//                                64 rows (rows.txt) with the first 5 AdamW steps' losses on them
//                                (losses.txt: each step sees all 64 rows, so order does not matter)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/core/model_pool.h"
#include "engine/core/thread_policy.h"
#include "engine/experiment.h"
#include "engine/hf/safetensors.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"
#include "torch/csrc/autograd/profiler_legacy.h"

using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kBatch = 64, kPositions = 24, kSeed = 1;

sublab::LmOptions shape() {
  sublab::LmOptions o;
  o.vocab = sublab::Vocab::instance().size();
  o.dModel = 64;
  o.layers = 2;
  o.heads = 4;
  o.context = 48;
  return o;
}

// Rows of BOS + 24 random number tokens: 24 input positions, each with a target.
sublab::TrainSet randomRows(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  sublab::TrainSet data;
  for (int i = 0; i < n; ++i) {
    sublab::LmRow r;
    r.tokens.push_back(sublab::Vocab::kBos);
    for (int64_t t = 0; t < kPositions; ++t) r.tokens.push_back(static_cast<int>(rng() % 1000));
    data.rows.push_back(r);
  }
  return data;
}

void writeTokens(const std::string& path, const std::vector<sublab::TokenSeq>& rows) {
  std::ofstream f(path);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) f << (i ? " " : "") << r[i];
    f << "\n";
  }
}

int dump(const std::string& dir) {
  const sublab::LmOptions o = shape();
  auto model = sublab::makeModel(o, kSeed, torch::kCPU);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : model->named_parameters()) tensors.push_back({p.key(), p.value()});
  sublab::hf::writeSafetensors(dir + "/init.safetensors", tensors);
  std::ofstream(dir + "/meta.json")
      << "{\"vocab\": " << o.vocab << ", \"d_model\": " << o.dModel << ", \"layers\": " << o.layers
      << ", \"heads\": " << o.heads << ", \"context\": " << o.context
      << ", \"eos\": " << sublab::Vocab::kEos << ", \"bos\": " << sublab::Vocab::kBos
      << ", \"batch\": " << kBatch << ", \"lr\": 0.001}\n";
  writeTokens(dir + "/prompts.txt", sublab::numberPrompts(1024, 3));
  const sublab::TrainSet rows = randomRows(static_cast<int>(kBatch), 11);
  std::vector<sublab::TokenSeq> tokens;
  for (const auto& r : rows.rows) tokens.push_back(r.tokens);
  writeTokens(dir + "/rows.txt", tokens);
  sublab::TrainOptions to;
  to.batch = kBatch;
  to.lr = 1e-3;
  to.maxSteps = 5;
  to.lossPoints = 5;
  std::ofstream losses(dir + "/losses.txt");
  to.onLoss = [&](int64_t, double loss) { losses << std::to_string(loss) << "\n"; };
  sublab::trainModel(model, rows, to);
  std::printf("wrote %s/{init.safetensors,meta.json,prompts.txt,rows.txt,losses.txt}\n",
              dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sublab::applyWaitPolicy(argv);  // as `sublab run` does
  if (argc == 3 && std::string(argv[1]) == "--dump") return dump(argv[2]);
  sublab::RuntimeOptions rt;
  rt.threads = argc > 1 ? std::atoi(argv[1]) : 0;
  sublab::configureRuntime(rt);
  const sublab::ThreadPolicy policy = sublab::threadPolicy(rt.threads);
  std::printf("torch threads: %d (%s); OpenMP wait: %s (%s); BLAS: %s (%s)\n",
              torch::get_num_threads(), policy.threadsFrom.c_str(), policy.wait.c_str(),
              policy.waitWhy.c_str(), policy.blas.c_str(), policy.blasWhy.c_str());
  auto model = sublab::makeModel(shape(), kSeed, torch::kCPU);
  const sublab::TrainSet data = randomRows(4096, 7);
  sublab::TrainOptions to;
  to.batch = kBatch;
  to.lr = 1e-3;
  to.maxSteps = 20;
  sublab::trainModel(model, data, to);  // warm-up
  to.maxSteps = argc > 2 ? std::atoi(argv[2]) : 300;
  if (argc > 4 && std::string(argv[3]) == "--side-by-side") {
    const int n = std::max(1, std::atoi(argv[4]));
    std::vector<sublab::TransformerLm> models;
    for (int i = 0; i < n; ++i) models.push_back(sublab::cloneModel(model));
    std::vector<double> seconds(static_cast<size_t>(n));
    auto t0 = Clock::now();
    sublab::runSideBySide(torch::get_num_threads(), n, [&](int64_t i) {
      auto start = Clock::now();
      sublab::trainModel(models[static_cast<size_t>(i)], data, to);
      seconds[static_cast<size_t>(i)] = std::chrono::duration<double>(Clock::now() - start).count();
    });
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double tokens = double(to.maxSteps) * kBatch * kPositions;
    for (int i = 0; i < n; ++i)
      std::printf("job %d: %.0f tokens/s (%.2f s)\n", i, tokens / seconds[size_t(i)],
                  seconds[size_t(i)]);
    std::printf("train side by side: %.0f tokens/s in all (%d jobs in %.2f s)\n", n * tokens / wall,
                n, wall);
    return 0;
  }
  if (argc > 4 && std::string(argv[3]) == "--profile") {
    torch::autograd::profiler::RecordProfile guard(argv[4]);
    sublab::trainModel(model, data, to);
    return 0;
  }
  auto t0 = Clock::now();
  sublab::trainModel(model, data, to);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double train = double(to.maxSteps) * kBatch * kPositions / secs;
  std::printf("train: %.0f tokens/s (%lld steps of %lldx%lld in %.2f s)\n", train,
              (long long)to.maxSteps, (long long)kBatch, (long long)kPositions, secs);

  if (argc > 3 && std::string(argv[3]) == "--train-only") return 0;
  // Generation from the initial weights, as the peer does.
  model = sublab::makeModel(shape(), kSeed, torch::kCPU);
  auto prompts = sublab::numberPrompts(1024, 3);
  double gen[2] = {0, 0};
  for (bool cache : {true, false}) {
    sublab::GenerateOptions go;
    go.useCache = cache;
    go.maxNewTokens = 24;
    go.batch = 256;
    go.seed = 1;
    auto t1 = Clock::now();
    auto out = sublab::generate(model, prompts, go, nullptr);
    double s = std::chrono::duration<double>(Clock::now() - t1).count();
    size_t toks = 0;
    for (auto& c : out) toks += c.size();
    gen[cache ? 0 : 1] = double(toks) / s;
    std::printf("generate (%s cache): %.0f sequences/s, %.0f new tokens/s\n",
                cache ? "with" : "without", double(prompts.size()) / s, double(toks) / s);
  }
  std::printf("RESULT %.0f %.0f %.0f\n", train, gen[0], gen[1]);
  return 0;
}
