// The runs table view: filter box, kind and status filters, "group by" config (with the keys
// to ignore, default the seed) or sweep, sortable columns that can be hidden from the header's
// context menu, multi-select, in-place editing of name, tags and notes, CSV export and delete.
#pragma once

#include <QList>
#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QDialog;
class QPushButton;
class QLineEdit;
class QStackedWidget;
class QTableView;
class QTreeView;
class QLabel;

namespace sublab::ui {

class AppSettings;
class Project;
class RunGroupModel;
class RunsFilterProxy;
class RunsTableModel;

class RunsView : public QWidget {
  Q_OBJECT

 public:
  RunsView(Project* project, RunsTableModel* model, QWidget* parent = nullptr);

  QList<qint64> selectedRuns() const;
  qint64 currentRun() const;
  void selectRun(qint64 runId);
  void selectRuns(const QList<qint64>& runIds);

  void setGrouped(bool grouped);
  bool isGrouped() const;

  void saveState(AppSettings& settings) const;
  void restoreState(const AppSettings& settings);
  bool exportCsv(const QString& path, QString* error);

  QTableView* table() const { return m_table; }
  QTreeView* tree() const { return m_tree; }
  RunsFilterProxy* proxy() const { return m_proxy; }
  RunsFilterProxy* groupProxy() const { return m_groupProxy; }
  RunGroupModel* groupModel() const { return m_groups; }
  QLineEdit* filterEdit() const { return m_filter; }
  QCheckBox* groupBox() const { return m_group; }
  // What "Group by" groups on: "config" or "sweep".
  QComboBox* groupByBox() const { return m_groupBy; }
  QAction* deleteAction() const { return m_delete; }

  // Asks for confirmation, then moves the selected runs to the trash (runsDeleted).
  void deleteSelected();
  // The "Columns…" chooser: the standard columns, every summary figure and config key of the
  // loaded runs, each checkable. Modal by default; non-modal returns the dialog (tests).
  QDialog* chooseColumns(bool modal = true);
  QLabel* filterErrorLabel() const { return m_filterError; }

 Q_SIGNALS:
  void selectionChanged(const QList<qint64>& runIds);
  void runActivated(qint64 runId);
  void compareRequested(const QList<qint64>& runIds);
  void inspectRequested(qint64 runId);
  // "Duplicate and edit…" (moreSeeds false) or "Re-run with more seeds…" on a run.
  void duplicateRequested(qint64 runId, bool moreSeeds);
  void errorOccurred(const QString& message);
  // Runs moved to the project's trash by Delete (undo puts them back).
  void runsDeleted(const QList<qint64>& runIds);

 private:
  void onSelection();
  void showHeaderMenu(const QPoint& pos);
  void showContextMenu(const QPoint& pos);
  void updateCount();

  Project* m_project;
  RunsTableModel* m_model;
  RunsFilterProxy* m_proxy;
  RunGroupModel* m_groups;
  RunsFilterProxy* m_groupProxy;
  QStackedWidget* m_stack;
  QTableView* m_table;
  QTreeView* m_tree;
  QLineEdit* m_filter;
  QComboBox* m_kind;
  QComboBox* m_status;
  QCheckBox* m_group;
  QComboBox* m_groupBy;
  QLineEdit* m_ignore;
  QLabel* m_count;
  QLabel* m_filterError;
  QPushButton* m_columns;
  QAction* m_delete;
};

}  // namespace sublab::ui
