// Implementation of AuxView.
#include "ui/aux_view.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

#include "engine/core/stats.h"
#include "storage/database.h"
#include "ui/curve_plot.h"
#include "ui/export_util.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/run_figures.h"
#include "ui/run_kind.h"

namespace sublab::ui {

AuxView::AuxView(Project* project, AppSettings* settings, QWidget* parent)
    : QWidget(parent), m_project(project) {
  m_title = new QLabel(tr("Select an aux run in the Runs view."), this);
  QFont tf = m_title->font();
  tf.setBold(true);
  m_title->setFont(tf);
  m_members = new QCheckBox(this);
  labelMembersBox(m_members, m_kind);
  auto* exportButton = new ExportButton(this, settings, this);
  m_barPlot = new QCustomPlot(this);
  m_barPlot->setObjectName(QStringLiteral("auxBars"));
  m_barPlot->setMinimumWidth(300);
  m_epochPlot = new CurvePlot(this);
  m_epochPlot->setObjectName(QStringLiteral("auxEpochs"));
  m_epochPlot->setPlaceholder(tr("No per-epoch points yet"));

  auto* top = new QHBoxLayout;
  top->addWidget(m_title, 1);
  top->addWidget(m_members);
  top->addWidget(exportButton);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_barPlot);
  split->addWidget(m_epochPlot);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addWidget(split, 1);

  m_replotTimer.setSingleShot(true);
  m_replotTimer.setInterval(40);
  connect(&m_replotTimer, &QTimer::timeout, this, &AuxView::replotNow);
  connect(m_members, &QCheckBox::toggled, m_epochPlot, &CurvePlot::setShowMembers);
  drawBars();
}

void AuxView::setRun(qint64 runId) {
  m_runId = runId;
  m_epochPlot->resetView();
  reload();
}

void AuxView::reload() {
  m_data.clear();
  m_summaryBars.clear();
  m_kind = describeKind(std::string());
  m_metric.clear();
  m_runName.clear();
  m_live = false;
  m_complete = false;
  m_barSource.clear();
  QString title = tr("Select an aux run in the Runs view.");
  if (m_runId && m_project && m_project->db()) {
    try {
      if (const auto info = m_project->db()->findRun(m_runId)) {
        m_kind = describeKind(info->kind);
        m_runName = QString::fromStdString(info->name);
        m_live = !sublab::isFinished(info->status);
        m_complete = info->status == sublab::RunStatus::Done;
        // A run that ended without final figures (cancelled, failed, interrupted): its bars
        // are what it reached, and the chart says so.
        if (!m_live)
          m_barSource = tr("reached before the run was %1 — not final")
                            .arg(QString::fromStdString(sublab::toString(info->status)));
        title = tr("Run #%1 %2 · %3 · %4")
                    .arg(m_runId)
                    .arg(QString::fromStdString(info->name), QString::fromStdString(info->kind),
                         QString::fromStdString(sublab::toString(info->status)));
        // The kind's headline metric; a kind this build does not know: its first stored one.
        m_metric = QString::fromStdString(m_kind.metric);
        if (m_metric.isEmpty() && !info->conditions.empty())
          m_metric = QString::fromStdString(info->conditions.front().metric);
        for (const Figure& f : allFigures(*info))
          if (f.metric == m_metric && !f.contrast)
            m_summaryBars << BarFigure{f.name, f.mean, f.lo, f.hi, f.n};
        for (const auto& rec : m_project->db()->metrics(m_runId, 0, m_metric.toStdString()))
          m_data.add(rec);
      }
    } catch (const std::exception& e) {
      title = QString::fromStdString(e.what());
    }
  }
  m_title->setText(title);
  labelMembersBox(m_members, m_kind);
  replotNow();
}

void AuxView::addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points) {
  if (runId != m_runId) return;
  bool any = false;
  m_live = true;
  m_complete = false;
  for (const auto& p : points)
    if (QString::fromStdString(p.metric) == m_metric) {
      m_data.add(p);
      any = true;
    }
  if (any && !m_replotTimer.isActive()) m_replotTimer.start();
}

void AuxView::computeBars() {
  m_bars.clear();
  m_notTrained.clear();
  if (!m_summaryBars.isEmpty()) {
    m_bars = m_summaryBars;
    m_barSource = tr("final");
  } else {
    // No final figures (training, or stopped early): each condition's latest step, mean and
    // CI across models. A condition with nothing but its untrained evaluation at step 0 has
    // reached nothing yet (unless the kind measures it once, at step 0, by nature).
    const std::vector<std::string>& once = m_kind.onceConditions;
    int64_t lastStep = -1;
    for (const QString& c : m_data.conditions(m_metric)) {
      const SeriesStats st = m_data.aggregate(m_metric, c);
      if (st.steps.isEmpty()) continue;
      const bool measuredOnce = std::find(once.begin(), once.end(), c.toStdString()) != once.end();
      if (st.steps.last() <= 0 && !measuredOnce) {
        m_notTrained << c;
        continue;
      }
      std::vector<double> xs;
      for (const SeedSeries& s : m_data.seeds(m_metric, c))
        if (!s.values.isEmpty() && s.steps.last() == st.steps.last()) xs.push_back(s.values.last());
      const sublab::Interval ci = sublab::meanCi95(xs);
      m_bars << BarFigure{c, ci.mean, ci.lo, ci.hi, ci.n, static_cast<qint64>(st.steps.last())};
      lastStep = std::max<int64_t>(lastStep, static_cast<int64_t>(st.steps.last()));
    }
    if (m_live)
      m_barSource =
          lastStep >= 0 ? tr("latest %1 reached (running)").arg(stepLabel(m_kind)) : QString();
  }
  const auto byRank = [](const BarFigure& a, const BarFigure& b) {
    return conditionRank(a.condition) < conditionRank(b.condition);
  };
  std::stable_sort(m_bars.begin(), m_bars.end(), byRank);
  m_notTrained = sortedConditions(m_notTrained);
}

void AuxView::drawBars() {
  m_barPlot->clearPlottables();
  m_barPlot->clearItems();
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  const QString what = metricLabel(m_kind, m_metric);
  m_barPlot->yAxis->setLabel(what.isEmpty() ? tr("mean, 95% CI") : what + tr(" (mean, 95% CI)"));
  m_barPlot->plotLayout()->setRowSpacing(0);
  if (m_barPlot->plotLayout()->rowCount() < 2) {
    m_barPlot->plotLayout()->insertRow(0);
    m_barPlot->plotLayout()->addElement(0, 0, new QCPTextElement(m_barPlot, QString()));
  }
  auto* titleElement = qobject_cast<QCPTextElement*>(m_barPlot->plotLayout()->element(0, 0));
  if (m_bars.isEmpty() && m_notTrained.isEmpty())
    titleElement->setText(m_runId ? tr("No results yet") : tr("No run selected"));
  else if (m_bars.isEmpty())
    titleElement->setText(tr("No condition trained yet · %1").arg(m_barSource));
  else
    titleElement->setText(tr("%1 per condition · %2").arg(what, m_barSource));
  double top = 0;
  for (int i = 0; i < m_bars.size(); ++i) {
    const BarFigure& b = m_bars[i];
    // One QCPBars per condition so each keeps its colour.
    auto* bars = new QCPBars(m_barPlot->xAxis, m_barPlot->yAxis);
    bars->setWidth(0.65);
    const QColor c = conditionColor(b.condition);
    bars->setPen(QPen(c.darker(130)));
    bars->setBrush(c);
    bars->setData({double(i + 1)}, {b.mean});
    auto* err = new QCPErrorBars(m_barPlot->xAxis, m_barPlot->yAxis);
    err->setDataPlottable(bars);
    err->setData({b.hi - b.mean}, {b.mean - b.lo});
    err->setPen(QPen(QColor(30, 30, 30), 1.5));
    err->setWhiskerWidth(10);
    err->setSymbolGap(0);  // unbroken through the bar's top
    err->removeFromLegend();
    QString tick = conditionLabel(b.condition).replace(' ', '\n');
    if (b.step >= 0) tick += QStringLiteral("\n(%1 %2)").arg(stepLabel(m_kind)).arg(b.step);
    ticker->addTick(i + 1, tick);
    auto* label = new QCPItemText(m_barPlot);
    label->position->setCoords(i + 1, b.hi);
    label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    label->setText(QString::number(b.mean, 'f', 3));
    label->setFont(QFont(font().family(), 8));
    label->setPadding(QMargins(0, 0, 0, 3));  // clear of the whisker
    top = std::max(top, b.hi);
  }
  // Conditions not trained yet: named on the axis, with no bar.
  for (int j = 0; j < m_notTrained.size(); ++j)
    ticker->addTick(m_bars.size() + j + 1,
                    conditionLabel(m_notTrained[j]).replace(' ', '\n') + tr("\n(not trained)"));
  const int slots = m_bars.size() + m_notTrained.size();
  const double chanceLevel = m_kind.metricChance;
  if (chanceLevel > 0 && !m_bars.isEmpty()) {
    auto* chance = new QCPItemStraightLine(m_barPlot);
    chance->point1->setCoords(0, chanceLevel);
    chance->point2->setCoords(1, chanceLevel);
    chance->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
    auto* chanceLabel = new QCPItemText(m_barPlot);
    chanceLabel->position->setCoords(slots + 0.45, chanceLevel);
    chanceLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    chanceLabel->setText(tr("chance"));
    chanceLabel->setColor(QColor(110, 110, 110));
    chanceLabel->setFont(QFont(font().family(), 8));
  }
  m_barPlot->xAxis->setTicker(ticker);
  m_barPlot->xAxis->setSubTicks(false);
  m_barPlot->xAxis->setTickLength(0, 4);
  m_barPlot->xAxis->grid()->setVisible(false);
  m_barPlot->xAxis->setRange(0.4, std::max<int>(1, slots) + 0.6);
  // Nothing to show: no scale either (never the previous run's).
  const bool empty = slots == 0;
  m_barPlot->yAxis->setTicks(!empty);
  m_barPlot->yAxis->setTickLabels(!empty);
  m_barPlot->yAxis->grid()->setVisible(!empty);
  m_barPlot->setWindowTitle(barTitle());
  m_barPlot->yAxis->setRange(
      0, m_kind.metricFullScale ? std::max(1.0, top * 1.08) : std::max(1e-3, top * 1.15));
  if (m_barPlot->isVisible()) m_barPlot->replot(QCustomPlot::rpQueuedReplot);
}

void AuxView::replotNow() {
  computeBars();
  drawBars();
  const std::vector<std::string>& once = m_kind.onceConditions;
  QList<PlotSeries> series;
  for (const QString& c : m_data.conditions(m_metric)) {
    PlotSeries s = seriesFromData(m_data, m_metric, c, conditionLabel(c), conditionColor(c));
    s.measuredOnce = std::find(once.begin(), once.end(), c.toStdString()) != once.end();
    series << s;
  }
  // Only a completed run's single points are all there will be (drawn as levels); a running or
  // stopped run's are curves that (had) just begun, unless measured once by nature.
  extendSinglePoints(series, m_complete);
  m_epochPlot->setAxisLabels(stepLabel(m_kind), metricLabel(m_kind, m_metric));
  m_epochPlot->setPlaceholder(m_runId ? tr("Run #%1 has no points yet").arg(m_runId)
                                      : tr("No per-epoch points yet"));
  m_epochPlot->setWindowTitle(curveTitle());
  m_epochPlot->setSeries(series);
}

QString AuxView::runPrefix() const {
  return m_runName.isEmpty() ? tr("Run #%1").arg(m_runId)
                             : tr("Run #%1 %2").arg(m_runId).arg(m_runName);
}

QString AuxView::barTitle() const {
  return tr("%1 — %2 per condition").arg(runPrefix(), metricLabel(m_kind, m_metric));
}

QString AuxView::curveTitle() const {
  return tr("%1 — %2 per %3").arg(runPrefix(), metricLabel(m_kind, m_metric), stepLabel(m_kind));
}

QList<QPair<QString, QCustomPlot*>> AuxView::exportCharts() const {
  return {{barTitle(), m_barPlot}, {curveTitle(), m_epochPlot}};
}

QStringList AuxView::exportTables() const {
  return {tr("accuracy per condition run %1").arg(m_runId)};
}

bool AuxView::exportTable(int, const QString& path, QString* error) {
  CsvWriter csv(path);
  if (!csv.open(error)) return false;
  csv.writeRow({"run", "metric", "condition", "mean", "ci95_lo", "ci95_hi", "n"});
  for (const BarFigure& b : m_bars)
    csv.writeRow({QString::number(m_runId), m_metric, b.condition, QString::number(b.mean, 'g', 10),
                  QString::number(b.lo, 'g', 10), QString::number(b.hi, 'g', 10),
                  QString::number(b.n)});
  return csv.commit(error);
}

}  // namespace sublab::ui
