// Fuzz entries for files from someone else that storage/ and app/lab/ read: a project database
// (opened, migrated, read), a Slurm shard database (merged into a fresh project) and a sweep
// manifest. Plus the scratch folder and the table of entries. See fuzz_entries.h.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/lab/slurm.h"
#include "engine/core/common.h"
#include "storage/database.h"
#include "tests/fuzz/fuzz_entries.h"

namespace sublab::fuzz {

namespace fs = std::filesystem;

std::string scratchDir() {
  // Never destroyed: the exit handler below still needs it after static destructors ran.
  static const std::string& dir = *new std::string([] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sublab-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    // Removed when the process ends normally (a crash keeps it for a look).
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratchDir(), ec);
    });
    return pattern;
  }());
  return dir;
}

std::string writeScratch(const std::string& name, std::string_view data) {
  const std::string path = scratchDir() + "/" + name;
  std::error_code ec;
  // A database leaves its -wal and -shm files behind; a stale one would be read with the next
  // input.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) std::abort();
  return path;
}

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw FuzzInvariant(what);
}

// Reads what the app's views read of one run; every call may refuse with Error.
void readRun(Database& db, int64_t runId) {
  (void)db.stages(runId);
  (void)db.metrics(runId);
  (void)db.metricNames(runId);
  (void)db.sequences(runId, SequenceFilter{}, 0, 20);
  (void)db.countSequences(runId, SequenceFilter{});
  (void)db.sequenceConditions(runId);
  (void)db.rejectReasons(runId);
  (void)db.conditions(runId);
  (void)db.analysisNames(runId);
  (void)db.artifacts(runId);
}

}  // namespace

void database(std::string_view data) {
  const std::string path = writeScratch("project.sqlite", data);
  try {
    OpenOptions options;
    options.create = false;
    options.busyTimeoutMs = 0;
    Database db(path, options);
    (void)db.userVersion();
    (void)db.integrityCheck();
    (void)db.experiments();
    for (const SweepInfo& s : db.sweeps()) (void)db.sweepPoints(s.id);
    (void)db.trashedRuns();
    for (int64_t runId : {1, 2, 3}) readRun(db, runId);
  } catch (const Error&) {
  }
}

void slurmManifest(std::string_view data) {
  const std::string path = writeScratch("manifest.json", data);
  try {
    const nlohmann::json m = readSweepManifest(path);
    require(m.is_object() && m["points"].is_array(), "an accepted manifest has no points array");
  } catch (const Error&) {
  }
}

std::vector<Entry> entries() {
  std::vector<Entry> all = {
      {"number_filter", numberFilter},   {"idx_reader", idxReader},
      {"tokenizer_load", tokenizerLoad}, {"tokenizer_encode", tokenizerEncode},
      {"chat_template", chatTemplate},   {"database", database},
      {"slurm_manifest", slurmManifest}, {"dataset_reader", datasetReader},
  };
#ifdef SUBLAB_FUZZ_WITH_ENGINE
  all.push_back({"shard", shard});
  all.push_back({"config", config});
  all.push_back({"sweep_plan", sweepPlan});
#endif
  return all;
}

}  // namespace sublab::fuzz
