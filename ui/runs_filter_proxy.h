// Filtering and sorting of the runs table: free text (every word must appear in the name,
// preset, tags, notes or key settings), numeric and equality conditions on any summary figure
// or config key ("student.lr > 1e-3", "transfer>0", "student.mode=sft"), kind and status.
// Sorting uses the models' raw role. Works on the flat runs model and on the grouped tree
// (a group shows when a run matches).
#pragma once

#include <QSortFilterProxyModel>

namespace sublab::ui {

class RunsTableModel;

class RunsFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit RunsFilterProxy(QObject* parent = nullptr);

  // The runs whose figures and config the conditions read (the flat model, also when this
  // proxy sits on the grouped tree). Without it, conditions match nothing.
  void setRunsModel(RunsTableModel* runs) { m_runs = runs; }
  // Words and conditions separated by spaces. A condition is KEY OP VALUE with OP one of
  // < <= > >= = == != (spaces around OP optional); KEY is a figure name (transfer, raw,
  // cross, or a stored condition / contrast such as student or transfer_aux), a config path,
  // or id / seeds / duration / sweep (the sweep's id). VALUE is a number (C locale: 1e-3, 0.001),
  // or text for = / !=.
  void setText(const QString& text);
  void setKind(const QString& kind);      // "" = any
  void setStatus(const QString& status);  // "" = any, else storage's status name
  QString text() const { return m_text; }
  // What is wrong with the conditions typed (empty when they all read well). A condition in
  // error is left out of the filter.
  QString error() const { return m_error; }

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  struct Condition {
    QString key, op, text;
    double value = 0;
    bool numeric = true;
  };
  bool matches(const Condition& c, qint64 runId) const;
  void checkKeys();

  RunsTableModel* m_runs = nullptr;
  QString m_text;
  QStringList m_words;
  QList<Condition> m_conditions;
  QString m_parseError, m_error;
  QString m_kind, m_status;
};

}  // namespace sublab::ui
