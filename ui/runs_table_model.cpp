// Implementation of RunsTableModel.
#include "ui/runs_table_model.h"

#include <QColor>
#include <QDateTime>
#include <unordered_map>

#include "engine/kinds.h"
#include "ui/project.h"

namespace sublab::ui {

RunsTableModel::RunsTableModel(Project* project, QObject* parent)
    : QAbstractTableModel(parent), m_project(project) {}

RunsTableModel::Row RunsTableModel::makeRow(sublab::RunInfo info) const {
  Row r;
  r.settings = keySettings(info.config, {QStringLiteral("seed")}).join(QStringLiteral(", "));
  r.effect = effectFigure(info);
  r.cross = crossFigure(info);
  QStringList tags;
  for (const auto& t : info.tags) tags << QString::fromStdString(t);
  r.searchText = (QString::fromStdString(info.name) + ' ' + QString::fromStdString(info.preset) +
                  ' ' + tags.join(' ') + ' ' + QString::fromStdString(info.notes) + ' ' +
                  r.settings + ' ' + QString::fromStdString(info.kind))
                     .toLower();
  r.info = std::move(info);
  return r;
}

void RunsTableModel::reload() {
  std::vector<sublab::RunInfo> runs;
  if (m_project && m_project->db()) {
    try {
      runs = m_project->db()->listRuns();
    } catch (const std::exception& e) {
      Q_EMIT errorOccurred(QString::fromStdString(e.what()));
      return;
    }
  }
  std::unordered_map<int64_t, size_t> incoming;
  for (size_t i = 0; i < runs.size(); ++i) incoming[runs[i].id] = i;
  // Remove rows whose run is gone (from the bottom so indices stay valid).
  for (int r = static_cast<int>(m_rows.size()) - 1; r >= 0; --r) {
    if (incoming.count(m_rows[r].info.id)) continue;
    beginRemoveRows({}, r, r);
    m_rows.erase(m_rows.begin() + r);
    endRemoveRows();
  }
  std::unordered_map<int64_t, int> present;
  for (int r = 0; r < static_cast<int>(m_rows.size()); ++r) present[m_rows[r].info.id] = r;
  std::vector<Row> added;
  for (auto& info : runs) {
    auto it = present.find(info.id);
    if (it == present.end()) {
      added.push_back(makeRow(std::move(info)));
      continue;
    }
    Row& row = m_rows[it->second];
    // Only touch rows that changed, so views keep their state and repaint little.
    if (row.info.status == info.status && row.info.finishedAt == info.finishedAt &&
        row.info.name == info.name && row.info.tags == info.tags && row.info.notes == info.notes &&
        row.info.startedAt == info.startedAt && row.info.summary == info.summary)
      continue;
    row = makeRow(std::move(info));
    Q_EMIT dataChanged(index(it->second, 0), index(it->second, ColumnCount - 1));
  }
  if (!added.empty()) {
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
    for (auto& r : added) m_rows.push_back(std::move(r));
    endInsertRows();
  }
}

void RunsTableModel::refreshRun(qint64 runId) {
  if (!m_project || !m_project->db()) return;
  std::optional<sublab::RunInfo> info;
  try {
    info = m_project->db()->findRun(runId);
  } catch (const std::exception& e) {
    Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    return;
  }
  const int r = rowOfRun(runId);
  if (!info) {
    if (r >= 0) {
      beginRemoveRows({}, r, r);
      m_rows.erase(m_rows.begin() + r);
      endRemoveRows();
    }
    return;
  }
  if (r >= 0) {
    m_rows[r] = makeRow(std::move(*info));
    Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
  } else {
    const int n = static_cast<int>(m_rows.size());
    beginInsertRows({}, n, n);
    m_rows.push_back(makeRow(std::move(*info)));
    endInsertRows();
  }
}

const RunsTableModel::Row* RunsTableModel::rowAt(int row) const {
  return row >= 0 && row < static_cast<int>(m_rows.size()) ? &m_rows[row] : nullptr;
}

const sublab::RunInfo* RunsTableModel::run(qint64 runId) const {
  const int r = rowOfRun(runId);
  return r < 0 ? nullptr : &m_rows[r].info;
}

int RunsTableModel::rowOfRun(qint64 runId) const {
  for (int r = 0; r < static_cast<int>(m_rows.size()); ++r)
    if (m_rows[r].info.id == runId) return r;
  return -1;
}

void RunsTableModel::setGroupIgnoredKeys(const QStringList& keys) {
  m_groupIgnore = keys;
  if (!m_rows.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QString RunsTableModel::columnTitle(int column) {
  switch (column) {
    case ColId:
      return tr("#");
    case ColName:
      return tr("Name");
    case ColKind:
      return tr("Kind");
    case ColStatus:
      return tr("Status");
    case ColPreset:
      return tr("Preset");
    case ColStarted:
      return tr("Started");
    case ColDuration:
      return tr("Duration");
    case ColSeeds:
      return tr("Seeds");
    case ColSettings:
      return tr("Key settings");
    case ColEffect:
      return tr("Effect [95% CI]");
    case ColCross:
      return tr("Cross-init [95% CI]");
    case ColTags:
      return tr("Tags");
    case ColNotes:
      return tr("Notes");
  }
  return {};
}

static QString durationText(double seconds) {
  if (seconds <= 0) return {};
  const qint64 s = qRound64(seconds);
  if (s < 60) return QStringLiteral("%1 s").arg(seconds, 0, 'f', s < 10 ? 1 : 0);
  if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

static double runSeconds(const sublab::RunInfo& info) {
  if (info.wallSeconds > 0) return info.wallSeconds;
  if (info.startedAt > 0 && info.finishedAt > info.startedAt)
    return (info.finishedAt - info.startedAt) / 1000.0;
  if (info.startedAt > 0 && info.status == sublab::RunStatus::Running)
    return (sublab::nowMs() - info.startedAt) / 1000.0;
  return 0;
}

QVariant RunsTableModel::cell(const Row& row, int column, int role) {
  const sublab::RunInfo& r = row.info;
  const bool raw = role == RawRole;
  switch (column) {
    case ColId:
      return QVariant::fromValue<qint64>(r.id);
    case ColName:
      return QString::fromStdString(r.name);
    case ColKind:
      return QString::fromStdString(r.kind);
    case ColStatus:
      return raw ? QVariant(static_cast<int>(r.status)) : QVariant(runStatusText(r.status));
    case ColPreset:
      return QString::fromStdString(r.preset);
    case ColStarted: {
      const int64_t t = r.startedAt ? r.startedAt : r.createdAt;
      if (raw) return QVariant::fromValue<qint64>(t);
      return QString::fromStdString(sublab::formatTimestamp(t));
    }
    case ColDuration: {
      const double s = runSeconds(r);
      return raw ? QVariant(s) : QVariant(durationText(s));
    }
    case ColSeeds:
      return r.seeds;
    case ColSettings:
      return row.settings;
    case ColEffect:
      if (raw) return row.effect.valid ? QVariant(row.effect.mean) : QVariant(-1e300);
      return formatFigure(row.effect);
    case ColCross:
      if (raw) return row.cross.valid ? QVariant(row.cross.mean) : QVariant(-1e300);
      return formatFigure(row.cross);
    case ColTags: {
      QStringList tags;
      for (const auto& t : r.tags) tags << QString::fromStdString(t);
      return tags.join(QStringLiteral(", "));
    }
    case ColNotes:
      return QString::fromStdString(r.notes);
  }
  return {};
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  const Row* row = rowAt(index.row());
  if (!row || !index.isValid()) return {};
  switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
    case RawRole:
      return cell(*row, index.column(), role);
    case RunIdRole:
      return QVariant::fromValue<qint64>(row->info.id);
    case KindRole:
      return QString::fromStdString(row->info.kind);
    case GroupKeyRole:
      return groupKey(row->info.config, m_groupIgnore);
    case SearchTextRole:
      return row->searchText;
    case Qt::ToolTipRole:
      if (index.column() == ColStatus && !row->info.error.empty())
        return QString::fromStdString(row->info.error);
      if (index.column() == ColSettings)
        return row->settings.isEmpty() ? tr("All settings at the kind's defaults")
                                       : QString(row->settings).replace(", ", "\n");
      if (index.column() == ColEffect)
        return effectDescription(QString::fromStdString(row->info.kind));
      if (index.column() == ColCross)
        return crossDescription(QString::fromStdString(row->info.kind));
      if (index.column() == ColNotes) return QString::fromStdString(row->info.notes);
      return {};
    case Qt::ForegroundRole:
      if (index.column() == ColStatus) {
        switch (row->info.status) {
          case sublab::RunStatus::Failed:
            return QColor(0xb0, 0x00, 0x20);
          case sublab::RunStatus::Running:
            return QColor(0x00, 0x60, 0xc0);
          case sublab::RunStatus::Cancelled:
          case sublab::RunStatus::Interrupted:
            return QColor(0x90, 0x60, 0x00);
          default:
            return {};
        }
      }
      return {};
    case Qt::TextAlignmentRole:
      if (index.column() == ColId || index.column() == ColSeeds || index.column() == ColDuration)
        return int(Qt::AlignRight | Qt::AlignVCenter);
      return {};
  }
  return {};
}

// "kind: what the figure means", one line per kind (a headline column's header tooltip).
static QString perKind(sublab::FigureRef sublab::KindDescription::*figure) {
  QStringList lines;
  for (const sublab::KindDescription& d : sublab::kindDescriptions())
    lines << QString::fromStdString(d.name + ": " + (d.*figure).description);
  return lines.join(QLatin1Char('\n'));
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal) return {};
  if (role == Qt::DisplayRole) return columnTitle(section);
  if (role == Qt::ToolTipRole) {
    if (section == ColEffect) return perKind(&sublab::KindDescription::effect);
    if (section == ColCross) return perKind(&sublab::KindDescription::cross);
    if (section == ColName || section == ColTags || section == ColNotes)
      return tr("Double-click to edit");
  }
  return {};
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.column() == ColName || index.column() == ColTags || index.column() == ColNotes)
    f |= Qt::ItemIsEditable;
  return f;
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || !m_project || !m_project->db()) return false;
  if (index.row() < 0 || index.row() >= rowCount()) return false;
  Row& row = m_rows[index.row()];
  const QString text = value.toString().trimmed();
  try {
    switch (index.column()) {
      case ColName:
        if (text.isEmpty()) return false;
        m_project->db()->setRunName(row.info.id, text.toStdString());
        row.info.name = text.toStdString();
        break;
      case ColTags: {
        std::vector<std::string> tags;
        for (const QString& t : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
          if (!t.trimmed().isEmpty()) tags.push_back(t.trimmed().toStdString());
        m_project->db()->setRunTags(row.info.id, tags);
        row.info.tags = tags;
        break;
      }
      case ColNotes:
        m_project->db()->setRunNotes(row.info.id, value.toString().toStdString());
        row.info.notes = value.toString().toStdString();
        break;
      default:
        return false;
    }
  } catch (const std::exception& e) {
    Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    return false;
  }
  row = makeRow(std::move(row.info));
  Q_EMIT dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
  return true;
}

}  // namespace sublab::ui
