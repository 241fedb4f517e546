// Implementation of RunQueue: the GUI-side bookkeeping of jobs and the worker thread.
#include "ui/run_queue.h"

#include <QLocale>
#include <algorithm>

#include "storage/database.h"
#include "ui/project.h"

namespace sublab::ui {

QString jobStateName(JobState s) {
  switch (s) {
    case JobState::Queued: return QObject::tr("queued");
    case JobState::Running: return QObject::tr("running");
    case JobState::Done: return QObject::tr("done");
    case JobState::Failed: return QObject::tr("failed");
    case JobState::Cancelled: return QObject::tr("cancelled");
  }
  return {};
}

RunQueue::RunQueue(Project* project, QObject* parent)
    : QAbstractTableModel(parent), m_project(project) {
  m_thread.setObjectName(QStringLiteral("sublab-run-worker"));
  m_worker = new RunWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(this, &RunQueue::startJob, m_worker, &RunWorker::run, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::jobStarted, this, &RunQueue::onJobStarted, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::stageChanged, this, &RunQueue::onStage, Qt::QueuedConnection);
  connect(m_worker, &RunWorker::progressChanged, this, &RunQueue::onProgress,
          Qt::QueuedConnection);
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
  sublab::NewRun nr;
  nr.name = spec.name.toStdString();
  nr.preset = spec.preset.toStdString();
  nr.config = spec.config;
  nr.kind = spec.config.value("kind", std::string());
  nr.device = spec.device.toStdString();
  nr.threads = spec.threads;
  nr.status = sublab::RunStatus::Queued;
  for (const QString& t : spec.tags) nr.tags.push_back(t.toStdString());
  qint64 runId = 0;
  try {
    runId = m_project->db()->createRun(nr);
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return 0;
  }
  Job job;
  job.id = m_nextId++;
  job.runId = runId;
  job.spec = spec;
  job.queuedAt = QDateTime::currentDateTime();
  job.cancel = std::make_shared<sublab::CancelFlag>(false);
  beginInsertRows({}, m_jobs.size(), m_jobs.size());
  m_jobs << job;
  endInsertRows();
  Q_EMIT runQueued(runId);
  startNext();
  return runId;
}

void RunQueue::startNext() {
  if (m_activeJob) return;
  for (Job& j : m_jobs) {
    if (j.state != JobState::Queued) continue;
    m_activeJob = j.id;
    j.state = JobState::Running;
    j.startedAt = QDateTime::currentDateTime();
    j.message = tr("starting…");
    rowChanged(j.id);
    JobRequest req;
    req.jobId = j.id;
    req.runId = j.runId;
    req.dbPath = m_project ? m_project->path() : QString();
    req.configJson = QByteArray::fromStdString(j.spec.config.dump());
    req.device = j.spec.device;
    req.threads = j.spec.threads;
    req.cancel = j.cancel;
    Q_EMIT startJob(req);
    return;
  }
}

void RunQueue::cancel(int jobId) {
  Job* j = find(jobId);
  if (!j) return;
  if (j->state == JobState::Running) {
    j->cancel->store(true);  // the engine throws Cancelled at its next check
    j->message = tr("cancelling…");
    rowChanged(jobId);
  } else if (j->state == JobState::Queued) {
    j->cancel->store(true);
    j->state = JobState::Cancelled;
    j->finishedAt = QDateTime::currentDateTime();
    j->message = tr("cancelled before it started");
    if (m_project && m_project->db()) {
      try {
        m_project->db()->finishRun(j->runId, sublab::RunStatus::Cancelled, 0.0);
      } catch (const std::exception&) {
      }
    }
    rowChanged(jobId);
    const qint64 runId = j->runId;
    Q_EMIT runFinished(runId, static_cast<int>(JobState::Cancelled), j->message);
    if (!isBusy()) Q_EMIT idle();
  }
}

void RunQueue::cancelRun(qint64 runId) {
  if (const Job* j = jobForRun(runId)) cancel(j->id);
}

void RunQueue::cancelAll() {
  const QList<Job> jobs = m_jobs;
  for (const Job& j : jobs) cancel(j.id);
}

void RunQueue::clearFinished() {
  for (int i = m_jobs.size() - 1; i >= 0; --i) {
    const JobState s = m_jobs[i].state;
    if (s == JobState::Queued || s == JobState::Running) continue;
    beginRemoveRows({}, i, i);
    m_jobs.removeAt(i);
    endRemoveRows();
  }
}

bool RunQueue::isBusy() const {
  for (const Job& j : m_jobs)
    if (j.state == JobState::Queued || j.state == JobState::Running) return true;
  return false;
}

const Job* RunQueue::job(int jobId) const {
  for (const Job& j : m_jobs)
    if (j.id == jobId) return &j;
  return nullptr;
}

const Job* RunQueue::jobForRun(qint64 runId) const {
  for (const Job& j : m_jobs)
    if (j.runId == runId) return &j;
  return nullptr;
}

const Job* RunQueue::jobAt(int row) const {
  return row >= 0 && row < m_jobs.size() ? &m_jobs[row] : nullptr;
}

QList<qint64> RunQueue::activeRunIds() const {
  QList<qint64> out;
  for (const Job& j : m_jobs)
    if (j.state == JobState::Queued || j.state == JobState::Running) out << j.runId;
  return out;
}

Job* RunQueue::find(int jobId) {
  for (Job& j : m_jobs)
    if (j.id == jobId) return &j;
  return nullptr;
}

int RunQueue::rowOf(int jobId) const {
  for (int i = 0; i < m_jobs.size(); ++i)
    if (m_jobs[i].id == jobId) return i;
  return -1;
}

void RunQueue::rowChanged(int jobId) {
  const int r = rowOf(jobId);
  if (r >= 0) Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
}

void RunQueue::onJobStarted(int jobId, qint64 runId) {
  if (Job* j = find(jobId)) {
    j->message = tr("running");
    rowChanged(jobId);
  }
  Q_EMIT runStarted(runId);
}

void RunQueue::onStage(int jobId, const QString& stage, int status, const QString& message) {
  Job* j = find(jobId);
  if (!j) return;
  StageProgress* sp = nullptr;
  for (StageProgress& s : j->stages)
    if (s.name == stage) sp = &s;
  if (!sp) {
    j->stages << StageProgress{stage, status, 0.0, message};
    sp = &j->stages.last();
  }
  sp->status = status;
  if (!message.isEmpty()) sp->message = message;
  if (status == static_cast<int>(sublab::StageStatus::Done)) sp->fraction = 1.0;
  if (status == static_cast<int>(sublab::StageStatus::Running)) j->currentStage = stage;
  rowChanged(jobId);
  Q_EMIT stageUpdated(j->runId);
}

void RunQueue::onProgress(int jobId, const QString& stage, double fraction,
                          const QString& message) {
  Job* j = find(jobId);
  if (!j) return;
  StageProgress* sp = nullptr;
  for (StageProgress& s : j->stages)
    if (s.name == stage) sp = &s;
  if (!sp) {
    j->stages << StageProgress{stage, static_cast<int>(sublab::StageStatus::Running), 0.0, {}};
    sp = &j->stages.last();
  }
  sp->fraction = std::clamp(fraction, 0.0, 1.0);
  if (!message.isEmpty()) sp->message = message;
  j->currentStage = stage;
  rowChanged(jobId);
  Q_EMIT stageUpdated(j->runId);
}

void RunQueue::onFinished(int jobId, qint64 runId, int outcome, const QString& message) {
  Job* j = find(jobId);
  if (j) {
    switch (static_cast<JobOutcome>(outcome)) {
      case JobOutcome::Done: j->state = JobState::Done; break;
      case JobOutcome::Cancelled: j->state = JobState::Cancelled; break;
      case JobOutcome::Failed: j->state = JobState::Failed; break;
    }
    j->finishedAt = QDateTime::currentDateTime();
    j->message = message;
    // Stages the engine left running or pending end with the run.
    const auto final = j->state == JobState::Done        ? sublab::StageStatus::Done
                       : j->state == JobState::Cancelled ? sublab::StageStatus::Cancelled
                                                         : sublab::StageStatus::Failed;
    for (StageProgress& s : j->stages)
      if (s.status == int(sublab::StageStatus::Running) ||
          (j->state != JobState::Done && s.status == int(sublab::StageStatus::Pending)))
        s.status = int(final);
    rowChanged(jobId);
  }
  if (m_activeJob == jobId) m_activeJob = 0;
  Q_EMIT runFinished(runId, static_cast<int>(j ? j->state : JobState::Failed), message);
  startNext();
  if (!isBusy()) Q_EMIT idle();
}

int RunQueue::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : m_jobs.size();
}

int RunQueue::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

static double overallFraction(const Job& j) {
  if (j.state == JobState::Done) return 1.0;
  for (const StageProgress& s : j.stages)
    if (s.name == j.currentStage) return s.fraction;
  return 0.0;
}

QVariant RunQueue::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_jobs.size()) return {};
  const Job& j = m_jobs[index.row()];
  if (role == JobIdRole) return j.id;
  if (role == RunIdRole) return j.runId;
  if (role == FractionRole) return overallFraction(j);
  if (role == Qt::ToolTipRole) {
    QStringList lines;
    lines << tr("Run #%1 %2").arg(j.runId).arg(j.spec.name);
    for (const StageProgress& s : j.stages)
      lines << QStringLiteral("%1: %2 %3% %4")
                   .arg(s.name,
                        QString::fromStdString(
                            sublab::toString(static_cast<sublab::StageStatus>(s.status))))
                   .arg(qRound(s.fraction * 100))
                   .arg(s.message);
    if (!j.message.isEmpty()) lines << j.message;
    return lines.join(QLatin1Char('\n'));
  }
  if (role != Qt::DisplayRole && role != RawRole) return {};
  switch (index.column()) {
    case ColName: return j.spec.name;
    case ColKind: return QString::fromStdString(j.spec.config.value("kind", std::string()));
    case ColState: return jobStateName(j.state);
    case ColStage: return j.state == JobState::Running ? j.currentStage : j.message;
    case ColProgress:
      return role == RawRole ? QVariant(overallFraction(j))
                             : QVariant(QStringLiteral("%1%").arg(qRound(overallFraction(j) * 100)));
    case ColElapsed: {
      if (!j.startedAt.isValid()) return role == RawRole ? QVariant(0) : QVariant(QString());
      const QDateTime end = j.finishedAt.isValid() ? j.finishedAt : QDateTime::currentDateTime();
      const qint64 s = j.startedAt.secsTo(end);
      if (role == RawRole) return s;
      return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    }
  }
  return {};
}

QVariant RunQueue::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColName: return tr("Run");
    case ColKind: return tr("Kind");
    case ColState: return tr("State");
    case ColStage: return tr("Stage");
    case ColProgress: return tr("Progress");
    case ColElapsed: return tr("Elapsed");
  }
  return {};
}

}  // namespace sublab::ui
