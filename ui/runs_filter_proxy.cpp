// Implementation of RunsFilterProxy.
#include "ui/runs_filter_proxy.h"

#include "ui/runs_table_model.h"

namespace sublab::ui {

RunsFilterProxy::RunsFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(RunsTableModel::RawRole);
  setRecursiveFilteringEnabled(true);
  setDynamicSortFilter(true);
}

void RunsFilterProxy::setText(const QString& text) {
  m_words = text.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  invalidateFilter();
}

void RunsFilterProxy::setKind(const QString& kind) {
  m_kind = kind;
  invalidateFilter();
}

void RunsFilterProxy::setStatus(const QString& status) {
  m_status = status;
  invalidateFilter();
}

bool RunsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
  // Group rows (in the grouped tree) have no run id: they show when one of their runs matches
  // (recursive filtering asks about the children too).
  if (!idx.data(RunsTableModel::RunIdRole).isValid())
    return m_words.isEmpty() && m_kind.isEmpty() && m_status.isEmpty();
  if (!m_kind.isEmpty() && idx.data(RunsTableModel::KindRole).toString() != m_kind) return false;
  if (!m_status.isEmpty() &&
      sourceModel()->index(sourceRow, RunsTableModel::ColStatus, sourceParent).data().toString() !=
          m_status)
    return false;
  if (m_words.isEmpty()) return true;
  const QString hay = idx.data(RunsTableModel::SearchTextRole).toString();
  for (const QString& w : m_words)
    if (!hay.contains(w)) return false;
  return true;
}

}  // namespace sublab::ui
