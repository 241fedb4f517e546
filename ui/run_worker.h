// The object that runs stored runs on a background QThread through the lab's executeRun (the
// lifecycle the CLI shares). It is the front-end observer executeRun chains after storage: every
// call is re-emitted as queued signals, with progress rate-limited and metric points batched so
// the GUI thread gets a few events per second, not one per training step. Cancel is the job's
// CancelFlag, set directly by the GUI thread.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QString>
#include <memory>
#include <vector>

#include "engine/core/common.h"
#include "storage/database.h"

// Statuses cross from the worker thread to the GUI thread in queued signals.
Q_DECLARE_METATYPE(sublab::RunStatus)
Q_DECLARE_METATYPE(sublab::StageStatus)
Q_DECLARE_METATYPE(std::vector<sublab::MetricPoint>)
Q_DECLARE_METATYPE(std::shared_ptr<sublab::CancelFlag>)

namespace sublab::ui {

// What one queued job asks the worker to do: the stored run to execute (its config is read
// from the database) and how.
struct JobRequest {
  int jobId = 0;
  QString dbPath;
  qint64 runId = 0;
  sublab::RuntimeOptions runtime;
  std::shared_ptr<sublab::CancelFlag> cancel;
};

class RunWorker : public QObject, public sublab::RunObserver {
  Q_OBJECT

 public:
  explicit RunWorker(QObject* parent = nullptr);
  ~RunWorker() override;

  // RunObserver: called from the engine (the worker thread, or engine threads).
  void stage(const std::string& name, sublab::StageStatus status,
             const std::string& message) override;
  void progress(const std::string& stage, double fraction, const std::string& message) override;
  void metric(const sublab::MetricPoint& point) override;
  void sequences(const std::vector<sublab::SequenceRow>& rows) override;

 public Q_SLOTS:
  // Runs one job to the end (blocking this worker's thread). Invoke through a queued call.
  void run(const sublab::ui::JobRequest& request);

 Q_SIGNALS:
  void jobStarted(int jobId, qint64 runId);
  void stageChanged(int jobId, const QString& stage, sublab::StageStatus status,
                    const QString& message);
  void progressChanged(int jobId, const QString& stage, double fraction, const QString& message);
  void metricsArrived(int jobId, qint64 runId, const std::vector<sublab::MetricPoint>& points);
  void sequencesArrived(int jobId, qint64 runId, qint64 rows);
  // status: Done, Failed or Cancelled; message: the GUI's words for it.
  void jobFinished(int jobId, qint64 runId, sublab::RunStatus status, const QString& message);

 private:
  void flushMetrics(bool force);

  std::unique_ptr<sublab::Database> m_db;
  QString m_dbPath;
  int m_jobId = 0;
  qint64 m_runId = 0;
  QMutex m_mutex;  // guards the buffers below (engine threads may call the observer)
  std::vector<sublab::MetricPoint> m_pending;
  QElapsedTimer m_sinceMetrics;
  QHash<QString, qint64> m_lastProgressMs;
  QElapsedTimer m_clock;
  qint64 m_sequenceRows = 0;
};

}  // namespace sublab::ui

Q_DECLARE_METATYPE(sublab::ui::JobRequest)
