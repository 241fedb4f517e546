// `sublab runs`, `sublab show` and `sublab export`: read a project database and print runs as
// tables or JSON, and write a run's metrics, sequences or summaries as CSV (streamed in pages,
// written to a temporary file and renamed so a failed export never leaves half a file).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <tuple>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "engine/core/thread_policy.h"
#include "engine/numbers/number_filter.h"

namespace sublab::cli {

namespace {

std::string num(double v, const char* fmt = "%.4f") {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string interval(const Interval& v, bool sign) {
  const char* f = sign ? "%+.4f" : "%.4f";
  return num(v.mean, f) + "  [" + num(v.lo, f) + ", " + num(v.hi, f) +
         "]  n=" + std::to_string(v.n);
}

std::string joined(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// One short result per run for `sublab runs`: the first contrast, or why there is none.
std::string headline(const RunInfo& r) {
  if (r.status == RunStatus::Failed || r.status == RunStatus::Interrupted) {
    std::string e = r.error.substr(0, 70);
    if (r.error.size() > 70) e += "…";
    return e;
  }
  if (!r.contrasts.empty()) {
    const auto& c = r.contrasts.front();
    return c.condition + " " + num(c.value.mean, "%+.4f") + " [" + num(c.value.lo, "%+.4f") + ", " +
           num(c.value.hi, "%+.4f") + "]";
  }
  if (!r.conditions.empty()) {
    const auto& c = r.conditions.front();
    return c.condition + " " + c.metric + " " + num(c.value.mean);
  }
  return "";
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csvNumber(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

void writeCsv(Database& db, int64_t runId, const std::string& what, std::ostream& out) {
  const std::string id = std::to_string(runId);
  if (what == "metrics") {
    out << "run_id,condition,seed,metric,step,value\n";
    // One curve after another (metric, condition, seed, step): the order the points were stored
    // in depends on how jobs trained side by side interleaved.
    auto points = db.metrics(runId);
    std::stable_sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
      return std::tie(a.metric, a.condition, a.seed, a.step) <
             std::tie(b.metric, b.condition, b.seed, b.step);
    });
    for (const auto& m : points)
      out << id << ',' << csvField(m.condition) << ',' << m.seed << ',' << csvField(m.metric) << ','
          << m.step << ',' << csvNumber(m.value) << '\n';
  } else if (what == "sequences") {
    out << "run_id,condition,seed,index,prompt,completion,kept,reason\n";
    int64_t after = 0;
    for (;;) {
      const auto page = db.sequencesAfter(runId, {}, after, 5000);
      if (page.empty()) break;
      for (const auto& s : page)
        out << id << ',' << csvField(s.condition) << ',' << s.seed << ',' << s.index << ','
            << csvField(s.prompt) << ',' << csvField(s.completion) << ',' << (s.kept ? 1 : 0) << ','
            << csvField(s.reason) << '\n';
      after = page.back().id;
    }
  } else {
    out << "run_id,kind,condition,metric,mean,lo,hi,n,per_seed\n";
    for (bool contrasts : {false, true})
      for (const auto& s : db.summaries(runId, contrasts)) {
        std::string per;
        for (double v : s.perSeed) {
          if (!per.empty()) per += ';';
          per += csvNumber(v);
        }
        out << id << ',' << (contrasts ? "contrast" : "condition") << ',' << csvField(s.condition)
            << ',' << csvField(s.metric) << ',' << csvNumber(s.value.mean) << ','
            << csvNumber(s.value.lo) << ',' << csvNumber(s.value.hi) << ',' << s.value.n << ','
            << csvField(per) << '\n';
      }
  }
}

nlohmann::json summaryRows(const std::vector<ConditionSummary>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : rows)
    out.push_back({{"condition", s.condition},
                   {"metric", s.metric},
                   {"mean", s.value.mean},
                   {"ci95", {s.value.lo, s.value.hi}},
                   {"n", s.value.n},
                   {"per_seed", s.perSeed}});
  return out;
}

}  // namespace

std::unique_ptr<Database> openExisting(const std::string& path, bool markInterrupted) {
  if (!std::filesystem::exists(path))
    throw Error("there is no database at " + path + "; `sublab run --db " + path +
                " --preset NAME` creates one, or pass --db with an existing file");
  OpenOptions o;
  o.create = false;
  o.markInterrupted = markInterrupted;
  return std::make_unique<Database>(path, o);
}

nlohmann::json runJson(Database& db, const RunInfo& r, bool withStages) {
  nlohmann::json j = {{"run_id", r.id},
                      {"name", r.name},
                      {"kind", r.kind},
                      {"preset", r.preset},
                      {"status", toString(r.status)},
                      {"error", r.error},
                      {"seeds", r.seeds},
                      {"device", r.device},
                      {"threads", r.threads},
                      {"created", formatTimestamp(r.createdAt)},
                      {"started", formatTimestamp(r.startedAt)},
                      {"finished", formatTimestamp(r.finishedAt)},
                      {"wall_seconds", r.wallSeconds},
                      {"tags", r.tags},
                      {"notes", r.notes},
                      {"pid", r.pid},
                      {"host", r.host},
                      {"conditions", summaryRows(r.conditions)},
                      {"contrasts", summaryRows(r.contrasts)},
                      {"summary", r.summary}};
  if (withStages) {
    nlohmann::json st = nlohmann::json::array();
    for (const auto& s : db.stages(r.id))
      st.push_back({{"name", s.name},
                    {"status", toString(s.status)},
                    {"progress", s.progress},
                    {"message", s.message}});
    j["stages"] = st;
    j["config"] = r.config;
    j["sequences"] = db.countSequences(r.id, {});
    nlohmann::json reasons = nlohmann::json::object();
    for (const auto& [why, n] : db.rejectReasons(r.id)) reasons[why] = n;
    j["rejected"] = reasons;
  }
  return j;
}

void printRunText(Database& db, const RunInfo& r, bool withConfig) {
  std::printf("run %lld: %s\n", static_cast<long long>(r.id), r.name.c_str());
  std::printf("  kind %s, preset %s, %d seed%s, device %s, threads %d\n", r.kind.c_str(),
              r.preset.empty() ? "-" : r.preset.c_str(), r.seeds, r.seeds == 1 ? "" : "s",
              r.device.c_str(), r.threads);
  std::printf("  status    %s\n", toString(r.status).c_str());
  if (!r.error.empty()) std::printf("  error     %s\n", r.error.c_str());
  std::printf("  created   %s", formatTimestamp(r.createdAt).c_str());
  if (r.startedAt) std::printf("   started %s", formatTimestamp(r.startedAt).c_str());
  if (r.finishedAt) std::printf("   finished %s", formatTimestamp(r.finishedAt).c_str());
  if (r.wallSeconds > 0) std::printf("   wall %.1f s", r.wallSeconds);
  std::printf("\n");
  if (r.pid)
    std::printf("  process   pid %lld on %s\n", static_cast<long long>(r.pid), r.host.c_str());
  if (const std::string cpu = describeRuntime(r.summary); !cpu.empty())
    std::printf("  cpu       %s\n", cpu.c_str());
  if (!r.tags.empty()) std::printf("  tags      %s\n", joined(r.tags).c_str());
  if (!r.notes.empty()) std::printf("  notes     %s\n", r.notes.c_str());

  const auto stages = db.stages(r.id);
  if (!stages.empty()) {
    std::printf("stages\n");
    for (const auto& s : stages)
      std::printf("  %-18s %-12s %4.0f%%  %s\n", s.name.c_str(), toString(s.status).c_str(),
                  100.0 * s.progress, s.message.c_str());
  }
  if (!r.conditions.empty()) {
    std::printf("conditions (mean  [95%% CI]  n)\n");
    for (const auto& c : r.conditions)
      std::printf("  %-18s %-14s %s\n", c.condition.c_str(), c.metric.c_str(),
                  interval(c.value, false).c_str());
  }
  if (!r.contrasts.empty()) {
    std::printf("contrasts (difference  [95%% CI]  n)\n");
    for (const auto& c : r.contrasts)
      std::printf("  %-26s %-14s %s\n", c.condition.c_str(), c.metric.c_str(),
                  interval(c.value, true).c_str());
  }
  const int64_t total = db.countSequences(r.id, {});
  if (total > 0) {
    SequenceFilter kept;
    kept.verdict = Verdict::Kept;
    // By category ("format: number out of range", not one entry per number), most frequent first.
    std::map<std::string, int64_t> byCategory;
    for (const auto& [why, n] : db.rejectReasons(r.id))
      byCategory[why.empty() ? "(no reason)" : reasonCategory(why)] += n;
    std::vector<std::pair<std::string, int64_t>> sorted(byCategory.begin(), byCategory.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string reasons;
    for (const auto& [why, n] : sorted)
      reasons += (reasons.empty() ? "" : ", ") + why + " " + std::to_string(n);
    std::printf("sequences\n  %lld stored, %lld kept; rejected: %s\n",
                static_cast<long long>(total),
                static_cast<long long>(db.countSequences(r.id, kept)),
                reasons.empty() ? "none" : reasons.c_str());
  }
  if (withConfig) std::printf("config\n%s\n", r.config.dump(2).c_str());
}

int cmdRuns(const std::string& dbArg, bool json) {
  const std::string path = resolveDb(dbArg);
  if (!std::filesystem::exists(path)) {
    if (json) {
      std::cout << "[]\n";
    } else {
      std::fprintf(stderr, "no runs yet: %s does not exist (`sublab run` creates it)\n",
                   path.c_str());
    }
    return kExitOk;
  }
  auto db = openExisting(path);
  const auto runs = db->listRuns();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs) out.push_back(runJson(*db, r, false));
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  if (runs.empty()) {
    std::printf("no runs in %s\n", path.c_str());
    return kExitOk;
  }
  // The KIND column is as wide as the longest kind name listed (at least "KIND" and "numbers").
  int kindWidth = 7;
  for (const auto& r : runs) kindWidth = std::max(kindWidth, int(r.kind.size()));
  std::printf("%-5s %-11s %-*s %-24s %5s  %-19s %8s  %s\n", "ID", "STATUS", kindWidth, "KIND",
              "NAME", "SEEDS", "STARTED", "WALL", "RESULT");
  for (const auto& r : runs) {
    const std::string started = formatTimestamp(r.startedAt ? r.startedAt : r.createdAt);
    std::printf("%-5lld %-11s %-*s %-24s %5d  %-19s %7.1fs  %s\n", static_cast<long long>(r.id),
                toString(r.status).c_str(), kindWidth, r.kind.c_str(), r.name.substr(0, 24).c_str(),
                r.seeds, started.c_str(), r.wallSeconds, headline(r).c_str());
  }
  return kExitOk;
}

int cmdShow(const std::string& dbArg, long long runId, bool json, bool withConfig) {
  auto db = openExisting(resolveDb(dbArg));
  const RunInfo r = db->run(runId);
  if (json) {
    std::cout << runJson(*db, r, true).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    printRunText(*db, r, withConfig);
  }
  return kExitOk;
}

int cmdExport(const ExportOptions& o) {
  auto db = openExisting(resolveDb(o.db));
  db->run(o.runId);  // throws a clear message for an unknown id
  if (o.out.empty()) {
    writeCsv(*db, o.runId, o.what, std::cout);
    std::cout.flush();
    return kExitOk;
  }
  namespace fs = std::filesystem;
  const fs::path out(o.out);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(dir))
    throw Error("cannot write " + o.out + ": the folder " + dir.string() + " does not exist");
  const std::string tmp = o.out + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write " + o.out + ": " + std::strerror(errno));
    try {
      writeCsv(*db, o.runId, o.what, f);
    } catch (...) {
      f.close();
      fs::remove(tmp);
      throw;
    }
    f.flush();
    if (!f) {
      fs::remove(tmp);
      throw Error("writing " + o.out + " failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp);
    throw Error("cannot write " + o.out + ": " + ec.message());
  }
  std::fprintf(stderr, "sublab: wrote %s of run %lld to %s\n", o.what.c_str(), o.runId,
               o.out.c_str());
  return kExitOk;
}

}  // namespace sublab::cli
