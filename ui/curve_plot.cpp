// Implementation of CurvePlot: graphs are rebuilt on every setSeries() (cheap next to a
// replot); the hover cursor and read-out live on a buffered overlay layer so moving the mouse
// replots only that layer, not the curves.
#include "ui/curve_plot.h"

#include <QTimer>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/curve_bands.h"
#include "ui/curve_data.h"
#include "ui/palette.h"

namespace sublab::ui {

namespace {
constexpr int kAntialiasPointBudget = 20000;
constexpr int kBandVertices = 300;
}  // namespace

void extendSinglePoints(QList<PlotSeries>& series, bool final) {
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  for (const PlotSeries& s : series)
    if (s.x.size() > 1) {
      lo = std::min(lo, s.x.first());
      hi = std::max(hi, s.x.last());
    }
  if (!(hi > lo)) return;
  for (PlotSeries& s : series) {
    if (s.x.size() != 1 || s.level) continue;
    // A live run's single point is a curve that has just begun, unless measured once by nature.
    if (!final && !s.measuredOnce) continue;
    s.level = true;
    s.x = {lo, hi};
    s.y = {s.y[0], s.y[0]};
    if (s.rawY.size() == 1) s.rawY = {s.rawY[0], s.rawY[0]};
    if (s.lo.size() == 1) s.lo = {s.lo[0], s.lo[0]};
    if (s.hi.size() == 1) s.hi = {s.hi[0], s.hi[0]};
    if (s.n.size() == 1) s.n = {s.n[0], s.n[0]};
    for (int m = 0; m < s.memberX.size(); ++m)
      if (s.memberX[m].size() == 1) {
        s.memberX[m] = {lo, hi};
        s.memberY[m] = {s.memberY[m][0], s.memberY[m][0]};
      }
    if (s.style == Qt::SolidLine) s.style = Qt::DashLine;
    s.label += QObject::tr(" (level)");
  }
}

QVector<double> emaSmooth(const QVector<double>& y, double weight) {
  if (!(weight > 0) || y.size() < 2) return y;
  weight = std::min(weight, 0.999);
  QVector<double> out(y.size());
  double last = 0, debias = 1;
  for (int i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      out[i] = y[i];
      continue;
    }
    last = last * weight + (1 - weight) * y[i];
    debias *= weight;
    out[i] = last / (1 - debias);
  }
  return out;
}

PlotSeries seriesFromData(const CurveData& data, const QString& metric, const QString& condition,
                          const QString& label, const QColor& color, Qt::PenStyle style) {
  PlotSeries s;
  const SeriesStats st = data.aggregate(metric, condition);
  s.label = label;
  s.color = color;
  s.style = style;
  s.x = st.steps;
  s.y = st.mean;
  s.n = st.n;
  // A band only where some step has more than one seed.
  if (std::any_of(st.n.begin(), st.n.end(), [](int n) { return n > 1; })) {
    s.lo = st.lo;
    s.hi = st.hi;
  }
  for (const SeedSeries& seed : data.seeds(metric, condition)) {
    s.memberX << seed.steps;
    s.memberY << seed.values;
  }
  return s;
}

CurvePlot::CurvePlot(QWidget* parent) : QCustomPlot(parent) {
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectLegend);
  setNoAntialiasingOnDrag(true);
  // Thick solid lines as one polyline call: several times faster for long curves.
  setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
  legend->setVisible(true);
  legend->setFont(QFont(font().family(), 8));
  legend->setBrush(QColor(255, 255, 255, 210));
  // The legend sits right of the plot, never over the curves.
  axisRect()->insetLayout()->take(legend);
  auto* side = new QCPLayoutGrid;
  plotLayout()->addElement(0, 1, side);
  side->addElement(0, 0, legend);
  side->addElement(1, 0, new QCPLayoutElement(this));  // pushes the legend to the top
  side->setRowStretchFactor(0, 0.01);
  side->setMargins(QMargins(0, 12, 6, 0));
  plotLayout()->setColumnStretchFactor(1, 0.001);
  xAxis->setLabel(tr("step"));
  yAxis->setLabel(tr("value"));

  addLayer("hover", layer("main"), QCustomPlot::limAbove);
  layer("hover")->setMode(QCPLayer::lmBuffered);
  m_cursor = new QCPItemStraightLine(this);
  m_cursor->setLayer("hover");
  m_cursor->setPen(QPen(QColor(80, 80, 80, 160), 1, Qt::DashLine));
  m_cursor->setVisible(false);
  m_readout = new QCPItemText(this);
  m_readout->setLayer("hover");
  m_readout->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_readout->position->setCoords(0.99, 0.02);
  m_readout->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
  m_readout->setTextAlignment(Qt::AlignLeft);
  m_readout->setBrush(QColor(255, 255, 255, 225));
  m_readout->setPen(QPen(QColor(160, 160, 160)));
  m_readout->setPadding(QMargins(6, 4, 6, 4));
  m_readout->setFont(QFont(font().family(), 8));
  m_readout->setVisible(false);
  m_placeholder = new QCPItemText(this);
  m_placeholder->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_placeholder->position->setCoords(0.5, 0.5);
  m_placeholder->setColor(QColor(120, 120, 120));
  m_placeholder->setVisible(false);

  connect(this, &QCustomPlot::mousePress, this, [this] { m_userView = true; });
  connect(this, &QCustomPlot::mouseWheel, this, [this] { m_userView = true; });
  connect(this, &QCustomPlot::legendClick, this, &CurvePlot::onLegendClick);
}

void CurvePlot::setAxisLabels(const QString& x, const QString& y) {
  xAxis->setLabel(x);
  yAxis->setLabel(y);
}

void CurvePlot::setSeries(const QList<PlotSeries>& series) {
  if (series.size() != m_series.size()) {
    m_hidden = QList<bool>(series.size(), false);
  } else {
    for (int i = 0; i < series.size(); ++i)
      if (series[i].label != m_series[i].label) m_hidden[i] = false;
  }
  m_series = series;
  rebuild();
}

void CurvePlot::setShowMembers(bool show) {
  if (show == m_showMembers) return;
  m_showMembers = show;
  rebuild();
}

void CurvePlot::setPlaceholder(const QString& text) {
  if (text == m_placeholderText) return;
  m_placeholderText = text;
  rebuild();
}

void CurvePlot::rebuild() {
  clearPlottables();  // graphs and error bars
  legend->clearItems();
  m_meanGraphs.clear();
  // All bands in one plottable, created first so every line is drawn over them.
  auto* bandPlottable = new CurveBands(xAxis, yAxis);
  bandPlottable->removeFromLegend();
  QList<BandData> bands;
  QList<int> pendingErrorBars;
  for (int i = 0; i < m_series.size(); ++i) {
    const PlotSeries& s = m_series[i];
    const bool visible = !m_hidden.value(i);
    const bool hasInterval =
        !s.lo.isEmpty() && s.lo.size() == s.x.size() && s.hi.size() == s.x.size();
    if (hasInterval && s.x.size() == 1) {
      // A single point (e.g. the teacher, measured once): an error bar, not a band.
      pendingErrorBars << i;
    } else if (hasInterval) {
      // Long bands are reduced to an envelope of kBandVertices buckets (max of the upper edge,
      // min of the lower): the same picture at screen resolution, a fraction of the vertices.
      BandData band;
      const int buckets = std::min<int>(s.x.size(), kBandVertices);
      for (int b = 0, k = 0; b < buckets; ++b) {
        const int end = static_cast<int>((int64_t(b) + 1) * s.x.size() / buckets);
        double hi = s.hi[k], lo = s.lo[k];
        const double x0 = s.x[k];
        for (; k < end; ++k) {
          hi = std::max(hi, s.hi[k]);
          lo = std::min(lo, s.lo[k]);
        }
        band.x << (buckets == s.x.size() ? x0 : 0.5 * (x0 + s.x[end - 1]));
        band.hi << hi;
        band.lo << lo;
      }
      band.x.first() = s.x.first();  // the band spans the line's full range
      band.x.last() = s.x.last();
      band.color = bandColor(s.color);
      if (visible) bands << band;
    }
    if (m_showMembers) {
      QColor faint = s.color;
      faint.setAlpha(90);
      for (int m = 0; m < s.memberX.size() && m < s.memberY.size(); ++m) {
        QCPGraph* g = addGraph();
        g->setPen(QPen(faint, 1, s.style));
        g->setData(s.memberX[m], s.memberY[m], true);
        g->removeFromLegend();
        g->setVisible(visible);
      }
    }
    if (s.rawY.size() == s.x.size() && !s.rawY.isEmpty()) {
      QColor faint = s.color;
      faint.setAlpha(70);
      QCPGraph* raw = addGraph();
      raw->setPen(QPen(faint, 1, s.style));
      raw->setData(s.x, s.rawY, true);
      raw->removeFromLegend();
      raw->setVisible(visible);
      raw->setSelectable(QCP::stNone);
    }
    QCPGraph* mean = addGraph();
    mean->setName(s.label);
    mean->setPen(QPen(s.color, 2, s.style));
    if (s.x.size() <= 2 && s.style == Qt::SolidLine) {
      mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    }
    mean->setData(s.x, s.y, true);
    mean->setVisible(visible);
    if (pendingErrorBars.contains(i)) {
      auto* err = new QCPErrorBars(xAxis, yAxis);
      err->setDataPlottable(mean);
      err->setData({s.hi[0] - s.y[0]}, {s.y[0] - s.lo[0]});
      err->setPen(QPen(s.color, 1.5));
      err->setWhiskerWidth(8);
      err->setSymbolGap(0);  // the whisker runs through the point, unbroken
      err->removeFromLegend();
      err->setVisible(visible);
    }
    if (!visible && legend->itemWithPlottable(mean))
      legend->itemWithPlottable(mean)->setTextColor(QColor(170, 170, 170));
    m_meanGraphs << mean;
  }
  bandPlottable->setBands(bands);
  legend->setVisible(!m_series.isEmpty() && m_series.size() <= 24);
  // Antialiasing costs most with many long curves; drop it beyond a point budget.
  int points = 0;
  for (const PlotSeries& s : m_series)
    points += s.x.size() * (m_showMembers ? 1 + s.memberX.size() : 1);
  if (points > kAntialiasPointBudget) {
    setNotAntialiasedElements(QCP::aePlottables | QCP::aeFills);
  } else {
    setNotAntialiasedElements(QCP::aeNone);
  }
  const bool empty =
      m_series.isEmpty() || std::all_of(m_series.begin(), m_series.end(),
                                        [](const PlotSeries& s) { return s.x.isEmpty(); });
  m_placeholder->setText(m_placeholderText);
  m_placeholder->setVisible(empty && !m_placeholderText.isEmpty());
  // An empty chart shows no axes of its own: no ticks, no numbers, no grid, so nothing of a
  // previous chart (its ranges) can be read into it.
  for (QCPAxis* axis : {xAxis, yAxis}) {
    axis->setTicks(!empty);
    axis->setTickLabels(!empty);
    axis->grid()->setVisible(!empty);
  }
  if (empty) {
    m_userView = false;
    xAxis->setRange(0, 1);
    yAxis->setRange(0, 1);
  }
  if (!m_userView && !empty) {
    rescaleAxes(true);
    const QCPRange y = yAxis->range();
    const double pad = std::max(y.size() * 0.05, 1e-6);
    yAxis->setRange(y.lower - pad, y.upper + pad);
    const QCPRange x = xAxis->range();
    if (x.size() <= 0) {
      xAxis->setRange(x.lower - 1, x.upper + 1);
    } else {
      xAxis->setRange(x.lower - 0.02 * x.size(), x.upper + 0.02 * x.size());
    }
  }
  // A hidden plot has no paint buffer; it replots when shown (resize event).
  if (isVisible()) replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::resetView() {
  m_userView = false;
  rebuild();
}

namespace {
// Index of the point of `xs` (sorted) nearest to x; -1 when empty.
int nearestIndex(const QVector<double>& xs, double x) {
  if (xs.isEmpty()) return -1;
  auto it = std::lower_bound(xs.begin(), xs.end(), x);
  int k = static_cast<int>(it - xs.begin());
  if (k >= xs.size()) k = xs.size() - 1;
  if (k > 0 && std::abs(xs[k - 1] - x) <= std::abs(xs[k] - x)) --k;
  return k;
}
}  // namespace

double CurvePlot::stepAt(double x) const {
  // A level line (one value stretched across the range) has no step of its own.
  double step = std::nan("");
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < m_series.size(); ++i) {
    const PlotSeries& s = m_series[i];
    if (m_hidden.value(i) || s.level) continue;
    const int k = nearestIndex(s.x, x);
    if (k >= 0 && std::abs(s.x[k] - x) < best) {
      best = std::abs(s.x[k] - x);
      step = s.x[k];
    }
  }
  return step;
}

QString CurvePlot::readoutAt(double x) const {
  const double step = stepAt(x);
  const auto number = [](double v) { return QString::number(v, 'g', 4); };
  QStringList lines;
  int shown = 0, visible = 0;
  for (int i = 0; i < m_series.size(); ++i)
    if (!m_hidden.value(i) && !m_series[i].x.isEmpty()) ++visible;
  for (int i = 0; i < m_series.size(); ++i) {
    const PlotSeries& s = m_series[i];
    if (m_hidden.value(i) || s.x.isEmpty()) continue;
    if (++shown > 14) {
      lines << tr("… %1 more").arg(visible - 14);
      break;
    }
    // A level's value is the same everywhere; a curve's is the point at the named step, or,
    // where it has none there, its nearest point with that point's own step.
    const int k = nearestIndex(s.x, s.level || std::isnan(step) ? x : step);
    QString line = QStringLiteral("%1: %2").arg(s.label, number(s.y[k]));
    if (k < s.lo.size() && k < s.hi.size() && s.lo[k] != s.hi[k])
      line += QStringLiteral(" [%1, %2]").arg(number(s.lo[k]), number(s.hi[k]));
    if (k < s.n.size()) line += QStringLiteral(" n=%1").arg(s.n[k]);
    if (k < s.rawY.size() && s.rawY[k] != s.y[k]) line += tr(" (raw %1)").arg(number(s.rawY[k]));
    if (!s.level && !std::isnan(step) && s.x[k] != step)
      line += tr(" (at %1 %2)").arg(xAxis->label()).arg(s.x[k], 0, 'g', 6);
    lines << line;
  }
  if (lines.isEmpty()) return {};
  if (!std::isnan(step))
    lines.prepend(QStringLiteral("%1 %2").arg(xAxis->label()).arg(step, 0, 'g', 6));
  return lines.join(QLatin1Char('\n'));
}

void CurvePlot::mouseMoveEvent(QMouseEvent* event) {
  QCustomPlot::mouseMoveEvent(event);
  if (event->buttons() != Qt::NoButton) return;
  const QPointF pos = event->position();
  if (!axisRect()->rect().contains(pos.toPoint())) {
    hideHover();
    return;
  }
  const double x = xAxis->pixelToCoord(pos.x());
  const QString text = readoutAt(x);
  if (text.isEmpty()) {
    hideHover();
    return;
  }
  // The cursor sits on the step the read-out names.
  const double step = stepAt(x);
  const double at = std::isnan(step) ? x : step;
  m_cursor->point1->setCoords(at, 0);
  m_cursor->point2->setCoords(at, 1);
  m_cursor->setVisible(true);
  m_readout->setText(text);
  m_readout->setVisible(true);
  layer("hover")->replot();
  Q_EMIT hovered(text);
}

void CurvePlot::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  resetView();
}

void CurvePlot::leaveEvent(QEvent* event) {
  QCustomPlot::leaveEvent(event);
  hideHover();
}

void CurvePlot::hideHover() {
  if (!m_cursor->visible() && !m_readout->visible()) return;
  m_cursor->setVisible(false);
  m_readout->setVisible(false);
  layer("hover")->replot();
}

void CurvePlot::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
  auto* pli = qobject_cast<QCPPlottableLegendItem*>(item);
  if (!pli) return;
  const int i = m_meanGraphs.indexOf(qobject_cast<QCPGraph*>(pli->plottable()));
  if (i < 0) return;
  m_hidden[i] = !m_hidden[i];
  // The legend item that was clicked is deleted by rebuild(): do it after this event.
  QTimer::singleShot(0, this, [this] { rebuild(); });
}

}  // namespace sublab::ui
