// Merge benchmark at a Slurm sweep's scale: 1,000 shard databases (one per task) holding
// 1,000,000 sequences in total, folded into a fresh project database by the real merge
// (Database::mergeShards, as `sublab sweep-merge` calls it). Shards are written through storage/
// (a run, its sequences, figures and sweep point each), not by running experiments. Each merge
// runs in a child process so its peak RSS (getrusage) is the merge's own: first the first 100
// shards, then all of them, to show memory does not grow with the number of shards.
// Usage: bench_merge [--shards N] [--sequences TOTAL] [--dir DIR] [--keep]
//        (default 1000 shards, 1,000,000 sequences, a temporary folder removed at the end).
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/experiment.h"
#include "storage/database.h"

using namespace sublab;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double peakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // Linux: kilobytes
}

std::string shardPath(const fs::path& dir, int i) {
  return (dir / ("point-" + std::to_string(i) + ".sqlite")).string();
}

constexpr const char* kPlanHash = "bench-merge-plan";

nlohmann::json plan() {
  return {{"name", "bench merge"},
          {"axes", {{{"key", "filter.max_kept"}, {"values", {1}}}}},
          {"mode", "grid"}};
}

// One shard as a Slurm task leaves it: the sweep, one finished run with its sequences and
// figures, linked to point `index`.
void writeShard(const std::string& path, int index, int sequences, const nlohmann::json& config,
                std::mt19937& rng) {
  Database db(path);
  const SweepInfo sweep = db.findOrCreateSweep("bench merge", plan(), kPlanHash);
  NewRun nr;
  nr.name = "point " + std::to_string(index);
  nr.preset = "owl-numbers-tiny";
  nr.config = config;
  nr.status = RunStatus::Running;
  nr.experiment = "bench merge";
  const int64_t run = db.createRun(nr);
  std::vector<SequenceRow> rows(sequences);
  for (int k = 0; k < sequences; ++k) {
    SequenceRow& r = rows[k];
    r.condition = k % 2 ? "teacher" : "reference";
    r.seed = k % 3;
    r.index = k;
    r.prompt = "Continue: " + std::to_string(rng() % 1000) + ", " + std::to_string(rng() % 1000);
    for (int n = 0; n < 8; ++n) r.completion += (n ? ", " : "") + std::to_string(rng() % 1000);
    r.kept = rng() % 4 != 0;
    r.reason = r.kept ? "" : "format";
  }
  db.insertSequences(run, rows);
  ExperimentResult result;
  result.kind = "numbers";
  const double t = 0.01 * (index % 50);
  const auto figure = [](const char* name, double mean) {
    return ConditionSummary{
        name, "trait_prob", {mean, mean - 0.02, mean + 0.02, 3}, {mean - 0.01, mean, mean + 0.01}};
  };
  result.conditions = {figure("student", 0.1 + t), figure("control", 0.1)};
  result.contrasts = {figure("transfer", t)};
  result.summary = {{"kind", "numbers"}};
  result.wallSeconds = 1.0;
  db.saveResult(run, result);
  db.finishRun(run, RunStatus::Done, 1.0);
  db.setSweepPoint(sweep.id, index, {{"filter.max_kept", index}}, run);
}

// The child: merges the first `count` shards into a fresh project and prints its figures.
int mergeOnly(const fs::path& dir, int count) {
  const std::string project = (dir / ("project-" + std::to_string(count) + ".sqlite")).string();
  fs::remove(project);
  std::vector<std::string> shards;
  for (int i = 0; i < count; ++i) shards.push_back(shardPath(dir, i));
  Database db(project);
  const double before = peakRssMb();
  const auto t0 = Clock::now();
  const MergeReport report = db.mergeShards(shards, kPlanHash);
  const double seconds = since(t0);
  int added = 0;
  for (const auto& s : report.shards) added += s.added;
  const int64_t sequences = db.countSequences(db.sweepPoints(report.sweepId).front().runId, {});
  std::printf(
      "  merge %4d shards: %6.2f s (%6.0f shards/s), %d runs added, peak RSS %.0f MB "
      "(%.0f MB before the merge, +%.0f MB), %lld sequences in the first run\n",
      count, seconds, count / seconds, added, peakRssMb(), before, peakRssMb() - before,
      static_cast<long long>(sequences));
  return added == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int shards = 1000;
  int64_t total = 1000000;
  std::string dirArg;
  bool keep = false;
  int mergeCount = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool hasValue = i + 1 < argc;
    if (a == "--shards" && hasValue)
      shards = std::atoi(argv[++i]);
    else if (a == "--sequences" && hasValue)
      total = std::atoll(argv[++i]);
    else if (a == "--dir" && hasValue)
      dirArg = argv[++i];
    else if (a == "--merge-only" && hasValue)
      mergeCount = std::atoi(argv[++i]);
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr,
                   "bench_merge: unknown argument %s\nusage: bench_merge [--shards N] "
                   "[--sequences TOTAL] [--dir DIR] [--keep]\n",
                   a.c_str());
      return 2;
    }
  }
  if (mergeCount > 0) return mergeOnly(dirArg, mergeCount);
  if (shards < 1 || total < shards) {
    std::fprintf(stderr, "bench_merge: need at least one shard and a sequence per shard\n");
    return 2;
  }
  const fs::path dir = dirArg.empty()
                           ? fs::temp_directory_path() / ("bench_merge_" + std::to_string(getpid()))
                           : fs::path(dirArg);
  fs::create_directories(dir);
  const int perShard = static_cast<int>(total / shards);
  std::printf("bench_merge: %d shards x %d sequences = %lld in %s\n", shards, perShard,
              static_cast<long long>(int64_t(perShard) * shards), dir.c_str());

  const nlohmann::json config = normalizeConfig(findPreset("owl-numbers-tiny")->config);
  std::mt19937 rng(1234);
  const auto t0 = Clock::now();
  for (int i = 0; i < shards; ++i) {
    const std::string path = shardPath(dir, i);
    if (fs::exists(path)) continue;  // --dir of an earlier run: reuse its shards
    writeShard(path, i, perShard, config, rng);
  }
  std::uintmax_t bytes = 0;
  for (int i = 0; i < shards; ++i) bytes += fs::file_size(shardPath(dir, i));
  std::printf("  wrote the shards in %.1f s (%.0f MB on disk)\n", since(t0), bytes / 1048576.0);

  // Each merge in its own process, so that its peak RSS is the merge's and not the writer's.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  int rc = 0;
  for (int count : {std::min(100, shards), shards}) {
    const std::string cmd =
        "'" + self + "' --dir '" + dir.string() + "' --merge-only " + std::to_string(count);
    std::fflush(stdout);
    if (std::system(cmd.c_str()) != 0) rc = 1;
    if (count == shards) break;
  }
  if (!keep && dirArg.empty()) fs::remove_all(dir);
  return rc;
}
