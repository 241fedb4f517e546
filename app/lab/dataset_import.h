// Importing a dataset file into a project, written once for both front ends: the request becomes
// a "dataset" run's config, the run is created and executed through the run lifecycle
// (run_lifecycle.h), so `sublab import` and the GUI store the same. Progress comes through a
// callback that returns false to cancel (PlotJuggler style); a failed or cancelled import keeps
// no rows. No Qt.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/lab/run_lifecycle.h"
#include "storage/database.h"

namespace sublab {

struct ImportRequest {
  std::string path;  // the dataset file
  std::string name;  // the run's name ("" = the file's name)
  std::string condition = "imported";
  // The JSON key or CSV column naming each row's condition (a file of several sets); "" = none.
  std::string conditionField;
  std::string format = "auto";               // auto | jsonl | chat-jsonl | csv | tsv
  std::string promptField, completionField;  // "" = detect
  bool skipBadRows = false;
  // Knobs of the number filter to override (the "filter" section of the dataset kind, e.g.
  // {"trait_words": ["owl"], "paper_banned": true}); empty = its defaults.
  nlohmann::json filter = nlohmann::json::object();
};

// The dataset kind's config for `request` (not yet normalised).
nlohmann::json importConfig(const ImportRequest& request);

// The share of the file read in [0, 1] and the rows stored so far; return false to cancel.
using ImportProgressFn = std::function<bool(double fraction, int64_t rows)>;

struct ImportOutcome {
  int64_t runId = 0;
  RunOutcome outcome;  // status, message, the result (its summary: source, filter counts)
};

// Creates the run for `request` in `db` and imports the file into it. Throws Error before
// creating anything when the request is invalid (e.g. an unknown format); a failure or cancel
// of the import itself is the outcome (the run is stored as failed / cancelled, without rows).
// `cancel`, when given, is a flag another thread may set; `observer` sees every call stored.
ImportOutcome importDataset(Database& db, const ImportRequest& request,
                            const ImportProgressFn& progress = {},
                            const CancelFlag* cancel = nullptr, RunObserver* observer = nullptr);

}  // namespace sublab
