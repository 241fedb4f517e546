// Runs a number-sequence preset (optionally with a JSON patch merged over it) and prints the
// summary, wall time and peak resident memory. Usage:
//   bench_numbers [PRESET] [JSON-PATCH] [THREADS]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "engine/experiment.h"

namespace {
class StderrObserver : public sublab::RunObserver {
  std::chrono::steady_clock::time_point m_t0 = std::chrono::steady_clock::now();

 public:
  void stage(const std::string& name, sublab::StageStatus st, const std::string& msg) override {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
    std::fprintf(stderr, "%7.1fs [%s] %s %s\n", t, name.c_str(), sublab::toString(st).c_str(),
                 msg.c_str());
  }
};
}  // namespace

int main(int argc, char** argv) {
  const std::string preset = argc > 1 ? argv[1] : "owl-numbers-quick";
  const sublab::Preset* p = sublab::findPreset(preset);
  if (!p) {
    std::fprintf(stderr, "unknown preset %s\n", preset.c_str());
    return 2;
  }
  nlohmann::json cfg = p->config;
  if (argc > 2) cfg.merge_patch(nlohmann::json::parse(argv[2]));
  sublab::RuntimeOptions rt;
  rt.threads = argc > 3 ? std::atoi(argv[3]) : 0;
  if (const char* cache = std::getenv("SUBLAB_CACHE_DIR")) rt.cacheDir = cache;
  StderrObserver obs;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    auto res = sublab::runExperiment(cfg, rt, obs, nullptr);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    res.summary["wall_seconds"] = secs;
    res.summary["peak_rss_mb"] = ru.ru_maxrss / 1024.0;
    std::cout << res.summary.dump(2) << std::endl;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
