// Implementation of ConfigDiffModel.
#include "ui/config_diff_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <map>

#include "ui/config_form.h"

namespace sublab::ui {

ConfigDiffModel::ConfigDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfigDiffModel::setConfigs(const QStringList& labels,
                                 const std::vector<nlohmann::json>& configs) {
  beginResetModel();
  m_labels = labels;
  std::map<QString, std::vector<QString>> table;  // key -> value per config (sorted by key)
  for (size_t i = 0; i < configs.size(); ++i) {
    std::vector<std::pair<QString, nlohmann::json>> leaves;
    flattenJson(configs[i], QString(), leaves);
    for (const auto& [key, value] : leaves) {
      auto& row = table[key];
      row.resize(configs.size());
      row[i] = jsonText(value);
    }
  }
  m_allKeys.clear();
  m_values = QList<QStringList>(static_cast<int>(configs.size()));
  m_differs.clear();
  // "kind" first, then the rest in path order.
  auto add = [&](const QString& key, std::vector<QString> vals) {
    vals.resize(configs.size());
    m_allKeys << key;
    bool differs = false;
    for (size_t i = 0; i < vals.size(); ++i) {
      m_values[static_cast<int>(i)] << vals[i];
      if (vals[i] != vals[0]) differs = true;
    }
    m_differs << differs;
  };
  if (table.count("kind")) add("kind", table["kind"]);
  for (auto& [key, vals] : table)
    if (key != "kind") add(key, vals);
  rebuildKeys();
  endResetModel();
}

void ConfigDiffModel::setShowAll(bool all) {
  if (all == m_showAll) return;
  beginResetModel();
  m_showAll = all;
  rebuildKeys();
  endResetModel();
}

void ConfigDiffModel::rebuildKeys() {
  m_keys.clear();
  m_rowKey.clear();
  for (int k = 0; k < m_allKeys.size(); ++k)
    if (m_showAll || m_differs[k]) {
      m_keys << m_allKeys[k];
      m_rowKey << k;
    }
}

QStringList ConfigDiffModel::differingKeys() const {
  QStringList out;
  for (int k = 0; k < m_allKeys.size(); ++k)
    if (m_differs[k]) out << m_allKeys[k];
  return out;
}

int ConfigDiffModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : m_keys.size();
}

int ConfigDiffModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 1 + m_labels.size();
}

QVariant ConfigDiffModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_rowKey.size()) return {};
  const int k = m_rowKey[index.row()];
  const bool differs = m_differs[k];
  if (role == DiffersRole) return differs;
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
    if (index.column() == 0) return m_allKeys[k];
    return m_values.value(index.column() - 1).value(k);
  }
  if (role == Qt::BackgroundRole && differs && index.column() > 0)
    return QBrush(QColor(255, 243, 205));
  if (role == Qt::FontRole && differs && index.column() == 0) {
    QFont f;
    f.setBold(true);
    return f;
  }
  return {};
}

QVariant ConfigDiffModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  if (section == 0) return tr("Config key");
  return m_labels.value(section - 1);
}

}  // namespace sublab::ui
