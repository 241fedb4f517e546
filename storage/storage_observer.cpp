// StorageObserver: stores what a running experiment reports. Rows are buffered and written in
// batches (one transaction each), stage changes flush first so the stored order is the
// reported order, and progress writes are throttled per stage.
#include "storage/storage_observer.h"

#include <chrono>

namespace sublab {

namespace {
double monotonicSeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

StorageObserver::StorageObserver(Database& db, int64_t runId, RunObserver* next,
                                 const StorageObserverOptions& options)
    : m_db(db), m_runId(runId), m_next(next), m_options(options), m_lastFlush(monotonicSeconds()) {}

StorageObserver::~StorageObserver() {
  try {
    flush();
  } catch (...) {
    // A destructor must not throw; the caller that cares calls flush() itself.
  }
}

void StorageObserver::stage(const std::string& name, StageStatus status,
                            const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    flushLocked();
    m_db.updateStage(m_runId, name, status, -1.0, message);
    for (auto& [stage, at] : m_lastProgress)
      if (stage == name) at = 0.0;
  }
  if (m_next) m_next->stage(name, status, message);
}

void StorageObserver::progress(const std::string& stage, double fraction,
                               const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    const double now = monotonicSeconds();
    double* last = nullptr;
    for (auto& [name, at] : m_lastProgress)
      if (name == stage) last = &at;
    if (!last) {
      m_lastProgress.emplace_back(stage, 0.0);
      last = &m_lastProgress.back().second;
    }
    if (fraction >= 1.0 || now - *last >= m_options.progressSeconds) {
      *last = now;
      m_db.updateStageProgress(m_runId, stage, fraction, message);
    }
    maybeFlushLocked();
  }
  if (m_next) m_next->progress(stage, fraction, message);
}

void StorageObserver::metric(const MetricPoint& point) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_metrics.push_back(point);
    maybeFlushLocked();
  }
  if (m_next) m_next->metric(point);
}

void StorageObserver::sequences(const std::vector<SequenceRow>& rows) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_sequences.insert(m_sequences.end(), rows.begin(), rows.end());
    maybeFlushLocked();
  }
  if (m_next) m_next->sequences(rows);
}

void StorageObserver::analysis(const std::string& name, const nlohmann::json& data) {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    flushLocked();
    m_db.saveAnalysis(m_runId, name, data);
  }
  if (m_next) m_next->analysis(name, data);
}

void StorageObserver::flush() {
  std::lock_guard<std::mutex> lock(m_mutex);
  flushLocked();
}

void StorageObserver::discard() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_metrics.clear();
  m_sequences.clear();
}

void StorageObserver::maybeFlushLocked() {
  const size_t rows = m_metrics.size() + m_sequences.size();
  if (rows == 0) return;
  if (rows >= m_options.flushRows || monotonicSeconds() - m_lastFlush >= m_options.flushSeconds)
    flushLocked();
}

void StorageObserver::flushLocked() {
  m_lastFlush = monotonicSeconds();
  if (m_metrics.empty() && m_sequences.empty()) return;
  // Both tables in one transaction: a kill leaves either the whole batch or none of it.
  m_db.transaction([&] {
    m_db.insertMetrics(m_runId, m_metrics);
    m_db.insertSequences(m_runId, m_sequences);
  });
  m_metrics.clear();
  m_sequences.clear();
}

}  // namespace sublab
