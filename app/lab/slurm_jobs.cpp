// A sweep on a Slurm cluster: submission, state, resubmission and merge (see slurm_jobs.h).
#include "app/lab/slurm_jobs.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace sublab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Output of a shell command; `ok` says whether it exited 0.
std::string capture(const std::string& cmd, bool* ok = nullptr) {
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    if (ok) *ok = false;
    return {};
  }
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = pclose(pipe);
  if (ok) *ok = rc == 0;
  return out;
}

// "KEY=value" out of scontrol's "A=1 B=2" text.
std::string field(const std::string& text, const std::string& key) {
  size_t at = text.find(" " + key + "=");
  at = at == std::string::npos ? (text.rfind(key + "=", 0) == 0 ? 0 : at) : at + 1;
  if (at == std::string::npos) return {};
  const size_t start = at + key.size() + 1;
  const size_t end = text.find_first_of(" \n", start);
  return text.substr(start, end == std::string::npos ? end : end - start);
}

std::string lastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

void writeManifest(const std::string& path, const json& m) {
  std::ofstream out(path, std::ios::trunc);
  out << m.dump(2) << "\n";
  out.close();
  if (!out)
    throw Error("cannot write the manifest " + path + "; check that its folder is writable");
}

// The project's sweep with this plan hash (0 = none).
int64_t sweepByHash(Database& project, const std::string& hash) {
  for (const auto& s : project.sweeps())
    if (s.planHash == hash) return s.id;
  return 0;
}

void readRun(Database& db, int64_t runId, SlurmPointState& s) {
  if (const auto r = runId ? db.findRun(runId) : std::nullopt) {
    s.run = toString(r->status);
    s.message = r->error;
  }
}

}  // namespace

bool commandOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  const std::string all = path;
  size_t start = 0;
  while (start <= all.size()) {
    const size_t colon = all.find(':', start);
    const std::string d = all.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!d.empty() && access((fs::path(d) / name).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

std::string runSbatch(const std::string& dir, const std::string& args, const std::string& script) {
  if (!commandOnPath("sbatch"))
    throw Error("sbatch is not on the PATH (is this a Slurm login node?); the scripts are in " +
                dir + ": submit them there by hand (`sbatch " + script + "`)");
  bool ok = false;
  std::string out = capture("cd " + shellQuote(dir) + " && sbatch --parsable " + args + " " +
                                shellQuote(script) + " 2>&1",
                            &ok);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (!ok)
    throw Error("sbatch " + script + " failed: " + out + "; the scripts are in " + dir +
                ": fix them (or the options) and submit by hand");
  // --parsable prints "ID" or "ID;CLUSTER" on its last line (warnings may come before).
  const size_t nl = out.rfind('\n');
  const std::string id = out.substr(nl == std::string::npos ? 0 : nl + 1);
  return id.substr(0, id.find(';'));
}

std::string findSublab(const std::string& exeDir) {
  // SUBLAB_CLI: an installation that keeps the CLI elsewhere (and the tests).
  if (const char* env = std::getenv("SUBLAB_CLI"); env && *env && access(env, X_OK) == 0)
    return fs::absolute(env).lexically_normal().string();
  for (const fs::path& p : {fs::path(exeDir) / "sublab", fs::path(exeDir).parent_path() / "sublab"})
    if (access(p.c_str(), X_OK) == 0) return fs::absolute(p).lexically_normal().string();
  if (commandOnPath("sublab")) {
    const std::string found = capture("command -v sublab");
    return found.substr(0, found.find('\n'));
  }
  throw Error("the Slurm tasks run the `sublab` CLI, and there is none beside " + exeDir +
              " or on the PATH; build it (ninja -C build sublab) or put it on the PATH");
}

SlurmSubmission submitSlurmSweep(Database& project, const SweepPlan& plan, const SlurmOptions& o,
                                 const std::string& sublab, const std::string& planPath,
                                 const std::string& dir, bool submit) {
  SlurmSubmission s;
  s.files = writeSlurmSweep(plan, o, sublab, planPath, dir, project.path());
  s.points = plan.points.size();
  const SweepInfo sweep = project.findOrCreateSweep(plan.name, plan.normalized, plan.hash);
  s.sweepId = sweep.id;
  // The points are listed at once (without runs): `sublab sweeps ID` shows what is coming, and
  // a point already done in the project (an earlier submission, merged) keeps its run.
  const auto have = project.sweepPoints(sweep.id);
  for (const auto& p : plan.points) {
    bool known = false;
    for (const auto& h : have) known = known || (h.index == p.index && h.runId);
    if (!known) project.setSweepPoint(sweep.id, p.index, p.values, 0);
  }
  project.setSweepManifest(sweep.id, s.files.manifest);
  if (!submit) return s;
  json manifest = readSweepManifest(s.files.manifest);
  s.arrayJob = runSbatch(s.files.dir, "", "sweep-array.sbatch");
  s.mergeJob = runSbatch(s.files.dir, "--dependency=afterany:" + s.arrayJob, "sweep-merge.sbatch");
  manifest["jobs"] = {{"array", s.arrayJob}, {"merge", s.mergeJob}};
  for (auto& p : manifest["points"]) p["job"] = s.arrayJob;
  writeManifest(s.files.manifest, manifest);
  return s;
}

std::string defaultSlurmDir(const std::string& dbPath, const json& planJson) {
  const SweepPlan plan = parseSweepPlan(planJson);
  std::string name;
  for (char c : plan.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  const fs::path db = fs::absolute(dbPath);
  return (db.parent_path() / "slurm" / (name + "-" + plan.hash.substr(0, 8))).string();
}

SlurmSubmission submitSlurmSweepPlan(Database& project, const json& planJson, const SlurmOptions& o,
                                     const std::string& sublab, const std::string& dirArg,
                                     bool submit) {
  checkSlurmOptions(o);
  parseSweepPlan(planJson);  // a bad plan is refused before any file is written
  const std::string dir = dirArg.empty() ? defaultSlurmDir(project.path(), planJson) : dirArg;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create the folder " + dir + ": " + ec.message());
  const std::string planPath = (fs::path(dir) / "plan.json").string();
  {
    std::ofstream out(planPath, std::ios::trunc);
    out << planJson.dump(2) << "\n";
    out.close();
    if (!out) throw Error("cannot write " + planPath + "; check that the folder is writable");
  }
  // Read back as the tasks will read it: the same plan, the same hash.
  return submitSlurmSweep(project, loadSweepPlan(planPath), o, sublab, planPath, dir, submit);
}

std::string sweepManifestPath(Database& project, int64_t sweepId) {
  const SweepInfo sweep = project.sweep(sweepId);
  const std::string path = project.sweepManifest(sweepId);
  const std::string id = std::to_string(sweepId);
  if (path.empty())
    throw Error("sweep " + id + " (\"" + sweep.name +
                "\") was never submitted to Slurm (it ran "
                "here; `sublab sweeps " +
                id +
                "` shows its points); a sweep submitted with an "
                "older sublab is found by its manifest: `sublab sweep status DIR/manifest.json "
                "--db " +
                project.path() + "`");
  if (!fs::exists(path))
    throw Error("the Slurm files of sweep " + id + " (\"" + sweep.name + "\") are no longer at " +
                path +
                " (moved or deleted); give the manifest's new place once: `sublab sweep "
                "status NEW/manifest.json --db " +
                project.path() +
                "` (the project then "
                "remembers it)");
  return path;
}

int64_t linkSweepManifest(Database& project, const std::string& manifestPath) {
  const json m = readSweepManifest(manifestPath);
  const int64_t id = sweepByHash(project, m["plan_hash"].get<std::string>());
  const std::string abs = fs::absolute(manifestPath).lexically_normal().string();
  if (id && project.sweepManifest(id) != abs) project.setSweepManifest(id, abs);
  return id;
}

bool SlurmPointState::active() const {
  return slurmState == "PENDING" || slurmState == "RUNNING" || slurmState == "CONFIGURING" ||
         slurmState == "COMPLETING" || slurmState == "REQUEUED" || slurmState == "RESIZING" ||
         slurmState == "SUSPENDED";
}

bool SlurmPointState::needsRerun() const { return !active() && run != "done"; }

std::vector<SlurmPointState> slurmPointStates(const json& m, Database* project) {
  std::vector<SlurmPointState> out;
  const std::string arrayId = m["jobs"].value("array", std::string());
  std::vector<SweepPointInfo> merged;
  if (project)
    if (const int64_t id = sweepByHash(*project, m["plan_hash"].get<std::string>()))
      merged = project->sweepPoints(id);
  const std::string logs = (fs::path(m.value("dir", std::string())) / "logs").string();
  for (const auto& p : m["points"]) {
    SlurmPointState s;
    s.index = p["index"].get<int>();
    s.values = p.value("values", json());
    s.shard = p["shard"].get<std::string>();
    const std::string job = p.value("job", arrayId);
    if (!job.empty()) {
      s.job = job + "_" + std::to_string(s.index);
      bool ok = false;
      const std::string sc =
          capture("scontrol show job " + shellQuote(s.job) + " 2>/dev/null", &ok);
      if (ok && !sc.empty()) {
        s.slurmState = field(sc, "JobState");
        s.exitCode = field(sc, "ExitCode");
      } else if (commandOnPath("sacct")) {
        // Accounting, where the cluster has it: "STATE|EXIT" of the task's allocation.
        const std::string sa =
            capture("sacct -n -P -X -o State,ExitCode -j " + shellQuote(s.job) + " 2>/dev/null");
        const size_t bar = sa.find('|');
        if (bar != std::string::npos) {
          s.slurmState = sa.substr(0, std::min(sa.find(' '), bar));  // "CANCELLED by 0"
          s.exitCode = sa.substr(bar + 1, sa.find('\n') - bar - 1);
        }
      }
    }
    std::string mergedUuid;
    for (const auto& mp : merged)
      if (mp.index == s.index && mp.runId) {
        s.projectRun = mp.runId;
        mergedUuid = project->runUuid(mp.runId);
        readRun(*project, mp.runId, s);
      }
    // The shard knows more than the project until the merge: a run still going, or a newer
    // run (resubmitted) than the failed or interrupted one merged before.
    const bool resubmitted = s.active() && !s.run.empty() && s.run != "done";
    if (resubmitted) {  // the earlier run's failure is history now
      s.run.clear();
      s.message.clear();
    }
    if ((s.run.empty() || s.run == "interrupted") && fs::exists(s.shard)) {
      try {
        OpenOptions oo;
        oo.create = false;
        oo.readOnly = true;
        oo.markInterrupted = false;
        Database shard(s.shard, oo);
        for (const auto& sw : shard.sweeps())
          for (const auto& pt : shard.sweepPoints(sw.id))
            if (pt.index == s.index && pt.runId && shard.runUuid(pt.runId) != mergedUuid)
              readRun(shard, pt.runId, s);
      } catch (const Error& e) {
        s.run = "unreadable";
        s.message = e.what();
      }
    }
    // A shard's run left "running" by a task Slurm says has ended was cut off (killed, out of
    // time): it is interrupted, as the merge will record it.
    if ((s.run == "running" || s.run == "queued") && !s.slurmState.empty() && !s.active())
      s.run = "interrupted";
    // A task that failed before its run could say why (a bad option, a missing file): its log.
    if (s.message.empty() && s.run != "done" && !s.active() && !s.exitCode.empty() &&
        s.exitCode != "0:0")
      s.message =
          lastLine((fs::path(logs) / ("point-" + std::to_string(s.index) + ".out")).string());
    out.push_back(std::move(s));
  }
  return out;
}

SlurmResubmission resubmitSlurmSweep(const std::string& manifestPath, Database* project) {
  json m = readSweepManifest(manifestPath);
  SlurmResubmission r;
  std::string list;
  for (const auto& s : slurmPointStates(m, project))
    if (s.needsRerun()) {
      r.points.push_back(s.index);
      list += list.empty() ? "" : ",";
      list += std::to_string(s.index);
    }
  if (r.points.empty()) return r;
  const std::string dir = m["dir"].get<std::string>();
  r.arrayJob = runSbatch(dir, "--array=" + list, "sweep-array.sbatch");
  r.mergeJob = runSbatch(dir, "--dependency=afterany:" + r.arrayJob, "sweep-merge.sbatch");
  const std::set<int> again(r.points.begin(), r.points.end());
  for (auto& p : m["points"]) {
    if (!p.contains("job")) p["job"] = m["jobs"].value("array", std::string());
    if (again.count(p["index"].get<int>())) p["job"] = r.arrayJob;
  }
  m["resubmitted"].push_back({{"points", list}, {"array", r.arrayJob}, {"merge", r.mergeJob}});
  m["jobs"] = {{"array", r.arrayJob}, {"merge", r.mergeJob}};
  writeManifest(manifestPath, m);
  return r;
}

SlurmMerge mergeSlurmSweep(Database& project, const std::string& manifestPath) {
  const json m = readSweepManifest(manifestPath);
  SlurmMerge out;
  std::vector<std::string> shards;
  for (const auto& p : m["points"]) {
    const std::string shard = p["shard"].get<std::string>();
    if (fs::exists(shard))
      shards.push_back(shard);
    else
      out.missing.push_back(p["index"].get<int>());
  }
  out.report = project.mergeShards(shards, m["plan_hash"].get<std::string>());
  linkSweepManifest(project, manifestPath);
  return out;
}

}  // namespace sublab
