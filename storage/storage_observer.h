// StorageObserver: the RunObserver that writes a running experiment's stages, progress, metrics,
// sequences and analyses into a Database as the engine reports them, in batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/common.h"
#include "storage/database.h"

namespace sublab {

// Writes a run's stages, progress, metrics and sequences into a Database as the engine reports
// them. Metrics and sequences are buffered and written in one transaction every `flushRows`
// rows, every `flushSeconds`, and at each stage change, so a killed run leaves whole batches.
// Thread-safe: engine threads may call it while other connections read.
struct StorageObserverOptions {
  size_t flushRows = 2000;
  double flushSeconds = 0.5;      // keeps live views fresh
  double progressSeconds = 0.25;  // at most one progress write per stage per interval
};

class StorageObserver : public RunObserver {
 public:
  // `next`, when given, receives every call after it is stored (e.g. a progress printer or the
  // GUI worker's signal adapter).
  StorageObserver(Database& db, int64_t runId, RunObserver* next = nullptr,
                  const StorageObserverOptions& options = {});
  ~StorageObserver() override;  // flushes; never throws

  void stage(const std::string& name, StageStatus status, const std::string& message) override;
  void progress(const std::string& stage, double fraction, const std::string& message) override;
  void metric(const MetricPoint& point) override;
  void sequences(const std::vector<SequenceRow>& rows) override;
  void analysis(const std::string& name, const nlohmann::json& data) override;

  // Writes what is buffered. Throws Error on a database failure.
  void flush();
  // Drops what is buffered (metrics and sequences) without writing it.
  void discard();
  int64_t runId() const { return m_runId; }

 private:
  void flushLocked();
  void maybeFlushLocked();

  Database& m_db;
  int64_t m_runId;
  RunObserver* m_next;
  StorageObserverOptions m_options;
  std::mutex m_mutex;
  std::vector<MetricPoint> m_metrics;
  std::vector<SequenceRow> m_sequences;
  double m_lastFlush = 0.0;
  std::vector<std::pair<std::string, double>> m_lastProgress;  // stage -> time of last write
};

}  // namespace sublab
