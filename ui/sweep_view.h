// The Sweeps tab: pick a stored sweep; its headline effect (the kind's contrast, e.g. transfer:
// mean with 95% CI error bars) against the swept value, one line per value of a second axis, the
// cross-init contrast alongside (dashed), a log x axis when the values are log-spaced; the
// sweep's progress (points queued / running / done / failed) and a table of its points with a
// failed point's message. A point with one seed shows its mean without an interval. Clicking a
// point (plot or table) selects its run. "Overlay" draws other sweeps of the project that sweep
// the same knob of the same kind (a CLI or Slurm sweep beside the GUI's) on the same axes, each
// in its own colours with its own CIs and legend entries "#ID name", their points in the table
// with the sweep they are from.
#pragma once

#include <QList>
#include <QMap>
#include <QPair>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>

#include "ui/sweep_series.h"

class QAction;
class QCheckBox;
class QMenu;
class QPushButton;
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

class SweepView : public QWidget {
  Q_OBJECT

 public:
  explicit SweepView(Project* project, QWidget* parent = nullptr);

  // Re-reads the list of sweeps and the shown sweep (keeps the choice).
  void refresh();
  // Shows the sweep; false when there is no such sweep.
  bool showSweep(qint64 sweepId);
  qint64 currentSweep() const;

  const QList<SweepViewPoint>& points() const { return m_current.points; }
  // "Overlay…": a menu of the project's compatible sweeps (checkable); the others are not
  // offered and the button's tooltip says why.
  QPushButton* overlayButton() const { return m_overlayButton; }
  QList<QAction*> overlayActions() const;
  // The overlaid sweeps as drawn (in the order they were ticked).
  const QList<SweepSeries>& overlays() const { return m_overlays; }
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
  void fillOverlayMenu(bool keepChecked);
  void loadOverlays();
  void drawSeries(const SweepSeries& series, const QString& prefix, int* colorIndex);

  Project* m_project;
  QComboBox* m_sweepBox;
  QLabel* m_progress;
  QCustomPlot* m_plot;
  QTableWidget* m_table;
  QCheckBox* m_heatMapBox;
  QPushButton* m_overlayButton;
  QMenu* m_overlayMenu;
  SweepSlurmPanel* m_slurm;
  QCPColorMap* m_heatMap = nullptr;
  QCPColorScale* m_colorScale = nullptr;
  SweepSeries m_current;          // the chosen sweep
  QList<SweepSeries> m_overlays;  // drawn over it
  QList<qint64> m_overlayOrder;   // overlaid sweeps in the order they were ticked
  bool m_logX = false;
  // Per drawn mean graph: the run of each of its data points.
  QList<QList<qint64>> m_graphRuns;
  QList<QCPGraph*> m_meanGraphs;
  QMap<QPair<int, int>, qint64> m_heatRuns;  // heat-map cell (x, y) -> its point's run
  QPointF m_pressAt;                         // where the mouse went down on the plot
};

}  // namespace sublab::ui
