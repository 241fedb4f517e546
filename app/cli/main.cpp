// `sublab`: the headless front end of Subliminal Lab. Parses the command line (CLI11) and
// dispatches to the commands in cli_run.cpp, cli_report.cpp, cli_stats.cpp and cli_dataset.cpp;
// every user-facing error is printed here once, as one line on stderr, with a non-zero exit code
// and the CLI's advice for errors of the lower layers (cli_advice.cpp).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "engine/core/common.h"
#include "engine/core/thread_policy.h"

using namespace sublab::cli;

namespace {

// The options `run` and `execute` share.
void addRuntimeFlags(CLI::App* cmd, RuntimeFlags& flags, const std::string& deviceHelp,
                     const std::string& threadsHelp) {
  cmd->add_option("--db", flags.db, "database file (default: the user's data folder)");
  cmd->add_option("--device", flags.device, deviceHelp)->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--threads", flags.threads, threadsHelp)->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", flags.json, "print one JSON object with the results on stdout");
  auto* cacheDir = cmd->add_option("--cache-dir", flags.cacheDir,
                                   "folder for reusable pretrained reference models (default: "
                                   "$XDG_CACHE_HOME/subliminal-lab, else ~/.cache/subliminal-lab)");
  cmd->add_flag("--no-cache", flags.noCache, "pretrain every reference model afresh")
      ->excludes(cacheDir);
}

}  // namespace

int main(int argc, char** argv) {
  // The commands that train: idle OpenMP threads sleep instead of spinning when the machine is
  // busy at start (this may restart the program once; engine/core/thread_policy.h).
  if (argc > 1) {
    const std::string command = argv[1];
    if (command == "run" || command == "execute" || command == "sweep" ||
        command == "sweep-point" || command == "demo-model")
      sublab::applyWaitPolicy(argv);
  }
  CLI::App app{"sublab: run subliminal-learning experiments headless and inspect their results"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every command");

  bool presetsJson = false;
  auto* presets =
      app.add_subcommand("presets", "list the built-in presets with a one-line description");
  presets->add_flag("--json", presetsJson, "print a JSON array");

  RunOptions run;
  auto* runCmd = app.add_subcommand("run", "run an experiment into the database");
  auto* presetOpt =
      runCmd->add_option("--preset", run.preset, "a built-in preset (see `sublab presets`)");
  auto* configOpt = runCmd->add_option("--config", run.configFile,
                                       "a JSON config file (a \"kind\" key and any knobs)");
  presetOpt->excludes(configOpt);
  runCmd->add_option("--seeds", run.seeds, "number of seeds (overrides the config's)")
      ->check(CLI::Range(1, 100));
  addRuntimeFlags(
      runCmd, run, "cpu or cuda",
      "CPU threads (0 = SLURM_CPUS_PER_TASK when set, else every core this process may use)");

  RunOptions validate;
  auto* validateCmd = app.add_subcommand(
      "validate", "check a preset or config file as `run` would, without running or storing it");
  auto* validatePreset = validateCmd->add_option("--preset", validate.preset,
                                                 "a built-in preset (see `sublab presets`)");
  validateCmd->add_option("--config", validate.configFile, "a JSON config file")
      ->excludes(validatePreset);
  validateCmd->add_option("--seeds", validate.seeds, "number of seeds (overrides the config's)")
      ->check(CLI::Range(1, 100));
  validateCmd->add_flag("--json", validate.json, "print the full normalised config");

  ExecuteCliOptions exec;
  exec.device.clear();  // the run's stored device and threads unless given
  exec.threads = -1;
  auto* execCmd = app.add_subcommand(
      "execute", "execute a queued run stored in the database (e.g. one queued by a sweep)");
  execCmd->add_option("RUN_ID", exec.runId, "the queued run's id (see `sublab runs`)")->required();
  addRuntimeFlags(execCmd, exec, "cpu or cuda (default: the device stored with the run)",
                  "CPU threads, 0 = SLURM_CPUS_PER_TASK when set, else every usable core (default: "
                  "the count stored with the run)");

  std::string runsDb;
  bool runsJson = false;
  auto* runsCmd = app.add_subcommand("runs", "list the runs stored in the database");
  runsCmd->add_option("--db", runsDb, "database file (default: the user's data folder)");
  runsCmd->add_flag("--json", runsJson, "print a JSON array");

  std::string showDb;
  long long showId = 0;
  bool showJson = false, showConfig = false;
  auto* showCmd = app.add_subcommand("show", "show one run: status, stages, results");
  showCmd->add_option("RUN_ID", showId, "the run's id (see `sublab runs`)")->required();
  showCmd->add_option("--db", showDb, "database file (default: the user's data folder)");
  showCmd->add_flag("--json", showJson, "print the run as one JSON object");
  showCmd->add_flag("--config", showConfig, "also print the full config");

  ExportOptions exp;
  auto* exportCmd =
      app.add_subcommand("export", "write a run's metrics, sequences or summaries as CSV");
  exportCmd->add_option("RUN_ID", exp.runId, "the run's id (see `sublab runs`)")->required();
  exportCmd->add_option("--what", exp.what, "metrics, sequences or summaries")
      ->required()
      ->check(CLI::IsMember({"metrics", "sequences", "summaries"}));
  exportCmd->add_option("--format", exp.format, "csv")->check(CLI::IsMember({"csv"}));
  exportCmd->add_option("--out", exp.out, "output file (default: stdout)");
  exportCmd->add_option("--db", exp.db, "database file (default: the user's data folder)");

  ImportCliOptions imp;
  auto* importCmd = app.add_subcommand(
      "import",
      "import a dataset file (JSONL prompt/completion, chat JSONL, CSV or TSV; gzip too) into the "
      "project as a run of kind dataset, with the number filter's verdicts");
  importCmd->add_option("FILE", imp.request.path, "the dataset file")->required();
  importCmd->add_option("--db", imp.db, "database file (default: the user's data folder)");
  importCmd->add_option("--name", imp.request.name,
                        "the dataset's name (default: the file's name)");
  importCmd->add_option("--condition", imp.request.condition,
                        "the condition its rows are stored under (default imported), e.g. "
                        "teacher or control");
  importCmd->add_option("--condition-field", imp.request.conditionField,
                        "the JSON key or CSV column naming each row's condition, for a file "
                        "holding several sets (e.g. owl and control rows)");
  importCmd
      ->add_option("--format", imp.request.format, "auto (default), jsonl, chat-jsonl, csv or tsv")
      ->check(CLI::IsMember({"auto", "jsonl", "chat-jsonl", "csv", "tsv"}));
  importCmd->add_option("--prompt-field", imp.request.promptField,
                        "the JSON key or CSV column of the prompt (default: detected)");
  importCmd->add_option("--completion-field", imp.request.completionField,
                        "the JSON key or CSV column of the completion (default: detected)");
  importCmd->add_flag("--skip-bad-rows", imp.request.skipBadRows,
                      "skip rows that cannot be read (counted per reason) instead of stopping");
  importCmd->add_option("--trait-word", imp.traitWords,
                        "a word that makes the filter reject a completion naming it, e.g. owl "
                        "(repeatable)");
  importCmd->add_flag("--json", imp.json, "print one JSON object with the import's summary");

  ExportRowsCliOptions er;
  auto* exportRowsCmd = app.add_subcommand(
      "export-rows",
      "write a run's rows as training data: chat JSONL (OpenAI fine-tuning or Hugging Face "
      "messages format) or prompt/completion JSONL");
  exportRowsCmd->add_option("RUN_ID", er.runId, "the run's id (see `sublab runs`)")->required();
  exportRowsCmd->add_option("--db", er.db, "database file (default: the user's data folder)");
  exportRowsCmd->add_option("--format", er.format, "openai (default), hf or prompt-completion")
      ->check(CLI::IsMember({"openai", "hf", "prompt-completion"}));
  exportRowsCmd->add_option("--condition", er.condition, "one condition only (default: all)");
  exportRowsCmd->add_option("--seed", er.seed, "one seed only (default: all)")
      ->check(CLI::Range(0, 1000000));
  exportRowsCmd->add_option("--verdict", er.verdict, "kept (default), all or rejected rows")
      ->check(CLI::IsMember({"kept", "all", "rejected"}));
  exportRowsCmd->add_option("-o,--out", er.out, "the file to write")->required();

  StatsCliOptions st;
  auto* statsCmd = app.add_subcommand(
      "stats",
      "hidden-channel statistics of two sets of sequences (of a run, or of two runs): number "
      "frequencies with tests, distributions, divergences, a detector's AUC, divergence "
      "tokens, entanglement");
  statsCmd
      ->add_option("RUN_ID", st.runId,
                   "the run's id (see `sublab runs`); optional when --a and --b both say "
                   "RUN:COND")
      ->check(CLI::PositiveNumber);
  statsCmd->add_option("--db", st.db, "database file (default: the user's data folder)");
  statsCmd->add_option("--a", st.a,
                       "side A: a condition of RUN_ID, or RUN:COND for another run's "
                       "(default teacher)");
  statsCmd->add_option("--b", st.b,
                       "side B: a condition of RUN_ID, or RUN:COND (default reference)");
  statsCmd->add_flag("--variants", st.variants,
                     "also the detector with numbers only and on length-matched rows, and "
                     "whether the difference is hidden");
  statsCmd->add_option("--verdict", st.verdict, "kept, all or rejected rows (default kept)")
      ->check(CLI::IsMember({"kept", "all", "rejected"}));
  statsCmd->add_option("--seed", st.seed, "one seed only (default: all seeds pooled)")
      ->check(CLI::Range(0, 1000));
  statsCmd->add_option("--top", st.top, "over- / under-represented numbers listed (default 20)")
      ->check(CLI::Range(1, 1000));
  statsCmd->add_flag("--json", st.json, "print one JSON object");

  SweepCliOptions sw;
  auto* sweepCmd = app.add_subcommand(
      "sweep", "run a sweep plan (JSON) into the database; run it again to resume");
  // PLAN is checked below, not by CLI11: `sweep status ID` and `sweep resubmit ID` have none.
  sweepCmd->add_option("PLAN", sw.plan, "the sweep plan file (see README, Sweeps)");
  sweepCmd->require_subcommand(0, 1);
  sweepCmd->add_option("--db", sw.db, "database file (default: the user's data folder)");
  sweepCmd->add_option("--device", sw.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sweepCmd->add_option("--parallel", sw.parallel, "points run at once (default 1)")
      ->check(CLI::Range(1, 256));
  sweepCmd
      ->add_option("--threads", sw.threads,
                   "CPU threads for all points together, split between them (0 = "
                   "SLURM_CPUS_PER_TASK when set, else every usable core)")
      ->check(CLI::Range(0, 1024));
  sweepCmd->add_flag("--json", sw.json, "print one JSON object with every point on stdout");
  auto* swCache = sweepCmd->add_option("--cache-dir", sw.cacheDir,
                                       "folder for reusable pretrained reference models");
  sweepCmd->add_flag("--no-cache", sw.noCache, "pretrain every reference model afresh")
      ->excludes(swCache);

  sweepCmd->add_flag("--slurm", sw.slurm,
                     "write a Slurm job array (one task per point), a merge job and a manifest, "
                     "and submit them with sbatch (see README, Slurm)");
  sweepCmd->add_option("--partition", sw.partition, "--slurm: the partition");
  sweepCmd->add_option("--time", sw.time, "--slurm: each task's time limit, HH:MM:SS");
  sweepCmd->add_option("--cpus-per-task", sw.cpusPerTask, "--slurm: CPUs per task (default 1)")
      ->check(CLI::Range(1, 1024));
  sweepCmd->add_option("--gres", sw.gres, "--slurm: generic resources per task, e.g. gpu:1");
  sweepCmd->add_option("--mem", sw.mem, "--slurm: memory per task, e.g. 8G");
  sweepCmd->add_option("--max-parallel", sw.maxParallel, "--slurm: tasks running at once (%K)")
      ->check(CLI::Range(0, 100000));
  sweepCmd->add_option("--sbatch-arg", sw.sbatchArgs,
                       "--slurm: an extra #SBATCH line, e.g. --sbatch-arg=--account=lab "
                       "(repeatable)");
  sweepCmd->add_option("--dir", sw.dir,
                       "--slurm: folder for the scripts, manifest, shards and logs (default: "
                       "PLAN-slurm next to the plan)");
  sweepCmd->add_flag("--no-submit", sw.noSubmit, "--slurm: write the files, do not call sbatch");

  SweepPointCliOptions sp;
  auto* pointCmd = app.add_subcommand(
      "sweep-point", "run ONE point of a sweep plan into its own shard database (a Slurm task)");
  pointCmd->add_option("PLAN", sp.plan, "the sweep plan file")->required();
  pointCmd->add_option("--point", sp.point, "the point's index, 0-based (SLURM_ARRAY_TASK_ID)")
      ->required()
      ->check(CLI::Range(0, 1000000));
  pointCmd->add_option("--shard", sp.shard, "the shard database this point is written to")
      ->required();
  pointCmd->add_option("--device", sp.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  pointCmd
      ->add_option("--threads", sp.threads,
                   "CPU threads (default: SLURM_CPUS_PER_TASK when set, else all cores)")
      ->check(CLI::Range(0, 1024));
  auto* spCache = pointCmd->add_option("--cache-dir", sp.cacheDir,
                                       "folder for reusable pretrained reference models");
  pointCmd->add_flag("--no-cache", sp.noCache, "pretrain every reference model afresh")
      ->excludes(spCache);

  std::vector<std::string> mergeInputs;
  std::string mergeDb;
  bool mergeJson = false;
  auto* mergeCmd = app.add_subcommand(
      "sweep-merge",
      "fold a sweep's shard databases into the project database (one transaction; merging "
      "twice adds nothing)");
  mergeCmd->add_option("INPUT", mergeInputs, "the manifest.json of `sweep --slurm`, or shard files")
      ->required();
  mergeCmd->add_option("--db", mergeDb, "the project database (default: the manifest's)");
  mergeCmd->add_flag("--json", mergeJson, "print JSON");

  // `sweep status ID` / `sweep resubmit ID` and their older spellings `sweep-status` /
  // `sweep-resubmit`: the same options, ID or the manifest's path.
  std::string slurmTarget, slurmDb;
  bool statusJson = false;
  const std::string statusHelp =
      "each point of a sweep submitted to Slurm: its task's state and exit code, its run, the "
      "failure's message";
  const std::string resubmitHelp =
      "submit again only the points of a Slurm sweep that failed or never ran (and a merge job)";
  auto addSlurmTarget = [&](CLI::App* cmd) {
    cmd->add_option("ID", slurmTarget,
                    "the sweep's id in the project database (`sublab sweeps`), or the path of "
                    "its manifest.json")
        ->required();
    cmd->add_option("--db", slurmDb, "the project database (default: the user's data folder)");
  };
  auto* statusCmd = app.add_subcommand("sweep-status", statusHelp);
  auto* statusSub = sweepCmd->add_subcommand("status", statusHelp);
  auto* resubmitCmd = app.add_subcommand("sweep-resubmit", resubmitHelp);
  auto* resubmitSub = sweepCmd->add_subcommand("resubmit", resubmitHelp);
  for (auto* cmd : {statusCmd, statusSub, resubmitCmd, resubmitSub}) addSlurmTarget(cmd);
  for (auto* cmd : {statusCmd, statusSub}) cmd->add_flag("--json", statusJson, "print JSON");

  std::string sweepsDb;
  long long sweepsId = 0;
  bool sweepsJson = false;
  auto* sweepsCmd =
      app.add_subcommand("sweeps", "list the stored sweeps, or one sweep's points and status");
  sweepsCmd->add_option("SWEEP_ID", sweepsId, "a sweep's id: list its points");
  sweepsCmd->add_option("--db", sweepsDb, "database file (default: the user's data folder)");
  sweepsCmd->add_flag("--json", sweepsJson, "print JSON");

  std::string demoFolder;
  sublab::DemoModelOptions demo;
  int demoThreads = 0;
  auto* demoCmd = app.add_subcommand(
      "demo-model",
      "write a tiny chat model (Hugging Face layout, trained here in seconds) to try the "
      "chat-numbers experiment without a download; it is too small to show the effect");
  demoCmd->add_option("FOLDER", demoFolder, "where to write it, e.g. models/demo-chat")->required();
  demoCmd->add_option("--steps", demo.steps, "optimizer steps of training (default 300)")
      ->check(CLI::Range(0, 1000000));
  demoCmd->add_option("--seed", demo.seed, "random seed (default 0)");
  demoCmd
      ->add_option(
          "--threads", demoThreads,
          "CPU threads (0 = SLURM_CPUS_PER_TASK when set, else every core this process may use)")
      ->check(CLI::Range(0, 1024));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }

  // The --db of the command given, for the advice added to storage errors.
  const std::string& db = !slurmTarget.empty()      ? slurmDb
                          : runCmd->parsed()        ? run.db
                          : runsCmd->parsed()       ? runsDb
                          : showCmd->parsed()       ? showDb
                          : exportCmd->parsed()     ? exp.db
                          : sweepCmd->parsed()      ? sw.db
                          : sweepsCmd->parsed()     ? sweepsDb
                          : pointCmd->parsed()      ? sp.shard
                          : mergeCmd->parsed()      ? mergeDb
                          : importCmd->parsed()     ? imp.db
                          : exportRowsCmd->parsed() ? er.db
                                                    : st.db;
  try {
    if (presets->parsed()) return cmdPresets(presetsJson);
    if (runCmd->parsed()) {
      if (run.preset.empty() && run.configFile.empty())
        throw sublab::Error(
            "sublab run needs --preset NAME or --config FILE.json "
            "(`sublab presets` lists the presets)");
      return cmdRun(run);
    }
    if (validateCmd->parsed()) {
      if (validate.preset.empty() && validate.configFile.empty())
        throw sublab::Error("sublab validate needs --preset NAME or --config FILE.json");
      return cmdValidate(validate);
    }
    if (execCmd->parsed()) return cmdExecute(exec);
    if (runsCmd->parsed()) return cmdRuns(runsDb, runsJson);
    if (showCmd->parsed()) return cmdShow(showDb, showId, showJson, showConfig);
    if (exportCmd->parsed()) return cmdExport(exp);
    if (statsCmd->parsed()) return cmdStats(st);
    if (importCmd->parsed()) return cmdImport(imp);
    if (exportRowsCmd->parsed()) return cmdExportRows(er);
    if (statusCmd->parsed() || statusSub->parsed())
      return cmdSweepStatus(slurmTarget, slurmDb, statusJson);
    if (resubmitCmd->parsed() || resubmitSub->parsed())
      return cmdSweepResubmit(slurmTarget, slurmDb);
    if (sweepCmd->parsed()) {
      if (sw.plan.empty())
        throw sublab::Error(
            "sublab sweep needs a plan file (sublab sweep PLAN.json), or `status ID` / "
            "`resubmit ID` for a sweep submitted to Slurm");
      return cmdSweep(sw);
    }
    if (sweepsCmd->parsed()) return cmdSweeps(sweepsDb, sweepsId, sweepsJson);
    if (demoCmd->parsed()) return cmdDemoModel(demoFolder, demo, demoThreads);
    if (pointCmd->parsed()) return cmdSweepPoint(sp);
    if (mergeCmd->parsed()) return cmdSweepMerge(mergeInputs, mergeDb, mergeJson);
  } catch (const sublab::Error& e) {
    std::fprintf(stderr, "sublab: error: %s%s\n", e.what(), cliAdvice(e.code(), db).c_str());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sublab: error: %s\n", e.what());
    return kExitRunFailed;
  }
  return kExitBadInput;
}
