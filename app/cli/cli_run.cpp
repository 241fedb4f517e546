// `sublab run`, `sublab execute` and `sublab presets`: load a preset or config file and
// validate it before touching the database (run), or take a stored queued run by id (execute);
// either way the run goes through the lab's executeRun (app/lab/run_lifecycle.h) and this file
// adds only the CLI's words: progress on stderr, SIGINT / SIGTERM as cancel, exit codes.
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
#include "app/lab/run_lifecycle.h"
#include "engine/experiment.h"
#include "storage/database.h"
#include "storage/schema.h"

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

const CancelFlag& cancelOnSignals() {
  installSignalHandlers();
  return g_cancel;
}

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

namespace {

RuntimeOptions runtimeOf(const RuntimeFlags& flags, const std::string& device, int threads) {
  RuntimeOptions rt;
  rt.device = device;
  rt.threads = threads;
  if (!flags.noCache) rt.cacheDir = flags.cacheDir.empty() ? defaultCacheDir() : flags.cacheDir;
  return rt;
}

// Executes the stored run through the lab with the CLI's progress printer and signals, then
// says how it ended: stderr lines, the result on stdout, the exit code. `direction` ("into" /
// "from") and the database path complete the line that announces the run once it starts.
int executeAndReport(Database& db, int64_t runId, const RuntimeOptions& rt, bool json,
                     const char* direction) {
  installSignalHandlers();
  ProgressPrinter printer;
  ExecuteOptions options;
  options.runtime = rt;
  options.observer = &printer;
  options.cancel = &g_cancel;
  options.started = [&] {
    const RunInfo run = db.run(runId);
    std::fprintf(stderr, "sublab: run %lld: %s (%s, %d seed%s, %s) %s %s\n",
                 static_cast<long long>(run.id), run.preset.c_str(), run.kind.c_str(), run.seeds,
                 run.seeds == 1 ? "" : "s", rt.device.c_str(), direction, db.path().c_str());
  };
  const RunOutcome out = executeRun(db, runId, options);
  const long long id = runId;
  if (!out.warning.empty()) std::fprintf(stderr, "sublab: warning: %s\n", out.warning.c_str());
  if (out.status == RunStatus::Cancelled) {
    std::fprintf(stderr,
                 "sublab: run %lld cancelled after %.1f s; what it computed so far is "
                 "stored (`sublab show %lld`)\n",
                 id, out.seconds, id);
    return kExitCancelled;
  }
  if (out.status != RunStatus::Done) {
    std::fprintf(stderr, "sublab: error: run %lld failed: %s%s\n", id, out.message.c_str(),
                 cliAdvice(out.code, db.path()).c_str());
    return kExitRunFailed;
  }
  std::fprintf(stderr, "sublab: run %lld done in %.1f s\n", id, out.seconds);
  const RunInfo run = db.run(runId);
  if (json) {
    const nlohmann::json& summary = out.result.summary;
    nlohmann::json j = summary.is_object() ? summary : nlohmann::json::object();
    j["run_id"] = run.id;
    j["preset"] = run.preset;
    j["kind"] = run.kind;
    j["seeds"] = run.seeds;
    j["wall_seconds"] = out.seconds;
    j["device"] = rt.device;
    j["threads"] = rt.threads;
    j["db"] = db.path();
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    printRunText(db, run, false);
  }
  return kExitOk;
}

}  // namespace

namespace {

// The run `o` describes, its config read and validated (throws Error naming what is wrong).
NewRun validatedRun(const RunOptions& o) {
  NewRun draft;
  if (!o.preset.empty()) {
    const Preset* p = findPreset(o.preset);
    if (!p)
      throw Error("unknown preset \"" + o.preset + "\"; known presets: " + knownPresets() +
                  " (`sublab presets` describes them)");
    draft.config = p->config;
    draft.preset = p->name;
  } else {
    draft.config = loadConfigFile(o.configFile);
    draft.preset = std::filesystem::path(o.configFile).filename().string();
  }
  if (!draft.config.is_object())
    throw Error("the config in " + draft.preset + " must be a JSON object with a \"kind\" key");
  draft.device = o.device;
  draft.threads = o.threads;
  draft.status = RunStatus::Running;
  try {
    return prepareRun(draft, o.seeds);
  } catch (const Error& e) {
    throw Error("invalid config (" + draft.preset + "): " + e.what());
  }
}

}  // namespace

int cmdValidate(const RunOptions& o) {
  const NewRun run = validatedRun(o);
  if (o.json) {
    std::cout << run.config.dump(2) << "\n";
  } else {
    const std::string& key = kindOf(run.config).repetitionKey;
    if (key.empty())
      std::printf("%s: a valid %s config\n", run.preset.c_str(), run.kind.c_str());
    else
      std::printf("%s: a valid %s config (%s = %d)\n", run.preset.c_str(), run.kind.c_str(),
                  key.c_str(), run.seeds);
  }
  return kExitOk;
}

int cmdRun(const RunOptions& o) {
  // 1. The config, validated before the database is opened: bad input stores nothing.
  const NewRun run = validatedRun(o);
  const RuntimeOptions rt = runtimeOf(o, o.device, o.threads);
  configureRuntime(rt);

  // 2. The database and the run's row.
  const std::string dbPath = resolveDb(o.db);
  Database db(dbPath);
  for (int64_t id : db.recoveredRuns())
    std::fprintf(stderr,
                 "sublab: note: run %lld was left unfinished by a process that ended; "
                 "marked interrupted\n",
                 static_cast<long long>(id));
  const int64_t runId = db.createRun(run);

  // 3. The run itself.
  return executeAndReport(db, runId, rt, o.json, "into");
}

int cmdExecute(const ExecuteCliOptions& o) {
  const std::string dbPath = resolveDb(o.db);
  // Runs queued by a program that has ended since (a sweep) stay queued: they are this
  // command's work, not leftovers to mark interrupted.
  const std::unique_ptr<Database> db = openExisting(dbPath, false);
  const RunInfo run = db->run(o.runId);
  const RuntimeOptions rt = runtimeOf(o, o.device.empty() ? run.device : o.device,
                                      o.threads < 0 ? run.threads : o.threads);
  configureRuntime(rt);
  return executeAndReport(*db, run.id, rt, o.json, "from");
}

}  // namespace sublab::cli

namespace sublab::cli {

int cmdDemoModel(const std::string& folder, const DemoModelOptions& options, int threads) {
  RuntimeOptions rt;
  rt.threads = threads;
  configureRuntime(rt);
  const auto t0 = std::chrono::steady_clock::now();
  int shown = -1;
  writeDemoChatModel(folder, options, [&](double f, double loss) {
    const int pct = int(f * 100);
    if (pct / 10 != shown / 10)
      std::fprintf(stderr, "training the demo model: %3d%%  loss %.3f\n", pct, loss);
    shown = pct;
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s: a demo chat model (%lld training steps, %.1f s)\n", folder.c_str(),
              static_cast<long long>(options.steps), secs);
  if (std::filesystem::path(folder).lexically_normal() == "models/demo-chat")
    std::printf("try it: sublab run --preset chat-numbers-demo   (from this folder)\n");
  else
    std::printf(
        "try it: a config file with {\"kind\": \"chat-numbers\", \"model\": {\"folder\": "
        "\"%s\"}} and the knobs you want, then sublab run --config FILE.json (the preset "
        "chat-numbers-demo expects models/demo-chat)\n",
        folder.c_str());
  return kExitOk;
}

}  // namespace sublab::cli
