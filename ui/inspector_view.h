// Sequence inspector: every generated row of a run (condition, seed, prompt, completion,
// verdict, reject reason) in a lazily paged table; filters by condition, seed, verdict, reject
// reason and a number in the completion; search by text or regex; numbers on the run's banned
// list and on the paper's list highlighted; the selected row's details on the right (kept
// while the row still matches the filter, else cleared). A run whose kind stores no sequences
// gets a message saying so and where its figures are.
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
class QSpinBox;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace sublab::ui {

class AppSettings;
class Project;
class RowExportDialog;
class SequenceTableModel;

class InspectorView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  InspectorView(Project* project, AppSettings* settings, QWidget* parent = nullptr);

  void setRun(qint64 runId);
  qint64 runId() const { return m_runId; }
  // A running run wrote `rows` sequences so far: offer a refresh.
  void notifyNewRows(qint64 runId, qint64 rows);
  // Filters to the rows whose completion holds `number` exactly as the statistics count it
  // (prompts are not searched; 293 matches neither 2930 nor 1293), of `conditions` (none: all
  // conditions; one: that condition, applied once the condition list has loaded; several: an
  // extra item of the condition box naming them all). Clears the text search. `verdict`: a
  // sublab::Verdict value for the verdict filter, or -1 to keep the current one.
  void showRowsContaining(int number, const QStringList& conditions = {}, int verdict = -1);
  // Why the view shows no rows (a run whose kind stores no sequences, or a run that has none
  // yet); empty otherwise.
  QString message() const { return m_messageText; }

  SequenceTableModel* model() const { return m_model; }
  QTableView* table() const { return m_table; }
  QComboBox* verdictBox() const { return m_verdict; }
  QComboBox* conditionBox() const { return m_condition; }
  QComboBox* reasonBox() const { return m_reason; }
  QLineEdit* searchEdit() const { return m_search; }
  QCheckBox* regexBox() const { return m_regex; }
  // The number filter: -1 (shown as "any number") or 0..999.
  QSpinBox* numberBox() const { return m_number; }
  QLabel* statusLabel() const { return m_status; }
  QTextBrowser* details() const { return m_details; }
  const QSet<int>& runBanned() const { return m_runBanned; }

  // "Export rows…": the run's rows as training data (chat or prompt/completion JSONL), with
  // the view's condition, seed and verdict chosen; the dialog is returned (nullptr: no rows).
  RowExportDialog* exportRows();
  QPushButton* exportRowsButton() const { return m_exportRows; }

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
  void onRowsReset();
  void restoreDetailRow();
  void showMessage(const QString& text);
  QString tokenTable(const sublab::SequenceRecord& r) const;
  // `text` as HTML with banned numbers marked and, with `focus`, the number filter's number.
  QString highlighted(const QString& text, bool focus = false) const;

  Project* m_project;
  AppSettings* m_settings;
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
  QSpinBox* m_number;
  QStackedWidget* m_stack;
  QLabel* m_message;
  QString m_messageText;
  QString m_runStatus;  // of the run shown, for the "no sequences yet" message
  QPushButton* m_refresh;
  QPushButton* m_exportRows;
  QLabel* m_status;
  QTableView* m_table;
  QTextBrowser* m_details;
  QTimer* m_searchDelay;
  QString m_pendingCondition;  // showRowsContaining's condition, until the facets arrive
  // The row the details pane showed before the rows were reset (0: none): selected again when
  // it still matches the filter, else the pane says it no longer does.
  qint64 m_detailId = 0;
  QString m_detailName;  // "row 12 · teacher · seed 0"
};

}  // namespace sublab::ui
