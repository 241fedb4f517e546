// Implementation of CurvesView.
#include "ui/curves_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/curve_plot.h"
#include "ui/export_util.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/run_kind.h"

namespace sublab::ui {

namespace {
constexpr int kReplotMs = 40;
}  // namespace

CurvesView::CurvesView(Project* project, AppSettings* settings, QWidget* parent)
    : QWidget(parent), m_project(project), m_settings(settings) {
  m_title = new QLabel(tr("Select a run in the Runs view."), this);
  m_title->setObjectName(QStringLiteral("curvesTitle"));
  QFont tf = m_title->font();
  tf.setBold(true);
  m_title->setFont(tf);
  m_metric = new QComboBox(this);
  m_metric->setObjectName(QStringLiteral("metric"));
  m_metric->setMinimumWidth(150);
  m_seeds = new QCheckBox(this);
  m_seeds->setObjectName(QStringLiteral("showSeeds"));
  labelMembersBox(m_seeds, m_kind);
  m_smoothing = new QSlider(Qt::Horizontal, this);
  m_smoothing->setObjectName(QStringLiteral("smoothing"));
  m_smoothing->setRange(0, 99);
  m_smoothing->setFixedWidth(110);
  m_smoothing->setToolTip(
      tr("Smoothing (as in TensorBoard): an exponential moving average of each mean line, the "
         "raw line drawn faintly behind. 0 = off. The read-out shows both values."));
  m_smoothingLabel = new QLabel(this);
  m_smoothingLabel->setMinimumWidth(QFontMetrics(font()).horizontalAdvance("0.00 ") + 4);
  auto* reset = new QPushButton(tr("Reset zoom"), this);
  reset->setToolTip(tr("Wheel zooms, dragging pans, double-click resets"));
  auto* exportButton = new ExportButton(this, settings, this);
  m_plot = new CurvePlot(this);
  m_plot->setObjectName(QStringLiteral("curvesPlot"));
  m_plot->setPlaceholder(tr("No curves yet: select a run, or start one with Experiment › New"));

  auto* top = new QHBoxLayout;
  top->addWidget(m_title, 1);
  top->addWidget(new QLabel(tr("Metric"), this));
  top->addWidget(m_metric);
  top->addWidget(m_seeds);
  top->addWidget(new QLabel(tr("Smoothing"), this));
  top->addWidget(m_smoothing);
  top->addWidget(m_smoothingLabel);
  top->addWidget(reset);
  top->addWidget(exportButton);
  m_conditionBar = new QHBoxLayout;
  m_conditionBar->addWidget(new QLabel(tr("Conditions:"), this));
  m_conditionBar->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addLayout(m_conditionBar);
  layout->addWidget(m_plot, 1);

  m_replotTimer.setSingleShot(true);
  m_replotTimer.setInterval(kReplotMs);
  connect(&m_replotTimer, &QTimer::timeout, this, &CurvesView::replotNow);
  connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
    if (!m_metric->currentText().isEmpty()) m_preferredMetric = m_metric->currentText();
    rebuildControls();
    m_plot->resetView();
    replotNow();
  });
  connect(m_seeds, &QCheckBox::toggled, this, [this](bool on) { m_plot->setShowMembers(on); });
  connect(m_smoothing, &QSlider::valueChanged, this, [this] {
    m_smoothingLabel->setText(QString::number(smoothing(), 'f', 2));
    replotNow();
  });
  m_smoothingLabel->setText(QString::number(0.0, 'f', 2));
  connect(reset, &QPushButton::clicked, m_plot, &CurvePlot::resetView);
}

void CurvesView::setRun(qint64 runId) {
  m_runId = runId;
  m_plot->resetView();
  reload();
}

void CurvesView::reload() {
  m_data.clear();
  m_kind = describeKind(std::string());
  m_runName.clear();
  m_live = false;
  m_complete = false;
  QString title = tr("Select a run in the Runs view.");
  if (m_runId && m_project && m_project->db()) {
    try {
      const auto info = m_project->db()->findRun(m_runId);
      if (info) {
        m_kind = describeKind(info->kind);
        m_runName = QString::fromStdString(info->name);
        m_live = !sublab::isFinished(info->status);
        m_complete = info->status == sublab::RunStatus::Done;
        title = tr("Run #%1 %2 · %3 · %4")
                    .arg(m_runId)
                    .arg(QString::fromStdString(info->name), QString::fromStdString(info->kind),
                         QString::fromStdString(sublab::toString(info->status)));
      }
      for (const auto& rec : m_project->db()->metrics(m_runId)) m_data.add(rec);
    } catch (const std::exception& e) {
      title = QString::fromStdString(e.what());
    }
  }
  m_title->setText(title);
  labelMembersBox(m_seeds, m_kind);
  m_titleLive = false;
  rebuildControls();
  replotNow();
}

// The title shows the run's status as of the last reload; once live points arrive the run is
// running, so say so (a queued run's title would otherwise stay "queued" until it finishes).
void CurvesView::markTitleRunning() {
  if (m_titleLive || !m_project || !m_project->db()) return;
  m_titleLive = true;
  try {
    if (const auto info = m_project->db()->findRun(m_runId))
      m_title->setText(tr("Run #%1 %2 · %3 · %4")
                           .arg(m_runId)
                           .arg(QString::fromStdString(info->name),
                                QString::fromStdString(info->kind),
                                QString::fromStdString(sublab::toString(info->status))));
  } catch (const std::exception&) {
    // The title keeps what it said; the next reload shows any problem.
  }
}

void CurvesView::addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points) {
  if (runId != m_runId || points.empty()) return;
  m_live = true;
  m_complete = false;
  markTitleRunning();
  const int before = m_data.metrics().size();
  m_data.add(points);
  if (m_data.metrics().size() != before || m_conditionNames != m_data.conditions(metric()))
    rebuildControls();
  scheduleReplot();
}

void CurvesView::scheduleReplot() {
  if (!m_replotTimer.isActive()) m_replotTimer.start();
}

void CurvesView::setMetric(const QString& metric) {
  m_preferredMetric = metric;
  const int i = m_metric->findText(metric);
  if (i >= 0) m_metric->setCurrentIndex(i);
}

QString CurvesView::metric() const { return m_metric->currentText(); }

void CurvesView::setShowSeeds(bool show) { m_seeds->setChecked(show); }

QStringList CurvesView::visibleConditions() const {
  QStringList out;
  for (const QString& c : m_data.conditions(metric()))
    if (!m_hiddenConditions.value(c)) out << c;
  return out;
}

void CurvesView::rebuildControls() {
  // Metric list: keep the user's choice, else the kind's headline metric.
  const QStringList metrics = m_data.metrics();
  {
    const QSignalBlocker block(m_metric);
    QStringList current;
    for (int i = 0; i < m_metric->count(); ++i) current << m_metric->itemText(i);
    if (current != metrics) {
      m_metric->clear();
      m_metric->addItems(metrics);
    }
    const QString want =
        metrics.contains(m_preferredMetric) ? m_preferredMetric : defaultMetric(m_kind, metrics);
    m_metric->setCurrentIndex(m_metric->findText(want));
  }
  const QStringList conditions = m_data.conditions(metric());
  if (conditions == m_conditionNames) return;
  for (QCheckBox* b : m_conditionBoxes) delete b;
  m_conditionBoxes.clear();
  m_conditionNames = conditions;
  int pos = 1;
  for (const QString& c : conditions) {
    auto* box = new QCheckBox(conditionLabel(c), this);
    box->setObjectName(QStringLiteral("condition_") + c);
    box->setChecked(!m_hiddenConditions.value(c));
    const QColor col = conditionColor(c);
    box->setStyleSheet(
        QStringLiteral("QCheckBox { color: %1; font-weight: bold; }").arg(col.darker(115).name()));
    connect(box, &QCheckBox::toggled, this, [this, c](bool on) {
      m_hiddenConditions[c] = !on;
      replotNow();
    });
    m_conditionBar->insertWidget(pos++, box);
    m_conditionBoxes.insert(c, box);
  }
}

void CurvesView::setSmoothing(double weight) {
  m_smoothing->setValue(static_cast<int>(std::lround(std::clamp(weight, 0.0, 0.99) * 100)));
}

double CurvesView::smoothing() const { return m_smoothing->value() / 100.0; }

QString CurvesView::chartTitle() const {
  if (!m_runId) return tr("Curves");
  const QString what = tr("%1 per %2").arg(metricLabel(m_kind, metric()), stepLabel(m_kind));
  return m_runName.isEmpty() ? tr("Run #%1 — %2").arg(m_runId).arg(what)
                             : tr("Run #%1 %2 — %3").arg(m_runId).arg(m_runName, what);
}

void CurvesView::replotNow() {
  const QString m = metric();
  const std::vector<std::string>& once = m_kind.onceConditions;
  const double weight = smoothing();
  QList<PlotSeries> series;
  for (const QString& c : visibleConditions()) {
    PlotSeries s = seriesFromData(m_data, m, c, conditionLabel(c), conditionColor(c));
    s.measuredOnce = std::find(once.begin(), once.end(), c.toStdString()) != once.end();
    if (weight > 0 && s.y.size() > 2) {
      s.rawY = s.y;
      s.y = emaSmooth(s.y, weight);
    }
    series << s;
  }
  // Only a completed run's single points are all there will be (drawn as levels); a running or
  // stopped run's are curves that (had) just begun, unless measured once by nature.
  extendSinglePoints(series, m_complete);
  m_plot->setAxisLabels(stepLabel(m_kind), metricLabel(m_kind, m));
  if (!m_runId)
    m_plot->setPlaceholder(tr("No curves yet: select a run, or start one with Experiment › New"));
  else if (m_data.isEmpty())
    m_plot->setPlaceholder(
        m_live ? tr("Run #%1 has no points yet: they appear as it trains").arg(m_runId)
               : tr("Run #%1 stored no points").arg(m_runId));
  else
    m_plot->setPlaceholder(
        tr("Run #%1 has no points for this metric or these conditions").arg(m_runId));
  m_plot->setWindowTitle(chartTitle());
  m_plot->setSeries(series);
  m_plottedRevision = m_data.revision();
}

bool CurvesView::exportSeriesCsv(const QString& path, QString* error) const {
  CsvWriter csv(path);
  if (!csv.open(error)) return false;
  csv.writeRow(
      {"run", "metric", "condition", "step", "mean", "ci95_lo", "ci95_hi", "n", "seed", "value"});
  const QString run = QString::number(m_runId);
  for (const QString& m : m_data.metrics())
    for (const QString& c : m_data.conditions(m)) {
      const SeriesStats st = m_data.aggregate(m, c);
      for (int i = 0; i < st.steps.size(); ++i)
        csv.writeRow({run, m, c, QString::number(st.steps[i], 'g', 12),
                      QString::number(st.mean[i], 'g', 10), QString::number(st.lo[i], 'g', 10),
                      QString::number(st.hi[i], 'g', 10), QString::number(st.n[i]), QString(),
                      QString()});
      for (const SeedSeries& s : m_data.seeds(m, c))
        for (int i = 0; i < s.steps.size(); ++i)
          csv.writeRow({run, m, c, QString::number(s.steps[i], 'g', 12), QString(), QString(),
                        QString(), QString(), QString::number(s.seed),
                        QString::number(s.values[i], 'g', 10)});
    }
  return csv.commit(error);
}

QList<QPair<QString, QCustomPlot*>> CurvesView::exportCharts() const {
  return {{chartTitle(), m_plot}};
}

QStringList CurvesView::exportTables() const { return {tr("series run %1").arg(m_runId)}; }

bool CurvesView::exportTable(int, const QString& path, QString* error) {
  return exportSeriesCsv(path, error);
}

void CurvesView::saveState(AppSettings& settings) const {
  settings.setViewValue(QStringLiteral("curves"), QStringLiteral("showSeeds"),
                        m_seeds->isChecked());
  settings.setViewValue(QStringLiteral("curves"), QStringLiteral("metric"), m_preferredMetric);
  settings.setViewValue(QStringLiteral("curves"), QStringLiteral("smoothing"), smoothing());
}

void CurvesView::restoreState(const AppSettings& settings) {
  m_seeds->setChecked(
      settings.viewValue(QStringLiteral("curves"), QStringLiteral("showSeeds"), false).toBool());
  m_preferredMetric =
      settings.viewValue(QStringLiteral("curves"), QStringLiteral("metric")).toString();
  setSmoothing(
      settings.viewValue(QStringLiteral("curves"), QStringLiteral("smoothing"), 0.0).toDouble());
}

}  // namespace sublab::ui
