// Results of a run as bars: the kind's headline metric per condition with 95% CI error bars
// (for an auxiliary-logit run the test accuracy of every student and control) and the metric
// per step as curves across repetitions. Bars come from the stored summary once the run is
// done, from the latest step of the live points while it trains; labels, chance line and
// scale come from the kind's description (run_kind.h).
#pragma once

#include <QTimer>
#include <QWidget>
#include <vector>

#include "engine/core/common.h"
#include "engine/kinds.h"
#include "ui/curve_data.h"
#include "ui/exportable.h"

class QLabel;
class QCustomPlot;
class QCPBars;
class QCPErrorBars;
class QCheckBox;

namespace sublab::ui {

class AppSettings;
class CurvePlot;
class Project;

struct BarFigure {
  QString condition;
  double mean = 0, lo = 0, hi = 0;
  int n = 0;
  qint64 step = -1;  // the step the value is from, for a run without final figures; -1: final
};

class AuxView : public QWidget, public Exportable {
  Q_OBJECT

 public:
  AuxView(Project* project, AppSettings* settings, QWidget* parent = nullptr);

  void setRun(qint64 runId);
  qint64 runId() const { return m_runId; }
  void addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points);
  void reload();

  // The bars currently drawn (for tests and CSV).
  const QList<BarFigure>& bars() const { return m_bars; }
  // Conditions of a run without final figures that have no trained value yet (only the
  // untrained evaluation at step 0): named under the axis, never drawn as a bar.
  const QStringList& notTrained() const { return m_notTrained; }
  QCustomPlot* barPlot() const { return m_barPlot; }
  CurvePlot* epochPlot() const { return m_epochPlot; }

  QList<QPair<QString, QCustomPlot*>> exportCharts() const override;
  QStringList exportTables() const override;
  bool exportTable(int index, const QString& path, QString* error) override;

 private:
  void replotNow();
  QString runPrefix() const;
  QString barTitle() const;
  QString curveTitle() const;
  void computeBars();
  void drawBars();

  Project* m_project;
  qint64 m_runId = 0;
  sublab::KindDescription m_kind;  // of the run shown (generic when none or unknown)
  QString m_metric;
  QList<BarFigure> m_summaryBars;  // from the stored result (empty while running)
  QList<BarFigure> m_bars;
  QStringList m_notTrained;
  QString m_barSource;
  QString m_runName;
  bool m_live = false;      // the run shown may still get points
  bool m_complete = false;  // it finished normally (done): every series is all it will be
  CurveData m_data;
  QTimer m_replotTimer;
  QLabel* m_title;
  QCheckBox* m_members;
  QCustomPlot* m_barPlot;
  CurvePlot* m_epochPlot;
};

}  // namespace sublab::ui
