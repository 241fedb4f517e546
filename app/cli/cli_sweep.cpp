// `sublab sweep PLAN.json` and `sublab sweeps [ID]`: the plan is read and every point validated
// by the lab (app/lab/sweep.h) before the database is opened; the points run through the same
// run lifecycle as `sublab run`. This file adds only the CLI's words: a line per point, the
// resume notes, the --json result, exit codes.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "app/lab/sweep.h"
#include "engine/experiment.h"
#include "storage/database.h"

namespace sublab::cli {

namespace {

using nlohmann::json;

// The run's headline effect (the kind's, e.g. transfer) with its CI; null when it has none.
json effectJson(const RunInfo& run) {
  const KindDescription* kind = findKind(run.kind);
  if (!kind) return nullptr;
  for (const auto& list : {run.contrasts, run.conditions})
    for (const auto& c : list)
      if (c.condition == kind->effect.name) {
        auto num = [](double v) { return std::isnan(v) ? json() : json(v); };
        // One repetition has no interval: null, never a zero-width one that looks certain.
        const bool hasCi = c.value.n >= 2;
        return {{"name", c.condition},
                {"mean", num(c.value.mean)},
                {"lo", hasCi ? num(c.value.lo) : json()},
                {"hi", hasCi ? num(c.value.hi) : json()},
                {"n", c.value.n}};
      }
  return nullptr;
}

std::string effectText(const json& e) {
  if (e.is_null() || e["mean"].is_null()) return "-";
  char buf[128];
  if (e["lo"].is_null() || e["hi"].is_null()) {
    std::snprintf(buf, sizeof buf, "%s %+.4f n=%d (no CI: give the sweep 2+ seeds)",
                  e["name"].get<std::string>().c_str(), e["mean"].get<double>(), e["n"].get<int>());
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%s %+.4f [%+.4f, %+.4f] n=%d",
                e["name"].get<std::string>().c_str(), e["mean"].get<double>(),
                e["lo"].is_null() ? NAN : e["lo"].get<double>(),
                e["hi"].is_null() ? NAN : e["hi"].get<double>(), e["n"].get<int>());
  return buf;
}

json pointJson(Database& db, int index, const json& values, int64_t runId) {
  json j = {{"index", index}, {"values", values}, {"run_id", runId}};
  const auto run = runId ? db.findRun(runId) : std::nullopt;
  j["status"] = run ? toString(run->status) : "none";
  j["effect"] = run ? effectJson(*run) : json();
  if (run && !run->error.empty()) j["error"] = run->error;
  return j;
}

}  // namespace

int cmdSweep(const SweepCliOptions& o) {
  if (o.slurm) return cmdSweepSlurm(o);
  // 1. The plan, every point validated before the database is opened.
  const SweepPlan plan = loadSweepPlan(o.plan);
  SweepOptions options;
  options.parallel = o.parallel;
  options.runtime.device = o.device;
  options.runtime.threads = o.threads;
  if (!o.noCache) options.runtime.cacheDir = o.cacheDir.empty() ? defaultCacheDir() : o.cacheDir;
  {
    RuntimeOptions check = options.runtime;
    configureRuntime(check);
  }
  // 2. The database and the sweep.
  Database db(resolveDb(o.db));
  for (int64_t id : db.recoveredRuns())
    std::fprintf(stderr,
                 "sublab: note: run %lld was left unfinished by a process that ended; "
                 "marked interrupted\n",
                 static_cast<long long>(id));
  options.cancel = &cancelOnSignals();
  const size_t total = plan.points.size();
  options.report = [&](const SweepPointOutcome& p, bool finished) {
    const std::string values = p.values.dump();
    const long long id = p.runId;
    if (!finished) {
      std::fprintf(stderr, "sublab: sweep point %d/%zu %s: run %lld started%s%s\n", p.index + 1,
                   total, values.c_str(), id,
                   p.previous.empty() ? "" : ", again: the earlier run was ", p.previous.c_str());
      return;
    }
    if (p.skipped) {
      std::fprintf(stderr, "sublab: sweep point %d/%zu %s: skipped, run %lld %s\n", p.index + 1,
                   total, values.c_str(), id, p.message.c_str());
      return;
    }
    std::fprintf(stderr, "sublab: sweep point %d/%zu %s: run %lld %s%s%s (%.1f s)\n", p.index + 1,
                 total, values.c_str(), id, toString(p.status).c_str(),
                 p.message.empty() ? "" : ": ", p.message.c_str(), p.seconds);
  };
  std::fprintf(stderr, "sublab: sweep \"%s\": %zu point%s into %s\n", plan.name.c_str(), total,
               total == 1 ? "" : "s", db.path().c_str());
  const SweepOutcome out = runSweep(db, plan, options);
  std::fprintf(stderr, "sublab: sweep %lld %s\n", static_cast<long long>(out.sweep.id),
               out.created ? "created" : "resumed (same plan stored before)");

  int failed = 0, cancelled = 0;
  json points = json::array();
  for (const auto& p : out.points) {
    if (p.status == RunStatus::Failed) ++failed;
    if (p.status == RunStatus::Cancelled) ++cancelled;
    json j = pointJson(db, p.index, p.values, p.runId);
    j["skipped"] = p.skipped;
    points.push_back(j);
  }
  if (o.json) {
    std::cout << json{{"sweep_id", out.sweep.id}, {"uuid", out.sweep.uuid},
                      {"name", out.sweep.name},   {"resumed", !out.created},
                      {"db", db.path()},          {"points", points}}
                     .dump(2, ' ', false, json::error_handler_t::replace)
              << std::endl;
  } else {
    for (const auto& p : points)
      std::printf("%3d  %-40s  run %-5lld %-11s %s\n", p["index"].get<int>() + 1,
                  p["values"].dump().c_str(), p["run_id"].get<long long>(),
                  p["status"].get<std::string>().c_str(), effectText(p["effect"]).c_str());
  }
  if (cancelled) return kExitCancelled;
  if (failed) {
    std::fprintf(stderr,
                 "sublab: %d point%s failed; run the same command again to retry only those\n",
                 failed, failed == 1 ? "" : "s");
    return kExitRunFailed;
  }
  return kExitOk;
}

int cmdSweeps(const std::string& dbArg, long long sweepId, bool json) {
  const auto db = openExisting(resolveDb(dbArg));
  if (sweepId <= 0) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& s : db->sweeps()) {
      const auto points = db->sweepPoints(s.id);
      int done = 0;
      for (const auto& p : points)
        if (const auto r = p.runId ? db->findRun(p.runId) : std::nullopt;
            r && r->status == RunStatus::Done)
          ++done;
      const int planned = s.plan.is_object() ? static_cast<int>(points.size()) : 0;
      all.push_back(
          {{"id", s.id}, {"name", s.name}, {"uuid", s.uuid}, {"points", planned}, {"done", done}});
    }
    if (json) {
      std::cout << all.dump(2) << std::endl;
    } else if (all.empty()) {
      std::printf("no sweeps in %s (`sublab sweep PLAN.json` runs one)\n", db->path().c_str());
    } else {
      for (const auto& s : all)
        std::printf("%3lld  %-30s  %d/%d points done\n", s["id"].get<long long>(),
                    s["name"].get<std::string>().c_str(), s["done"].get<int>(),
                    s["points"].get<int>());
    }
    return kExitOk;
  }
  const SweepInfo s = db->sweep(sweepId);
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : db->sweepPoints(s.id))
    points.push_back(pointJson(*db, p.index, p.values, p.runId));
  if (json) {
    std::cout << nlohmann::json{{"sweep_id", s.id},
                                {"uuid", s.uuid},
                                {"name", s.name},
                                {"plan", s.plan},
                                {"points", points}}
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
    return kExitOk;
  }
  std::printf("sweep %lld: %s\n", static_cast<long long>(s.id), s.name.c_str());
  for (const auto& p : points)
    std::printf("%3d  %-40s  run %-5lld %-11s %s\n", p["index"].get<int>() + 1,
                p["values"].dump().c_str(), p["run_id"].get<long long>(),
                p["status"].get<std::string>().c_str(), effectText(p["effect"]).c_str());
  return kExitOk;
}

}  // namespace sublab::cli
