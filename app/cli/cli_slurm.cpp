// `sublab sweep PLAN --slurm`, `sweep status`, `sweep resubmit`, `sweep-point` and `sweep-merge`:
// a sweep on a Slurm cluster. Submission, state, resubmission and merge are the lab's
// (app/lab/slurm_jobs.h); this file adds the CLI's words and exit codes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "app/lab/slurm.h"
#include "app/lab/slurm_jobs.h"
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

bool isId(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// What `sweep status` / `sweep resubmit` work on: the manifest (by the sweep's id in the project
// database, or given as a path) and the project database when there is one.
struct SlurmTarget {
  std::string manifest;
  std::unique_ptr<Database> project;
  int64_t sweepId = 0;
};

SlurmTarget resolveTarget(const std::string& target, const std::string& dbArg) {
  SlurmTarget t;
  if (isId(target)) {
    t.project = openExisting(resolveDb(dbArg), false);
    t.sweepId = std::stoll(target);
    t.manifest = sweepManifestPath(*t.project, t.sweepId);
    return t;
  }
  t.manifest = target;
  const json m = readSweepManifest(target);
  const std::string db = !dbArg.empty() ? dbArg : m.value("db", std::string());
  // The project database exists once the sweep was submitted (or merged); a manifest given by
  // path is remembered with its sweep, so a folder that moved is found by id again.
  if (!db.empty() && fs::exists(db)) {
    t.project = openExisting(db, false);
    t.sweepId = linkSweepManifest(*t.project, target);
  }
  return t;
}

std::string idOrPath(const SlurmTarget& t) {
  return t.sweepId ? std::to_string(t.sweepId) + " --db " +
                         shellQuote(fs::absolute(t.project->path()).lexically_normal().string())
                   : shellQuote(t.manifest);
}

}  // namespace

int cmdSweepStatus(const std::string& target, const std::string& dbArg, bool asJson) {
  SlurmTarget t = resolveTarget(target, dbArg);
  const json m = readSweepManifest(t.manifest);
  const auto states = slurmPointStates(m, t.project.get());
  json points = json::array();
  int rerun = 0;
  for (const auto& s : states) {
    rerun += s.needsRerun();
    points.push_back({{"index", s.index},
                      {"values", s.values},
                      {"job", s.job},
                      {"slurm_state", s.slurmState},
                      {"exit_code", s.exitCode},
                      {"run", s.run},
                      {"run_id", s.projectRun},
                      {"error", s.message},
                      {"needs_rerun", s.needsRerun()}});
  }
  if (asJson) {
    std::cout << json{{"sweep_id", t.sweepId},
                      {"name", m.value("name", "")},
                      {"manifest", t.manifest},
                      {"jobs", m["jobs"]},
                      {"points", points}}
                     .dump(2, ' ', false, json::error_handler_t::replace)
              << std::endl;
    return kExitOk;
  }
  std::printf("sweep %s\"%s\": job array %s, merge job %s; files in %s\n",
              t.sweepId ? (std::to_string(t.sweepId) + " ").c_str() : "",
              m.value("name", "").c_str(), m["jobs"].value("array", std::string("-")).c_str(),
              m["jobs"].value("merge", std::string("-")).c_str(),
              m.value("dir", std::string()).c_str());
  std::printf("%5s  %-28s  %-10s  %-11s  %-5s  %-11s  %s\n", "point", "values", "task", "slurm",
              "exit", "run", "message");
  for (const auto& s : states)
    std::printf("%5d  %-28s  %-10s  %-11s  %-5s  %-11s  %s\n", s.index, s.values.dump().c_str(),
                s.job.empty() ? "-" : s.job.c_str(),
                s.slurmState.empty() ? "-" : s.slurmState.c_str(),
                s.exitCode.empty() ? "-" : s.exitCode.c_str(),
                s.run.empty() ? "none" : s.run.c_str(), s.message.c_str());
  if (rerun)
    std::printf("%d point%s failed or never ran; `sublab sweep resubmit %s` submits only those\n",
                rerun, rerun == 1 ? "" : "s", idOrPath(t).c_str());
  return kExitOk;
}

int cmdSweepResubmit(const std::string& target, const std::string& dbArg) {
  SlurmTarget t = resolveTarget(target, dbArg);
  const SlurmResubmission r = resubmitSlurmSweep(t.manifest, t.project.get());
  if (r.points.empty()) {
    std::printf("nothing to resubmit: every point is done, queued or running\n");
    return kExitOk;
  }
  std::string list;
  for (int i : r.points) {
    list += list.empty() ? "" : ",";
    list += std::to_string(i);
  }
  std::printf("resubmitted point%s %s as job array %s; merge job %s after it\n",
              r.points.size() == 1 ? "" : "s", list.c_str(), r.arrayJob.c_str(),
              r.mergeJob.c_str());
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
  if (!o.noSubmit && !commandOnPath("sbatch"))
    throw Error(
        "sbatch is not on the PATH (is this a Slurm login node?); pass --no-submit to write the "
        "scripts only, copy them to the cluster and run `sbatch sweep-array.sbatch` there");
  std::string dir = o.dir;
  if (dir.empty()) {
    const fs::path p(o.plan);
    dir = (p.parent_path() / (p.stem().string() + "-slurm")).string();
  }
  Database project(resolveDb(o.db));
  const SlurmSubmission s =
      submitSlurmSweep(project, plan, so, selfExe(), o.plan, dir, !o.noSubmit);
  const SlurmSweepFiles& f = s.files;
  const std::string projectPath = fs::absolute(project.path()).lexically_normal().string();
  std::fprintf(stderr,
               "sublab: sweep %lld \"%s\": %zu point%s; wrote %s, %s and %s (shards go to "
               "%s/shards)\n",
               static_cast<long long>(s.sweepId), plan.name.c_str(), s.points,
               s.points == 1 ? "" : "s", f.arrayScript.c_str(), f.mergeScript.c_str(),
               f.manifest.c_str(), f.dir.c_str());
  if (!o.noSubmit) {
    std::fprintf(stderr,
                 "sublab: submitted job array %s (%zu tasks) and merge job %s (after the "
                 "array); results land in %s; `sublab sweep status %lld --db %s` follows them\n",
                 s.arrayJob.c_str(), s.points, s.mergeJob.c_str(), projectPath.c_str(),
                 static_cast<long long>(s.sweepId), shellQuote(projectPath).c_str());
  } else {
    std::fprintf(stderr,
                 "sublab: not submitted (--no-submit); submit with: cd %s && jid=$(sbatch "
                 "--parsable sweep-array.sbatch) && sbatch --dependency=afterany:$jid "
                 "sweep-merge.sbatch\n",
                 shellQuote(f.dir).c_str());
  }
  if (o.json) {
    json manifest = readSweepManifest(f.manifest);
    manifest["sweep_id"] = s.sweepId;
    std::cout << manifest.dump(2) << std::endl;
  }
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
  const bool manifest = inputs.size() == 1 && fs::path(inputs[0]).extension() == ".json";
  std::string db = dbArg;
  if (manifest && db.empty()) db = readSweepManifest(inputs[0]).value("db", std::string());
  Database project(resolveDb(db));
  SlurmMerge merged;
  try {
    if (manifest)
      merged = mergeSlurmSweep(project, inputs[0]);
    else
      merged.report = project.mergeShards(inputs);
  } catch (const Error& e) {
    // The advice for a bad --db does not fit a bad shard: say what to do with the shard.
    throw Error(std::string(e.what()) +
                "; move that shard aside (or run its point again with `sublab sweep-point`) and "
                "merge again");
  }
  const MergeReport& r = merged.report;
  for (int i : merged.missing)
    std::fprintf(stderr,
                 "sublab: point %d has no shard (its task never started, or failed before "
                 "opening it); `sublab sweep resubmit` or `sublab sweep-point` runs it\n",
                 i);
  int added = 0, skipped = 0, interrupted = 0;
  for (const auto& s : r.shards) {
    added += s.added;
    skipped += s.skipped;
    interrupted += s.interrupted;
    std::fprintf(stderr, "sublab: %s: %d run%s added (%d interrupted), %d already here\n",
                 s.path.c_str(), s.added, s.added == 1 ? "" : "s", s.interrupted, s.skipped);
  }
  if (asJson) {
    std::cout << json{{"sweep_id", r.sweepId},     {"db", project.path()},
                      {"shards", r.shards.size()}, {"added", added},
                      {"skipped", skipped},        {"interrupted", interrupted},
                      {"missing", merged.missing}}
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
