// The files of a sweep submitted to Slurm (see slurm.h).
#include "app/lab/slurm.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>

namespace sublab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// An option value that goes on an #SBATCH line: no whitespace, quotes or shell specials, so
// sbatch reads it as one word.
void checkWord(const std::string& name, const std::string& value, const std::string& example) {
  static const std::regex ok(R"([A-Za-z0-9_.:,=+/@%-]+)");
  if (!value.empty() && !std::regex_match(value, ok))
    throw Error("--" + name + " \"" + value +
                "\" is not a valid Slurm value (letters, digits and _.:,=+/@%- only); e.g. --" +
                name + " " + example);
}

// A job name from the sweep's name: the characters sbatch and squeue show well.
std::string jobName(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  if (out.size() > 40) out.resize(40);
  return out.empty() ? std::string("sweep") : out;
}

std::string header(const std::string& job, const SlurmOptions& o, bool array, size_t points) {
  std::string s = "#!/bin/bash\n";
  s += "#SBATCH --job-name=" + job + "\n";
  if (array) {
    s += "#SBATCH --array=0-" + std::to_string(points - 1);
    if (o.maxParallel > 0) s += "%" + std::to_string(o.maxParallel);
    s += "\n";
    s += "#SBATCH --output=logs/point-%a.out\n";
    s += "#SBATCH --cpus-per-task=" + std::to_string(o.cpusPerTask) + "\n";
    if (!o.gres.empty()) s += "#SBATCH --gres=" + o.gres + "\n";
    if (!o.mem.empty()) s += "#SBATCH --mem=" + o.mem + "\n";
  } else {
    s += "#SBATCH --output=logs/merge.out\n";
    s += "#SBATCH --cpus-per-task=1\n";
  }
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  // Extra lines (an account, a QoS) go on both jobs: a cluster that needs them needs them for
  // the merge too.
  for (const auto& a : o.sbatchArgs) s += "#SBATCH " + a + "\n";
  return s;
}

void writeText(const std::string& path, const std::string& text, bool executable) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error("cannot write " + path + "; check that its folder is writable");
  if (executable)
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

}  // namespace

void checkSlurmOptions(const SlurmOptions& o) {
  checkWord("partition", o.partition, "gpu");
  checkWord("gres", o.gres, "gpu:1");
  checkWord("mem", o.mem, "8G");
  static const std::regex time(R"((\d+-)?\d{1,2}(:\d{2}){0,2})");
  if (!o.time.empty() && !std::regex_match(o.time, time))
    throw Error("--time \"" + o.time +
                "\" is not a Slurm time limit; give HH:MM:SS or D-HH:MM:SS, e.g. --time 02:00:00");
  if (o.cpusPerTask < 1) throw Error("--cpus-per-task must be at least 1");
  if (o.maxParallel < 0) throw Error("--max-parallel must be 0 (no limit) or more");
  for (const auto& a : o.sbatchArgs)
    if (a.empty() || a[0] != '-' || a.find_first_of("\n\r") != std::string::npos)
      throw Error("--sbatch-arg \"" + a +
                  "\" must be one sbatch option on one line, starting with -, e.g. "
                  "--sbatch-arg=--account=myproject");
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shardPath(const std::string& dir, int index) {
  return (fs::path(dir) / "shards" / ("point-" + std::to_string(index) + ".sqlite")).string();
}

std::string sbatchArrayScript(const SweepPlan& plan, const SlurmOptions& o,
                              const std::string& sublab, const std::string& planPath,
                              const std::string& dir) {
  std::string s = header("sublab-" + jobName(plan.name), o, true, plan.points.size());
  s += "#\n";
  s += "# Sweep \"" + jobName(plan.name) + "\": " + std::to_string(plan.points.size()) +
       " points, one array task each. Task K runs point K into its own shard database\n"
       "# (never concurrent SQLite writes from many nodes); the merge job folds the shards into\n"
       "# the project database. Written by `sublab sweep --slurm`; edit it freely, then submit\n"
       "# it from this folder: sbatch sweep-array.sbatch\n";
  s += "set -euo pipefail\n";
  s += "SUBLAB=" + shellQuote(sublab) + "\n";
  s += "PLAN=" + shellQuote(planPath) + "\n";
  s += "SHARDS=" + shellQuote((fs::path(dir) / "shards").string()) + "\n";
  s += "POINT=\"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it is a job array)}\"\n";
  s += "# Threads: sublab sweep-point uses SLURM_CPUS_PER_TASK.\n";
  s += "exec \"$SUBLAB\" sweep-point \"$PLAN\" --point \"$POINT\" --shard "
       "\"$SHARDS/point-$POINT.sqlite\" --device " +
       o.device + "\n";
  return s;
}

std::string sbatchMergeScript(const SweepPlan& plan, const SlurmOptions& o,
                              const std::string& sublab, const std::string& manifestPath,
                              const std::string& db) {
  std::string s = header("sublab-merge-" + jobName(plan.name), o, false, plan.points.size());
  s +=
      "#\n# Folds every shard of the sweep into the project database in one transaction\n"
      "# (idempotent: running it again adds nothing). Submitted with\n"
      "# --dependency=afterany:<array job>, so it runs when every task has ended, failed or not.\n";
  s += "set -euo pipefail\n";
  s += "SUBLAB=" + shellQuote(sublab) + "\n";
  s += "MANIFEST=" + shellQuote(manifestPath) + "\n";
  s += "DB=" + shellQuote(db) + "\n";
  s += "exec \"$SUBLAB\" sweep-merge \"$MANIFEST\" --db \"$DB\"\n";
  return s;
}

json sweepManifest(const SweepPlan& plan, const SlurmOptions& o, const std::string& sublab,
                   const std::string& planPath, const std::string& dir, const std::string& db) {
  json points = json::array();
  for (const auto& p : plan.points)
    points.push_back(
        {{"index", p.index}, {"values", p.values}, {"shard", shardPath(dir, p.index)}});
  return {{"version", 1},
          {"name", plan.name},
          {"plan", planPath},
          {"plan_hash", plan.hash},
          {"db", db},
          {"sublab", sublab},
          {"dir", dir},
          {"array_script", (fs::path(dir) / "sweep-array.sbatch").string()},
          {"merge_script", (fs::path(dir) / "sweep-merge.sbatch").string()},
          {"options",
           {{"partition", o.partition},
            {"time", o.time},
            {"cpus_per_task", o.cpusPerTask},
            {"gres", o.gres},
            {"mem", o.mem},
            {"max_parallel", o.maxParallel},
            {"sbatch_args", o.sbatchArgs},
            {"device", o.device}}},
          {"points", points},
          {"jobs", {{"array", ""}, {"merge", ""}}}};
}

SlurmSweepFiles writeSlurmSweep(const SweepPlan& plan, const SlurmOptions& o,
                                const std::string& sublab, const std::string& planPath,
                                const std::string& dirArg, const std::string& dbArg) {
  checkSlurmOptions(o);
  std::error_code ec;
  const std::string dir = fs::absolute(dirArg).lexically_normal().string();
  const std::string planAbs = fs::absolute(planPath).lexically_normal().string();
  const std::string db = fs::absolute(dbArg).lexically_normal().string();
  for (const char* sub : {"shards", "logs"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec)
      throw Error("cannot create the folder " + (fs::path(dir) / sub).string() + ": " +
                  ec.message() + "; give a writable --dir");
  }
  SlurmSweepFiles f;
  f.dir = dir;
  f.manifest = (fs::path(dir) / "manifest.json").string();
  f.arrayScript = (fs::path(dir) / "sweep-array.sbatch").string();
  f.mergeScript = (fs::path(dir) / "sweep-merge.sbatch").string();
  writeText(f.arrayScript, sbatchArrayScript(plan, o, sublab, planAbs, dir), true);
  writeText(f.mergeScript, sbatchMergeScript(plan, o, sublab, f.manifest, db), true);
  writeText(f.manifest, sweepManifest(plan, o, sublab, planAbs, dir, db).dump(2) + "\n", false);
  return f;
}

json readSweepManifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the sweep manifest " + path + "; check the path");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("points") || !j["points"].is_array() ||
      !j.contains("plan_hash") || !j["plan_hash"].is_string())
    throw Error("the sweep manifest " + path +
                " is not one written by `sublab sweep --slurm` (a JSON object with \"points\" "
                "and \"plan_hash\")");
  for (const auto& p : j["points"])
    if (!p.is_object() || !p.contains("shard") || !p["shard"].is_string() || !p.contains("index") ||
        !p["index"].is_number_integer())
      throw Error("the sweep manifest " + path + " has a point without \"index\" and \"shard\"");
  // A folder moved as a whole (copied back from the cluster, renamed): its shards and logs
  // moved with it, so paths under the old folder are read under the new one.
  const std::string here = fs::absolute(path).parent_path().lexically_normal().string();
  const std::string was = j.value("dir", here);
  if (was != here && !fs::exists(fs::path(was) / "manifest.json")) {
    j["dir"] = here;
    for (auto& p : j["points"]) {
      const std::string shard = p["shard"].get<std::string>();
      if (shard.rfind(was + "/", 0) == 0) p["shard"] = here + shard.substr(was.size());
    }
  }
  return j;
}

}  // namespace sublab
