// Implementation of the thread and wait policy (see thread_policy.h).
#include "engine/core/thread_policy.h"

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "engine/core/blas_kernels.h"

namespace sublab {

namespace {

// Set by applyWaitPolicy() when it chose the policy (so the restarted program knows why, and a
// user's own OMP_WAIT_POLICY is told apart from ours).
constexpr const char* kChosen = "SUBLAB_WAIT_POLICY_REASON";

int positiveInt(const char* text) {
  if (!text || !*text) return 0;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  return (end && *end == '\0' && v > 0 && v <= 4096) ? static_cast<int>(v) : 0;
}

double loadAverage() {
  std::ifstream f("/proc/loadavg");
  double load = -1.0;
  if (!(f >> load)) return -1.0;
  return load;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int usableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

ThreadPolicy threadPolicy(int requestedThreads) {
  ThreadPolicy p;
  if (requestedThreads > 0) {
    p.threads = requestedThreads;
    p.threadsFrom = "asked";
  } else if (const int slurm = positiveInt(std::getenv("SLURM_CPUS_PER_TASK"))) {
    p.threads = slurm;
    p.threadsFrom = "SLURM_CPUS_PER_TASK";
  } else {
    p.threads = usableCores();
    p.threadsFrom = "usable cores";
  }
  const char* env = std::getenv("OMP_WAIT_POLICY");
  const char* why = std::getenv(kChosen);
  if (env && lower(env) == "passive") {
    p.wait = "passive";
    p.waitWhy = why ? why : "OMP_WAIT_POLICY=passive was set";
  } else if (env && *env) {
    p.wait = "spin";
    p.waitWhy = std::string("OMP_WAIT_POLICY=") + env + " was set";
  } else {
    p.wait = "spin";
    p.waitWhy = why ? why : "the cores were free at start";
  }
  p.blas = blasKernels().core;
  p.blasWhy = blasKernels().why;
  return p;
}

std::string describeRuntime(const nlohmann::json& summary) {
  if (!summary.is_object() || !summary.contains("runtime") || !summary["runtime"].is_object())
    return {};
  const nlohmann::json& rt = summary["runtime"];
  const int threads = rt.value("threads", 0);
  const std::string kernels = rt.value("blas", std::string());
  const std::string blas = kernels.empty() ? std::string()
                                           : "; OpenBLAS " + kernels + " kernels (" +
                                                 rt.value("blas_why", std::string("?")) + ")";
  return std::to_string(threads) + (threads == 1 ? " thread (" : " threads (") +
         rt.value("threads_from", std::string("?")) + "); OpenMP threads " +
         (rt.value("openmp_wait", std::string()) == "passive" ? "sleep" : "spin") +
         " when idle: " + rt.value("openmp_wait_why", std::string("?")) + blas;
}

std::string busyReason(double load, int cores) {
  if (load < 0 || cores < 1 || load < double(cores)) return {};
  char why[160];
  std::snprintf(why, sizeof why, "the machine was busy at start (load %.1f on %d usable cores)",
                load, cores);
  return why;
}

void applyWaitPolicy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv(kChosen)) return;  // user's, or done
  const std::string why = busyReason(loadAverage(), usableCores());
  if (why.empty()) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  setenv(kChosen, why.c_str(), 1);
  execv("/proc/self/exe", argv);
  // Could not restart: go on with the default, and say so.
  unsetenv("OMP_WAIT_POLICY");
  setenv(kChosen, "could not restart with OMP_WAIT_POLICY=PASSIVE", 1);
}

}  // namespace sublab
