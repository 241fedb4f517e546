// Sweep plans (parse, expand, validate every point) and running a sweep's points as ordinary
// runs, resumable.
#include "app/lab/sweep.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "engine/core/thread_policy.h"
#include "engine/experiment.h"

namespace sublab {

namespace {

using nlohmann::json;

std::string knownList(const std::set<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

void rejectUnknown(const json& obj, const std::set<std::string>& known, const std::string& where) {
  for (const auto& [k, v] : obj.items())
    if (!known.count(k))
      throw Error("the sweep plan's " + where + " has an unknown key \"" + k +
                  "\"; allowed: " + knownList(known));
}

json readJsonFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the " + what + " " + path + "; check the path");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw Error("the " + what + " " + path + " is not valid JSON; fix it (a JSON object)");
  return j;
}

// Follows a dotted key ("student.lr") into a config; nullptr when a part is missing.
const json* lookup(const json& config, const std::string& key) {
  const json* at = &config;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object() || !at->contains(part)) return nullptr;
    at = &(*at)[part];
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
}

void assign(json& config, const std::string& key, const json& value) {
  json* at = &config;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (dot == std::string::npos) {
      (*at)[part] = value;
      return;
    }
    if (!(*at)[part].is_object()) (*at)[part] = json::object();
    at = &(*at)[part];
    start = dot + 1;
  }
}

void mergeInto(json& base, const json& patch) {
  for (const auto& [k, v] : patch.items()) {
    if (v.is_object() && base.contains(k) && base[k].is_object())
      mergeInto(base[k], v);
    else
      base[k] = v;
  }
}

std::string fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The values of one axis (checked), integers where the base config holds an integer.
std::vector<json> axisValues(const json& axis, size_t i, const json& baseNormalized) {
  const std::string where = "axis " + std::to_string(i + 1);
  if (!axis.is_object()) throw Error("the sweep plan's " + where + " must be a JSON object");
  rejectUnknown(axis, {"key", "values", "linear", "log"}, where);
  if (!axis.contains("key") || !axis["key"].is_string() || axis["key"].get<std::string>().empty())
    throw Error("the sweep plan's " + where + " needs a \"key\" (a config key such as student.lr)");
  const std::string key = axis["key"].get<std::string>();
  const json* current = lookup(baseNormalized, key);
  if (!current)
    throw Error("the sweep plan's " + where + " varies \"" + key + "\", which a " +
                baseNormalized.value("kind", std::string("?")) +
                " config does not have; use a key of `sublab validate --json` output");
  const int forms =
      int(axis.contains("values")) + int(axis.contains("linear")) + int(axis.contains("log"));
  if (forms != 1)
    throw Error("the sweep plan's " + where + " (" + key +
                ") needs exactly one of \"values\" (a list), \"linear\" or \"log\" (a range)");
  std::vector<json> out;
  if (axis.contains("values")) {
    const json& v = axis["values"];
    if (!v.is_array() || v.empty())
      throw Error("the sweep plan's " + where + " (" + key +
                  "): \"values\" must be a non-empty list");
    for (const auto& x : v) out.push_back(x);
    return out;
  }
  const bool log = axis.contains("log");
  const json& r = axis[log ? "log" : "linear"];
  const std::string form = log ? "log" : "linear";
  if (!r.is_object())
    throw Error("the sweep plan's " + where + " (" + key + "): \"" + form +
                "\" must be {\"from\": a, \"to\": b, \"count\": n}");
  rejectUnknown(r, {"from", "to", "count"}, where + " (" + key + ") " + form + " range");
  if (!r.contains("from") || !r["from"].is_number() || !r.contains("to") || !r["to"].is_number() ||
      !r.contains("count") || !r["count"].is_number_integer() || r["count"].get<int>() < 1)
    throw Error("the sweep plan's " + where + " (" + key + "): \"" + form +
                "\" needs numbers \"from\" and \"to\" and an integer \"count\" of at least 1");
  const double a = r["from"].get<double>(), b = r["to"].get<double>();
  const int n = r["count"].get<int>();
  if (log && (a <= 0 || b <= 0))
    throw Error("the sweep plan's " + where + " (" + key +
                "): a log range needs \"from\" and \"to\" greater than 0 (got " + json(a).dump() +
                " and " + json(b).dump() + "); use a linear range to include 0 or negatives");
  const bool integer = current->is_number_integer();
  for (int k = 0; k < n; ++k) {
    const double t = n == 1 ? 0.0 : double(k) / (n - 1);
    double x = log ? std::exp(std::log(a) + t * (std::log(b) - std::log(a))) : a + t * (b - a);
    if (k == 0) x = a;  // exact ends
    if (k == n - 1) x = b;
    if (integer) {
      out.push_back(static_cast<int64_t>(std::llround(x)));
    } else {
      // 12 significant digits: exp/log leave a floating-point tail (1e-3 as
      // 0.0010000000000000002) that would be stored in the config and printed.
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.12g", x);
      out.push_back(std::strtod(buf, nullptr));
    }
  }
  return out;
}

}  // namespace

SweepPlan parseSweepPlan(const json& plan, const std::string& baseDir) {
  if (!plan.is_object()) throw Error("a sweep plan must be a JSON object (see README, Sweeps)");
  rejectUnknown(plan, {"name", "base", "set", "axes", "mode", "seeds", "max_points"}, "top level");
  SweepPlan out;
  if (!plan.contains("name") || !plan["name"].is_string() ||
      plan["name"].get<std::string>().empty())
    throw Error("the sweep plan needs a \"name\" (a non-empty string)");
  out.name = plan["name"].get<std::string>();

  // The base config, resolved to an inline config.
  if (!plan.contains("base") || !plan["base"].is_object() || plan["base"].size() != 1)
    throw Error(
        "the sweep plan needs a \"base\": {\"preset\": NAME}, {\"config\": {...}} or "
        "{\"config_file\": PATH}");
  const json& base = plan["base"];
  rejectUnknown(base, {"preset", "config", "config_file"}, "base");
  json config;
  std::string preset;
  if (base.contains("preset")) {
    const Preset* p =
        base["preset"].is_string() ? findPreset(base["preset"].get<std::string>()) : nullptr;
    if (!p)
      throw Error("the sweep plan's base names an unknown preset " + base["preset"].dump() +
                  " (`sublab presets` lists them)");
    config = p->config;
    preset = p->name;
  } else if (base.contains("config")) {
    config = base["config"];
  } else {
    if (!base["config_file"].is_string())
      throw Error("the sweep plan's base \"config_file\" must be a path (a string)");
    std::filesystem::path file = base["config_file"].get<std::string>();
    if (file.is_relative()) file = std::filesystem::path(baseDir) / file;
    config = readJsonFile(file.string(), "config file");
    preset = file.filename().string();
  }
  if (!config.is_object() || !config.contains("kind"))
    throw Error("the sweep plan's base config must be a JSON object with a \"kind\" key");
  if (plan.contains("set")) {
    if (!plan["set"].is_object()) throw Error("the sweep plan's \"set\" must be a JSON object");
    mergeInto(config, plan["set"]);
  }
  int seeds = 0;
  if (plan.contains("seeds")) {
    if (!plan["seeds"].is_number_integer() || plan["seeds"].get<int>() < 1)
      throw Error("the sweep plan's \"seeds\" must be a whole number (per point), at least 1");
    seeds = plan["seeds"].get<int>();
  }
  json baseNormalized;
  try {
    NewRun draft;
    draft.config = config;
    baseNormalized = prepareRun(draft, seeds).config;
  } catch (const Error& e) {
    throw Error(std::string("the sweep plan's base config is invalid: ") + e.what());
  }

  const std::string mode = plan.value("mode", std::string("grid"));
  if (mode != "grid" && mode != "zip")
    throw Error(
        "the sweep plan's \"mode\" must be \"grid\" (every combination) or \"zip\" "
        "(the axes' values side by side), not \"" +
        mode + "\"");
  int cap = 100;
  if (plan.contains("max_points")) {
    if (!plan["max_points"].is_number_integer() || plan["max_points"].get<int>() < 1)
      throw Error("the sweep plan's \"max_points\" must be a whole number of at least 1");
    cap = plan["max_points"].get<int>();
  }
  if (!plan.contains("axes") || !plan["axes"].is_array() || plan["axes"].empty())
    throw Error(
        "the sweep plan needs \"axes\": a non-empty list of {\"key\": ..., \"values\": [...]}");
  std::vector<std::string> keys;
  std::vector<std::vector<json>> values;
  for (size_t i = 0; i < plan["axes"].size(); ++i) {
    values.push_back(axisValues(plan["axes"][i], i, baseNormalized));
    keys.push_back(plan["axes"][i]["key"].get<std::string>());
    for (size_t j = 0; j + 1 < keys.size(); ++j)
      if (keys[j] == keys.back())
        throw Error("the sweep plan varies \"" + keys.back() +
                    "\" on two axes; use one axis per key");
  }

  // The points' axis values.
  std::vector<json> combos;
  if (mode == "zip") {
    for (size_t i = 1; i < values.size(); ++i)
      if (values[i].size() != values[0].size())
        throw Error("the sweep plan zips axes of unequal length: " + keys[0] + " has " +
                    std::to_string(values[0].size()) + " values, " + keys[i] + " has " +
                    std::to_string(values[i].size()) +
                    "; give them the same count or use \"grid\"");
    if (static_cast<int>(values[0].size()) > cap)
      throw Error("the sweep plan has " + std::to_string(values[0].size()) +
                  " points, more than its max_points " + std::to_string(cap) +
                  "; raise max_points or use fewer values");
    for (size_t p = 0; p < values[0].size(); ++p) {
      json c = json::object();
      for (size_t i = 0; i < keys.size(); ++i) c[keys[i]] = values[i][p];
      combos.push_back(c);
    }
  } else {
    double total = 1;
    for (const auto& v : values) total *= double(v.size());
    if (total > cap)
      throw Error("the sweep plan's grid has " + json(static_cast<int64_t>(total)).dump() +
                  " points, more than its max_points " + std::to_string(cap) +
                  "; raise max_points or use fewer values");
    std::vector<size_t> at(values.size(), 0);
    for (int64_t p = 0; p < static_cast<int64_t>(total); ++p) {
      json c = json::object();
      for (size_t i = 0; i < keys.size(); ++i) c[keys[i]] = values[i][at[i]];
      combos.push_back(c);
      for (size_t i = values.size(); i-- > 0;) {  // last axis fastest
        if (++at[i] < values[i].size()) break;
        at[i] = 0;
      }
    }
  }

  // Every point validated before anything runs.
  for (size_t p = 0; p < combos.size(); ++p) {
    json pc = config;
    for (const auto& [k, v] : combos[p].items()) assign(pc, k, v);
    NewRun draft;
    draft.config = pc;
    draft.preset = preset;
    draft.name = out.name + " #" + std::to_string(p + 1);
    draft.experiment = out.name;
    draft.status = RunStatus::Queued;
    SweepPoint point;
    point.index = static_cast<int>(p);
    point.values = combos[p];
    try {
      point.run = prepareRun(draft, seeds);
    } catch (const Error& e) {
      throw Error("sweep point " + std::to_string(p + 1) + " of " + std::to_string(combos.size()) +
                  " (" + combos[p].dump() + ") is invalid: " + e.what() + "; nothing was run");
    }
    out.points.push_back(std::move(point));
  }

  out.normalized = {{"name", out.name}, {"base", {{"config", config}}},
                    {"preset", preset}, {"axes", plan["axes"]},
                    {"mode", mode},     {"seeds", seeds},
                    {"max_points", cap}};
  out.hash = fnv1a(out.normalized.dump());
  return out;
}

SweepPlan loadSweepPlan(const std::string& path) {
  const json plan = readJsonFile(path, "sweep plan");
  return parseSweepPlan(plan, std::filesystem::path(path).parent_path().string().empty()
                                  ? std::string(".")
                                  : std::filesystem::path(path).parent_path().string());
}

SweepOutcome runSweep(Database& db, const SweepPlan& plan, const SweepOptions& options) {
  SweepOutcome out;
  out.sweep = db.findOrCreateSweep(plan.name, plan.normalized, plan.hash, &out.created);
  std::vector<SweepPointInfo> stored = db.sweepPoints(out.sweep.id);
  if (options.onlyPoint >= static_cast<int>(plan.points.size()))
    throw Error("the sweep \"" + plan.name + "\" has " + std::to_string(plan.points.size()) +
                " points (0 to " + std::to_string(plan.points.size() - 1) +
                "); there is no point " + std::to_string(options.onlyPoint));
  out.points.resize(plan.points.size());

  const int parallel = std::max(1, options.parallel);
  int budget = options.runtime.threads;
  if (budget <= 0) budget = threadPolicy(0).threads;
  RuntimeOptions runtime = options.runtime;
  runtime.threads = std::max(1, budget / parallel);

  std::mutex reportMutex;
  auto report = [&](const SweepPointOutcome& o, bool finished) {
    if (!options.report) return;
    std::lock_guard<std::mutex> lock(reportMutex);
    options.report(o, finished);
  };

  // Decide per point: skip (done), or a fresh queued run (none yet, or not done).
  std::vector<size_t> todo;
  for (const SweepPoint& point : plan.points) {
    if (options.onlyPoint >= 0 && point.index != options.onlyPoint) continue;
    SweepPointOutcome& o = out.points[point.index];
    o.index = point.index;
    o.values = point.values;
    std::optional<RunInfo> previous;
    for (const auto& s : stored)
      if (s.index == point.index && s.runId != 0) previous = db.findRun(s.runId);
    if (previous && previous->status == RunStatus::Done) {
      o.runId = previous->id;
      o.status = RunStatus::Done;
      o.skipped = true;
      o.message = "done before";
      report(o, true);
      continue;
    }
    if (previous && previous->status == RunStatus::Running) {
      o.runId = previous->id;
      o.status = RunStatus::Running;
      o.skipped = true;
      o.message = "running in another process (pid " + std::to_string(previous->pid) + ")";
      report(o, true);
      continue;
    }
    if (previous) o.previous = toString(previous->status);
    NewRun run = point.run;
    run.threads = runtime.threads;
    run.device = runtime.device;
    o.runId = db.createRun(run);
    db.setSweepPoint(out.sweep.id, point.index, point.values, o.runId);
    todo.push_back(static_cast<size_t>(point.index));
  }

  std::atomic<size_t> next{0};
  auto worker = [&] {
    while (true) {
      const size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      SweepPointOutcome& o = out.points[todo[k]];
      if (options.cancel && options.cancel->load()) {
        cancelQueuedRun(db, o.runId);
        o.status = RunStatus::Cancelled;
        o.message = kCancelledMessage;
        report(o, true);
        continue;
      }
      o.status = RunStatus::Running;
      report(o, false);
      ExecuteOptions eo;
      eo.runtime = runtime;
      eo.cancel = options.cancel;
      try {
        const RunOutcome r = executeRun(db, o.runId, eo);
        o.status = r.status;
        o.message = r.message;
        o.seconds = r.seconds;
      } catch (const std::exception& e) {
        o.status = RunStatus::Failed;
        o.message = e.what();
      }
      report(o, true);
    }
  };
  if (parallel == 1 || todo.size() <= 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < std::min<int>(parallel, static_cast<int>(todo.size())); ++i)
      threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  return out;
}

}  // namespace sublab
