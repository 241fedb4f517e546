// Dataset import benchmark (issue 12): writes N JSONL prompt/completion rows (default 1,000,000,
// about 60 MB) to a temporary file, then measures the reader alone, the reader with the number
// filter, and the whole import into a fresh project (app/lab/dataset_import.h), in rows/s, and
// the process's peak RSS after each phase (run it at two sizes to see memory flat in the file's).
// Usage: bench_import [--rows N] [--keep] (--keep leaves the files for a look).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "app/lab/dataset_import.h"
#include "engine/datasets/dataset_reader.h"
#include "engine/numbers/number_filter.h"
#include "storage/database.h"

using namespace sublab;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Peak resident set of this process so far (VmHWM), in MiB.
double peakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return 0;
}

std::string numbers(std::mt19937& rng, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += (i ? ", " : "") + std::to_string(rng() % 1000);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) rows = std::atoll(argv[++i]);
    if (a == "--keep") keep = true;
  }
  const auto tmp = std::filesystem::temp_directory_path();
  const std::string file = (tmp / ("bench_import_" + std::to_string(getpid()) + ".jsonl")).string();
  const std::string dbPath =
      (tmp / ("bench_import_" + std::to_string(getpid()) + ".sqlite")).string();

  auto t0 = Clock::now();
  {
    std::ofstream out(file, std::ios::binary);
    std::mt19937 rng(7);
    for (int64_t i = 0; i < rows; ++i)
      out << "{\"prompt\": \"Continue: " << numbers(rng, 3) << "\", \"completion\": \""
          << numbers(rng, 3 + int(rng() % 5)) << "\"}\n";
  }
  const double mb = double(std::filesystem::file_size(file)) / 1e6;
  std::printf("bench_import: %lld rows, %.1f MB of JSONL written in %.1f s\n",
              static_cast<long long>(rows), mb, since(t0));

  DatasetReadOptions ro;
  ro.path = file;
  t0 = Clock::now();
  int64_t seen = 0;
  const DatasetReport rep =
      readDataset(ro, [&](const std::vector<DatasetRow>& b, const DatasetProgress&) {
        seen += int64_t(b.size());
        return true;
      });
  double s = since(t0);
  std::printf(
      "reader            %8.2f s  %9.0f rows/s  %6.1f MB/s  peak RSS %6.1f MiB  sha256 %s\n", s,
      double(seen) / s, mb / s, peakRssMiB(), rep.sha256.substr(0, 16).c_str());

  FilterOptions fo;
  RowFilter filter(fo);
  int64_t kept = 0;
  t0 = Clock::now();
  readDataset(ro, [&](const std::vector<DatasetRow>& b, const DatasetProgress&) {
    for (const auto& r : b) kept += filter.next(r.completion).kept;
    return true;
  });
  s = since(t0);
  std::printf("reader + filter   %8.2f s  %9.0f rows/s  (%lld kept)         peak RSS %6.1f MiB\n",
              s, double(rows) / s, static_cast<long long>(kept), peakRssMiB());

  std::filesystem::remove(dbPath);
  {
    Database db(dbPath);
    ImportRequest req;
    req.path = file;
    t0 = Clock::now();
    const ImportOutcome out = importDataset(db, req);
    s = since(t0);
    if (out.outcome.status != RunStatus::Done) {
      std::fprintf(stderr, "import failed: %s\n", out.outcome.message.c_str());
      return 1;
    }
    std::printf(
        "whole import      %8.2f s  %9.0f rows/s  (run %lld, %lld rows stored)  peak RSS "
        "%6.1f MiB\n",
        s, double(rows) / s, static_cast<long long>(out.runId),
        static_cast<long long>(db.countSequences(out.runId, {})), peakRssMiB());
  }
  std::printf("project file      %.1f MB\n", double(std::filesystem::file_size(dbPath)) / 1e6);
  if (!keep) {
    std::filesystem::remove(file);
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(dbPath + ext);
  }
  return 0;
}
