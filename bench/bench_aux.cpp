// Benchmark of the aux experiment: aux-fashion (10 models; teacher, aux-only student and
// cross-init aux-only student, 5+5 epochs) through the engine's front door, with wall time,
// achieved GFLOP/s against a measured fp32 matmul peak, peak RSS and whether jemalloc is in use.
// Usage: bench_aux [--models N] [--full] [--threads T] [--device cpu|cuda] [--preset NAME]
#include <dlfcn.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include "engine/experiment.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Best of a few large square fp32 matmuls, in GFLOP/s.
double measurePeak(const torch::Device& device) {
  torch::NoGradGuard noGrad;
  const int64_t n = 3072;
  const auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  const auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto c = torch::mm(a, b);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto t0 = Clock::now();
    c = torch::mm(a, b);
    (void)c.sum().item<float>();  // waits for the device
    best = std::max(best, 2.0 * double(n) * n * n / seconds(t0) / 1e9);
  }
  return best;
}

// Floating-point operations the run performs in matmuls (the bulk of the work).
double countFlops(const nlohmann::json& c, int64_t conditions, int64_t trainImages,
                  int64_t testImages) {
  const double in = 784, h = c["model"]["hidden"].get<double>();
  const double o = 10 + c["model"]["aux_logits"].get<double>();
  const double N = c["models"].get<double>();
  const double fwd = 2 * (in * h + h * h + h * o);
  const double train = fwd + 2 * (in * h + h * h + h * o) + 2 * (h * h + h * o);
  const double te = c["teacher"]["epochs"].get<double>(), se = c["student"]["epochs"].get<double>();
  const double distill = c["student"]["images"].get<double>();
  double flops = N * trainImages * te * train;                 // teachers
  flops += N * distill * fwd;                                  // teacher logits, once
  flops += N * conditions * distill * se * train;              // students
  flops += N * testImages * fwd * (1 + te + conditions * se);  // evaluations
  return flops;
}

class Printer : public sublab::RunObserver {
 public:
  void stage(const std::string& name, sublab::StageStatus status,
             const std::string& message) override {
    std::cerr << "[" << seconds(m_start) << " s] " << name << ": " << sublab::toString(status)
              << (message.empty() ? "" : " (" + message + ")") << "\n";
  }
  void progress(const std::string& stage, double fraction, const std::string& message) override {
    if (message != m_last) {
      std::cerr << "[" << seconds(m_start) << " s] " << message << "\n";
      m_last = message;
    }
  }

 private:
  Clock::time_point m_start = Clock::now();
  std::string m_last;
};

}  // namespace

int main(int argc, char** argv) {
  int64_t models = 10;
  bool full = false;
  sublab::RuntimeOptions options;
  std::string preset = "aux-fashion";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--models")
      models = std::stoll(next());
    else if (a == "--full")
      full = true;
    else if (a == "--threads")
      options.threads = std::stoi(next());
    else if (a == "--device")
      options.device = next();
    else if (a == "--preset")
      preset = next();
    else {
      std::cerr << "usage: bench_aux [--models N] [--full] [--threads T] [--device cpu|cuda] "
                   "[--preset NAME]\n";
      return 2;
    }
  }
  try {
    const sublab::Preset* p = sublab::findPreset(preset);
    if (!p) throw sublab::Error("unknown preset " + preset);
    nlohmann::json config = p->config;
    config["models"] = models;
    if (!full) config["student"]["all_logits"] = false;  // teacher, aux and cross-aux students
    config = sublab::normalizeConfig(config);
    sublab::configureRuntime(options);

    const bool jemalloc = dlsym(RTLD_DEFAULT, "mallctl") != nullptr;
    const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
    std::cout << "threads: " << torch::get_num_threads()
              << ", jemalloc: " << (jemalloc ? "linked" : "NOT linked")
              << ", device: " << options.device << "\n";
    const double peak = measurePeak(device);
    std::cout << "fp32 matmul peak (3072^3 mm): " << peak << " GFLOP/s\n";

    Printer printer;
    const auto t0 = Clock::now();
    const sublab::ExperimentResult r = sublab::runExperiment(config, options, printer, nullptr);
    const double wall = seconds(t0);
    const int64_t conditions = full ? 4 : 2;
    const double flops =
        countFlops(config, conditions, r.summary["train_images"], r.summary["test_images"]);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::cout << "config: " << config.dump() << "\n";
    for (const auto& c : r.conditions)
      std::cout << "  " << c.condition << ": accuracy " << c.value.mean << " [" << c.value.lo
                << ", " << c.value.hi << "]\n";
    std::cout << "wall: " << wall << " s\n"
              << "matmul work: " << flops / 1e12 << " TFLOP, achieved " << flops / wall / 1e9
              << " GFLOP/s = " << 100.0 * flops / wall / 1e9 / peak << "% of peak\n"
              << "peak RSS: " << double(ru.ru_maxrss) / 1024.0 << " MiB\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_aux: " << e.what() << "\n";
    return 1;
  }
}
