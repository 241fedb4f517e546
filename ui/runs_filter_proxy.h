// Filtering and sorting of the runs table: free text (every word must appear in the name,
// preset, tags, notes or key settings), kind and status. Sorting uses the models' raw role.
// Works on the flat runs model and on the grouped tree (a group shows when a run matches).
#pragma once

#include <QSortFilterProxyModel>

namespace sublab::ui {

class RunsFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit RunsFilterProxy(QObject* parent = nullptr);

  void setText(const QString& text);
  void setKind(const QString& kind);      // "" = any
  void setStatus(const QString& status);  // "" = any, else storage's status name
  QString text() const { return m_words.join(QLatin1Char(' ')); }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  QStringList m_words;
  QString m_kind, m_status;
};

}  // namespace sublab::ui
