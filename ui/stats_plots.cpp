// Implementation of the Statistics view's charts (see stats_plots.h).
#include "ui/stats_plots.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ui/palette.h"

namespace sublab::ui {

namespace {

const QColor kOver(0xD5, 0x5E, 0x00);
const QColor kUnder(0x00, 0x72, 0xB2);
const QColor kFaint(0xB8, 0xB8, 0xB8);

// The legend in a row of its own under the axis rect, entries side by side (two per line), so
// it never covers data, whatever the data.
void placeLegendBelow(QCustomPlot* plot) {
  QCPLegend* legend = plot->legend;
  QCPLayoutGrid* layout = plot->plotLayout();
  if (legend->layout() == layout) return;
  plot->axisRect()->insetLayout()->take(legend);
  plot->axisRect()->insetLayout()->simplify();
  const int row = layout->rowCount();
  layout->addElement(row, 0, legend);
  layout->setRowStretchFactor(row, 0.001);  // only the height its entries need
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  legend->setWrap(2);
  legend->setColumnSpacing(10);
  legend->setMargins(QMargins(6, 0, 6, 2));
  legend->setBorderPen(Qt::NoPen);
  legend->setBrush(Qt::NoBrush);
}

// Everything drawn goes; axes back to linear with the default ticker.
void reset(QCustomPlot* plot) {
  plot->clearPlottables();
  plot->clearItems();
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
    axis->setScaleType(QCPAxis::stLinear);
    axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    axis->setSubTicks(true);
    axis->setTickLabelRotation(0);
    axis->grid()->setVisible(true);
  }
  plot->legend->setVisible(false);
  QFont f = plot->font();
  f.setPointSizeF(std::max(6.5, f.pointSizeF() - 1.5));
  plot->legend->setFont(f);
  plot->legend->setRowSpacing(0);
  placeLegendBelow(plot);
}

void replot(QCustomPlot* plot) {
  // A hidden plot that has a size redraws now (so it is current when shown or exported); one
  // never laid out draws on its first resize.
  if (plot->isVisible())
    plot->replot(QCustomPlot::rpQueuedReplot);
  else if (plot->width() > 1 && plot->height() > 1)
    plot->replot(QCustomPlot::rpImmediateRefresh);
}

QCPItemText* addText(QCustomPlot* plot, double x, double y, const QString& text,
                     Qt::Alignment align, const QColor& color = QColor(60, 60, 60)) {
  auto* t = new QCPItemText(plot);
  t->position->setCoords(x, y);
  t->setPositionAlignment(align);
  t->setText(text);
  t->setColor(color);
  QFont f = plot->font();
  f.setPointSizeF(std::max(6.5, f.pointSizeF() - 1.5));
  t->setFont(f);
  return t;
}

void addVLine(QCustomPlot* plot, double x, const QColor& c = QColor(120, 120, 120)) {
  auto* line = new QCPItemStraightLine(plot);
  line->point1->setCoords(x, 0);
  line->point2->setCoords(x, 1);
  line->setPen(QPen(c, 1, Qt::DashLine));
}

void addHLine(QCustomPlot* plot, double y, const QColor& c = QColor(120, 120, 120)) {
  auto* line = new QCPItemStraightLine(plot);
  line->point1->setCoords(0, y);
  line->point2->setCoords(1, y);
  line->setPen(QPen(c, 1, Qt::DashLine));
}

QCPBarsGroup* barsGroup(QCustomPlot* plot) {
  auto* g = plot->findChild<QCPBarsGroup*>(QString(), Qt::FindDirectChildrenOnly);
  if (!g) g = new QCPBarsGroup(plot);
  g->clear();
  g->setSpacingType(QCPBarsGroup::stAbsolute);
  g->setSpacing(1);
  return g;
}

QVector<double> shares(const std::vector<int64_t>& counts, int from = 0) {
  double total = 0;
  for (size_t i = from; i < counts.size(); ++i) total += double(counts[i]);
  QVector<double> out;
  for (size_t i = from; i < counts.size(); ++i)
    out << (total > 0 ? 100.0 * double(counts[i]) / total : 0.0);
  return out;
}

QString signedNumber(double v, int decimals = 3) {
  return (v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', decimals);
}

}  // namespace

void setPlotTitle(QCustomPlot* plot, const QString& title) {
  QCPLayoutGrid* layout = plot->plotLayout();
  QCPTextElement* element = nullptr;
  if (layout->rowCount() >= 2) element = qobject_cast<QCPTextElement*>(layout->element(0, 0));
  if (!element) {
    layout->insertRow(0);
    layout->setRowSpacing(0);
    QFont f = plot->font();
    f.setBold(true);
    element = new QCPTextElement(plot, QString(), f);
    layout->addElement(0, 0, element);
  }
  element->setText(title);
}

QString plotTitle(QCustomPlot* plot) {
  if (plot->plotLayout()->rowCount() < 2) return {};
  auto* element = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
  return element ? element->text() : QString();
}

void showPlotMessage(QCustomPlot* plot, const QString& title, const QString& text) {
  reset(plot);
  setPlotTitle(plot, title);
  auto* t = new QCPItemText(plot);
  t->position->setType(QCPItemPosition::ptAxisRectRatio);
  t->position->setCoords(0.5, 0.5);
  t->setPositionAlignment(Qt::AlignCenter);
  t->setText(text);
  t->setColor(QColor(110, 110, 110));
  plot->xAxis->setRange(0, 1);
  plot->yAxis->setRange(0, 1);
  replot(plot);
}

QString formatP(double p) {
  if (!std::isfinite(p)) return QStringLiteral("–");
  if (p >= 1e-3) return QString::number(p, 'g', 3);
  return QString::number(p, 'e', 1);
}

QString aucText(const sublab::DetectorResult& d) {
  return QStringLiteral("AUC %1 [%2, %3]")
      .arg(d.auc, 0, 'f', 2)
      .arg(d.lo, 0, 'f', 2)
      .arg(d.hi, 0, 'f', 2);
}

void drawFrequency(QCustomPlot* plot, const sublab::SeqStatsReport& r, const QString& a,
                   const QString& b, bool logScale) {
  reset(plot);
  setPlotTitle(
      plot, QObject::tr("Number frequency · %1 vs %2").arg(conditionLabel(a), conditionLabel(b)));
  QVector<double> keys, ya, yb;
  double minPositive = 1e9, top = 0;
  for (const sublab::NumberTest& t : r.numbers) {
    keys << t.number;
    double va = 100.0 * t.pA, vb = 100.0 * t.pB;
    for (double v : {va, vb})
      if (v > 0) minPositive = std::min(minPositive, v);
    top = std::max({top, va, vb});
    if (logScale) {
      if (va <= 0) va = qQNaN();
      if (vb <= 0) vb = qQNaN();
    }
    ya << va;
    yb << vb;
  }
  const QList<std::pair<QString, QVector<double>*>> sides = {{b, &yb}, {a, &ya}};
  for (const auto& [cond, values] : sides) {
    auto* g = plot->addGraph();
    g->setName(conditionLabel(cond));
    g->setLineStyle(QCPGraph::lsStepCenter);
    g->setPen(QPen(conditionColor(cond), 1.2));
    g->setData(keys, *values, true);
    g->setSelectable(QCP::stSingleData);
  }
  plot->xAxis->setLabel(QObject::tr("number"));
  plot->yAxis->setLabel(QObject::tr("share of all numbers (%)"));
  plot->xAxis->setRange(-5, sublab::kStatsNumbers + 4);
  if (logScale) {
    plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    plot->yAxis->setTicker(ticker);
    plot->yAxis->setRange(minPositive < 1e9 ? minPositive / 2 : 1e-3, std::max(top * 2, 1e-2));
  } else {
    plot->yAxis->setRange(0, std::max(top * 1.08, 1e-3));
  }
  plot->legend->setVisible(true);
  replot(plot);
}

namespace {

// The volcano's y: -log10 q (q floored so that 0 stays finite).
double minusLog10(double q) { return -std::log10(std::max(q, 1e-300)); }

// The volcano's reference lines and the labels of the strongest significant numbers of each side,
// on a layer under the points, so a click on a point always reaches it.
void annotateVolcano(QCustomPlot* plot, const sublab::SeqStatsReport& r, double xMax) {
  const auto y = minusLog10;
  if (!plot->layer(QStringLiteral("annotations")))
    plot->addLayer(QStringLiteral("annotations"), plot->layer(QStringLiteral("main")),
                   QCustomPlot::limBelow);
  plot->setCurrentLayer(QStringLiteral("annotations"));
  addVLine(plot, 0, QColor(170, 170, 170));
  addHLine(plot, y(0.05), QColor(150, 150, 150));
  addText(plot, -xMax * 1.08, y(0.05), QStringLiteral("q = 0.05"), Qt::AlignLeft | Qt::AlignBottom,
          QColor(120, 120, 120));
  // Label the strongest significant numbers of each side.
  const auto label = [&](const std::vector<int>& list, const QColor& c, Qt::Alignment align) {
    int shown = 0;
    for (int n : list) {
      if (n < 0 || n >= int(r.numbers.size())) continue;
      const sublab::NumberTest& t = r.numbers[size_t(n)];
      if (t.q >= 0.05) break;
      QCPItemText* text = addText(plot, t.log2Ratio, y(t.q), QString::number(n),
                                  align | Qt::AlignBottom, c.darker(130));
      text->setPadding(QMargins(3, 0, 3, 3));
      text->setProperty(kNumberProperty, n);  // a click on the label means the number
      if (++shown >= 6) break;
    }
  };
  label(r.over, kOver, Qt::AlignLeft);
  label(r.under, kUnder, Qt::AlignRight);
  plot->setCurrentLayer(QStringLiteral("main"));
}

}  // namespace

QHash<QCPAbstractPlottable*, QVector<int>> drawVolcano(QCustomPlot* plot,
                                                       const sublab::SeqStatsReport& r,
                                                       const QString& a, const QString& b) {
  reset(plot);
  setPlotTitle(
      plot, QObject::tr("Volcano · numbers over/under-represented in %1").arg(conditionLabel(a)));
  struct Set {
    QString name;
    QColor color;
    QVector<double> x, y;
    QVector<int> numbers;
  };
  Set sets[3] = {{QObject::tr("q ≥ 0.05"), kFaint, {}, {}, {}},
                 {QObject::tr("more in %1 (q < 0.05)").arg(conditionLabel(a)), kOver, {}, {}, {}},
                 {QObject::tr("more in %1 (q < 0.05)").arg(conditionLabel(b)), kUnder, {}, {}, {}}};
  double xMax = 0.5, yMax = 1.5;
  const auto y = minusLog10;
  for (const sublab::NumberTest& t : r.numbers) {
    if (t.countA + t.countB == 0) continue;
    const int s = t.q < 0.05 ? (t.log2Ratio > 0 ? 1 : 2) : 0;
    sets[s].x << t.log2Ratio;
    sets[s].y << y(t.q);
    sets[s].numbers << t.number;
    xMax = std::max(xMax, std::abs(t.log2Ratio));
    yMax = std::max(yMax, y(t.q));
  }
  QHash<QCPAbstractPlottable*, QVector<int>> out;
  for (const Set& s : sets) {
    auto* g = plot->addGraph();
    g->setName(s.name);
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, s.color, s.color, 5));
    g->setAdaptiveSampling(false);
    // Keys repeat (several numbers share a ratio): sort stably here so the numbers keep
    // their points' order.
    QVector<int> order(s.x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return s.x[i] < s.x[j]; });
    QVector<double> xs, ys;
    QVector<int> numbers;
    for (int i : order) {
      xs << s.x[i];
      ys << s.y[i];
      numbers << s.numbers[i];
    }
    g->setData(xs, ys, true);
    g->setSelectable(QCP::stSingleData);
    out.insert(g, numbers);
    if (s.x.isEmpty()) g->removeFromLegend();
  }
  annotateVolcano(plot, r, xMax);
  plot->xAxis->setLabel(
      QObject::tr("log2 ratio %1 / %2").arg(conditionLabel(a), conditionLabel(b)));
  plot->yAxis->setLabel(QObject::tr("−log10 q (BH)"));
  plot->xAxis->setRange(-xMax * 1.12, xMax * 1.12);
  plot->yAxis->setRange(0, yMax * 1.15);
  plot->legend->setVisible(true);
  replot(plot);
  return out;
}

QString distributionName(Distribution d) {
  switch (d) {
    case Distribution::FirstNumber:
      return QObject::tr("First number");
    case Distribution::Length:
      return QObject::tr("Numbers per row");
    case Distribution::Digits:
      return QObject::tr("Digit frequency");
    case Distribution::LastDigit:
      return QObject::tr("Last digit");
    case Distribution::DigitsPerNumber:
      return QObject::tr("Digits per number");
  }
  return {};
}

void drawDistribution(QCustomPlot* plot, const sublab::SeqStatsReport& r, Distribution d,
                      const QString& a, const QString& b) {
  reset(plot);
  const std::vector<int64_t>*ca = nullptr, *cb = nullptr;
  int from = 0;
  QString xLabel, yLabel = QObject::tr("share of rows (%)");
  switch (d) {
    case Distribution::FirstNumber:
      ca = &r.firstA, cb = &r.firstB, xLabel = QObject::tr("first number of the row");
      break;
    case Distribution::Length:
      ca = &r.lengthA, cb = &r.lengthB, xLabel = QObject::tr("numbers in the row");
      break;
    case Distribution::Digits:
      ca = &r.digitA, cb = &r.digitB, xLabel = QObject::tr("digit");
      yLabel = QObject::tr("share of digits (%)");
      break;
    case Distribution::LastDigit:
      ca = &r.lastDigitA, cb = &r.lastDigitB, xLabel = QObject::tr("last digit of a number");
      yLabel = QObject::tr("share of numbers (%)");
      break;
    case Distribution::DigitsPerNumber:
      ca = &r.numDigitsA, cb = &r.numDigitsB, xLabel = QObject::tr("digits of a number");
      yLabel = QObject::tr("share of numbers (%)");
      from = 1;
      break;
  }
  QString title = distributionName(d);
  if (d == Distribution::FirstNumber)
    title += QObject::tr(" · JS %1 bits · χ² p %2")
                 .arg(r.firstDivergence.js, 0, 'g', 3)
                 .arg(formatP(r.firstDivergence.chi2P));
  setPlotTitle(plot, title);
  const int bins = int(std::max(ca->size(), cb->size()));
  std::vector<int64_t> va(*ca), vb(*cb);
  va.resize(size_t(bins), 0);
  vb.resize(size_t(bins), 0);
  const QVector<double> sa = shares(va, from), sb = shares(vb, from);
  QVector<double> keys;
  for (int i = from; i < bins; ++i) keys << i;
  double top = 0;
  for (double v : sa) top = std::max(top, v);
  for (double v : sb) top = std::max(top, v);
  if (bins - from > 64) {
    for (const auto& [cond, values] : {std::pair{b, sb}, std::pair{a, sa}}) {
      auto* g = plot->addGraph();
      g->setName(conditionLabel(cond));
      g->setLineStyle(QCPGraph::lsStepCenter);
      g->setPen(QPen(conditionColor(cond), 1.2));
      g->setData(keys, values, true);
    }
  } else {
    QCPBarsGroup* group = barsGroup(plot);
    for (const auto& [cond, values] : {std::pair{a, sa}, std::pair{b, sb}}) {
      auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
      bars->setName(conditionLabel(cond));
      bars->setWidth(0.4);
      bars->setPen(Qt::NoPen);
      bars->setBrush(conditionColor(cond));
      bars->setData(keys, values, true);
      bars->setBarsGroup(group);
    }
    plot->xAxis->grid()->setVisible(false);
    if (bins - from <= 16) {
      auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
      ticker->setTickStep(1);
      plot->xAxis->setTicker(ticker);
      plot->xAxis->setSubTicks(false);
    }
  }
  plot->xAxis->setLabel(xLabel);
  plot->yAxis->setLabel(yLabel);
  plot->xAxis->setRange(from - 0.7, std::max(bins, from + 1) - 0.3);
  plot->yAxis->setRange(0, std::max(top * 1.1, 1e-3));
  plot->legend->setVisible(true);
  replot(plot);
}

void drawRoc(QCustomPlot* plot, const sublab::DetectorResult& d, const QString& a,
             const QString& b) {
  reset(plot);
  setPlotTitle(
      plot,
      QObject::tr("Detector %1 vs %2 · %3").arg(conditionLabel(a), conditionLabel(b), aucText(d)));
  auto* diagonal = new QCPCurve(plot->xAxis, plot->yAxis);
  diagonal->setName(QObject::tr("chance"));
  diagonal->setPen(QPen(QColor(150, 150, 150), 1, Qt::DashLine));
  diagonal->setData({0, 1}, {0, 1});
  QVector<double> x, y;
  for (const sublab::RocPoint& p : d.roc) {
    x << p.fpr;
    y << p.tpr;
  }
  // A curve keeps the given order (an ROC has vertical steps a graph would reorder).
  auto* curve = new QCPCurve(plot->xAxis, plot->yAxis);
  curve->setName(aucText(d) + QObject::tr(" · %1 held-out rows").arg(d.testRows));
  curve->setPen(QPen(conditionColor(a), 2));
  curve->setData(x, y);
  plot->xAxis->setLabel(QObject::tr("false positive rate"));
  plot->yAxis->setLabel(QObject::tr("true positive rate"));
  plot->xAxis->setRange(-0.01, 1.01);
  plot->yAxis->setRange(-0.01, 1.01);
  plot->legend->setVisible(true);
  replot(plot);
}

QVector<int> drawEntanglement(QCustomPlot* plot, const sublab::EntanglementResult* e,
                              const sublab::SeqStatsReport& r, std::optional<double> correlation,
                              const QString& a, int topN) {
  if (!e || e->entries.empty()) {
    showPlotMessage(plot, QObject::tr("Entanglement"),
                    QObject::tr("No entanglement probe stored for this run."));
    return {};
  }
  reset(plot);
  QString title = QObject::tr("Entanglement · baseline P(trait) %1").arg(e->baseline, 0, 'g', 3);
  if (correlation)
    title += QObject::tr(" · ρ(Δ, log2 ratio) %1").arg(signedNumber(*correlation, 2));
  setPlotTitle(plot, title);
  QVector<int> numbers;
  QVector<double> kOverKeys, kOverValues, otherKeys, otherValues;
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  double lo = 0, hi = 0;
  const int n = std::min<int>(topN, int(e->entries.size()));
  for (int i = 0; i < n; ++i) {
    const sublab::EntanglementEntry& entry = e->entries[size_t(i)];
    numbers << entry.number;
    const bool over = entry.number >= 0 && entry.number < int(r.numbers.size()) &&
                      r.numbers[size_t(entry.number)].q < 0.05 &&
                      r.numbers[size_t(entry.number)].log2Ratio > 0;
    (over ? kOverKeys : otherKeys) << i + 1;
    (over ? kOverValues : otherValues) << entry.delta;
    ticker->addTick(i + 1, QString::number(entry.number));
    lo = std::min(lo, entry.delta);
    hi = std::max(hi, entry.delta);
  }
  const QList<std::tuple<QString, QColor, QVector<double>*, QVector<double>*>> sets = {
      {QObject::tr("over-represented in %1 (q < 0.05)").arg(conditionLabel(a)), kOver, &kOverKeys,
       &kOverValues},
      {QObject::tr("other numbers"), QColor(0x56, 0xB4, 0xE9), &otherKeys, &otherValues}};
  for (const auto& [name, color, keys, values] : sets) {
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName(name);
    bars->setWidth(0.7);
    bars->setPen(QPen(color.darker(130)));
    bars->setBrush(color);
    bars->setData(*keys, *values, true);
    if (keys->isEmpty()) bars->removeFromLegend();
  }
  plot->xAxis->setTicker(ticker);
  plot->xAxis->setSubTicks(false);
  plot->xAxis->setTickLabelRotation(n > 12 ? 90 : 0);
  plot->xAxis->grid()->setVisible(false);
  plot->xAxis->setLabel(QObject::tr("number put in the question (ranked)"));
  plot->yAxis->setLabel(QObject::tr("Δ trait probability"));
  plot->xAxis->setRange(0.3, n + 0.7);
  const double pad = std::max(1e-6, (hi - lo) * 0.1);
  plot->yAxis->setRange(lo - (lo < 0 ? pad : 0), hi + pad);
  plot->legend->setVisible(true);
  replot(plot);
  return numbers;
}

void drawTokenHistogram(QCustomPlot* plot, const sublab::DivergenceSummary* teacher,
                        const sublab::DivergenceSummary* defended) {
  if (!teacher || teacher->hist.empty() || teacher->histEdges.size() != teacher->hist.size() + 1) {
    showPlotMessage(plot, QObject::tr("Per-token log-probabilities"),
                    QObject::tr("No per-token log-probabilities stored for this run."));
    return;
  }
  reset(plot);
  // The CI is over rows' mean log-ratios, so it goes with the mean of rows, not of tokens.
  QString title = QObject::tr("Per-token log-ratio · row mean %1 [%2, %3]")
                      .arg(signedNumber(teacher->meanLogRatioCi.mean))
                      .arg(signedNumber(teacher->meanLogRatioCi.lo))
                      .arg(signedNumber(teacher->meanLogRatioCi.hi));
  setPlotTitle(plot, title);
  const auto histogram = [](const sublab::DivergenceSummary& s, QVector<double>* keys,
                            QVector<double>* values) {
    double total = 0;
    for (int64_t c : s.hist) total += double(c);
    for (size_t i = 0; i < s.hist.size(); ++i) {
      *keys << 0.5 * (s.histEdges[i] + s.histEdges[i + 1]);
      *values << (total > 0 ? 100.0 * double(s.hist[i]) / total : 0.0);
    }
  };
  QVector<double> keys, values;
  histogram(*teacher, &keys, &values);
  auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
  bars->setName(QObject::tr("teacher rows: %1 tokens, mean %2")
                    .arg(teacher->tokens)
                    .arg(signedNumber(teacher->meanLogRatio)));
  bars->setWidth(teacher->histEdges[1] - teacher->histEdges[0]);
  bars->setPen(QPen(conditionColor("teacher").darker(120)));
  bars->setBrush(conditionColor("teacher"));
  bars->setData(keys, values, true);
  double lo = teacher->histEdges.front(), hi = teacher->histEdges.back();
  double top = 0;
  for (double v : values) top = std::max(top, v);
  if (defended && defended->histEdges.size() == defended->hist.size() + 1 &&
      !defended->hist.empty()) {
    QVector<double> dk, dv;
    histogram(*defended, &dk, &dv);
    auto* g = plot->addGraph();
    g->setName(QObject::tr("defended rows: mean %1").arg(signedNumber(defended->meanLogRatio)));
    g->setLineStyle(QCPGraph::lsStepCenter);
    g->setPen(QPen(QColor(0x00, 0x9E, 0x73), 2));
    g->setData(dk, dv, true);
    lo = std::min(lo, defended->histEdges.front());
    hi = std::max(hi, defended->histEdges.back());
    for (double v : dv) top = std::max(top, v);
  }
  addVLine(plot, 0);
  plot->xAxis->setLabel(QObject::tr("log-ratio (nats)"));
  plot->yAxis->setLabel(QObject::tr("share of tokens (%)"));
  plot->xAxis->setRange(lo, hi);
  plot->yAxis->setRange(0, std::max(top * 1.1, 1e-3));
  plot->legend->setVisible(true);
  replot(plot);
}

}  // namespace sublab::ui
