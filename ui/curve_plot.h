// A QCustomPlot that draws labelled series as a mean line with a shaded 95% CI band and,
// on demand, faint member (per-seed) lines. Zoom with the wheel, pan by dragging, double-click
// to reset; hovering shows each series' value at the nearest step. Used by every curve view.
#pragma once

#include <QList>
#include <QString>
#include <QVector>

#include "ui/qcp.h"

namespace sublab::ui {

struct PlotSeries {
  QString label;
  QColor color;
  Qt::PenStyle style = Qt::SolidLine;
  QVector<double> x, y;    // mean line
  QVector<double> lo, hi;  // CI band; empty = none
  QVector<int> n;          // members behind each point (for the read-out); may be empty
  QList<QVector<double>> memberX, memberY;  // individual seeds / models
  // A value measured once by nature (the kind's onceConditions, e.g. the teacher): drawn as a
  // level line even while the run trains. Set by the view that knows the kind.
  bool measuredOnce = false;
  // Set by extendSinglePoints(): a single value stretched across the other series' steps. The
  // read-out shows its value but never takes the step it names from it.
  bool level = false;
  // Drawn faintly behind the mean line (e.g. the raw curve behind a smoothed one); empty = none.
  QVector<double> rawY;
};

class CurveData;

// One condition of one metric as a plot series: mean line, CI band and per-seed members.
PlotSeries seriesFromData(const CurveData& data, const QString& metric, const QString& condition,
                          const QString& label, const QColor& color,
                          Qt::PenStyle style = Qt::SolidLine);

// Series measured once (e.g. the teacher and the reference, at step 0) become dashed
// horizontal "level" lines across the other series' step range, so curves can be read
// against them. While a run still trains (`final` false) only series marked measuredOnce do:
// any other series with one point so far is a curve that has just begun, drawn as a point.
void extendSinglePoints(QList<PlotSeries>& series, bool final = true);

// TensorBoard's smoothing: an exponential moving average with weight `weight` in [0, 1)
// (0 = none), debiased so the first points are not pulled towards zero.
QVector<double> emaSmooth(const QVector<double>& y, double weight);

class CurvePlot : public QCustomPlot {
  Q_OBJECT

 public:
  explicit CurvePlot(QWidget* parent = nullptr);

  void setAxisLabels(const QString& x, const QString& y);
  // Replaces everything drawn. Keeps the user's zoom/pan if they moved the view, else rescales.
  void setSeries(const QList<PlotSeries>& series);
  const QList<PlotSeries>& series() const { return m_series; }
  void setShowMembers(bool show);
  bool showMembers() const { return m_showMembers; }
  // The message shown while nothing is drawn (the axes are then cleared).
  void setPlaceholder(const QString& text);
  QString placeholder() const { return m_placeholderText; }
  // Rescales both axes to the data and forgets the user's zoom/pan.
  void resetView();
  bool userMovedView() const { return m_userView; }
  // The hover read-out text at key x: the measured step nearest to x over the visible curves
  // (level lines never decide it), then each visible series' value there.
  QString readoutAt(double x) const;
  // That step (NaN when only level lines or nothing is visible).
  double stepAt(double x) const;

 Q_SIGNALS:
  void hovered(const QString& readout);

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void rebuild();
  void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
  void hideHover();

  QList<PlotSeries> m_series;
  QList<bool> m_hidden;           // per series, toggled from the legend
  QList<QCPGraph*> m_meanGraphs;  // index = series index
  bool m_showMembers = false;
  bool m_userView = false;
  QString m_placeholderText;
  QCPItemText* m_placeholder = nullptr;
  QCPItemText* m_readout = nullptr;
  QCPItemStraightLine* m_cursor = nullptr;
};

}  // namespace sublab::ui
