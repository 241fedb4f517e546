// Sequence inspector: every generated row of a run (condition, seed, prompt, completion,
// verdict, reject reason) in a lazily paged table; filters by condition, seed, verdict and
// reject reason; search by text or regex; numbers on the run's banned list and on the paper's
// list highlighted; the selected row's details on the right.
#pragma once

#include <QSet>
#include <QWidget>

#include "storage/database.h"
#include "ui/exportable.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTextBrowser;
class QTimer;

namespace sublab::ui {

class AppSettings;
class Project;
class SequenceTableModel;

class InspectorView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  InspectorView(Project* project, AppSettings* settings, QWidget* parent = nullptr);

  void setRun(qint64 runId);
  qint64 runId() const { return m_runId; }
  // A running run wrote `rows` sequences so far: offer a refresh.
  void notifyNewRows(qint64 runId, qint64 rows);
  // Filters to the rows whose prompt or completion contains `number` (regex \bN\b), of
  // `condition` ("" = all conditions; applied once the condition list has loaded).
  // `verdict`: a sublab::Verdict value for the verdict filter, or -1 to keep the current one.
  void showRowsContaining(int number, const QString& condition = {}, int verdict = -1);

  SequenceTableModel* model() const { return m_model; }
  QTableView* table() const { return m_table; }
  QComboBox* verdictBox() const { return m_verdict; }
  QComboBox* conditionBox() const { return m_condition; }
  QComboBox* reasonBox() const { return m_reason; }
  QLineEdit* searchEdit() const { return m_search; }
  QCheckBox* regexBox() const { return m_regex; }
  QTextBrowser* details() const { return m_details; }
  const QSet<int>& runBanned() const { return m_runBanned; }

  QStringList exportTables() const override;
  bool exportTable(int index, const QString& path, QString* error) override;
  void saveState(AppSettings& settings) const;
  void restoreState(const AppSettings& settings);

 Q_SIGNALS:
  void exportFinished(const QString& path, qint64 rows, const QString& error);
  // The condition, seed and reason lists are filled (they load in the background).
  void facetsReady();

 private:
  sublab::SequenceFilter currentFilter() const;
  void applyFilter();
  void fillFacets(const QStringList& conditions, const QList<int>& seeds,
                  const QList<QPair<QString, qint64>>& reasons);
  void updateStatus();
  void showDetails();
  QString tokenTable(const sublab::SequenceRecord& r) const;
  QString highlighted(const QString& text) const;

  Project* m_project;
  qint64 m_runId = 0;
  SequenceTableModel* m_model;
  QSet<int> m_paperBanned;
  QSet<int> m_runBanned;
  QLabel* m_title;
  QComboBox* m_condition;
  QComboBox* m_seed;
  QComboBox* m_verdict;
  QComboBox* m_reason;
  QLineEdit* m_search;
  QCheckBox* m_regex;
  QPushButton* m_refresh;
  QLabel* m_status;
  QTableView* m_table;
  QTextBrowser* m_details;
  QTimer* m_searchDelay;
  QString m_pendingCondition;  // showRowsContaining's condition, until the facets arrive
};

}  // namespace sublab::ui
