// The Sweeps tab: pick a stored sweep; its headline effect (the kind's contrast, e.g. transfer:
// mean with 95% CI error bars) against the swept value, one line per value of a second axis, the
// cross-init contrast alongside (dashed), a log x axis when the values are log-spaced; the
// sweep's progress (points queued / running / done / failed) and a table of its points with a
// failed point's message. A point with one seed shows its mean without an interval. Clicking a
// point (plot or table) selects its run.
#pragma once

#include <QList>
#include <QMap>
#include <QPair>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>

#include "ui/run_figures.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QTableWidget;
class QCustomPlot;
class QCPGraph;
class QCPColorMap;
class QCPColorScale;

namespace sublab::ui {

class Project;
class SweepSlurmPanel;

struct SweepViewPoint {
  int index = 0;
  nlohmann::json values;  // axis key -> value
  qint64 runId = 0;       // 0: not queued yet
  sublab::RunStatus status = sublab::RunStatus::Queued;
  QString message;  // a failed run's error
  Figure effect, cross;
};

class SweepView : public QWidget {
  Q_OBJECT

 public:
  explicit SweepView(Project* project, QWidget* parent = nullptr);

  // Re-reads the list of sweeps and the shown sweep (keeps the choice).
  void refresh();
  // Shows the sweep; false when there is no such sweep.
  bool showSweep(qint64 sweepId);
  qint64 currentSweep() const;

  const QList<SweepViewPoint>& points() const { return m_points; }
  QComboBox* sweepBox() const { return m_sweepBox; }
  QLabel* progressLabel() const { return m_progress; }
  QTableWidget* table() const { return m_table; }
  QCustomPlot* plot() const { return m_plot; }
  bool logX() const { return m_logX; }
  // "Heat map" (enabled for two axes): the effect's mean per cell of the grid instead of lines.
  QCheckBox* heatMapBox() const { return m_heatMapBox; }
  QCPColorMap* heatMap() const { return m_heatMap; }  // null unless drawn
  // Each point's Slurm task, state and exit code (shown for a sweep submitted to Slurm).
  SweepSlurmPanel* slurmPanel() const { return m_slurm; }
  // The run drawn at plot point `pointIndex` of graph `graph` (for tests; 0 when none).
  qint64 runAtPlotPoint(int graph, int pointIndex) const;
  // The run of the point (or heat-map cell) at `pos`, in the plot's pixels; 0 when none.
  qint64 runAtPixel(const QPointF& pos) const;
  // The drawn mean lines (effect and cross-init, per line of the second axis), in order.
  const QList<QCPGraph*>& meanGraphs() const { return m_meanGraphs; }

 Q_SIGNALS:
  void runClicked(qint64 runId);

 private:
  void load();
  void draw();
  void fillTable();
  void drawHeatMap();

  Project* m_project;
  QComboBox* m_sweepBox;
  QLabel* m_progress;
  QCustomPlot* m_plot;
  QTableWidget* m_table;
  QCheckBox* m_heatMapBox;
  SweepSlurmPanel* m_slurm;
  QCPColorMap* m_heatMap = nullptr;
  QCPColorScale* m_colorScale = nullptr;
  QList<SweepViewPoint> m_points;
  QStringList m_keys;  // axis keys in plan order
  QString m_xForm;     // how the plan made the first axis: "log", "linear" or "" (a list)
  bool m_logX = false;
  // Per drawn mean graph: the run of each of its data points.
  QList<QList<qint64>> m_graphRuns;
  QList<QCPGraph*> m_meanGraphs;
  QMap<QPair<int, int>, qint64> m_heatRuns;  // heat-map cell (x, y) -> its point's run
  QPointF m_pressAt;                         // where the mouse went down on the plot
};

}  // namespace sublab::ui
