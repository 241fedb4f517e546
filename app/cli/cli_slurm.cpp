// `sublab sweep PLAN --slurm`, `sublab sweep-point` and `sublab sweep-merge`: a sweep on a Slurm
// cluster. The files are written by the lab (app/lab/slurm.h), the merge is the storage's
// (Database::mergeShards); this file adds the CLI's words, the sbatch calls and exit codes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "app/lab/slurm.h"
#include "app/lab/sweep.h"
#include "engine/experiment.h"
#include "storage/database.h"

namespace sublab::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string selfExe() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("sublab") : p.string();
}

// Runs `sbatch --parsable ARGS SCRIPT` in `dir`; returns the job id. Throws Error with sbatch's
// own message when it fails.
std::string sbatch(const std::string& dir, const std::string& args, const std::string& script) {
  const std::string cmd = "cd " + shellQuote(dir) + " && sbatch --parsable " + args + " " +
                          shellQuote(script) + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("cannot start sbatch");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (rc != 0)
    throw Error("sbatch " + script + " failed: " + out + "; the scripts are in " + dir +
                ": fix them (or the options) and submit by hand");
  const std::string id = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  return id.substr(0, id.find(';'));
}

bool onPath(const std::string& exe) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string all = path;
  size_t start = 0;
  while (start <= all.size()) {
    const size_t colon = all.find(':', start);
    const std::string d = all.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!d.empty() && access((fs::path(d) / exe).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

// Output of a shell command (stderr dropped); empty when it fails.
std::string capture(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!pipe) return {};
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  if (pclose(pipe) != 0) return {};
  return out;
}

std::string field(const std::string& text, const std::string& key) {
  const size_t at = text.find(" " + key + "=");
  const size_t at2 = at == std::string::npos ? text.find(key + "=") : at + 1;
  if (at2 == std::string::npos) return {};
  const size_t start = at2 + key.size() + 1;
  const size_t end = text.find_first_of(" \n", start);
  return text.substr(start, end == std::string::npos ? end : end - start);
}

struct PointState {
  int index = 0;
  json values;
  std::string shard;
  std::string slurmState;  // PENDING, RUNNING, COMPLETED, FAILED, ... ("" = unknown)
  std::string exitCode;
  std::string run;  // the shard's run status: done, failed, running, ... ("" = no shard)
  std::string error;
  bool needsRerun() const {
    if (slurmState == "PENDING" || slurmState == "RUNNING" || slurmState == "CONFIGURING" ||
        slurmState == "COMPLETING")
      return false;
    return run != "done";
  }
};

std::vector<PointState> pointStates(const json& m) {
  std::vector<PointState> out;
  const std::string arrayId = m["jobs"].value("array", std::string());
  for (const auto& p : m["points"]) {
    PointState s;
    s.index = p["index"].get<int>();
    s.values = p.value("values", json());
    s.shard = p["shard"].get<std::string>();
    if (!arrayId.empty()) {
      const std::string task = arrayId + "_" + std::to_string(s.index);
      const std::string sc = capture("scontrol show job " + shellQuote(task));
      if (!sc.empty()) {
        s.slurmState = field(sc, "JobState");
        s.exitCode = field(sc, "ExitCode");
      } else {
        // Accounting, where the cluster has it: "STATE|EXIT" of the task's allocation.
        const std::string sa = capture("sacct -n -P -X -o State,ExitCode -j " + shellQuote(task));
        const size_t bar = sa.find('|');
        if (bar != std::string::npos) {
          s.slurmState = sa.substr(0, sa.find(' ') < bar ? sa.find(' ') : bar);
          s.exitCode = sa.substr(bar + 1, sa.find('\n') - bar - 1);
        }
      }
    }
    if (fs::exists(s.shard)) {
      try {
        OpenOptions oo;
        oo.create = false;
        oo.readOnly = true;
        oo.markInterrupted = false;
        Database shard(s.shard, oo);
        for (const auto& sw : shard.sweeps())
          for (const auto& pt : shard.sweepPoints(sw.id))
            if (pt.index == s.index && pt.runId)
              if (const auto r = shard.findRun(pt.runId)) {
                s.run = toString(r->status);
                s.error = r->error;
              }
      } catch (const Error& e) {
        s.run = "unreadable";
        s.error = e.what();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

int cmdSweepStatus(const std::string& manifestPath, bool asJson) {
  const json m = readSweepManifest(manifestPath);
  const auto states = pointStates(m);
  json points = json::array();
  for (const auto& s : states)
    points.push_back({{"index", s.index},
                      {"values", s.values},
                      {"slurm_state", s.slurmState},
                      {"exit_code", s.exitCode},
                      {"run", s.run},
                      {"error", s.error},
                      {"needs_rerun", s.needsRerun()}});
  if (asJson) {
    std::cout << json{{"name", m.value("name", "")}, {"jobs", m["jobs"]}, {"points", points}}.dump(
                     2)
              << std::endl;
    return kExitOk;
  }
  std::printf("sweep \"%s\": job array %s, merge job %s\n", m.value("name", "").c_str(),
              m["jobs"].value("array", std::string("-")).c_str(),
              m["jobs"].value("merge", std::string("-")).c_str());
  for (const auto& s : states)
    std::printf("%3d  %-30s  slurm %-11s exit %-5s run %-11s %s\n", s.index,
                s.values.dump().c_str(), s.slurmState.empty() ? "unknown" : s.slurmState.c_str(),
                s.exitCode.empty() ? "-" : s.exitCode.c_str(),
                s.run.empty() ? "none" : s.run.c_str(), s.error.c_str());
  return kExitOk;
}

int cmdSweepResubmit(const std::string& manifestPath) {
  json m = readSweepManifest(manifestPath);
  std::string list;
  for (const auto& s : pointStates(m))
    if (s.needsRerun()) list += (list.empty() ? "" : ",") + std::to_string(s.index);
  if (list.empty()) {
    std::printf("nothing to resubmit: every point is done, queued or running\n");
    return kExitOk;
  }
  if (!onPath("sbatch"))
    throw Error("sbatch is not on the PATH; run this on the cluster's login node");
  const std::string dir = m.value("dir", fs::path(manifestPath).parent_path().string());
  const std::string arrayId = sbatch(dir, "--array=" + list, "sweep-array.sbatch");
  const std::string mergeId = sbatch(dir, "--dependency=afterany:" + arrayId, "sweep-merge.sbatch");
  m["resubmitted"].push_back({{"points", list}, {"array", arrayId}, {"merge", mergeId}});
  m["jobs"] = {{"array", arrayId}, {"merge", mergeId}};
  std::ofstream(manifestPath, std::ios::trunc) << m.dump(2) << "\n";
  std::printf("resubmitted points %s as job array %s; merge job %s after it\n", list.c_str(),
              arrayId.c_str(), mergeId.c_str());
  return kExitOk;
}

int cmdSweepSlurm(const SweepCliOptions& o) {
  const SweepPlan plan = loadSweepPlan(o.plan);
  SlurmOptions so;
  so.partition = o.partition;
  so.time = o.time;
  so.cpusPerTask = o.cpusPerTask;
  so.gres = o.gres;
  so.mem = o.mem;
  so.maxParallel = o.maxParallel;
  so.sbatchArgs = o.sbatchArgs;
  so.device = o.device;
  checkSlurmOptions(so);
  std::string dir = o.dir;
  if (dir.empty()) {
    const fs::path p(o.plan);
    dir = (p.parent_path() / (p.stem().string() + "-slurm")).string();
  }
  const std::string db = resolveDb(o.db);
  const SlurmSweepFiles f = writeSlurmSweep(plan, so, selfExe(), o.plan, dir, db);
  std::fprintf(stderr,
               "sublab: sweep \"%s\": %zu point%s; wrote %s, %s and %s (shards go to %s/shards)\n",
               plan.name.c_str(), plan.points.size(), plan.points.size() == 1 ? "" : "s",
               f.arrayScript.c_str(), f.mergeScript.c_str(), f.manifest.c_str(), f.dir.c_str());
  json manifest = readSweepManifest(f.manifest);
  if (!o.noSubmit) {
    if (!onPath("sbatch"))
      throw Error(
          "sbatch is not on the PATH (is this a Slurm login node?); the scripts are "
          "written: copy " +
          f.dir +
          " to the cluster and run `sbatch sweep-array.sbatch` there, or pass "
          "--no-submit");
    const std::string arrayId = sbatch(f.dir, "", "sweep-array.sbatch");
    const std::string mergeId =
        sbatch(f.dir, "--dependency=afterany:" + arrayId, "sweep-merge.sbatch");
    manifest["jobs"] = {{"array", arrayId}, {"merge", mergeId}};
    std::ofstream(f.manifest, std::ios::trunc) << manifest.dump(2) << "\n";
    std::fprintf(stderr,
                 "sublab: submitted job array %s (%zu tasks) and merge job %s (after the "
                 "array); results land in %s\n",
                 arrayId.c_str(), plan.points.size(), mergeId.c_str(), db.c_str());
  } else {
    std::fprintf(stderr,
                 "sublab: not submitted (--no-submit); submit with: cd %s && jid=$(sbatch "
                 "--parsable sweep-array.sbatch) && sbatch --dependency=afterany:$jid "
                 "sweep-merge.sbatch\n",
                 shellQuote(f.dir).c_str());
  }
  if (o.json) std::cout << manifest.dump(2) << std::endl;
  return kExitOk;
}

int cmdSweepPoint(const SweepPointCliOptions& o) {
  const SweepPlan plan = loadSweepPlan(o.plan);
  if (o.point < 0 || o.point >= static_cast<int>(plan.points.size()))
    throw Error("--point " + std::to_string(o.point) + ": the sweep \"" + plan.name + "\" has " +
                std::to_string(plan.points.size()) + " points, 0 to " +
                std::to_string(plan.points.size() - 1));
  SweepOptions options;
  options.onlyPoint = o.point;
  options.runtime.device = o.device;
  options.runtime.threads = o.threads;
  if (o.threads == 0)
    if (const char* cpus = std::getenv("SLURM_CPUS_PER_TASK"); cpus && std::atoi(cpus) > 0)
      options.runtime.threads = std::atoi(cpus);
  if (!o.noCache) options.runtime.cacheDir = o.cacheDir.empty() ? defaultCacheDir() : o.cacheDir;
  {
    RuntimeOptions check = options.runtime;
    configureRuntime(check);
  }
  Database db(o.shard);
  options.cancel = &cancelOnSignals();
  std::fprintf(stderr, "sublab: sweep \"%s\" point %d of %zu %s into %s (%d threads)\n",
               plan.name.c_str(), o.point, plan.points.size(),
               plan.points[o.point].values.dump().c_str(), o.shard.c_str(),
               options.runtime.threads);
  const SweepOutcome out = runSweep(db, plan, options);
  const SweepPointOutcome& p = out.points[o.point];
  std::fprintf(stderr, "sublab: point %d: run %lld %s%s%s\n", o.point,
               static_cast<long long>(p.runId),
               p.skipped ? ("skipped, " + p.message).c_str() : toString(p.status).c_str(),
               !p.skipped && !p.message.empty() ? ": " : "", p.skipped ? "" : p.message.c_str());
  if (p.status == RunStatus::Cancelled) return kExitCancelled;
  if (p.status == RunStatus::Failed) return kExitRunFailed;
  return kExitOk;
}

int cmdSweepMerge(const std::vector<std::string>& inputs, const std::string& dbArg, bool asJson) {
  std::vector<std::string> shards;
  std::string planHash;
  std::string db = dbArg;
  json missing = json::array();
  if (inputs.size() == 1 && fs::path(inputs[0]).extension() == ".json") {
    const json m = readSweepManifest(inputs[0]);
    planHash = m["plan_hash"].get<std::string>();
    if (db.empty() && m.contains("db") && m["db"].is_string()) db = m["db"].get<std::string>();
    for (const auto& p : m["points"]) {
      const std::string shard = p["shard"].get<std::string>();
      if (fs::exists(shard)) {
        shards.push_back(shard);
      } else {
        missing.push_back(p["index"]);
        std::fprintf(stderr,
                     "sublab: point %d has no shard %s (its task never started, or failed "
                     "before opening it); `sublab sweep-point` runs it\n",
                     p["index"].get<int>(), shard.c_str());
      }
    }
  } else {
    shards = inputs;
  }
  Database project(resolveDb(db));
  MergeReport r;
  try {
    r = project.mergeShards(shards, planHash);
  } catch (const Error& e) {
    // The advice for a bad --db does not fit a bad shard: say what to do with the shard.
    throw Error(std::string(e.what()) +
                "; move that shard aside (or run its point again with `sublab sweep-point`) and "
                "merge again");
  }
  int added = 0, skipped = 0, interrupted = 0;
  for (const auto& s : r.shards) {
    added += s.added;
    skipped += s.skipped;
    interrupted += s.interrupted;
    std::fprintf(stderr, "sublab: %s: %d run%s added (%d interrupted), %d already here\n",
                 s.path.c_str(), s.added, s.added == 1 ? "" : "s", s.interrupted, s.skipped);
  }
  if (asJson) {
    std::cout << json{{"sweep_id", r.sweepId}, {"db", project.path()}, {"shards", r.shards.size()},
                      {"added", added},        {"skipped", skipped},   {"interrupted", interrupted},
                      {"missing", missing}}
                     .dump(2)
              << std::endl;
  } else {
    std::printf(
        "merged %zu shard%s into %s (sweep %lld): %d run%s added, %d interrupted, %d "
        "already there\n",
        r.shards.size(), r.shards.size() == 1 ? "" : "s", project.path().c_str(),
        static_cast<long long>(r.sweepId), added, added == 1 ? "" : "s", interrupted, skipped);
  }
  return kExitOk;
}

}  // namespace sublab::cli
