// Fuzz entries that need the engine's kind registry (engine/experiment.cpp), which is compiled
// with libtorch: config JSON, sweep plans and shard merging. The ordinary build replays their
// corpora (libtorch's headers do not compile with clang 14 in C++20 mode, so there is no
// libFuzzer build of them). See fuzz_entries.h.
#include <filesystem>

#include "app/lab/sweep.h"
#include "engine/core/common.h"
#include "engine/experiment.h"
#include "storage/database.h"
#include "tests/fuzz/fuzz_entries.h"

namespace sublab::fuzz {

// Merging reads each shard run back (Database::findRun), which completes its stored config
// through the kind registry.
void shard(std::string_view data) {
  const std::string shardPath = writeScratch("shard.sqlite", data);
  const std::string projectPath = writeScratch("merged.sqlite", {});
  std::filesystem::remove(projectPath);
  try {
    Database project(projectPath);
    project.mergeShards({shardPath});
    if (!(project.integrityCheck() == "ok"))
      throw FuzzInvariant("the project is damaged after a merge");
    for (const SweepInfo& s : project.sweeps()) (void)project.sweepPoints(s.id);
  } catch (const Error&) {
  }
}

void config(std::string_view data) {
  const nlohmann::json j = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (j.is_discarded()) return;  // not JSON: the CLI's reader says so before normalizeConfig
  try {
    const nlohmann::json normalized = normalizeConfig(j);
    if (normalizeConfig(normalized) != normalized)
      throw FuzzInvariant("normalizeConfig is not idempotent");
    (void)completeStoredConfig(j);
  } catch (const Error&) {
  }
}

void sweepPlan(std::string_view data) {
  const nlohmann::json j = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (j.is_discarded()) return;
  try {
    const SweepPlan plan = parseSweepPlan(j, scratchDir());
    if (plan.points.empty()) throw FuzzInvariant("an accepted sweep plan has no points");
  } catch (const Error&) {
  }
}

}  // namespace sublab::fuzz
