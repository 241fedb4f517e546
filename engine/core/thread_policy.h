// How many CPU threads a run uses and how its idle OpenMP threads wait, chosen per situation and
// reported with the run.
//
// Threads: the count asked for (--threads, the GUI setting) when positive; else
// SLURM_CPUS_PER_TASK when Slurm sets it; else the cores this process may run on (its CPU
// affinity, which a cluster's cgroup or taskset narrows), not every core of the machine.
//
// Waiting: libtorch's OpenMP threads spin between parallel regions by default. On idle cores that
// is fastest; on cores another process keeps busy a spinning thread takes the core from the one
// that has work, and small steps became several times slower in measurements (bench_lm). The
// policy is read by the OpenMP runtime once, when it loads, so it must be in the environment
// before the process starts: applyWaitPolicy() runs first in main() and, when the machine is busy
// at start (1-minute load average at or above the usable cores) and the user has not set
// OMP_WAIT_POLICY, restarts the program once with OMP_WAIT_POLICY=PASSIVE.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sublab {

struct ThreadPolicy {
  int threads = 1;
  std::string threadsFrom;  // "asked", "SLURM_CPUS_PER_TASK" or "usable cores"
  std::string wait;         // "spin" (OpenMP's default, active) or "passive"
  std::string waitWhy;      // one line: why this wait policy
  std::string blas;         // the BLAS kernels (blas_kernels.h): "Haswell"; "" when unknown
  std::string blasWhy;      // one line: who chose them
};

// The cores this process may run on (its affinity mask; at least 1).
int usableCores();

// The thread count for a request (> 0 asked; 0 = choose) and the wait policy in force.
ThreadPolicy threadPolicy(int requestedThreads);

// Why idle threads should sleep: a line when the 1-minute load average is at or above the usable
// cores, "" when the cores are free (or the load is unknown, < 0).
std::string busyReason(double load, int cores);

// One line on how a run used the CPU, from its summary's "runtime" (threadPolicy() as recorded by
// runExperiment): "2 threads (usable cores); OpenMP threads spin when idle: <why>; OpenBLAS
// Haswell kernels (<why>)"; "" when the summary has none (runs stored before it was recorded).
std::string describeRuntime(const nlohmann::json& summary);

// Called first in main(): may replace the process (execv of itself, same arguments) with
// OMP_WAIT_POLICY=PASSIVE set when the machine is busy. Returns when nothing is to change or the
// restart failed (the run then goes on spinning, which threadPolicy() reports).
void applyWaitPolicy(char** argv);

}  // namespace sublab
