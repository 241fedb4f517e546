// Statistics of generated (or imported) sequences: side A against side B, each a run and one
// of its conditions (default the selected run's kept teacher rows against its kept reference
// rows), with the hidden-signal table (stats_hidden_panel.h) and charts (stats_plots.h), tables
// (stats_tables.h) and text, with a verdict in words above them (stats_words.h). Computed off the
// GUI thread (stats_compute.h); clicking a number asks the main window to list, in the Sequences
// view, the rows of both sides whose completions hold it (the rows the counts came from).
#pragma once

#include <QHash>
#include <QThreadPool>
#include <QVector>
#include <QWidget>
#include <memory>

#include "app/lab/run_stats.h"
#include "engine/kinds.h"
#include "ui/exportable.h"
#include "ui/stats_compute.h"
#include "ui/stats_hidden_panel.h"
#include "ui/stats_plots.h"
#include "ui/stats_side_picker.h"
#include "ui/stats_tables.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QCustomPlot;
class QCPAbstractPlottable;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTableWidget;

namespace sublab::ui {

class AppSettings;
class Project;

class StatsView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  // Role holding a table row's number (-1 when the row is not a number).
  static constexpr int kNumberRole = kStatsNumberRole;

  StatsView(Project* project, AppSettings* settings, QWidget* parent = nullptr);
  ~StatsView() override;

  // Shows `runId` (0: none) with the default sides; computes in the background.
  void setRun(qint64 runId);
  qint64 runId() const { return m_runId; }
  // Recomputes with the current pickers (e.g. the run wrote more rows).
  void reload();
  bool isComputing() const { return m_computing; }
  // The results shown; nullptr while there are none (no run, computing the first time, error).
  const sublab::RunStats* stats() const { return m_stats.get(); }
  // The conditions of the sides shown that are the selected run's (both when the sides are of
  // one run; empty when no results are shown).
  QStringList sides() const;
  // The text shown instead of the results ("Computing…", an error); empty when results show.
  QString message() const;

  QComboBox* sideABox() const { return m_pickA->conditionBox(); }
  QComboBox* sideBBox() const { return m_pickB->conditionBox(); }
  QComboBox* runABox() const { return m_pickA->runBox(); }
  QComboBox* runBBox() const { return m_pickB->runBox(); }
  HiddenSignalPanel* hiddenPanel() const { return m_hidden; }
  QComboBox* verdictBox() const { return m_verdict; }
  QCheckBox* logScaleBox() const { return m_logScale; }
  QComboBox* distributionBox() const { return m_distribution; }
  QCustomPlot* frequencyPlot() const { return m_frequency; }
  QCustomPlot* volcanoPlot() const { return m_volcano; }
  QCustomPlot* distributionPlot() const { return m_distPlot; }
  QCustomPlot* rocPlot() const { return m_roc; }
  QCustomPlot* entanglementPlot() const { return m_entanglement; }
  QCustomPlot* tokenPlot() const { return m_tokens; }
  QTableWidget* overUnderTable() const { return m_overUnder; }
  QTableWidget* entanglementTable() const { return m_entTable; }
  QTableWidget* tokenTable() const { return m_tokenTable; }
  QLabel* summaryLabel() const { return m_summary; }
  // The verdict in plain words above the figures (stats_words.h).
  QLabel* inWordsLabel() const { return m_inWords; }
  QLabel* notesLabel() const { return m_notes; }
  QTabWidget* pages() const { return m_pages; }
  // The number behind point `dataIndex` of a plottable in one of the charts, or -1.
  int numberAt(QCPAbstractPlottable* plottable, int dataIndex) const;

  QList<QPair<QString, QCustomPlot*>> exportCharts() const override;
  QStringList exportTables() const override;
  bool exportTable(int index, const QString& path, QString* error) override;
  void saveState(AppSettings& settings) const;
  void restoreState(const AppSettings& settings);

 public Q_SLOTS:
  // Asks for the Sequences view filtered to rows containing `number` (numberActivated).
  void activateNumber(int number);

 Q_SIGNALS:
  // A computation ended; its results (or its error message) are shown.
  void computed();
  void numberActivated(int number);

 private:
  QHBoxLayout* buildTopBar(AppSettings* settings);
  QWidget* buildResults();
  QWidget* buildCharts();
  QWidget* buildTables();
  void connectSignals();
  void compute();
  void onOutcome(const StatsOutcome& outcome);
  void showMessage(const QString& text);
  void showResults();
  void drawFrequency();
  void drawDistribution();
  void fillTables();
  void updateSummary();
  void onPlotClick(QCPAbstractPlottable* plottable, int dataIndex);

  Project* m_project;
  qint64 m_runId = 0;
  QString m_runName;
  sublab::KindDescription m_kind;  // of the run shown (its contrasts' metric label)
  std::shared_ptr<const sublab::RunStats> m_stats;
  quint64 m_generation = 0;
  bool m_computing = false;
  bool m_pending = false;  // the pickers changed while computing: compute again after
  QThreadPool m_pool;
  QHash<QCPAbstractPlottable*, QVector<int>> m_volcanoNumbers;
  QVector<int> m_entanglementNumbers;

  QLabel* m_title;
  StatsSidePicker* m_pickA;
  StatsSidePicker* m_pickB;
  HiddenSignalPanel* m_hidden;
  QComboBox* m_verdict;
  QCheckBox* m_logScale;
  QLabel* m_status;
  QStackedWidget* m_stack;
  QLabel* m_message;
  QLabel* m_inWords;
  QLabel* m_summary;
  QLabel* m_notes;
  QTabWidget* m_pages;
  QCustomPlot* m_frequency;
  QCustomPlot* m_volcano;
  QComboBox* m_distribution;
  QCustomPlot* m_distPlot;
  QCustomPlot* m_roc;
  QCustomPlot* m_entanglement;
  QCustomPlot* m_tokens;
  QTableWidget* m_overUnder;
  QTableWidget* m_entTable;
  QTableWidget* m_tokenTable;
  QLabel* m_tokenNote;  // why the token table is empty
};

}  // namespace sublab::ui
