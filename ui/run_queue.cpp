// Implementation of RunQueue: the GUI-side bookkeeping of jobs and the worker thread.
#include "ui/run_queue.h"

#include <algorithm>

#include "app/lab/run_lifecycle.h"
#include "engine/experiment.h"
#include "ui/project.h"

namespace sublab::ui {

double Job::fraction() const {
  if (status == sublab::RunStatus::Done) return 1.0;
  for (const StageProgress& s : stages)
    if (s.name == currentStage) return s.fraction;
  return 0.0;
}

RunQueue::RunQueue(Project* project, QObject* parent) : QObject(parent), m_project(project) {
  m_thread.setObjectName(QStringLiteral("sublab-run-worker"));
  m_worker = new RunWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(this, &RunQueue::startJob, m_worker, &RunWorker::run, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::jobStarted, this, &RunQueue::onJobStarted, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::stageChanged, this, &RunQueue::onStage, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::progressChanged, this, &RunQueue::onProgress, Qt::QueuedConnection);
  connect(
      m_worker, &RunWorker::metricsArrived, this,
      [this](int, qint64 runId, const std::vector<sublab::MetricPoint>& points) {
        Q_EMIT metricsArrived(runId, points);
      },
      Qt::QueuedConnection);
  connect(
      m_worker, &RunWorker::sequencesArrived, this,
      [this](int jobId, qint64 runId, qint64 rows) {
        if (Job* j = find(jobId)) j->sequenceRows = rows;
        Q_EMIT sequencesArrived(runId, rows);
      },
      Qt::QueuedConnection);
  connect(m_worker, &RunWorker::jobFinished, this, &RunQueue::onFinished, Qt::QueuedConnection);
  m_thread.start();
}

RunQueue::~RunQueue() {
  // Stop the engine at its next cancel check, then wait for the thread to wind down.
  for (Job& j : m_jobs)
    if (j.cancel) j.cancel->store(true);
  m_thread.quit();
  m_thread.wait();
}

qint64 RunQueue::enqueue(const JobSpec& spec, QString* error) {
  if (!m_project || !m_project->db()) {
    if (error) *error = tr("No project database is open: use File › Open or New project first.");
    return 0;
  }
  sublab::NewRun draft;
  draft.name = spec.name.toStdString();
  draft.preset = spec.preset.toStdString();
  draft.config = spec.config;
  draft.device = spec.device.toStdString();
  draft.threads = spec.threads;
  draft.status = sublab::RunStatus::Queued;
  draft.experiment = spec.experiment.toStdString();
  for (const QString& t : spec.tags) draft.tags.push_back(t.toStdString());
  Job job;
  try {
    const sublab::NewRun run = sublab::prepareRun(draft, spec.repetitions);
    job.runId = m_project->db()->createRun(run);
    job.spec = spec;
    job.spec.config = run.config;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return 0;
  }
  job.id = m_nextId++;
  job.queuedAt = QDateTime::currentDateTime();
  job.cancel = std::make_shared<sublab::CancelFlag>(false);
  Q_EMIT jobAboutToBeAdded(m_jobs.size());
  m_jobs << job;
  Q_EMIT jobAdded(m_jobs.size() - 1);
  Q_EMIT runQueued(job.runId);
  startNext();
  return job.runId;
}

void RunQueue::startNext() {
  if (m_activeJob) return;
  for (Job& j : m_jobs) {
    if (j.status != sublab::RunStatus::Queued) continue;
    m_activeJob = j.id;
    j.status = sublab::RunStatus::Running;
    j.startedAt = QDateTime::currentDateTime();
    j.message = tr("starting…");
    changed(j.id);
    JobRequest req;
    req.jobId = j.id;
    req.dbPath = m_project ? m_project->path() : QString();
    req.runId = j.runId;
    req.runtime.device = j.spec.device.toStdString();
    req.runtime.threads = j.spec.threads;
    // Pretrained reference models are reused across runs, as in the CLI (identical results).
    req.runtime.cacheDir = sublab::defaultCacheDir();
    req.cancel = j.cancel;
    Q_EMIT startJob(req);
    return;
  }
}

void RunQueue::cancel(int jobId) {
  Job* j = find(jobId);
  if (!j) return;
  if (j->status == sublab::RunStatus::Running) {
    j->cancel->store(true);  // the engine throws Cancelled at its next check
    j->message = tr("cancelling…");
    changed(jobId);
  } else if (j->status == sublab::RunStatus::Queued) {
    j->cancel->store(true);
    j->status = sublab::RunStatus::Cancelled;
    j->finishedAt = QDateTime::currentDateTime();
    j->message = tr("cancelled before it started");
    if (m_project && m_project->db()) {
      try {
        sublab::cancelQueuedRun(*m_project->db(), j->runId);
      } catch (const std::exception&) {
        // The database failed; the run is marked interrupted when the project is next opened.
      }
    }
    changed(jobId);
    const qint64 runId = j->runId;  // a slot may clear the list
    const QString message = j->message;
    Q_EMIT runFinished(runId, sublab::RunStatus::Cancelled, message);
    if (!isBusy()) Q_EMIT idle();
  }
}

void RunQueue::cancelRun(qint64 runId) {
  if (const Job* j = jobForRun(runId)) cancel(j->id);
}

void RunQueue::cancelAll() {
  QList<int> ids;
  for (const Job& j : m_jobs) ids << j.id;
  for (int id : ids) cancel(id);
}

void RunQueue::clearFinished() {
  for (int i = m_jobs.size() - 1; i >= 0; --i) {
    if (m_jobs[i].isActive()) continue;
    Q_EMIT jobAboutToBeRemoved(i);
    m_jobs.removeAt(i);
    Q_EMIT jobRemoved(i);
  }
}

void RunQueue::forgetRuns(const QList<qint64>& runIds) {
  for (int i = m_jobs.size() - 1; i >= 0; --i) {
    if (m_jobs[i].isActive() || !runIds.contains(m_jobs[i].runId)) continue;
    Q_EMIT jobAboutToBeRemoved(i);
    m_jobs.removeAt(i);
    Q_EMIT jobRemoved(i);
  }
}

bool RunQueue::isBusy() const {
  return std::any_of(m_jobs.begin(), m_jobs.end(), [](const Job& j) { return j.isActive(); });
}

const Job* RunQueue::job(int jobId) const {
  const int i = indexOf(jobId);
  return i >= 0 ? &m_jobs[i] : nullptr;
}

const Job* RunQueue::jobForRun(qint64 runId) const {
  for (const Job& j : m_jobs)
    if (j.runId == runId) return &j;
  return nullptr;
}

const Job* RunQueue::jobAt(int index) const {
  return index >= 0 && index < m_jobs.size() ? &m_jobs[index] : nullptr;
}

int RunQueue::indexOf(int jobId) const {
  for (int i = 0; i < m_jobs.size(); ++i)
    if (m_jobs[i].id == jobId) return i;
  return -1;
}

QList<qint64> RunQueue::activeRunIds() const {
  QList<qint64> out;
  for (const Job& j : m_jobs)
    if (j.isActive()) out << j.runId;
  return out;
}

Job* RunQueue::find(int jobId) {
  const int i = indexOf(jobId);
  return i >= 0 ? &m_jobs[i] : nullptr;
}

StageProgress& RunQueue::stageOf(Job& job, const QString& stage) {
  for (StageProgress& s : job.stages)
    if (s.name == stage) return s;
  job.stages << StageProgress{stage, sublab::StageStatus::Running, 0.0, {}};
  return job.stages.last();
}

void RunQueue::changed(int jobId) {
  const int i = indexOf(jobId);
  if (i >= 0) Q_EMIT jobChanged(i);
}

void RunQueue::onJobStarted(int jobId, qint64 runId) {
  if (Job* j = find(jobId)) {
    j->message = tr("running");
    changed(jobId);
  }
  Q_EMIT runStarted(runId);
}

void RunQueue::onStage(int jobId, const QString& stage, sublab::StageStatus status,
                       const QString& message) {
  Job* j = find(jobId);
  if (!j) return;
  StageProgress& sp = stageOf(*j, stage);
  sp.status = status;
  if (!message.isEmpty()) sp.message = message;
  if (status == sublab::StageStatus::Done) sp.fraction = 1.0;
  if (status == sublab::StageStatus::Running) j->currentStage = stage;
  changed(jobId);
  Q_EMIT stageUpdated(j->runId);
}

void RunQueue::onProgress(int jobId, const QString& stage, double fraction,
                          const QString& message) {
  Job* j = find(jobId);
  if (!j) return;
  StageProgress& sp = stageOf(*j, stage);
  sp.fraction = std::clamp(fraction, 0.0, 1.0);
  if (!message.isEmpty()) sp.message = message;
  j->currentStage = stage;
  changed(jobId);
  Q_EMIT stageUpdated(j->runId);
}

void RunQueue::onFinished(int jobId, qint64 runId, sublab::RunStatus status,
                          const QString& message) {
  if (Job* j = find(jobId)) {
    j->status = status;
    j->finishedAt = QDateTime::currentDateTime();
    j->message = message;
    // Stages the engine left running or pending end with the run, as storage records them.
    const auto final = status == sublab::RunStatus::Done        ? sublab::StageStatus::Done
                       : status == sublab::RunStatus::Cancelled ? sublab::StageStatus::Cancelled
                                                                : sublab::StageStatus::Failed;
    for (StageProgress& s : j->stages)
      if (s.status == sublab::StageStatus::Running ||
          (status != sublab::RunStatus::Done && s.status == sublab::StageStatus::Pending))
        s.status = final;
    changed(jobId);
  }
  if (m_activeJob == jobId) m_activeJob = 0;
  Q_EMIT runFinished(runId, status, message);
  startNext();
  if (!isBusy()) Q_EMIT idle();
}

}  // namespace sublab::ui
