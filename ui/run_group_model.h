// The runs grouped by config: one parent row per distinct config (every key but the ignored
// ones, by default the seed), its runs as children; or by sweep (RunsTableModel::GroupBy):
// one parent per sweep, its points' runs as children, the runs in no sweep in a group of theirs. A
// group's figures are pooled across its runs: mean and 95% CI of the runs' headline effects
// (sublab::meanCi95). Read-only view of a RunsTableModel; editing happens in the flat table.
#pragma once

#include <QAbstractItemModel>
#include <QList>
#include <QVector>

#include "ui/run_figures.h"

namespace sublab::ui {

class RunsTableModel;

class RunGroupModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  explicit RunGroupModel(RunsTableModel* source, QObject* parent = nullptr);

  int groupCount() const { return m_groups.size(); }
  // Source rows of a group.
  QList<int> groupRows(int group) const { return m_groups.value(group).rows; }

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

  void rebuild();
  // While inactive (the flat table is showing) source changes are ignored; activating rebuilds.
  void setActive(bool active);
  bool isActive() const { return m_active; }

 private:
  struct Group {
    QString key;
    QList<int> rows;  // source rows
    QString label, settings, status;
    Figure effect, raw, cross;
    int seeds = 0;
    bool bySweep = false;  // a group of one sweep's runs (or of the runs in none)
  };
  QVariant groupData(const Group& g, int column, int role) const;

  RunsTableModel* m_source;
  QVector<Group> m_groups;
  bool m_active = true;
};

}  // namespace sublab::ui
