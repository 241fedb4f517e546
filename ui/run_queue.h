// The run queue: jobs waiting, running and finished. Enqueuing stores the run in the project
// database as queued (through the lab's prepareRun, like the CLI); one RunWorker on its own
// QThread executes the jobs one after another. Cancel sets the job's CancelFlag from the GUI
// thread (a queued job is cancelled without starting). RunQueueModel shows it as a table.
#pragma once

#include <QDateTime>
#include <QList>
#include <QStringList>
#include <QThread>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/core/common.h"
#include "storage/database.h"
#include "ui/run_worker.h"

namespace sublab::ui {

class Project;

// What the user asked to run.
struct JobSpec {
  QString name;
  QString preset;         // "" when set up from the form
  nlohmann::json config;  // a config with its "kind" key; normalised when stored
  int repetitions = 0;    // > 0 overrides the kind's repetition count (seeds / models)
  QString device = QStringLiteral("cpu");
  int threads = 0;
  QStringList tags;
  QString experiment;  // the experiment to file the run under ("" = by its preset)
};

struct StageProgress {
  QString name;
  sublab::StageStatus status = sublab::StageStatus::Pending;
  double fraction = 0.0;
  QString message;
};

struct Job {
  int id = 0;
  qint64 runId = 0;
  JobSpec spec;                                          // config as stored (normalised)
  sublab::RunStatus status = sublab::RunStatus::Queued;  // Queued, Running, then a final one
  QList<StageProgress> stages;                           // in order of first appearance
  QString currentStage;
  QString message;
  QDateTime queuedAt, startedAt, finishedAt;
  std::shared_ptr<sublab::CancelFlag> cancel;
  qint64 sequenceRows = 0;

  bool isActive() const {
    return status == sublab::RunStatus::Queued || status == sublab::RunStatus::Running;
  }
  // The current stage's progress, 1 once done.
  double fraction() const;
};

class RunQueue : public QObject {
  Q_OBJECT

 public:
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
  // Removes the finished jobs of these runs (e.g. the runs were deleted); active jobs stay.
  void forgetRuns(const QList<qint64>& runIds);

  bool isBusy() const;  // a job is running or queued
  int activeJobId() const { return m_activeJob; }
  const Job* job(int jobId) const;
  const Job* jobForRun(qint64 runId) const;
  const Job* jobAt(int index) const;
  int jobCount() const { return m_jobs.size(); }
  int indexOf(int jobId) const;  // -1 when unknown
  QList<qint64> activeRunIds() const;

 Q_SIGNALS:
  // The job list changes (for RunQueueModel): about-to / done pairs around each insertion and
  // removal, then a job's fields change in place.
  void jobAboutToBeAdded(int index);
  void jobAdded(int index);
  void jobAboutToBeRemoved(int index);
  void jobRemoved(int index);
  void jobChanged(int index);

  void runQueued(qint64 runId);
  void runStarted(qint64 runId);
  void stageUpdated(qint64 runId);
  void metricsArrived(qint64 runId, const std::vector<sublab::MetricPoint>& points);
  void sequencesArrived(qint64 runId, qint64 rows);
  // status: Done, Failed or Cancelled.
  void runFinished(qint64 runId, sublab::RunStatus status, const QString& message);
  void idle();
  // Internal: hands a request to the worker thread (queued connection).
  void startJob(const sublab::ui::JobRequest& request);

 private:
  Job* find(int jobId);
  StageProgress& stageOf(Job& job, const QString& stage);
  void startNext();
  void changed(int jobId);
  void onJobStarted(int jobId, qint64 runId);
  void onStage(int jobId, const QString& stage, sublab::StageStatus status, const QString& message);
  void onProgress(int jobId, const QString& stage, double fraction, const QString& message);
  void onFinished(int jobId, qint64 runId, sublab::RunStatus status, const QString& message);

  Project* m_project;
  QThread m_thread;
  RunWorker* m_worker = nullptr;
  QList<Job> m_jobs;
  int m_nextId = 1;
  int m_activeJob = 0;
};

}  // namespace sublab::ui
