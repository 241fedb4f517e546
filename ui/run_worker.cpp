// Implementation of RunWorker: one job = open (or reuse) the worker's connection, execute the
// stored run through the lab (app/lab/run_lifecycle.h) with this object as the observer, and
// report the outcome in the GUI's words.
#include "ui/run_worker.h"

#include <QMutexLocker>
#include <QThread>

#include "app/lab/run_lifecycle.h"

namespace sublab::ui {

namespace {
constexpr qint64 kMetricBatchMs = 40;    // one metric batch per replot interval
constexpr qint64 kProgressEveryMs = 50;  // per stage
}  // namespace

RunWorker::RunWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<sublab::RunStatus>();
  qRegisterMetaType<sublab::StageStatus>();
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
  sublab::RunOutcome outcome;
  try {
    if (!m_db || m_dbPath != request.dbPath) {
      m_db.reset();
      sublab::OpenOptions options;
      options.markInterrupted = false;  // the GUI's own connection did that at open
      m_db = std::make_unique<sublab::Database>(request.dbPath.toStdString(), options);
      m_dbPath = request.dbPath;
    }
    sublab::ExecuteOptions options;
    options.runtime = request.runtime;
    options.observer = this;
    options.cancel = request.cancel.get();
    options.started = [this] { Q_EMIT jobStarted(m_jobId, m_runId); };
    outcome = sublab::executeRun(*m_db, m_runId, options);
  } catch (const std::exception& e) {
    // The run could not be started or its end not recorded (the database failed).
    outcome.status = sublab::RunStatus::Failed;
    outcome.message = e.what();
  }
  flushMetrics(true);
  QString message;
  switch (outcome.status) {
    case sublab::RunStatus::Done:
      message = tr("Finished in %1 s").arg(outcome.seconds, 0, 'f', 1);
      break;
    case sublab::RunStatus::Cancelled:
      message = tr("Cancelled");
      break;
    default:
      message = QString::fromStdString(outcome.message);
      break;
  }
  if (!outcome.warning.empty())
    message += QStringLiteral(" (%1)").arg(QString::fromStdString(outcome.warning));
  Q_EMIT jobFinished(m_jobId, m_runId, outcome.status, message);
}

void RunWorker::stage(const std::string& name, sublab::StageStatus status,
                      const std::string& message) {
  flushMetrics(true);
  Q_EMIT stageChanged(m_jobId, QString::fromStdString(name), status,
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
  if (emitNow) Q_EMIT progressChanged(m_jobId, name, fraction, QString::fromStdString(message));
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
