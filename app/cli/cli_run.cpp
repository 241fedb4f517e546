// `sublab run` and `sublab presets`: load a preset or config file, validate it before touching
// the database, run the engine with a StorageObserver (progress on stderr), and store the
// outcome — done, failed with its message, or cancelled by SIGINT / SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "storage/database.h"
#include "storage/schema.h"
#include "storage/storage_observer.h"
#include "engine/experiment.h"

namespace sublab::cli {

namespace {

CancelFlag g_cancel{false};

extern "C" void onSignal(int) {
  g_cancel.store(true);
  static const char msg[] =
      "\nsublab: stopping at the next checkpoint (press Ctrl-C again to kill at once)\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

void installSignalHandlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onSignal;
  sa.sa_flags = SA_RESETHAND;  // a second signal takes the default action (the run is then
                               // marked interrupted on the next open)
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string knownPresets() {
  std::string names;
  for (const auto& p : presets()) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

// The config key that counts independent repetitions: "seeds", or "models" for the aux kind
// (every model of the ensemble is one seed).
std::string seedsKey(const nlohmann::json& config) {
  if (config.is_object() && config.value("kind", "") == "aux" && !config.contains("seeds"))
    return "models";
  return "seeds";
}

nlohmann::json loadConfigFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error("cannot read the config file " + file + ": " + std::strerror(errno) +
                "; check the path");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset where parsing stopped.
    int line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string why = e.what();
    if (auto at = why.find("column "); at != std::string::npos)
      if (auto colon = why.find(": ", at); colon != std::string::npos) why = why.substr(colon + 2);
    throw Error("the config file " + file + " is not valid JSON: line " + std::to_string(line) +
                ", column " + std::to_string(col) + ": " + why +
                "; fix it (a JSON object with a \"kind\" key)");
  }
}

// Stage changes as they happen, progress at most every couple of seconds per stage.
class ProgressPrinter : public RunObserver {
 public:
  void stage(const std::string& name, StageStatus status, const std::string& message) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::fprintf(stderr, "[%7.1fs] %-16s %s%s%s\n", elapsed(), name.c_str(),
                 toString(status).c_str(), message.empty() ? "" : ": ", message.c_str());
    m_lastPrint = elapsed();
  }
  void progress(const std::string& stage, double fraction, const std::string& message) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    const double now = elapsed();
    if (now - m_lastPrint < 2.0) return;
    m_lastPrint = now;
    std::fprintf(stderr, "[%7.1fs] %-16s %3.0f%%%s%s\n", now, stage.c_str(), 100.0 * fraction,
                 message.empty() ? "" : "  ", message.c_str());
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  }
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  double m_lastPrint = -1e9;
};

}  // namespace

std::string resolveDb(const std::string& db) { return db.empty() ? defaultDatabasePath() : db; }

int cmdPresets(bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : presets())
      out.push_back({{"name", p.name}, {"kind", p.kind}, {"description", p.description}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  size_t width = 0;
  for (const auto& p : presets()) width = std::max(width, p.name.size());
  for (const auto& p : presets())
    std::printf("%-*s  %-7s  %s\n", static_cast<int>(width), p.name.c_str(), p.kind.c_str(),
                p.description.c_str());
  return kExitOk;
}

int cmdRun(const RunOptions& o) {
  // 1. The config, validated before the database is opened: bad input stores nothing.
  nlohmann::json config;
  std::string source;
  if (!o.preset.empty()) {
    const Preset* p = findPreset(o.preset);
    if (!p)
      throw Error("unknown preset \"" + o.preset + "\"; known presets: " + knownPresets() +
                  " (`sublab presets` describes them)");
    config = p->config;
    source = p->name;
  } else {
    config = loadConfigFile(o.configFile);
    source = std::filesystem::path(o.configFile).filename().string();
  }
  if (!config.is_object())
    throw Error("the config in " + source + " must be a JSON object with a \"kind\" key");
  if (o.seeds > 0) config[seedsKey(config)] = o.seeds;
  nlohmann::json normalized;
  try {
    normalized = normalizeConfig(config);
  } catch (const Error& e) {
    throw Error("invalid config (" + source + "): " + e.what());
  }
  RuntimeOptions rt;
  rt.device = o.device;
  rt.threads = o.threads;
  if (!o.noCache) rt.cacheDir = o.cacheDir.empty() ? defaultCacheDir() : o.cacheDir;
  configureRuntime(rt);

  // 2. The database and the run's row.
  const std::string dbPath = resolveDb(o.db);
  Database db(dbPath);
  for (int64_t id : db.recoveredRuns())
    std::fprintf(stderr, "sublab: note: run %lld was left unfinished by a process that ended; "
                 "marked interrupted\n", static_cast<long long>(id));
  NewRun nr;
  nr.preset = source;
  nr.config = normalized;
  nr.kind = normalized.value("kind", "");
  nr.device = o.device;
  nr.threads = o.threads;
  nr.status = RunStatus::Running;
  const std::string key = seedsKey(normalized);
  const int seeds = normalized.contains(key) && normalized[key].is_number_integer()
                        ? normalized[key].get<int>()
                        : 0;
  nr.seeds = seeds;
  const int64_t runId = db.createRun(nr);
  std::fprintf(stderr, "sublab: run %lld: %s (%s, %d seed%s, %s) into %s\n",
               static_cast<long long>(runId), source.c_str(), nr.kind.c_str(), seeds,
               seeds == 1 ? "" : "s", o.device.c_str(), dbPath.c_str());

  // 3. The run itself.
  installSignalHandlers();
  ProgressPrinter printer;
  StorageObserver observer(db, runId, &printer);
  const auto t0 = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto flushQuietly = [&] {
    try {
      observer.flush();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sublab: warning: could not store the last rows: %s\n", e.what());
    }
  };
  ExperimentResult result;
  try {
    result = runExperiment(normalized, rt, observer, &g_cancel);
  } catch (const Cancelled&) {
    flushQuietly();
    db.finishRun(runId, RunStatus::Cancelled, wall(), "cancelled by a signal (SIGINT/SIGTERM)");
    std::fprintf(stderr, "sublab: run %lld cancelled after %.1f s; what it computed so far is "
                 "stored (`sublab show %lld`)\n",
                 static_cast<long long>(runId), wall(), static_cast<long long>(runId));
    return kExitCancelled;
  } catch (const std::exception& e) {
    flushQuietly();
    db.finishRun(runId, RunStatus::Failed, wall(), e.what());
    std::fprintf(stderr, "sublab: error: run %lld failed: %s\n", static_cast<long long>(runId),
                 e.what());
    return kExitRunFailed;
  }
  observer.flush();
  const double seconds = wall();
  db.saveResult(runId, result);
  db.finishRun(runId, RunStatus::Done, seconds);
  std::fprintf(stderr, "sublab: run %lld done in %.1f s\n", static_cast<long long>(runId), seconds);

  if (o.json) {
    nlohmann::json out = result.summary.is_object() ? result.summary : nlohmann::json::object();
    out["run_id"] = runId;
    out["preset"] = source;
    out["kind"] = nr.kind;
    out["seeds"] = seeds;
    out["wall_seconds"] = seconds;
    out["device"] = o.device;
    out["threads"] = o.threads;
    out["db"] = dbPath;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    printRunText(db, db.run(runId), false);
  }
  return kExitOk;
}

}  // namespace sublab::cli
