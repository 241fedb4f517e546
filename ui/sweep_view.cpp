// The Sweeps tab: a stored sweep's effect against its swept value, progress and points.
#include "ui/sweep_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QMenu>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "ui/palette.h"
#include "ui/project.h"
#include "ui/qcp.h"
#include "ui/sweep_axis.h"
#include "ui/sweep_slurm_panel.h"

namespace sublab::ui {

namespace {

bool hasInterval(const Figure& f) { return f.valid && f.n >= 2 && f.hi > f.lo; }

}  // namespace

SweepView::SweepView(Project* project, QWidget* parent) : QWidget(parent), m_project(project) {
  setObjectName(QStringLiteral("sweepView"));
  m_sweepBox = new QComboBox(this);
  m_sweepBox->setObjectName(QStringLiteral("sweepBox"));
  m_sweepBox->setMinimumContentsLength(30);
  m_progress = new QLabel(this);
  m_progress->setObjectName(QStringLiteral("sweepProgress"));
  m_progress->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_plot = new QCustomPlot(this);
  m_plot->setObjectName(QStringLiteral("sweepPlot"));
  m_plot->setMinimumHeight(240);
  m_plot->legend->setVisible(true);
  // The legend beside the plot, never over its points.
  auto* side = new QCPLayoutGrid;
  m_plot->plotLayout()->addElement(0, 1, side);
  m_plot->plotLayout()->setColumnStretchFactor(1, 0.001);
  side->addElement(0, 0, m_plot->legend);
  m_colorScale = new QCPColorScale(m_plot);  // shown with the heat map
  m_colorScale->setType(QCPAxis::atRight);
  m_colorScale->setVisible(false);
  side->addElement(1, 0, m_colorScale);  // also keeps the legend at its height
  side->setRowStretchFactor(0, 0.001);
  // The legend's frame ends a pixel short of the widget's edge, not under it.
  m_plot->plotLayout()->setMargins(QMargins(0, 0, 4, 0));
  m_heatMapBox = new QCheckBox(tr("Heat map"), this);
  m_heatMapBox->setObjectName(QStringLiteral("sweepHeatMap"));
  m_heatMapBox->setToolTip(tr("Two swept knobs: the effect's mean per combination as colour"));
  m_heatMapBox->setEnabled(false);
  m_overlayButton = new QPushButton(this);
  m_overlayButton->setObjectName(QStringLiteral("sweepOverlay"));
  m_overlayButton->setText(tr("Overlay…"));
  m_overlayMenu = new QMenu(m_overlayButton);
  m_overlayMenu->setObjectName(QStringLiteral("sweepOverlayMenu"));
  m_overlayButton->setMenu(m_overlayMenu);
  m_plot->legend->setMargins(QMargins(6, 4, 6, 4));
  m_plot->setInteractions(QCP::iSelectPlottables);
  m_table = new QTableWidget(this);
  m_table->setObjectName(QStringLiteral("sweepPoints"));
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Sweep"), this));
  top->addWidget(m_sweepBox, 1);
  top->addWidget(m_progress, 2);
  top->addWidget(m_overlayButton);
  top->addWidget(m_heatMapBox);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(m_plot);
  split->addWidget(m_table);
  m_slurm = new SweepSlurmPanel(this);
  split->addWidget(m_slurm);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(split, 1);

  connect(m_sweepBox, &QComboBox::currentIndexChanged, this, [this] { load(); });
  connect(m_heatMapBox, &QCheckBox::toggled, this, [this] { draw(); });
  connect(m_slurm, &SweepSlurmPanel::merged, this, [this] { load(); });
  connect(m_table, &QTableWidget::cellClicked, this, [this](int row, int) {
    const qint64 id = m_table->item(row, 0)->data(Qt::UserRole).toLongLong();
    if (id) Q_EMIT runClicked(id);
  });
  // A click (press and release in one place) opens the point under it, found by position, not
  // by QCustomPlot's plottableClick: that names the topmost layerable under the mouse (for a
  // point with a CI, its error bars or their anchor; over a heat map, not always the map).
  connect(m_plot, &QCustomPlot::mousePress, this,
          [this](QMouseEvent* event) { m_pressAt = event->position(); });
  connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const QPointF moved = event->position() - m_pressAt;
    if (std::abs(moved.x()) + std::abs(moved.y()) > 3) return;  // a drag
    const qint64 id = runAtPixel(event->position());
    if (id) Q_EMIT runClicked(id);
  });
  refresh();
}

qint64 SweepView::currentSweep() const { return m_sweepBox->currentData().toLongLong(); }

qint64 SweepView::runAtPlotPoint(int graph, int pointIndex) const {
  if (graph < 0 || graph >= m_graphRuns.size()) return 0;
  const QList<qint64>& runs = m_graphRuns[graph];
  return pointIndex >= 0 && pointIndex < runs.size() ? runs[pointIndex] : 0;
}

qint64 SweepView::runAtPixel(const QPointF& pos) const {
  if (m_heatMap) {
    const int xi = qRound(m_plot->xAxis->pixelToCoord(pos.x()));
    const int yi = qRound(m_plot->yAxis->pixelToCoord(pos.y()));
    return m_heatRuns.value({xi, yi}, 0);
  }
  // The nearest drawn mean within a few pixels (a marker is 7 px wide).
  qint64 best = 0;
  double bestDistance = 10.0;
  for (int g = 0; g < m_meanGraphs.size(); ++g) {
    const QCPGraph* graph = m_meanGraphs[g];
    for (int i = 0; i < graph->dataCount(); ++i) {
      const auto d = graph->data()->at(i);
      const QPointF at = graph->coordsToPixels(d->key, d->value);
      const double distance = std::hypot(at.x() - pos.x(), at.y() - pos.y());
      if (distance < bestDistance) {
        bestDistance = distance;
        best = runAtPlotPoint(g, i);
      }
    }
  }
  return best;
}

void SweepView::refresh() {
  const qint64 keep = currentSweep();
  QSignalBlocker block(m_sweepBox);
  m_sweepBox->clear();
  if (m_project && m_project->db()) {
    try {
      for (const sublab::SweepInfo& s : m_project->db()->sweeps())
        m_sweepBox->addItem(tr("#%1 %2").arg(s.id).arg(QString::fromStdString(s.name)),
                            QVariant::fromValue<qint64>(s.id));
    } catch (const std::exception&) {
    }
  }
  int at = m_sweepBox->findData(QVariant::fromValue<qint64>(keep));
  if (at < 0) at = m_sweepBox->count() - 1;  // the newest
  m_sweepBox->setCurrentIndex(at);
  load();
}

bool SweepView::showSweep(qint64 sweepId) {
  int at = m_sweepBox->findData(QVariant::fromValue<qint64>(sweepId));
  if (at < 0) {
    refresh();
    at = m_sweepBox->findData(QVariant::fromValue<qint64>(sweepId));
  }
  if (at < 0) return false;
  if (m_sweepBox->currentIndex() != at)
    m_sweepBox->setCurrentIndex(at);  // loads it (currentIndexChanged)
  else
    load();  // read it again: points may have finished since
  return true;
}

void SweepView::load() {
  const qint64 id = currentSweep();
  const bool same = id && id == m_current.id;  // a reload keeps the overlays ticked
  m_current = SweepSeries();
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (db && id) {
    try {
      m_current = loadSweepSeries(*db, id);
    } catch (const std::exception& e) {
      m_progress->setText(QString::fromUtf8(e.what()));
    }
  }
  int queued = 0, running = 0, done = 0, failed = 0, other = 0;
  for (const SweepViewPoint& p : m_current.points) {
    switch (p.status) {
      case sublab::RunStatus::Queued:
        ++queued;
        break;
      case sublab::RunStatus::Running:
        ++running;
        break;
      case sublab::RunStatus::Done:
        ++done;
        break;
      case sublab::RunStatus::Failed:
        ++failed;
        break;
      default:
        ++other;
        break;
    }
  }
  if (!id)
    m_progress->setText(tr("No sweeps in this project yet: New experiment › Sweep…"));
  else {
    QString text = tr("%1 points: %2 queued, %3 running, %4 done, %5 failed")
                       .arg(m_current.points.size())
                       .arg(queued)
                       .arg(running)
                       .arg(done)
                       .arg(failed);
    if (other) text += tr(", %1 cancelled or interrupted").arg(other);
    m_progress->setText(text);
  }
  m_slurm->setSweep(db, id);
  fillOverlayMenu(same);
  loadOverlays();
  fillTable();
  draw();
}

QList<QAction*> SweepView::overlayActions() const { return m_overlayMenu->actions(); }

void SweepView::fillOverlayMenu(bool keepChecked) {
  if (!keepChecked) m_overlayOrder.clear();
  m_overlayMenu->clear();
  QStringList notOffered;
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (db && m_current.id) {
    try {
      for (const OverlayChoice& c : overlayChoices(db->sweeps(), db->sweep(m_current.id))) {
        if (!c.whyNot.isEmpty()) {
          notOffered << tr("%1: %2").arg(c.label, c.whyNot);
          continue;
        }
        QAction* a = m_overlayMenu->addAction(c.label);
        a->setCheckable(true);
        a->setData(QVariant::fromValue<qint64>(c.id));
        a->setChecked(m_overlayOrder.contains(c.id));
        connect(a, &QAction::toggled, this, [this, id = c.id](bool on) {
          m_overlayOrder.removeAll(id);
          if (on) m_overlayOrder << id;
          loadOverlays();
          fillTable();
          draw();
        });
      }
    } catch (const std::exception&) {
    }
  }
  // A sweep no longer offered (deleted, or the view shows another sweep) is no longer drawn.
  QList<qint64> offered;
  for (QAction* a : m_overlayMenu->actions()) offered << a->data().toLongLong();
  m_overlayOrder.removeIf([&](qint64 id) { return !offered.contains(id); });
  QString tip =
      m_overlayMenu->isEmpty()
          ? tr("No other sweep of this project sweeps %1 of the same kind")
                .arg(m_current.keys.value(0, tr("this knob")))
          : tr("Draw other sweeps of %1 (same kind) on the same axes").arg(m_current.keys.value(0));
  if (!notOffered.isEmpty())
    tip += QStringLiteral("\n") + tr("Not offered:") + QStringLiteral("\n  ") +
           notOffered.join(QStringLiteral("\n  "));
  m_overlayButton->setToolTip(tip);
  m_overlayButton->setEnabled(!m_overlayMenu->isEmpty() && !m_heatMapBox->isChecked());
}

void SweepView::loadOverlays() {
  m_overlays.clear();
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (!db) return;
  for (qint64 id : m_overlayOrder) {
    try {
      m_overlays << loadSweepSeries(*db, id);
    } catch (const std::exception&) {  // deleted meanwhile: the next refresh drops it
    }
  }
  m_overlayButton->setText(m_overlays.isEmpty() ? tr("Overlay…")
                                                : tr("Overlay (%1)…").arg(m_overlays.size()));
}

void SweepView::fillTable() {
  // Overlaid sweeps add their rows after the chosen sweep's, with a column saying whose they are
  // and the union of the sweeps' knobs (a second axis may differ).
  QList<const SweepSeries*> shown = {&m_current};
  QStringList keys = m_current.keys;
  for (const SweepSeries& s : m_overlays) {
    shown << &s;
    for (const QString& k : s.keys)
      if (!keys.contains(k)) keys << k;
  }
  const bool overlaid = shown.size() > 1;
  QStringList headers = {tr("Point")};
  if (overlaid) headers << tr("Sweep");
  headers += keys;
  headers +=
      {tr("Status"), tr("Effect [95% CI]"), tr("Cross-init [95% CI]"), tr("Seeds"), tr("Message")};
  m_table->clear();
  m_table->setColumnCount(headers.size());
  m_table->setHorizontalHeaderLabels(headers);
  int rows = 0;
  for (const SweepSeries* s : shown) rows += s->points.size();
  m_table->setRowCount(rows);
  // Four decimals, as `sublab sweeps` prints them: transfers of a few thousandths with CIs of
  // about as much read as "-0.000 [-0.001, 0.000]" with three.
  auto figText = [](const Figure& f) {
    if (!f.valid) return QString();
    if (!hasInterval(f)) return QString::number(f.mean, 'f', 4) + QObject::tr(" (one seed: no CI)");
    return formatFigure(f, 4);
  };
  int r = 0;
  for (const SweepSeries* s : shown)
    for (const SweepViewPoint& p : s->points) {
      int c = 0;
      auto* first = new QTableWidgetItem(p.runId ? tr("%1 (run #%2)").arg(p.index + 1).arg(p.runId)
                                                 : QString::number(p.index + 1));
      first->setData(Qt::UserRole, QVariant::fromValue<qint64>(p.runId));
      m_table->setItem(r, c++, first);
      if (overlaid) m_table->setItem(r, c++, new QTableWidgetItem(s->label));
      for (const QString& k : keys)
        m_table->setItem(r, c++,
                         new QTableWidgetItem(
                             p.values.contains(k.toStdString())
                                 ? sweepValueText(p.values.value(k.toStdString(), nlohmann::json()))
                                 : QString()));
      m_table->setItem(r, c++, new QTableWidgetItem(runStatusText(p.status)));
      m_table->setItem(r, c++, new QTableWidgetItem(figText(p.effect)));
      m_table->setItem(r, c++, new QTableWidgetItem(figText(p.cross)));
      m_table->setItem(
          r, c++, new QTableWidgetItem(p.effect.valid ? QString::number(p.effect.n) : QString()));
      m_table->setItem(r, c++, new QTableWidgetItem(p.message));
      ++r;
    }
  m_table->resizeColumnsToContents();
}

void SweepView::draw() {
  m_plot->clearPlottables();
  m_heatMap = nullptr;
  m_heatRuns.clear();
  m_graphRuns.clear();
  m_meanGraphs.clear();
  const QString xKey = m_current.keys.value(0);
  m_heatMapBox->setEnabled(m_current.keys.size() == 2);
  const bool heat = m_heatMapBox->isChecked() && m_current.keys.size() == 2;
  m_colorScale->setVisible(heat);
  m_plot->legend->setVisible(!heat);
  // The heat map shows one sweep: overlays are for lines.
  m_overlayButton->setEnabled(!heat && !m_overlayMenu->isEmpty());
  if (heat) {
    drawHeatMap();
    return;
  }
  m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  // The chosen sweep's values set the scale (the plan says how they were made; a list of values
  // is judged by its spacing); overlaid sweeps are drawn on it.
  QList<double> xs, allXs;
  for (const SweepViewPoint& p : m_current.points)
    xs << sweepNumber(p.values.value(xKey.toStdString(), 0.0));
  allXs = xs;
  for (const SweepSeries& s : m_overlays)
    for (const SweepViewPoint& p : s.points)
      allXs << sweepNumber(p.values.value(xKey.toStdString(), 0.0));
  m_logX = m_current.xForm == QLatin1String("log") ||
           (m_current.xForm != QLatin1String("linear") && logSpaced(xs));
  m_plot->xAxis->setScaleType(m_logX ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (m_logX) {
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new PlainLogTicker));
  } else {
    auto ticker = QSharedPointer<PlainTicker>::create();
    ticker->setTicksAt(ticksAtValues(allXs));
    m_plot->xAxis->setTicker(ticker);
  }
  // Sub-ticks only between round linear steps: between log ticks or swept values they mislead.
  m_plot->xAxis->setSubTicks(!m_logX && ticksAtValues(allXs).isEmpty());
  QString effectName;
  QList<const SweepSeries*> shown = {&m_current};
  for (const SweepSeries& s : m_overlays) shown << &s;
  for (const SweepSeries* s : shown)
    for (const SweepViewPoint& p : s->points)
      if (p.effect.valid && effectName.isEmpty()) effectName = p.effect.name;
  m_plot->xAxis->setLabel(xKey);
  m_plot->yAxis->setLabel(effectName.isEmpty() ? tr("effect") : effectName);

  // With overlays each legend entry says which sweep it is from.
  int colorIndex = 0;
  for (const SweepSeries* s : shown)
    drawSeries(*s, m_overlays.isEmpty() ? QString() : s->label + QStringLiteral(": "), &colorIndex);
  if (!m_meanGraphs.isEmpty()) {
    m_plot->rescaleAxes();
    // Room around the points and their bars.
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
      QCPRange r = axis->range();
      if (axis->scaleType() == QCPAxis::stLogarithmic) {
        axis->setRange(r.lower / 1.3, r.upper * 1.3);
      } else {
        const double pad = r.size() > 0 ? r.size() * 0.08 : 0.5;
        axis->setRange(r.lower - pad, r.upper + pad);
      }
    }
    // Error bars reach beyond the means: widen y to them.
    double lo = m_plot->yAxis->range().lower, hi = m_plot->yAxis->range().upper;
    for (const SweepSeries* s : shown)
      for (const SweepViewPoint& p : s->points)
        for (const Figure* f : {&p.effect, &p.cross})
          if (hasInterval(*f)) {
            lo = std::min(lo, f->lo);
            hi = std::max(hi, f->hi);
          }
    m_plot->yAxis->setRange(lo, hi);
  }
  m_plot->replot();
}

// One sweep's lines: one per value of its second axis (one when there is none), effect solid
// and cross-init dashed in the same colour, error bars where a point has a CI.
void SweepView::drawSeries(const SweepSeries& series, const QString& prefix, int* colorIndex) {
  const std::string xKey = m_current.keys.value(0).toStdString();
  const QString groupKey = series.keys.value(1);
  QList<double> xs;
  for (const SweepViewPoint& p : series.points) {
    const double x = sweepNumber(p.values.value(xKey, 0.0));
    xs << (m_logX && !(x > 0) ? std::nan("") : x);  // a log axis cannot place it
  }
  QMap<QString, QList<int>> groups;
  QStringList order;
  for (int i = 0; i < series.points.size(); ++i) {
    const QString g = groupKey.isEmpty() ? QString()
                                         : groupKey + QStringLiteral(" = ") +
                                               sweepValueText(series.points[i].values.value(
                                                   groupKey.toStdString(), nlohmann::json()));
    if (!groups.contains(g)) order << g;
    groups[g] << i;
  }
  QString effectName, crossName;
  for (const SweepViewPoint& p : series.points) {
    if (p.effect.valid && effectName.isEmpty()) effectName = p.effect.name;
    if (p.cross.valid && crossName.isEmpty()) crossName = p.cross.name;
  }
  for (const QString& g : order) {
    QList<int> idx = groups[g];
    std::sort(idx.begin(), idx.end(), [&](int a, int b) { return xs[a] < xs[b]; });
    const QColor color = seriesColor((*colorIndex)++);
    for (int which = 0; which < 2; ++which) {  // 0: the effect, 1: the cross-init contrast
      QVector<double> x, y, cx, cy, minus, plus;
      QList<qint64> runs;
      for (int i : idx) {
        const Figure& f = which == 0 ? series.points[i].effect : series.points[i].cross;
        if (!f.valid || !std::isfinite(xs[i])) continue;
        x << xs[i];
        y << f.mean;
        runs << series.points[i].runId;
        if (hasInterval(f)) {  // one seed: a mean, never a zero-width interval
          cx << xs[i];
          cy << f.mean;
          minus << f.mean - f.lo;
          plus << f.hi - f.mean;
        }
      }
      if (x.isEmpty()) continue;
      auto* graph = m_plot->addGraph();
      QPen pen(which == 0 ? color : color.lighter(130), which == 0 ? 2.0 : 1.5,
               which == 0 ? Qt::SolidLine : Qt::DashLine);
      graph->setPen(pen);
      graph->setScatterStyle(QCPScatterStyle(
          which == 0 ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssCircle, pen.color(), 7));
      graph->setData(x, y, true);
      const QString what = which == 0 ? (effectName.isEmpty() ? tr("effect") : effectName)
                                      : (crossName.isEmpty() ? tr("cross-init") : crossName);
      graph->setName(prefix + (g.isEmpty() ? what : what + QStringLiteral(", ") + g));
      if (!cx.isEmpty()) {
        auto* anchor = m_plot->addGraph();  // carries the error bars of points with a CI
        anchor->setLineStyle(QCPGraph::lsNone);
        anchor->setData(cx, cy, true);
        anchor->removeFromLegend();
        anchor->setSelectable(QCP::stNone);
        auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
        bars->setDataPlottable(anchor);
        bars->setData(minus, plus);
        bars->setPen(QPen(pen.color(), 1.2));
        bars->removeFromLegend();
        bars->setSelectable(QCP::stNone);
      }
      m_meanGraphs << graph;
      m_graphRuns << runs;
    }
  }
}

void SweepView::drawHeatMap() {
  // Cells indexed by the distinct values of each knob (in order), labelled with the values.
  const std::string xKey = m_current.keys.value(0).toStdString(),
                    yKey = m_current.keys.value(1).toStdString();
  QList<double> xs, ys;
  for (const SweepViewPoint& p : m_current.points) {
    xs << sweepNumber(p.values.value(xKey, nlohmann::json()));
    ys << sweepNumber(p.values.value(yKey, nlohmann::json()));
  }
  auto distinct = [](QList<double> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  const QList<double> ux = distinct(xs), uy = distinct(ys);
  m_logX = false;
  m_plot->xAxis->setScaleType(QCPAxis::stLinear);
  auto labelled = [](QCPAxis* axis, const QList<double>& values) {
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < values.size(); ++i) ticker->addTick(i, QString::number(values[i], 'g', 6));
    axis->setTicker(ticker);
  };
  labelled(m_plot->xAxis, ux);
  labelled(m_plot->yAxis, uy);
  m_plot->xAxis->setLabel(m_current.keys.value(0));
  m_plot->yAxis->setLabel(m_current.keys.value(1));
  if (ux.isEmpty() || uy.isEmpty()) {
    m_plot->replot();
    return;
  }
  m_heatMap = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
  m_heatMap->data()->setSize(ux.size(), uy.size());
  m_heatMap->data()->setRange(QCPRange(0, ux.size() - 1), QCPRange(0, uy.size() - 1));
  m_heatMap->data()->fill(std::nan(""));
  QString name;
  for (int i = 0; i < m_current.points.size(); ++i) {
    const Figure& f = m_current.points[i].effect;
    if (!f.valid) continue;  // not done: an empty cell
    if (name.isEmpty()) name = f.name;
    const int xi = int(ux.indexOf(xs[i])), yi = int(uy.indexOf(ys[i]));
    m_heatMap->data()->setCell(xi, yi, f.mean);
    m_heatRuns[{xi, yi}] = m_current.points[i].runId;
  }
  // Cells without a figure (not done, failed, no such combination) are left clear, never
  // painted as the lowest value.
  for (int xi = 0; xi < ux.size(); ++xi)
    for (int yi = 0; yi < uy.size(); ++yi)
      if (std::isnan(m_heatMap->data()->cell(xi, yi))) m_heatMap->data()->setAlpha(xi, yi, 0);
  // A viridis-like ramp: no white end that would read as an empty cell.
  QCPColorGradient gradient;
  gradient.setColorStopAt(0.0, QColor(68, 1, 84));
  gradient.setColorStopAt(0.25, QColor(59, 82, 139));
  gradient.setColorStopAt(0.5, QColor(33, 145, 140));
  gradient.setColorStopAt(0.75, QColor(94, 201, 98));
  gradient.setColorStopAt(1.0, QColor(253, 231, 37));
  gradient.setNanHandling(QCPColorGradient::nhTransparent);
  m_heatMap->setColorScale(m_colorScale);  // takes the scale's gradient: set it there
  m_colorScale->setGradient(gradient);
  m_heatMap->setInterpolate(false);  // one flat cell per point
  m_heatMap->rescaleDataRange(true);
  m_colorScale->axis()->setLabel(name.isEmpty() ? tr("effect") : name + tr(" (mean)"));
  m_plot->xAxis->setRange(-0.5, ux.size() - 0.5);
  m_plot->yAxis->setRange(-0.5, uy.size() - 0.5);
  m_plot->replot();
}

}  // namespace sublab::ui
