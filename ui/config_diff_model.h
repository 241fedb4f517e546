// Config table of several runs side by side: one row per config key (dotted path), one column
// per run. By default only the keys whose values differ are listed; "show all" lists every
// key. Differing cells are highlighted.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>
#include <nlohmann/json.hpp>
#include <vector>

namespace sublab::ui {

class ConfigDiffModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Role { DiffersRole = Qt::UserRole + 1 };

  explicit ConfigDiffModel(QObject* parent = nullptr);

  // `labels` name the columns (one per config).
  void setConfigs(const QStringList& labels, const std::vector<nlohmann::json>& configs);
  void setShowAll(bool all);
  bool showAll() const { return m_showAll; }
  // Keys listed now (only differing ones unless showAll).
  QStringList keys() const { return m_keys; }
  QStringList differingKeys() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

 private:
  void rebuildKeys();

  QStringList m_labels;
  QStringList m_allKeys;
  QList<QStringList> m_values;  // per config, per m_allKeys index ("" when absent)
  QList<bool> m_differs;        // per m_allKeys index
  QStringList m_keys;           // rows shown
  QList<int> m_rowKey;          // row -> m_allKeys index
  bool m_showAll = false;
};

}  // namespace sublab::ui
