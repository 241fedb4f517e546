// The run queue: jobs waiting, running and finished, as a table model for the queue view.
// Enqueuing stores the run in the project database as "queued"; one RunWorker on its own
// QThread runs the jobs one after another. Cancel sets the job's CancelFlag from the GUI
// thread (a queued job is cancelled without starting).
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>
#include <QStringList>
#include <QThread>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/core/common.h"
#include "ui/run_worker.h"

namespace sublab::ui {

class Project;

// What the user asked to run.
struct JobSpec {
  QString name;
  QString preset;          // "" when set up from the form
  nlohmann::json config;   // normalized config (kind included)
  QString device = QStringLiteral("cpu");
  int threads = 0;
  QStringList tags;
};

struct StageProgress {
  QString name;
  int status = 0;  // sublab::StageStatus
  double fraction = 0.0;
  QString message;
};

enum class JobState { Queued, Running, Done, Failed, Cancelled };
QString jobStateName(JobState s);

struct Job {
  int id = 0;
  qint64 runId = 0;
  JobSpec spec;
  JobState state = JobState::Queued;
  QList<StageProgress> stages;  // in order of first appearance
  QString currentStage;
  QString message;
  QDateTime queuedAt, startedAt, finishedAt;
  std::shared_ptr<sublab::CancelFlag> cancel;
  qint64 sequenceRows = 0;
};

class RunQueue : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { ColName, ColKind, ColState, ColStage, ColProgress, ColElapsed, ColumnCount };
  enum Role { JobIdRole = Qt::UserRole + 1, RunIdRole, FractionRole, RawRole };

  explicit RunQueue(Project* project, QObject* parent = nullptr);
  ~RunQueue() override;

  // Stores the run as queued and starts it when the worker is free. Returns the run id, or 0
  // with *error set (e.g. no project open, database failure).
  qint64 enqueue(const JobSpec& spec, QString* error);
  // Cancels a queued or running job (no-op for finished ones).
  void cancel(int jobId);
  void cancelRun(qint64 runId);
  void cancelAll();
  // Removes finished jobs from the list (the runs stay in the database).
  void clearFinished();

  bool isBusy() const;  // a job is running or queued
  int activeJobId() const { return m_activeJob; }
  const Job* job(int jobId) const;
  const Job* jobForRun(qint64 runId) const;
  const Job* jobAt(int row) const;
  QList<qint64> activeRunIds() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

 Q_SIGNALS:
  void runQueued(qint64 runId);
  void runStarted(qint64 runId);
  void stageUpdated(qint64 runId);
  void metricsArrived(qint64 runId, const std::vector<sublab::MetricPoint>& points);
  void sequencesArrived(qint64 runId, qint64 rows);
  void runFinished(qint64 runId, int state, const QString& message);  // state: JobState
  void idle();
  // Internal: hands a request to the worker thread (queued connection).
  void startJob(const sublab::ui::JobRequest& request);

 private:
  Job* find(int jobId);
  int rowOf(int jobId) const;
  void startNext();
  void rowChanged(int jobId);
  void onJobStarted(int jobId, qint64 runId);
  void onStage(int jobId, const QString& stage, int status, const QString& message);
  void onProgress(int jobId, const QString& stage, double fraction, const QString& message);
  void onFinished(int jobId, qint64 runId, int outcome, const QString& message);

  Project* m_project;
  QThread m_thread;
  RunWorker* m_worker = nullptr;
  QList<Job> m_jobs;
  int m_nextId = 1;
  int m_activeJob = 0;
};

}  // namespace sublab::ui
