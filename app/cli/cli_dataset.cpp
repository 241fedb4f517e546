// `sublab import` and `sublab export-rows`: a dataset file into the project and a run's rows out
// as training data, through the lab (app/lab/dataset_import.h, dataset_export.h); this file adds
// only the CLI's words: progress on stderr, Ctrl-C as cancel, the summary, exit codes.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_commands.h"
#include "app/cli/cli_print.h"
#include "app/lab/dataset_export.h"
#include "app/lab/dataset_import.h"
#include "storage/database.h"

namespace sublab::cli {

namespace {

// "1,234,567" for the counts a person reads.
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void printImportSummary(const nlohmann::json& summary, int64_t runId, double seconds) {
  const nlohmann::json& src = summary.at("source");
  const nlohmann::json& filter = summary.at("filter");
  const int64_t rows = src.value("rows", int64_t(0));
  const std::string field = src.value("condition_field", std::string());
  const std::string as = field.empty()
                             ? "as condition \"" + summary.value("condition", std::string()) + "\""
                             : "with conditions from \"" + field + "\"";
  std::printf("run %lld: %s imported %s (%s, %s -> %s)\n", static_cast<long long>(runId),
              src.value("file", std::string()).c_str(), as.c_str(),
              src.value("format", std::string()).c_str(),
              src.value("prompt_field", std::string()).c_str(),
              src.value("completion_field", std::string()).c_str());
  std::printf("rows      %s in %.1f s (%s rows/s)\n", grouped(rows).c_str(), seconds,
              grouped(seconds > 0 ? int64_t(double(rows) / seconds) : rows).c_str());
  const nlohmann::json& conditions = summary.at("conditions");
  if (conditions.size() > 1)
    for (const auto& [name, c] : conditions.items())
      std::printf("  %-30s %s rows, %s kept\n", name.c_str(),
                  grouped(c.value("rows", int64_t(0))).c_str(),
                  grouped(c.value("kept", int64_t(0))).c_str());
  std::printf("kept      %s\n", grouped(filter.value("kept", int64_t(0))).c_str());
  std::printf("rejected  %s\n", grouped(filter.value("rejected", int64_t(0))).c_str());
  for (const auto& [reason, n] : filter.at("reasons").items())
    std::printf("  %-30s %s\n", reason.c_str(), grouped(n.get<int64_t>()).c_str());
  const int64_t skipped = src.value("skipped", int64_t(0));
  if (skipped > 0) {
    std::printf("skipped   %s unreadable rows\n", grouped(skipped).c_str());
    for (const auto& [reason, n] : src.at("skipped_by_reason").items())
      std::printf("  %-30s %s\n", reason.c_str(), grouped(n.get<int64_t>()).c_str());
  }
  std::printf("file      %s bytes%s\n", grouped(src.value("bytes", int64_t(0))).c_str(),
              src.value("gzip", false) ? " (gzip)" : "");
  std::printf("sha256    %s\n", src.value("sha256", std::string()).c_str());
}

}  // namespace

int cmdImport(const ImportCliOptions& o) {
  ImportRequest request = o.request;
  if (!o.traitWords.empty()) request.filter["trait_words"] = o.traitWords;
  Database db(resolveDb(o.db));
  const CancelFlag& cancel = cancelOnSignals();
  const auto start = std::chrono::steady_clock::now();
  double lastPrint = 0;
  const ImportOutcome out = importDataset(
      db, request,
      [&](double fraction, int64_t rows) {
        const double now =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (now - lastPrint >= 2.0) {
          std::fprintf(stderr, "sublab: importing %s: %3.0f%%, %s rows\n", o.request.path.c_str(),
                       100 * fraction, grouped(rows).c_str());
          lastPrint = now;
        }
        return true;
      },
      &cancel);
  const long long id = out.runId;
  if (out.outcome.status == RunStatus::Cancelled) {
    std::fprintf(stderr, "sublab: import cancelled; run %lld keeps no rows\n", id);
    return kExitCancelled;
  }
  if (out.outcome.status != RunStatus::Done) {
    std::fprintf(stderr, "sublab: error: import failed (run %lld, stored as failed, no rows): %s\n",
                 id, out.outcome.message.c_str());
    return kExitBadInput;
  }
  const nlohmann::json& summary = out.outcome.result.summary;
  if (o.json) {
    nlohmann::json j = summary;
    j["run_id"] = out.runId;
    j["db"] = db.path();
    j["wall_seconds"] = out.outcome.seconds;
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    printImportSummary(summary, out.runId, out.outcome.seconds);
  }
  return kExitOk;
}

int cmdExportRows(const ExportRowsCliOptions& o) {
  RowExportRequest request;
  request.runId = o.runId;
  request.format = o.format;
  request.condition = o.condition;
  if (o.seed >= 0) request.seed = o.seed;
  request.verdict = o.verdict == "kept"       ? Verdict::Kept
                    : o.verdict == "rejected" ? Verdict::Rejected
                                              : Verdict::Any;
  request.path = o.out;
  auto db = openExisting(resolveDb(o.db));
  const CancelFlag& cancel = cancelOnSignals();
  const RowExportResult result =
      exportRows(*db, request, [&](int64_t, int64_t) { return !cancel.load(); });
  if (result.cancelled) {
    std::fprintf(stderr, "sublab: export cancelled; %s was not written\n", o.out.c_str());
    return kExitCancelled;
  }
  std::printf("wrote %s: %s rows of run %lld (%s, %s rows)\n", o.out.c_str(),
              grouped(result.rows).c_str(), o.runId, o.format.c_str(), o.verdict.c_str());
  return kExitOk;
}

}  // namespace sublab::cli
