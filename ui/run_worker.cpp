// Implementation of RunWorker: one job = open (or reuse) the worker's connection, mark the run
// started, run the engine through a StorageObserver that forwards to this object, store the
// result or the failure, and report the outcome.
#include "ui/run_worker.h"

#include <QMutexLocker>
#include <QThread>

#include "storage/database.h"
#include "storage/storage_observer.h"
#include "engine/experiment.h"

namespace sublab::ui {

namespace {
constexpr qint64 kMetricBatchMs = 40;    // one metric batch per replot interval
constexpr qint64 kProgressEveryMs = 50;  // per stage
}  // namespace

RunWorker::RunWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::vector<sublab::MetricPoint>>();
  qRegisterMetaType<sublab::ui::JobRequest>();
  m_clock.start();
  m_sinceMetrics.start();
}

RunWorker::~RunWorker() = default;

void RunWorker::run(const JobRequest& request) {
  m_jobId = request.jobId;
  m_runId = request.runId;
  m_sequenceRows = 0;
  m_lastProgressMs.clear();
  {
    QMutexLocker lock(&m_mutex);
    m_pending.clear();
  }
  JobOutcome outcome = JobOutcome::Failed;
  QString message;
  QElapsedTimer wall;
  wall.start();
  try {
    if (!m_db || m_dbPath != request.dbPath) {
      m_db.reset();
      sublab::OpenOptions options;
      options.markInterrupted = false;  // the GUI's own connection did that at open
      m_db = std::make_unique<sublab::Database>(request.dbPath.toStdString(), options);
      m_dbPath = request.dbPath;
    }
    const nlohmann::json config = nlohmann::json::parse(request.configJson.toStdString());
    sublab::RuntimeOptions runtime;
    runtime.device = request.device.toStdString();
    runtime.threads = request.threads;
    // Pretrained reference models are reused across runs, as in the CLI (identical results).
    runtime.cacheDir = sublab::defaultCacheDir();
    m_db->markRunStarted(m_runId);
    Q_EMIT jobStarted(m_jobId, m_runId);
    sublab::ExperimentResult result;
    try {
      sublab::StorageObserver storing(*m_db, m_runId, this);
      result = sublab::runExperiment(config, runtime, storing, request.cancel.get());
      storing.flush();
    } catch (const sublab::Cancelled&) {
      outcome = JobOutcome::Cancelled;
      message = tr("Cancelled");
    }
    flushMetrics(true);
    const double seconds = wall.elapsed() / 1000.0;
    if (outcome == JobOutcome::Cancelled) {
      m_db->finishRun(m_runId, sublab::RunStatus::Cancelled, seconds);
    } else {
      m_db->saveResult(m_runId, result);
      m_db->finishRun(m_runId, sublab::RunStatus::Done,
                      result.wallSeconds > 0 ? result.wallSeconds : seconds);
      outcome = JobOutcome::Done;
      message = tr("Finished in %1 s").arg(seconds, 0, 'f', 1);
    }
  } catch (const std::exception& e) {
    flushMetrics(true);
    outcome = JobOutcome::Failed;
    message = QString::fromStdString(e.what());
    if (m_db && m_runId > 0) {
      try {
        m_db->finishRun(m_runId, sublab::RunStatus::Failed, wall.elapsed() / 1000.0,
                        e.what());
      } catch (const std::exception&) {
        // The database itself failed; the message above already says why.
      }
    }
  }
  Q_EMIT jobFinished(m_jobId, m_runId, static_cast<int>(outcome), message);
}

void RunWorker::stage(const std::string& name, sublab::StageStatus status,
                      const std::string& message) {
  flushMetrics(true);
  Q_EMIT stageChanged(m_jobId, QString::fromStdString(name), static_cast<int>(status),
                      QString::fromStdString(message));
}

void RunWorker::progress(const std::string& stage, double fraction, const std::string& message) {
  const QString name = QString::fromStdString(stage);
  const qint64 now = m_clock.elapsed();
  bool emitNow = false;
  {
    QMutexLocker lock(&m_mutex);
    auto it = m_lastProgressMs.find(name);
    if (fraction >= 1.0 || it == m_lastProgressMs.end() || now - *it >= kProgressEveryMs) {
      m_lastProgressMs[name] = now;
      emitNow = true;
    }
  }
  if (emitNow)
    Q_EMIT progressChanged(m_jobId, name, fraction, QString::fromStdString(message));
  flushMetrics(false);
}

void RunWorker::metric(const sublab::MetricPoint& point) {
  {
    QMutexLocker lock(&m_mutex);
    m_pending.push_back(point);
  }
  flushMetrics(false);
}

void RunWorker::sequences(const std::vector<sublab::SequenceRow>& rows) {
  qint64 total = 0;
  {
    QMutexLocker lock(&m_mutex);
    m_sequenceRows += static_cast<qint64>(rows.size());
    total = m_sequenceRows;
  }
  Q_EMIT sequencesArrived(m_jobId, m_runId, total);
}

void RunWorker::flushMetrics(bool force) {
  std::vector<sublab::MetricPoint> batch;
  {
    QMutexLocker lock(&m_mutex);
    if (m_pending.empty()) return;
    if (!force && m_sinceMetrics.elapsed() < kMetricBatchMs) return;
    batch.swap(m_pending);
    m_sinceMetrics.restart();
  }
  Q_EMIT metricsArrived(m_jobId, m_runId, batch);
}

}  // namespace sublab::ui
