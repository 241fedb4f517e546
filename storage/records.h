// The plain records the database stores and returns: run status, experiments, runs, stages,
// metric points and sequences with their ids, artifacts, and the sequence filter. No SQLite and
// no Qt here: every layer above storage reads these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

enum class RunStatus { Queued, Running, Done, Failed, Cancelled, Interrupted };
std::string toString(RunStatus s);
// Throws Error on an unknown string.
RunStatus runStatusFromString(const std::string& s);
// True for Done, Failed, Cancelled, Interrupted.
bool isFinished(RunStatus s);

// Milliseconds since the Unix epoch (UTC); 0 means "not set".
int64_t nowMs();
// "2024-05-01 13:45:12" in local time, or "" for 0.
std::string formatTimestamp(int64_t ms);

struct ExperimentInfo {
  int64_t id = 0;
  std::string name;
  std::string kind;
  std::string description;
  int64_t createdAt = 0;
};

// Everything stored about one run. Summary figures: `summary` is the engine's JSON
// (ExperimentResult::summary); `conditions`/`contrasts` are the same figures as rows.
struct RunInfo {
  int64_t id = 0;
  int64_t experimentId = 0;  // 0 when none
  std::string name;          // user-editable label; defaults to the preset / config name
  std::string kind;          // "numbers" | "aux"
  std::string preset;        // preset name, or the config file name, or "" (GUI form)
  nlohmann::json config;     // the full normalized config
  int seeds = 0;
  std::string device = "cpu";
  int threads = 0;
  RunStatus status = RunStatus::Queued;
  std::string error;                                     // why it failed (empty otherwise)
  int64_t createdAt = 0, startedAt = 0, finishedAt = 0;  // ms since epoch, 0 = not yet
  double wallSeconds = 0.0;
  nlohmann::json summary;  // null until done
  std::vector<std::string> tags;
  std::string notes;
  int64_t pid = 0;  // process that runs / ran it
  std::string host;
  std::vector<ConditionSummary> conditions;
  std::vector<ConditionSummary> contrasts;
};

// A file a run wrote (a checkpoint, an export), kept on disk and referenced from the database.
struct ArtifactInfo {
  int64_t id = 0;
  int64_t runId = 0;
  std::string kind;  // "checkpoint", "csv", ...
  std::string path;
  std::string description;
  int64_t createdAt = 0;
};

// What createRun() needs; the rest is filled as the run proceeds.
struct NewRun {
  std::string name;  // empty: preset, else "run"
  std::string kind;  // empty: config["kind"]
  std::string preset;
  nlohmann::json config;  // normalized config
  int seeds = 0;          // 0: config["seeds"] (or "models" for aux) when present
  std::string device = "cpu";
  int threads = 0;
  RunStatus status = RunStatus::Running;  // Queued (GUI queue) or Running (starts now)
  std::string experiment;  // experiment name to file it under (created when new); "" = preset
  std::vector<std::string> tags;
  std::string notes;
};

struct StageInfo {
  int64_t runId = 0;
  int ordinal = 0;  // order of first appearance in the run
  std::string name;
  StageStatus status = StageStatus::Pending;
  double progress = 0.0;  // [0, 1]
  std::string message;
  int64_t startedAt = 0, finishedAt = 0;
};

struct MetricRecord : MetricPoint {
  int64_t id = 0;  // increasing in insertion order; use as a cursor for live updates
};

struct SequenceRecord : SequenceRow {
  int64_t id = 0;  // increasing in insertion order; the paging order and keyset cursor
  int64_t runId = 0;
};

enum class Verdict { Any, Kept, Rejected };

// Filters for sequence paging; empty / unset fields do not filter.
struct SequenceFilter {
  std::string condition;
  // With `condition` empty: rows of any of these conditions (empty: every condition).
  std::vector<std::string> conditions;
  std::optional<int> seed;
  Verdict verdict = Verdict::Any;
  std::string text;          // substring of prompt or completion (ASCII case-insensitive)
  bool textIsRegex = false;  // treat `text` as an ECMAScript regex (slower: scans the rows)
  std::string reason;        // exact reject reason
  // Rows whose completion holds this number as the statistics read it (parseNumbers: a run of
  // at most three digits; 293 matches neither 2930 nor 1293, and the prompt is not searched).
  std::optional<int> number;

  bool operator==(const SequenceFilter&) const = default;
};

// A stored sweep: a named plan whose points are ordinary runs.
struct SweepInfo {
  int64_t id = 0;
  std::string uuid;  // globally unique (for merging shards)
  std::string name;
  nlohmann::json plan;    // the normalised plan as stored
  std::string planHash;   // identifies the same plan in this database
  int64_t createdAt = 0;  // ms since epoch
};

// One point of a sweep: its axis values (key -> value) and the run it became (0 = none yet).
struct SweepPointInfo {
  int64_t sweepId = 0;
  int index = 0;
  nlohmann::json values;
  int64_t runId = 0;
};

// What mergeShards did with one shard, and with all of them.
struct ShardMergeInfo {
  std::string path;
  int added = 0;        // runs copied in
  int skipped = 0;      // runs already in the database (same uuid)
  int interrupted = 0;  // of the added: left unfinished by the shard (its task was killed)
};
struct MergeReport {
  int64_t sweepId = 0;
  std::vector<ShardMergeInfo> shards;
};

}  // namespace sublab
