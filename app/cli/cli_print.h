// Text and JSON renderings of stored runs shared by `sublab run`, `runs` and `show`.
#pragma once

#include "storage/database.h"

namespace sublab::cli {

// The human-readable report of one run (status, stages, results, filter counts).
void printRunText(Database& db, const RunInfo& run, bool withConfig);
// The run as one JSON object (what `sublab show --json` prints).
nlohmann::json runJson(Database& db, const RunInfo& run, bool withStages);
// Opens an existing database; throws a clear Error when it is missing. `markInterrupted`: as
// OpenOptions (false for `execute`, whose queued run may outlive the program that queued it).
std::unique_ptr<Database> openExisting(const std::string& path, bool markInterrupted = true);

// The flag SIGINT / SIGTERM set (handlers installed on the first call): the run, or the sweep,
// stops at its next checkpoint.
const CancelFlag& cancelOnSignals();

}  // namespace sublab::cli
