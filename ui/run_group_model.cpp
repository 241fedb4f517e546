// Implementation of RunGroupModel. Internal ids: 0 for group rows, group index + 1 for runs.
#include "ui/run_group_model.h"

#include <QFont>
#include <QHash>
#include <QMap>

#include "engine/core/stats.h"
#include "ui/runs_table_model.h"

namespace sublab::ui {

RunGroupModel::RunGroupModel(RunsTableModel* source, QObject* parent)
    : QAbstractItemModel(parent), m_source(source) {
  auto rebuildLater = [this] {
    if (m_active) rebuild();
  };
  connect(source, &QAbstractItemModel::modelReset, this, rebuildLater);
  connect(source, &QAbstractItemModel::rowsInserted, this, rebuildLater);
  connect(source, &QAbstractItemModel::rowsRemoved, this, rebuildLater);
  connect(source, &QAbstractItemModel::dataChanged, this, rebuildLater);
  rebuild();
}

static Figure pooled(const QList<Figure>& figures, const QString& name) {
  std::vector<double> means;
  for (const Figure& f : figures)
    if (f.valid) means.push_back(f.mean);
  Figure out;
  out.name = name;
  if (means.empty()) return out;
  const sublab::Interval ci = sublab::meanCi95(means);
  out.mean = ci.mean;
  out.lo = ci.lo;
  out.hi = ci.hi;
  out.n = ci.n;
  out.valid = true;
  return out;
}

void RunGroupModel::setActive(bool active) {
  m_active = active;
  if (active) rebuild();
}

void RunGroupModel::rebuild() {
  QVector<Group> groups;
  QHash<QString, int> byKey;
  for (int r = 0; r < m_source->rowCount(); ++r) {
    const QString key = m_source->index(r, 0).data(RunsTableModel::GroupKeyRole).toString();
    auto it = byKey.find(key);
    if (it == byKey.end()) {
      it = byKey.insert(key, groups.size());
      Group g;
      g.key = key;
      groups << g;
    }
    groups[*it].rows << r;
  }
  for (Group& g : groups) {
    QList<Figure> effects, raws, crosses;
    QMap<QString, int> statuses;
    for (int r : g.rows) {
      const RunsTableModel::Row* row = m_source->rowAt(r);
      effects << row->effect;
      raws << row->raw;
      crosses << row->cross;
      g.seeds += row->info.seeds;
      ++statuses[runStatusText(row->info.status)];
    }
    const RunsTableModel::Row* first = m_source->rowAt(g.rows.first());
    g.settings = first->settings;
    const QString preset = QString::fromStdString(first->info.preset);
    g.label = countText(g.rows.size(), tr("run"), tr("runs")) +
              (preset.isEmpty() ? QString() : QStringLiteral(" · ") + preset);
    const QString title =
        m_source->index(g.rows.first(), 0).data(RunsTableModel::GroupLabelRole).toString();
    g.bySweep = m_source->groupBy() == RunsTableModel::GroupBy::Sweep;
    if (g.bySweep) {
      // A sweep's points differ on purpose: its settings are the swept knobs, and no figure is
      // pooled across them (the Sweeps tab draws each point's).
      g.label = title + QStringLiteral(" · ") + countText(g.rows.size(), tr("run"), tr("runs"));
      g.settings = first->sweepId ? tr("sweeping %1").arg(first->sweepAxes) : QString();
    }
    QStringList st;
    for (auto it = statuses.begin(); it != statuses.end(); ++it)
      st << QStringLiteral("%1 %2").arg(it.value()).arg(it.key());
    g.status = st.join(QStringLiteral(", "));
    if (!g.bySweep) {
      g.effect = pooled(effects, QStringLiteral("effect"));
      g.raw = pooled(raws, QStringLiteral("raw"));
      g.cross = pooled(crosses, QStringLiteral("cross"));
    }
  }
  bool same = groups.size() == m_groups.size();
  for (int i = 0; same && i < groups.size(); ++i)
    same = groups[i].key == m_groups[i].key && groups[i].rows == m_groups[i].rows;
  if (same) {
    m_groups = groups;
    if (!m_groups.isEmpty()) {
      Q_EMIT dataChanged(index(0, 0), index(m_groups.size() - 1, RunsTableModel::ColumnCount - 1));
      for (int g = 0; g < m_groups.size(); ++g) {
        const QModelIndex p = index(g, 0);
        Q_EMIT dataChanged(index(0, 0, p),
                           index(m_groups[g].rows.size() - 1, RunsTableModel::ColumnCount - 1, p));
      }
    }
    return;
  }
  beginResetModel();
  m_groups = groups;
  endResetModel();
}

QModelIndex RunGroupModel::index(int row, int column, const QModelIndex& parent) const {
  if (column < 0 || column >= RunsTableModel::ColumnCount || row < 0) return {};
  if (!parent.isValid())
    return row < m_groups.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
  if (parent.internalId() != 0) return {};
  const int g = parent.row();
  if (g >= m_groups.size() || row >= m_groups[g].rows.size()) return {};
  return createIndex(row, column, quintptr(g + 1));
}

QModelIndex RunGroupModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == 0) return {};
  return createIndex(static_cast<int>(child.internalId() - 1), 0, quintptr(0));
}

int RunGroupModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return m_groups.size();
  if (parent.internalId() != 0 || parent.column() != 0) return 0;
  return m_groups.value(parent.row()).rows.size();
}

int RunGroupModel::columnCount(const QModelIndex&) const { return RunsTableModel::ColumnCount; }

QVariant RunGroupModel::groupData(const Group& g, int column, int role) const {
  if (role == Qt::FontRole) {
    QFont f;
    f.setBold(true);
    return f;
  }
  const RunsTableModel::Row* first = m_source->rowAt(g.rows.first());
  // One group holds one kind (the kind is part of the config): what does not apply to it does
  // not apply to the group.
  const QString notApplicable = RunsTableModel::notApplicable(*first, column);
  if (role == Qt::ToolTipRole) {
    if (!notApplicable.isEmpty()) return notApplicable;
    if (column == RunsTableModel::ColEffect || column == RunsTableModel::ColRaw ||
        column == RunsTableModel::ColCross)
      return g.bySweep ? tr("Not pooled: a sweep's points differ on purpose (each run shows its "
                            "own; the Sweeps tab draws them against the swept value)")
                       : tr("Mean and 95% CI across this group's runs of each run's figure");
    if (g.bySweep) return g.label;
    return g.settings.isEmpty() ? tr("All settings at the kind's defaults")
                                : QString(g.settings).replace(", ", "\n");
  }
  if (role != Qt::DisplayRole && role != RunsTableModel::RawRole) return {};
  const bool raw = role == RunsTableModel::RawRole;
  if (!raw && !notApplicable.isEmpty()) return RunsTableModel::kNotApplicable;
  switch (column) {
    case RunsTableModel::ColId:
      return raw ? QVariant::fromValue<qint64>(first->info.id) : QVariant();
    case RunsTableModel::ColName:
      return g.label;
    case RunsTableModel::ColKind:
      return RunsTableModel::cell(*first, column, role);
    case RunsTableModel::ColStatus:
      return g.status;
    case RunsTableModel::ColPreset:
      return QString::fromStdString(first->info.preset);
    case RunsTableModel::ColSeeds:
      return g.seeds;
    case RunsTableModel::ColSettings:
      return g.settings;
    case RunsTableModel::ColSweep:
      if (raw) return RunsTableModel::cell(*first, column, role);
      return g.bySweep ? first->sweepTitle : QVariant();
    case RunsTableModel::ColEffect:
      if (raw) return g.effect.valid ? QVariant(g.effect.mean) : QVariant(-1e300);
      return formatFigure(g.effect);
    case RunsTableModel::ColRaw:
      if (raw) return g.raw.valid ? QVariant(g.raw.mean) : QVariant(-1e300);
      return formatFigure(g.raw);
    case RunsTableModel::ColCross:
      if (raw) return g.cross.valid ? QVariant(g.cross.mean) : QVariant(-1e300);
      return formatFigure(g.cross);
    default:
      return raw ? RunsTableModel::cell(*first, column, role) : QVariant();
  }
}

QVariant RunGroupModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (index.internalId() == 0) {
    if (index.row() >= m_groups.size()) return {};
    return groupData(m_groups[index.row()], index.column(), role);
  }
  const int g = static_cast<int>(index.internalId() - 1);
  if (g >= m_groups.size() || index.row() >= m_groups[g].rows.size()) return {};
  const int sourceRow = m_groups[g].rows[index.row()];
  return m_source->index(sourceRow, index.column()).data(role);
}

QVariant RunGroupModel::headerData(int section, Qt::Orientation o, int role) const {
  return m_source->headerData(section, o, role);
}

}  // namespace sublab::ui
