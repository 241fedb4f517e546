// The Sweeps tab: a stored sweep's effect against its swept value, progress and points.
#include "ui/sweep_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "ui/palette.h"
#include "ui/project.h"
#include "ui/qcp.h"
#include "ui/sweep_slurm_panel.h"

namespace sublab::ui {

namespace {

double number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

QString valueText(const nlohmann::json& v) {
  if (v.is_number_integer()) return QString::number(v.get<int64_t>());
  if (v.is_number()) return QString::number(v.get<double>(), 'g', 6);
  return QString::fromStdString(v.dump());
}

// How uneven a list of steps is: their standard deviation over their mean.
double unevenness(const QList<double>& steps) {
  double mean = 0, sq = 0;
  for (double d : steps) mean += d / steps.size();
  for (double d : steps) sq += (d - mean) * (d - mean) / steps.size();
  return mean > 0 ? std::sqrt(sq) / mean : 1e9;
}

// Values (distinct) that are positive, span a factor of 2 or more and are more evenly spaced
// in log than in linear terms, within a tolerance that a log range rounded to integers (10, 13,
// 16, 20, 25, ...) still meets.
bool logSpaced(QList<double> xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  if (xs.size() < 3 || !(xs.first() > 0) || xs.last() / xs.first() < 2) return false;
  QList<double> logSteps, steps;
  for (int i = 1; i < xs.size(); ++i) {
    logSteps << std::log(xs[i] / xs[i - 1]);
    steps << xs[i] - xs[i - 1];
  }
  const double log = unevenness(logSteps);
  return log < 0.25 && log < unevenness(steps);
}

bool hasInterval(const Figure& f) { return f.valid && f.n >= 2 && f.hi > f.lo; }

// A number as a person writes it: 10, 1000, 0.001, 2.5, never 1e+02.
QString plainNumber(double x) {
  if (x == 0 || !std::isfinite(x)) return QString::number(x == 0 ? 0.0 : x);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(x))));
  if (magnitude >= 15 || magnitude < -12) return QString::number(x, 'g', 6);
  QString text = QString::number(x, 'f', std::max(0, 5 - magnitude));  // 6 significant digits
  if (text.contains(QLatin1Char('.'))) {
    while (text.endsWith(QLatin1Char('0'))) text.chop(1);
    if (text.endsWith(QLatin1Char('.'))) text.chop(1);
  }
  return text;
}

// A log axis's ticks at 1 (or 1, 2, 5, or every digit, whichever first gives three ticks) times
// powers of ten, labelled as plain numbers; values within less than one such step get linear
// ticks instead. QCPAxisTickerLog labels with the axis's number format (1e+02 at a low
// precision) and leaves a sweep over less than a decade with one tick or none.
// Linear ticks, labelled as plain numbers (1000000, not 1·10^6); or ticks at given values (the
// few values a sweep ran: 24 and 40, not 25, 27.5, ..., 40).
class PlainTicker : public QCPAxisTicker {
 public:
  void setTicksAt(const QVector<double>& at) { m_at = at; }

 protected:
  QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
    if (m_at.isEmpty()) return QCPAxisTicker::createTickVector(tickStep, range);
    QVector<double> ticks;
    for (double x : m_at)
      if (range.contains(x)) ticks << x;
    return ticks;
  }
  QString getTickLabel(double tick, const QLocale&, QChar, int) override {
    return plainNumber(std::abs(tick) < 1e-12 ? 0.0 : tick);
  }

 private:
  QVector<double> m_at;
};

// Ticks at the swept values themselves when they are few and far enough apart for their labels.
QVector<double> ticksAtValues(QList<double> xs) {
  xs.removeIf([](double x) { return !std::isfinite(x); });
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  if (xs.size() < 2 || xs.size() > 8) return {};
  const double span = xs.last() - xs.first();
  for (int i = 1; i < xs.size(); ++i)
    if (xs[i] - xs[i - 1] < 0.08 * span) return {};
  return QVector<double>(xs.begin(), xs.end());
}

class PlainLogTicker : public PlainTicker {
 protected:
  QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
    const double lo = std::max(range.lower, 1e-300), hi = range.upper;
    if (!(hi > lo)) return QCPAxisTicker::createTickVector(tickStep, range);
    const QList<QList<int>> sets = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    for (const QList<int>& mantissas : sets) {
      QVector<double> ticks;
      for (int e = int(std::floor(std::log10(lo))); e <= int(std::ceil(std::log10(hi))); ++e)
        for (int m : mantissas) {
          const double t = m * std::pow(10.0, e);
          if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks << t;
        }
      if (ticks.size() > 10 && mantissas.size() == 1) {  // many decades: every other one
        QVector<double> thinned;
        for (int i = 0; i < ticks.size(); i += 2) thinned << ticks[i];
        ticks = thinned;
      }
      if (ticks.size() >= 3) return ticks;
    }
    return QCPAxisTicker::createTickVector(tickStep, range);  // linear steps in a narrow span
  }
};

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
  m_points.clear();
  m_keys.clear();
  m_xForm.clear();
  const qint64 id = currentSweep();
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (db && id) {
    try {
      const sublab::SweepInfo sweep = db->sweep(id);
      for (const auto& a : sweep.plan.value("axes", nlohmann::json::array())) {
        m_keys << QString::fromStdString(a.value("key", std::string()));
        if (m_keys.size() == 1)
          m_xForm = a.contains("log")      ? QStringLiteral("log")
                    : a.contains("linear") ? QStringLiteral("linear")
                                           : QString();
      }
      for (const sublab::SweepPointInfo& p : db->sweepPoints(id)) {
        SweepViewPoint v;
        v.index = p.index;
        v.values = p.values;
        v.runId = p.runId;
        if (p.runId) {
          if (const auto run = db->findRun(p.runId)) {
            v.status = run->status;
            v.message = QString::fromStdString(run->error);
            v.effect = effectFigure(*run);
            v.cross = crossFigure(*run);
          } else {
            v.status = sublab::RunStatus::Cancelled;
            v.message = tr("its run #%1 was deleted").arg(p.runId);
          }
        }
        m_points << v;
      }
    } catch (const std::exception& e) {
      m_progress->setText(QString::fromUtf8(e.what()));
    }
  }
  int queued = 0, running = 0, done = 0, failed = 0, other = 0;
  for (const SweepViewPoint& p : m_points) {
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
                       .arg(m_points.size())
                       .arg(queued)
                       .arg(running)
                       .arg(done)
                       .arg(failed);
    if (other) text += tr(", %1 cancelled or interrupted").arg(other);
    m_progress->setText(text);
  }
  m_slurm->setSweep(db, id);
  fillTable();
  draw();
}

void SweepView::fillTable() {
  QStringList headers = {tr("Point")};
  headers += m_keys;
  headers +=
      {tr("Status"), tr("Effect [95% CI]"), tr("Cross-init [95% CI]"), tr("Seeds"), tr("Message")};
  m_table->clear();
  m_table->setColumnCount(headers.size());
  m_table->setHorizontalHeaderLabels(headers);
  m_table->setRowCount(m_points.size());
  auto figText = [](const Figure& f) {
    if (!f.valid) return QString();
    if (!hasInterval(f)) return QString::number(f.mean, 'f', 3) + QObject::tr(" (one seed: no CI)");
    return formatFigure(f);
  };
  for (int r = 0; r < m_points.size(); ++r) {
    const SweepViewPoint& p = m_points[r];
    int c = 0;
    auto* first = new QTableWidgetItem(p.runId ? tr("%1 (run #%2)").arg(p.index + 1).arg(p.runId)
                                               : QString::number(p.index + 1));
    first->setData(Qt::UserRole, QVariant::fromValue<qint64>(p.runId));
    m_table->setItem(r, c++, first);
    for (const QString& k : m_keys)
      m_table->setItem(
          r, c++,
          new QTableWidgetItem(valueText(p.values.value(k.toStdString(), nlohmann::json()))));
    m_table->setItem(r, c++, new QTableWidgetItem(runStatusText(p.status)));
    m_table->setItem(r, c++, new QTableWidgetItem(figText(p.effect)));
    m_table->setItem(r, c++, new QTableWidgetItem(figText(p.cross)));
    m_table->setItem(
        r, c++, new QTableWidgetItem(p.effect.valid ? QString::number(p.effect.n) : QString()));
    m_table->setItem(r, c++, new QTableWidgetItem(p.message));
  }
  m_table->resizeColumnsToContents();
}

void SweepView::draw() {
  m_plot->clearPlottables();
  m_heatMap = nullptr;
  m_heatRuns.clear();
  m_graphRuns.clear();
  m_meanGraphs.clear();
  const QString xKey = m_keys.value(0);
  const QString groupKey = m_keys.value(1);
  m_heatMapBox->setEnabled(m_keys.size() == 2);
  const bool heat = m_heatMapBox->isChecked() && m_keys.size() == 2;
  m_colorScale->setVisible(heat);
  m_plot->legend->setVisible(!heat);
  if (heat) {
    drawHeatMap();
    return;
  }
  m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  QList<double> xs;
  for (const SweepViewPoint& p : m_points) xs << number(p.values.value(xKey.toStdString(), 0.0));
  // The plan says how the values were made; a list of values is judged by its spacing.
  m_logX = m_xForm == QLatin1String("log") || (m_xForm != QLatin1String("linear") && logSpaced(xs));
  m_plot->xAxis->setScaleType(m_logX ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (m_logX) {
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new PlainLogTicker));
  } else {
    auto ticker = QSharedPointer<PlainTicker>::create();
    ticker->setTicksAt(ticksAtValues(xs));
    m_plot->xAxis->setTicker(ticker);
  }
  // Sub-ticks only between round linear steps: between log ticks or swept values they mislead.
  m_plot->xAxis->setSubTicks(!m_logX && ticksAtValues(xs).isEmpty());
  QString effectName, crossName;
  for (const SweepViewPoint& p : m_points) {
    if (p.effect.valid && effectName.isEmpty()) effectName = p.effect.name;
    if (p.cross.valid && crossName.isEmpty()) crossName = p.cross.name;
  }
  m_plot->xAxis->setLabel(xKey);
  m_plot->yAxis->setLabel(effectName.isEmpty() ? tr("effect") : effectName);

  // One line per value of the second axis (one line when there is none).
  QMap<QString, QList<int>> groups;
  QStringList order;
  for (int i = 0; i < m_points.size(); ++i) {
    const QString g =
        groupKey.isEmpty()
            ? QString()
            : groupKey + QStringLiteral(" = ") +
                  valueText(m_points[i].values.value(groupKey.toStdString(), nlohmann::json()));
    if (!groups.contains(g)) order << g;
    groups[g] << i;
  }
  bool any = false;
  int colorIndex = 0;
  for (const QString& g : order) {
    QList<int> idx = groups[g];
    std::sort(idx.begin(), idx.end(), [&](int a, int b) { return xs[a] < xs[b]; });
    const QColor color = seriesColor(colorIndex++);
    for (int which = 0; which < 2; ++which) {  // 0: the effect, 1: the cross-init contrast
      QVector<double> x, y, cx, cy, minus, plus;
      QList<qint64> runs;
      for (int i : idx) {
        const Figure& f = which == 0 ? m_points[i].effect : m_points[i].cross;
        if (!f.valid || !std::isfinite(xs[i])) continue;
        x << xs[i];
        y << f.mean;
        runs << m_points[i].runId;
        if (hasInterval(f)) {  // one seed: a mean, never a zero-width interval
          cx << xs[i];
          cy << f.mean;
          minus << f.mean - f.lo;
          plus << f.hi - f.mean;
        }
      }
      if (x.isEmpty()) continue;
      any = true;
      auto* graph = m_plot->addGraph();
      QPen pen(which == 0 ? color : color.lighter(130), which == 0 ? 2.0 : 1.5,
               which == 0 ? Qt::SolidLine : Qt::DashLine);
      graph->setPen(pen);
      graph->setScatterStyle(QCPScatterStyle(
          which == 0 ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssCircle, pen.color(), 7));
      graph->setData(x, y, true);
      const QString what = which == 0 ? (effectName.isEmpty() ? tr("effect") : effectName)
                                      : (crossName.isEmpty() ? tr("cross-init") : crossName);
      graph->setName(g.isEmpty() ? what : what + QStringLiteral(", ") + g);
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
  if (any) {
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
    for (const SweepViewPoint& p : m_points)
      for (const Figure* f : {&p.effect, &p.cross})
        if (hasInterval(*f)) {
          lo = std::min(lo, f->lo);
          hi = std::max(hi, f->hi);
        }
    m_plot->yAxis->setRange(lo, hi);
  }
  m_plot->replot();
}

void SweepView::drawHeatMap() {
  // Cells indexed by the distinct values of each knob (in order), labelled with the values.
  const std::string xKey = m_keys.value(0).toStdString(), yKey = m_keys.value(1).toStdString();
  QList<double> xs, ys;
  for (const SweepViewPoint& p : m_points) {
    xs << number(p.values.value(xKey, nlohmann::json()));
    ys << number(p.values.value(yKey, nlohmann::json()));
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
  m_plot->xAxis->setLabel(m_keys.value(0));
  m_plot->yAxis->setLabel(m_keys.value(1));
  if (ux.isEmpty() || uy.isEmpty()) {
    m_plot->replot();
    return;
  }
  m_heatMap = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
  m_heatMap->data()->setSize(ux.size(), uy.size());
  m_heatMap->data()->setRange(QCPRange(0, ux.size() - 1), QCPRange(0, uy.size() - 1));
  m_heatMap->data()->fill(std::nan(""));
  QString name;
  for (int i = 0; i < m_points.size(); ++i) {
    const Figure& f = m_points[i].effect;
    if (!f.valid) continue;  // not done: an empty cell
    if (name.isEmpty()) name = f.name;
    const int xi = int(ux.indexOf(xs[i])), yi = int(uy.indexOf(ys[i]));
    m_heatMap->data()->setCell(xi, yi, f.mean);
    m_heatRuns[{xi, yi}] = m_points[i].runId;
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
