// Implementation of RunQueueModel: rows are RunQueue's jobs, in queue order.
#include "ui/run_queue_model.h"

#include "ui/run_figures.h"
#include "ui/run_kind.h"
#include "ui/run_queue.h"

namespace sublab::ui {

RunQueueModel::RunQueueModel(RunQueue* queue, QObject* parent)
    : QAbstractTableModel(parent), m_queue(queue) {
  connect(queue, &RunQueue::jobAboutToBeAdded, this, [this](int i) { beginInsertRows({}, i, i); });
  connect(queue, &RunQueue::jobAdded, this, [this] { endInsertRows(); });
  connect(queue, &RunQueue::jobAboutToBeRemoved, this,
          [this](int i) { beginRemoveRows({}, i, i); });
  connect(queue, &RunQueue::jobRemoved, this, [this] { endRemoveRows(); });
  connect(queue, &RunQueue::jobChanged, this,
          [this](int i) { Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1)); });
}

int RunQueueModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : m_queue->jobCount();
}

int RunQueueModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

static QString stageLine(const StageProgress& s) {
  return QStringLiteral("%1: %2 %3% %4")
      .arg(s.name, QString::fromStdString(sublab::toString(s.status)))
      .arg(qRound(s.fraction * 100))
      .arg(s.message);
}

QVariant RunQueueModel::data(const QModelIndex& index, int role) const {
  const Job* j = index.isValid() ? m_queue->jobAt(index.row()) : nullptr;
  if (!j) return {};
  if (role == JobIdRole) return j->id;
  if (role == RunIdRole) return j->runId;
  if (role == FractionRole) return j->fraction();
  if (role == Qt::ToolTipRole) {
    QStringList lines;
    lines << tr("Run #%1 %2").arg(j->runId).arg(j->spec.name);
    for (const StageProgress& s : j->stages) lines << stageLine(s);
    if (!j->message.isEmpty()) lines << j->message;
    return lines.join(QLatin1Char('\n'));
  }
  if (role != Qt::DisplayRole && role != RawRole) return {};
  const bool raw = role == RawRole;
  switch (index.column()) {
    case ColName:
      return j->spec.name;
    case ColKind:
      return QString::fromStdString(
          describeKind(j->spec.config.value("kind", std::string())).title);
    case ColStatus:
      return runStatusText(j->status);
    case ColStage:
      return j->status == sublab::RunStatus::Running ? j->currentStage : j->message;
    case ColProgress:
      return raw ? QVariant(j->fraction())
                 : QVariant(QStringLiteral("%1%").arg(qRound(j->fraction() * 100)));
    case ColElapsed: {
      if (!j->startedAt.isValid()) return raw ? QVariant(0) : QVariant(QString());
      const QDateTime end = j->finishedAt.isValid() ? j->finishedAt : QDateTime::currentDateTime();
      const qint64 s = j->startedAt.secsTo(end);
      if (raw) return s;
      return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    }
  }
  return {};
}

QVariant RunQueueModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColName:
      return tr("Run");
    case ColKind:
      return tr("Kind");
    case ColStatus:
      return tr("Status");
    case ColStage:
      return tr("Stage");
    case ColProgress:
      return tr("Progress");
    case ColElapsed:
      return tr("Elapsed");
  }
  return {};
}

}  // namespace sublab::ui
