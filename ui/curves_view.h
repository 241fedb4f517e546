// Curves of one run: the chosen metric (default the kind's headline metric, e.g. the trait
// probability) against the kind's step, one mean line with a 95% CI band across seeds per
// condition, individual seeds on demand. Fills in live while the run trains: points arrive
// from the run queue and are coalesced into one replot per 40 ms.
#pragma once

#include <QHash>
#include <QTimer>
#include <QWidget>
#include <vector>

#include "engine/core/common.h"
#include "engine/kinds.h"
#include "ui/curve_data.h"
#include "ui/exportable.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSlider;

namespace sublab::ui {

class AppSettings;
class CurvePlot;
class Project;

class CurvesView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  CurvesView(Project* project, AppSettings* settings, QWidget* parent = nullptr);

  // Shows a run (0 clears). Loads its stored points; live points follow through addPoints().
  void setRun(qint64 runId);
  qint64 runId() const { return m_runId; }
  // Live points of a running run (ignored unless it is the run shown).
  void addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points);
  // Re-reads the shown run from the database (e.g. when it finished).
  void reload();

  void setMetric(const QString& metric);
  QString metric() const;
  void setShowSeeds(bool show);
  // TensorBoard-style smoothing of the mean lines: EMA weight in [0, 0.99] (0 = off); the raw
  // line is then drawn faintly behind.
  void setSmoothing(double weight);
  double smoothing() const;
  // "Run #5 owl — trait probability per training step": the chart's title in exports.
  QString chartTitle() const;
  QStringList visibleConditions() const;

  CurvePlot* plot() const { return m_plot; }
  const CurveData& data() const { return m_data; }
  bool exportSeriesCsv(const QString& path, QString* error) const;
  QList<QPair<QString, QCustomPlot*>> exportCharts() const override;
  QStringList exportTables() const override;
  bool exportTable(int index, const QString& path, QString* error) override;
  void saveState(AppSettings& settings) const;
  void restoreState(const AppSettings& settings);

 private:
  void markTitleRunning();
  void rebuildControls();
  void replotNow();
  void scheduleReplot();

  Project* m_project;
  AppSettings* m_settings;
  qint64 m_runId = 0;
  sublab::KindDescription m_kind;  // of the run shown (generic when none or unknown)
  bool m_titleLive = false;        // the title was refreshed since live points started arriving
  CurveData m_data;
  quint64 m_plottedRevision = ~0ull;
  QTimer m_replotTimer;
  QLabel* m_title;
  QComboBox* m_metric;
  QHBoxLayout* m_conditionBar;
  QHash<QString, QCheckBox*> m_conditionBoxes;
  QStringList m_conditionNames;  // in display order
  QHash<QString, bool> m_hiddenConditions;
  QCheckBox* m_seeds;
  QSlider* m_smoothing;
  QLabel* m_smoothingLabel;
  CurvePlot* m_plot;
  QString m_runName;
  bool m_live = false;      // the run shown may still get points
  bool m_complete = false;  // it finished normally (done): every series is all it will be
  QString m_preferredMetric;
};

}  // namespace sublab::ui
