// Implementation of the dataset import (see dataset_import.h): a config for the "dataset" kind,
// and an observer that turns the engine's progress into the callback and its false into cancel.
#include "app/lab/dataset_import.h"

#include <filesystem>

namespace sublab {

namespace {

// Relays the import's progress to the callback; a false answer (or the caller's flag) cancels.
class ImportProgress : public RunObserver {
 public:
  ImportProgress(const ImportProgressFn& fn, const CancelFlag* outer, RunObserver* next)
      : m_fn(fn), m_outer(outer), m_next(next) {}
  void stage(const std::string& name, StageStatus status, const std::string& message) override {
    if (m_next) m_next->stage(name, status, message);
  }
  void progress(const std::string& stage, double fraction, const std::string& message) override {
    if (m_next) m_next->progress(stage, fraction, message);
    if (m_fn && !m_fn(fraction, m_rows)) m_cancel.store(true);
    if (m_outer && m_outer->load()) m_cancel.store(true);
  }
  void metric(const MetricPoint& point) override {
    if (m_next) m_next->metric(point);
  }
  void sequences(const std::vector<SequenceRow>& rows) override {
    m_rows += static_cast<int64_t>(rows.size());
    if (m_next) m_next->sequences(rows);
  }
  void analysis(const std::string& name, const nlohmann::json& data) override {
    if (m_next) m_next->analysis(name, data);
  }
  const CancelFlag* flag() const { return &m_cancel; }

 private:
  const ImportProgressFn& m_fn;
  const CancelFlag* m_outer;
  RunObserver* m_next;
  CancelFlag m_cancel{false};
  int64_t m_rows = 0;  // rows stored so far
};

}  // namespace

nlohmann::json importConfig(const ImportRequest& r) {
  nlohmann::json source = {{"path", r.path},
                           {"format", r.format},
                           {"prompt_field", r.promptField},
                           {"completion_field", r.completionField},
                           {"condition", r.condition},
                           {"condition_field", r.conditionField},
                           {"skip_bad_rows", r.skipBadRows}};
  nlohmann::json config = {{"kind", "dataset"}, {"source", source}};
  if (!r.name.empty()) config["name"] = r.name;
  if (r.filter.is_object() && !r.filter.empty()) config["filter"] = r.filter;
  return config;
}

ImportOutcome importDataset(Database& db, const ImportRequest& request,
                            const ImportProgressFn& progress, const CancelFlag* cancel,
                            RunObserver* observer) {
  if (request.path.empty()) throw Error("name the dataset file to import");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(request.path, ec))
    throw Error("there is no dataset file " + request.path + "; check the path");
  NewRun draft;
  draft.config = importConfig(request);
  draft.name = !request.name.empty() ? request.name
                                     : std::filesystem::path(request.path).filename().string();
  draft.preset = "import";
  draft.status = RunStatus::Running;
  draft = prepareRun(draft);
  ImportOutcome out;
  out.runId = db.createRun(draft);
  ImportProgress relay(progress, cancel, observer);
  ExecuteOptions options;
  options.observer = &relay;
  options.cancel = relay.flag();
  out.outcome = executeRun(db, out.runId, options);
  return out;
}

}  // namespace sublab
