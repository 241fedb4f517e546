// Implementation of CompareView.
#include "ui/compare_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "engine/core/stats.h"
#include "storage/database.h"
#include "ui/config_diff_model.h"
#include "ui/config_form.h"
#include "ui/curve_plot.h"
#include "ui/export_util.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/run_figures.h"
#include "ui/run_kind.h"

namespace sublab::ui {

CompareView::CompareView(Project* project, AppSettings* settings, QWidget* parent)
    : QWidget(parent), m_project(project) {
  m_title =
      new QLabel(tr("Select two or more runs in the Runs view (Ctrl-click), then Compare."), this);
  QFont tf = m_title->font();
  tf.setBold(true);
  m_title->setFont(tf);
  m_metric = new QComboBox(this);
  m_metric->setMinimumWidth(150);
  m_seeds = new QCheckBox(this);
  labelMembersBox(m_seeds, m_kind);
  auto* reset = new QPushButton(tr("Reset zoom"), this);
  auto* exportButton = new ExportButton(this, settings, this);
  m_plot = new CurvePlot(this);
  m_plot->setObjectName(QStringLiteral("comparePlot"));
  m_plot->setPlaceholder(tr("Nothing to compare yet"));

  m_diff = new ConfigDiffModel(this);
  m_diffTable = new QTableView(this);
  m_diffTable->setObjectName(QStringLiteral("configDiff"));
  m_diffTable->setModel(m_diff);
  m_diffTable->verticalHeader()->hide();
  m_diffTable->horizontalHeader()->setStretchLastSection(true);
  // Keys are never cut off (the key column fits the longest one); long values elide in the
  // middle, where paths and lists differ least.
  m_diffTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  m_diffTable->setTextElideMode(Qt::ElideMiddle);
  m_diffTable->setWordWrap(false);
  m_diffTable->verticalHeader()->setDefaultSectionSize(20);
  m_showAll = new QCheckBox(tr("Show all keys"), this);
  m_showAll->setObjectName(QStringLiteral("showAllKeys"));
  m_showAll->setToolTip(tr("Off: only the config keys whose values differ between the runs"));
  auto* diffBox = new QGroupBox(tr("Config: keys that differ"), this);
  auto* diffLayout = new QVBoxLayout(diffBox);
  diffLayout->addWidget(m_showAll);
  diffLayout->addWidget(m_diffTable);

  m_summary = new QStandardItemModel(this);
  m_summaryTable = new QTableView(this);
  m_summaryTable->setObjectName(QStringLiteral("compareSummary"));
  m_summaryTable->setModel(m_summary);
  m_summaryTable->verticalHeader()->hide();
  // Columns fit their figures (a scroll bar rather than a cut-off interval).
  m_summaryTable->horizontalHeader()->setStretchLastSection(false);
  m_summaryTable->verticalHeader()->setDefaultSectionSize(20);
  m_summaryTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  auto* sumBox = new QGroupBox(
      tr("Summary figures: mean [95% CI]; Δ = run − first run, Welch 95% CI (bold: excludes 0)"),
      this);
  auto* sumLayout = new QVBoxLayout(sumBox);
  sumLayout->addWidget(m_summaryTable);

  auto* top = new QHBoxLayout;
  top->addWidget(m_title, 1);
  top->addWidget(new QLabel(tr("Metric"), this));
  top->addWidget(m_metric);
  top->addWidget(m_seeds);
  top->addWidget(reset);
  top->addWidget(exportButton);
  m_conditionBar = new QHBoxLayout;
  m_conditionBar->addWidget(new QLabel(tr("Conditions:"), this));
  m_conditionBar->addStretch(1);
  auto* tables = new QSplitter(Qt::Horizontal, this);
  tables->addWidget(diffBox);
  tables->addWidget(sumBox);
  // The figures (one column per run and per difference) need more room than the keys.
  tables->setStretchFactor(0, 1);
  tables->setStretchFactor(1, 2);
  tables->setSizes({450, 900});
  auto* split = new QSplitter(Qt::Vertical, this);
  auto* plotBox = new QWidget(this);
  auto* plotLayout = new QVBoxLayout(plotBox);
  plotLayout->setContentsMargins(0, 0, 0, 0);
  plotLayout->addLayout(m_conditionBar);
  plotLayout->addWidget(m_plot, 1);
  split->addWidget(plotBox);
  split->addWidget(tables);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({600, 280});
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addWidget(split, 1);

  m_replotTimer.setSingleShot(true);
  m_replotTimer.setInterval(40);
  connect(&m_replotTimer, &QTimer::timeout, this, &CompareView::replotNow);
  connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
    rebuildControls();
    m_plot->resetView();
    replotNow();
  });
  connect(m_seeds, &QCheckBox::toggled, m_plot, &CurvePlot::setShowMembers);
  connect(reset, &QPushButton::clicked, m_plot, &CurvePlot::resetView);
  connect(m_showAll, &QCheckBox::toggled, m_diff, &ConfigDiffModel::setShowAll);
}

void CompareView::setRuns(const QList<qint64>& runIds) {
  m_runs = runIds;
  m_plot->resetView();
  reload();
}

void CompareView::setShowAllKeys(bool all) { m_showAll->setChecked(all); }

QString CompareView::metric() const { return m_metric->currentText(); }

void CompareView::reload() {
  m_data.clear();
  m_runLabels.clear();
  m_allDone = true;
  std::vector<nlohmann::json> configs;
  std::vector<sublab::RunInfo> infos;
  QSet<QString> kinds;
  if (m_project && m_project->db()) {
    for (qint64 id : m_runs) {
      try {
        const auto info = m_project->db()->findRun(id);
        if (!info) continue;
        infos.push_back(*info);
        if (info->status != sublab::RunStatus::Done) m_allDone = false;
        configs.push_back(info->config);
        kinds << QString::fromStdString(info->kind);
        m_runLabels << QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(info->name));
        CurveData& d = m_data[id];
        for (const auto& rec : m_project->db()->metrics(id)) d.add(rec);
      } catch (const std::exception&) {
      }
    }
  }
  // One kind's labels when every run is of it; generic ones for a mix.
  m_kind = describeKind(kinds.size() == 1 ? *kinds.begin() : QString());
  labelMembersBox(m_seeds, m_kind);
  m_title->setText(
      infos.empty()
          ? tr("Select two or more runs in the Runs view (Ctrl-click), "
               "then Compare.")
          : tr("Comparing %1").arg(countText(qint64(infos.size()), tr("run"), tr("runs"))));
  m_diff->setConfigs(m_runLabels, configs);

  // Legend labels name only what differs: a run by its id and the config keys that differ
  // (its name when none do).
  m_runLegend.clear();
  {
    const QStringList differing = m_diff->differingKeys();
    for (size_t i = 0; i < infos.size(); ++i) {
      QStringList parts;
      for (const QString& key : differing) {
        if (key == QLatin1String(m_kind.seedKey.c_str()) && differing.size() > 1) continue;
        const nlohmann::json v = jsonAt(infos[i].config, key);
        parts << key.section(QLatin1Char('.'), -1) + QLatin1Char('=') +
                     (v.is_null() ? QStringLiteral("–") : jsonText(v));
      }
      QString label = QStringLiteral("#%1").arg(infos[i].id);
      if (parts.isEmpty())
        label += QLatin1Char(' ') + QString::fromStdString(infos[i].name);
      else if (parts.size() > 3)
        label += QLatin1Char(' ') + QStringList(parts.mid(0, 3)).join(QStringLiteral(", ")) +
                 QStringLiteral(", …");
      else
        label += QLatin1Char(' ') + parts.join(QStringLiteral(", "));
      m_runLegend << label;
    }
  }

  // Summary figures: one row per condition / contrast, one column per run, then the
  // difference of every later run from the first with its Welch 95% CI over the per-seed
  // values.
  m_summary->clear();
  QStringList headers{tr("Figure")};
  headers << m_runLabels;
  for (int i = 1; i < int(infos.size()); ++i)
    headers << tr("Δ #%1 − #%2").arg(infos[size_t(i)].id).arg(infos[0].id);
  m_summary->setHorizontalHeaderLabels(headers);
  QStringList names;
  std::vector<QList<Figure>> figures;
  std::vector<std::map<QString, std::vector<double>>> perSeed(infos.size());
  for (size_t i = 0; i < infos.size(); ++i) {
    figures.push_back(allFigures(infos[i]));
    for (const Figure& f : figures.back()) {
      const QString key = f.name + QStringLiteral(" (") + f.metric + QLatin1Char(')');
      if (!names.contains(key)) names << key;
    }
    for (const auto& list : {infos[i].conditions, infos[i].contrasts})
      for (const auto& cs : list)
        perSeed[i][QString::fromStdString(cs.condition + " (" + cs.metric + ")")] = cs.perSeed;
  }
  for (const QString& name : names) {
    QList<QStandardItem*> row{new QStandardItem(name)};
    std::vector<const Figure*> found;
    for (const auto& list : figures) {
      QString text;
      const Figure* hit = nullptr;
      for (const Figure& f : list)
        if (f.name + QStringLiteral(" (") + f.metric + QLatin1Char(')') == name) hit = &f;
      if (hit) text = formatFigure(*hit) + (hit->n ? QStringLiteral("  n=%1").arg(hit->n) : "");
      found.push_back(hit);
      row << new QStandardItem(text);
    }
    for (size_t i = 1; i < found.size(); ++i) {
      auto* item = new QStandardItem;
      if (found[0] && found[i]) {
        const std::vector<double>& a = perSeed[i][name];
        const std::vector<double>& b = perSeed[0][name];
        Figure d;
        d.name = name;
        d.valid = true;
        if (a.size() >= 2 && b.size() >= 2) {
          const sublab::Interval ci = sublab::welchDifferenceCi95(a, b);
          d.mean = ci.mean;
          d.lo = ci.lo;
          d.hi = ci.hi;
          d.n = ci.n;
          const bool excludesZero = d.lo > 0 || d.hi < 0;
          item->setText(formatFigure(d));
          item->setToolTip(
              tr("#%1 − #%2: difference of the means over %3 and %4 %5, Welch 95% CI; %6")
                  .arg(infos[i].id)
                  .arg(infos[0].id)
                  .arg(a.size())
                  .arg(b.size())
                  .arg(QString::fromStdString(m_kind.repetitionKey.empty() ? std::string("seeds")
                                                                           : m_kind.repetitionKey))
                  .arg(excludesZero ? tr("the interval excludes 0")
                                    : tr("the interval includes 0: no clear difference")));
          if (excludesZero) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
          }
        } else {
          d.mean = d.lo = d.hi = found[i]->mean - found[0]->mean;
          item->setText(formatFigure(d));
          item->setToolTip(
              tr("Difference of the means only: a run stores fewer than two "
                 "per-seed values of this figure, so there is no interval"));
        }
        item->setData(d.mean, Qt::UserRole);
      }
      row << item;
    }
    m_summary->appendRow(row);
  }
  m_summaryTable->resizeColumnsToContents();
  m_diffTable->resizeColumnsToContents();
  rebuildControls();
  replotNow();
}

void CompareView::addPoints(qint64 runId, const std::vector<sublab::MetricPoint>& points) {
  auto it = m_data.find(runId);
  if (it == m_data.end()) return;
  it->second.add(points);
  if (!m_replotTimer.isActive()) m_replotTimer.start();
}

void CompareView::rebuildControls() {
  QStringList metrics;
  for (const auto& [id, d] : m_data)
    for (const QString& m : d.metrics())
      if (!metrics.contains(m)) metrics << m;
  metrics.sort();
  {
    const QSignalBlocker block(m_metric);
    const QString prev = m_metric->currentText();
    QStringList current;
    for (int i = 0; i < m_metric->count(); ++i) current << m_metric->itemText(i);
    if (current != metrics) {
      m_metric->clear();
      m_metric->addItems(metrics);
    }
    const QString want = metrics.contains(prev) ? prev : defaultMetric(m_kind, metrics);
    m_metric->setCurrentIndex(m_metric->findText(want));
  }
  QStringList conditions;
  for (const auto& [id, d] : m_data)
    for (const QString& c : d.conditions(metric()))
      if (!conditions.contains(c)) conditions << c;
  conditions = sortedConditions(conditions);
  if (conditions == m_conditionNames) return;
  for (QCheckBox* b : m_conditionBoxes) delete b;
  m_conditionBoxes.clear();
  m_conditionNames = conditions;
  int pos = 1;
  for (const QString& c : conditions) {
    auto* box = new QCheckBox(conditionLabel(c), this);
    box->setChecked(!m_hidden.value(c));
    connect(box, &QCheckBox::toggled, this, [this, c](bool on) {
      m_hidden[c] = !on;
      replotNow();
    });
    m_conditionBar->insertWidget(pos++, box);
    m_conditionBoxes.insert(c, box);
  }
}

void CompareView::replotNow() {
  // No plain dashes: dashed lines are the teacher / reference levels.
  static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DotLine, Qt::DashDotDotLine,
                                        Qt::DashDotLine};
  constexpr int kStyles = int(std::size(styles));
  const QString m = metric();
  const std::vector<std::string>& once = m_kind.onceConditions;
  QStringList shown;
  for (const QString& c : m_conditionNames)
    if (!m_hidden.value(c)) shown << c;
  const bool colourByRun = shown.size() <= 1 || m_runs.size() > 5;
  QList<PlotSeries> series;
  int runIndex = 0;
  for (qint64 id : m_runs) {
    auto it = m_data.find(id);
    if (it == m_data.end()) continue;
    const QString runLabel = m_runLegend.value(runIndex, m_runLabels.value(runIndex));
    for (int ci = 0; ci < shown.size(); ++ci) {
      const QString& c = shown[ci];
      if (!it->second.conditions(m).contains(c)) continue;
      const QColor color = colourByRun ? seriesColor(runIndex) : conditionColor(c);
      const Qt::PenStyle style = colourByRun ? styles[ci % kStyles] : styles[runIndex % kStyles];
      // Only what differs: the run when there are several, the condition when several show.
      QStringList label;
      if (m_runs.size() > 1 || shown.size() <= 1) label << runLabel;
      if (shown.size() > 1) label << conditionLabel(c);
      PlotSeries s =
          seriesFromData(it->second, m, c, label.join(QStringLiteral(" · ")), color, style);
      s.measuredOnce = std::find(once.begin(), once.end(), c.toStdString()) != once.end();
      series << s;
    }
    ++runIndex;
  }
  // A live run's single point is a curve just begun, not a level (as in Curves).
  extendSinglePoints(series, m_allDone);
  m_plot->setAxisLabels(stepLabel(m_kind), metricLabel(m_kind, m));
  m_plot->setSeries(series);
}

QList<QPair<QString, QCustomPlot*>> CompareView::exportCharts() const {
  return {{tr("compare curves"), m_plot}};
}

QStringList CompareView::exportTables() const {
  return {tr("compare config diff"), tr("compare summary figures")};
}

bool CompareView::exportTable(int index, const QString& path, QString* error) {
  if (index == 0) return exportModelCsv(m_diff, path, error);
  return exportModelCsv(m_summary, path, error);
}

}  // namespace sublab::ui
