// Compare: the selected runs side by side — their curves overlaid (colour = condition, line
// style = run; or colour = run when one condition is shown), the config keys that differ
// (toggle for all keys) and every summary figure with its 95% CI per run.
#pragma once

#include <QHash>
#include <QList>
#include <QTimer>
#include <QWidget>
#include <map>
#include <vector>

#include "engine/core/common.h"
#include "engine/kinds.h"
#include "ui/curve_data.h"
#include "ui/exportable.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QStandardItemModel;
class QTableView;

namespace sublab::ui {

class AppSettings;
class ConfigDiffModel;
class CurvePlot;
class Project;

class CompareView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  CompareView(Project* project, AppSettings* settings, QWidget* parent = nullptr);

  void setRuns(const QList<qint64>& runIds);
  QList<qint64> runs() const { return m_runs; }
  void addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points);
  void reload();
  void setShowAllKeys(bool all);

  ConfigDiffModel* diffModel() const { return m_diff; }
  QStandardItemModel* summaryModel() const { return m_summary; }
  CurvePlot* plot() const { return m_plot; }
  QCheckBox* showAllBox() const { return m_showAll; }
  QTableView* diffTable() const { return m_diffTable; }

  QList<QPair<QString, QCustomPlot*>> exportCharts() const override;
  QStringList exportTables() const override;
  bool exportTable(int index, const QString& path, QString* error) override;

 private:
  void rebuildControls();
  void replotNow();
  QString metric() const;

  Project* m_project;
  QList<qint64> m_runs;
  QStringList m_runLabels;
  QStringList m_runLegend;  // per run: id and the config keys that differ
  std::map<qint64, CurveData> m_data;
  bool m_allDone = false;          // every compared run finished: single points are levels
  sublab::KindDescription m_kind;  // of the runs when they share one kind, else generic
  QTimer m_replotTimer;
  QLabel* m_title;
  QComboBox* m_metric;
  QCheckBox* m_seeds;
  QCheckBox* m_showAll;
  QHBoxLayout* m_conditionBar;
  QHash<QString, QCheckBox*> m_conditionBoxes;
  QStringList m_conditionNames;
  QHash<QString, bool> m_hidden;
  CurvePlot* m_plot;
  ConfigDiffModel* m_diff;
  QTableView* m_diffTable;
  QStandardItemModel* m_summary;
  QTableView* m_summaryTable;
};

}  // namespace sublab::ui
