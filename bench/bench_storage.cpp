// Storage benchmark at the GUI's scale: 2,000 runs and 1,000,000 sequences. Prints sequence
// inserts/s (through StorageObserver, batched), metric inserts/s, and the time to open the file,
// list the runs, count with filters and fetch pages at the start and deep in a big run.
// Usage: bench_storage [--rows N] [--runs N] [--db FILE] (default: a temporary file, removed).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "storage/database.h"
#include "storage/storage_observer.h"

using namespace sublab;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string numbers(std::mt19937& rng, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += (i ? ", " : "") + std::to_string(rng() % 1000);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  int runs = 2000;
  std::string path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows")
      rows = std::atoll(argv[i + 1]);
    else if (a == "--runs")
      runs = std::atoi(argv[i + 1]);
    else if (a == "--db")
      path = argv[i + 1];
  }
  const bool temporary = path.empty();
  if (temporary)
    path = (std::filesystem::temp_directory_path() /
            ("bench_storage_" + std::to_string(getpid()) + ".sqlite"))
               .string();
  std::filesystem::remove(path);
  std::printf("bench_storage: %lld sequences over %d runs into %s\n", static_cast<long long>(rows),
              runs, path.c_str());

  // Half of the rows go to run 1 (paging deep inside one big run), the rest spread evenly.
  const int64_t bigRun = rows / 2;
  const int64_t perRun = runs > 1 ? (rows - bigRun) / (runs - 1) : 0;
  std::mt19937 rng(1234);
  const char* conditions[] = {"teacher", "reference"};
  const char* reasons[] = {"format: not a number list", "banned number", "trait token",
                           "duplicate"};
  int64_t written = 0, metricsWritten = 0;
  double seqSeconds = 0, metricSeconds = 0;
  int64_t firstRun = 0;
  {
    Database db(path);
    const nlohmann::json config = {{"kind", "numbers"},
                                   {"seeds", 3},
                                   {"student", {{"lr", 1e-3}, {"mode", "distill_numbers"}}}};
    for (int r = 0; r < runs; ++r) {
      NewRun nr;
      nr.preset = "bench";
      nr.config = config;
      const int64_t id = db.createRun(nr);
      if (r == 0) firstRun = id;
      const int64_t n = r == 0 ? bigRun : perRun;
      std::vector<SequenceRow> batch;
      batch.reserve(1000);
      const auto t0 = Clock::now();
      {
        StorageObserver obs(db, id);
        for (int64_t i = 0; i < n; ++i) {
          SequenceRow row;
          row.condition = conditions[i % 2];
          row.seed = static_cast<int>((i / 2) % 3);
          row.index = i;
          row.prompt = numbers(rng, 3 + static_cast<int>(rng() % 6));
          row.completion = numbers(rng, 10);
          row.kept = rng() % 4 != 0;
          row.reason = row.kept ? "" : reasons[rng() % 4];
          batch.push_back(std::move(row));
          if (batch.size() == 1000) {
            obs.sequences(batch);
            batch.clear();
          }
        }
        obs.sequences(batch);
        obs.flush();
      }
      seqSeconds += since(t0);
      written += n;
      const auto t1 = Clock::now();
      std::vector<MetricPoint> pts;
      for (int s = 0; s < 3; ++s)
        for (int step = 0; step < 50; ++step)
          pts.push_back({"student", s, "trait_prob", step * 10, 0.01 * step});
      db.insertMetrics(id, pts);
      metricSeconds += since(t1);
      metricsWritten += static_cast<int64_t>(pts.size());
      ExperimentResult res;
      res.conditions.push_back({"student", "trait_prob", {0.1, 0.05, 0.15, 3}, {0.1, 0.12, 0.08}});
      res.contrasts.push_back(
          {"transfer", "trait_prob", {0.02, 0.01, 0.03, 3}, {0.02, 0.02, 0.02}});
      res.summary = {{"transfer", {{"mean", 0.02}, {"ci95", {0.01, 0.03}}}}};
      db.saveResult(id, res);
      db.finishRun(id, RunStatus::Done, 1.0);
    }
  }
  std::printf(
      "  sequence inserts: %.0f rows/s (%lld rows in %.2f s, StorageObserver, batches of 2000)\n",
      written / seqSeconds, static_cast<long long>(written), seqSeconds);
  std::printf("  metric inserts:   %.0f points/s (%lld points in %.2f s, 150 per transaction)\n",
              metricsWritten / metricSeconds, static_cast<long long>(metricsWritten),
              metricSeconds);
  std::printf("  file size: %.1f MB\n", std::filesystem::file_size(path) / 1e6);

  auto t = Clock::now();
  Database db(path);
  std::printf("  open:                           %8.1f ms\n", 1e3 * since(t));
  t = Clock::now();
  const auto all = db.listRuns();
  std::printf("  listRuns (%zu runs, summaries):  %8.1f ms\n", all.size(), 1e3 * since(t));

  SequenceFilter none, rejected, cond, text;
  rejected.verdict = Verdict::Rejected;
  cond.condition = "teacher";
  cond.seed = 1;
  cond.verdict = Verdict::Kept;
  text.text = "123, 456";
  struct Case {
    const char* name;
    SequenceFilter f;
  };
  for (const Case& c : {Case{"all", none}, Case{"rejected", rejected},
                        Case{"teacher/seed 1/kept", cond}, Case{"text \"123, 456\"", text}}) {
    t = Clock::now();
    const int64_t n = db.countSequences(firstRun, c.f);
    const double countMs = 1e3 * since(t);
    t = Clock::now();
    const auto first = db.sequences(firstRun, c.f, 0, 100);
    const double firstMs = 1e3 * since(t);
    t = Clock::now();
    const auto deep = db.sequences(firstRun, c.f, std::max<int64_t>(0, n - 100), 100);
    const double deepMs = 1e3 * since(t);
    t = Clock::now();
    const auto next =
        first.empty() ? first : db.sequencesAfter(firstRun, c.f, first.back().id, 100);
    const double keyMs = 1e3 * since(t);
    std::printf(
        "  filter %-22s count %7lld in %7.1f ms; page 0: %6.1f ms; last page (offset "
        "%lld): %6.1f ms; keyset page: %6.1f ms\n",
        c.name, static_cast<long long>(n), countMs, firstMs,
        static_cast<long long>(std::max<int64_t>(0, n - 100)), deepMs, keyMs);
    (void)deep;
    (void)next;
  }
  t = Clock::now();
  const auto reasonsFound = db.rejectReasons(firstRun);
  std::printf("  rejectReasons (%zu reasons):      %8.1f ms\n", reasonsFound.size(),
              1e3 * since(t));
  t = Clock::now();
  const auto conds = db.sequenceConditions(firstRun);
  std::printf("  sequenceConditions (%zu):          %8.1f ms\n", conds.size(), 1e3 * since(t));
  if (temporary) {
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
  }
  return 0;
}
