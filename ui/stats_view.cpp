// Implementation of StatsView. One computation at a time runs on the view's own pool thread
// with its own read-only connection; a change of run or pickers while it runs is remembered
// and computed next, and stale results are never shown.
#include "ui/stats_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>
#include <cmath>
#include <tuple>

#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/export_util.h"
#include "ui/later.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/run_kind.h"
#include "ui/stats_words.h"

namespace sublab::ui {

namespace {

QString signedText(double v, int decimals = 3) {
  return (v >= 0 ? QStringLiteral("+") : QStringLiteral("−")) +
         QString::number(std::abs(v), 'f', decimals);
}

QString intervalText(const sublab::Interval& i, int decimals = 3) {
  return QStringLiteral("%1 [%2, %3]")
      .arg(signedText(i.mean, decimals), signedText(i.lo, decimals), signedText(i.hi, decimals));
}

QCustomPlot* makePlot(const QString& name, QWidget* parent) {
  auto* p = new QCustomPlot(parent);
  p->setObjectName(name);
  p->setMinimumSize(260, 200);
  p->setInteraction(QCP::iRangeZoom, false);
  return p;
}

}  // namespace

StatsView::StatsView(Project* project, AppSettings* settings, QWidget* parent)
    : QWidget(parent), m_project(project) {
  m_pool.setMaxThreadCount(1);
  m_stack = new QStackedWidget(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(buildTopBar(settings));
  layout->addWidget(m_stack, 1);
  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("statsMessage"));
  m_message->setAlignment(Qt::AlignCenter);
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_stack->addWidget(m_message);
  m_stack->addWidget(buildResults());
  connectSignals();
  showMessage(tr("Select a number-sequence run in the Runs view."));
}

// Title, status, the side and verdict pickers, the log-scale switch and Export.
QHBoxLayout* StatsView::buildTopBar(AppSettings* settings) {
  m_title = new QLabel(tr("Select a number-sequence run in the Runs view."), this);
  m_title->setObjectName(QStringLiteral("statsTitle"));
  QFont tf = m_title->font();
  tf.setBold(true);
  m_title->setFont(tf);
  m_pickA = new StatsSidePicker(
      QStringLiteral("A"), tr("Side A: the rows tested for over- and under-represented numbers"),
      this);
  m_pickB = new StatsSidePicker(QStringLiteral("B"), tr("Side B: the rows side A is compared with"),
                                this);
  m_verdict = new QComboBox(this);
  m_verdict->setObjectName(QStringLiteral("statsVerdict"));
  m_verdict->addItem(tr("Kept rows"), int(sublab::Verdict::Kept));
  m_verdict->addItem(tr("All rows"), int(sublab::Verdict::Any));
  m_logScale = new QCheckBox(tr("Log scale"), this);
  m_logScale->setObjectName(QStringLiteral("statsLogScale"));
  m_logScale->setToolTip(tr("Number frequencies on a logarithmic axis"));
  m_status = new QLabel(this);

  auto* top = new QHBoxLayout;
  top->addWidget(m_title, 1);
  top->addWidget(m_status);
  top->addWidget(new QLabel(tr("A:"), this));
  top->addWidget(m_pickA);
  top->addWidget(new QLabel(tr("vs B:"), this));
  top->addWidget(m_pickB);
  top->addWidget(m_verdict);
  top->addWidget(m_logScale);
  top->addWidget(new ExportButton(this, settings, this));
  return top;
}

// The summary and notes above the Charts and Tables pages.
QWidget* StatsView::buildResults() {
  m_inWords = new QLabel(this);
  m_inWords->setObjectName(QStringLiteral("statsInWords"));
  m_inWords->setToolTip(
      tr("The figures below in words: p < 0.05 (BH q for single numbers); "
         "intervals are 95% CIs"));
  m_inWords->setStyleSheet(
      QStringLiteral("QLabel { background: #f4f7fb; border: 1px solid #d5dde8; padding: 4px; }"));
  m_summary = new QLabel(this);
  m_summary->setObjectName(QStringLiteral("statsSummary"));
  m_notes = new QLabel(this);
  m_notes->setObjectName(QStringLiteral("statsNotes"));
  for (QLabel* label : {m_inWords, m_summary, m_notes}) {
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  }
  m_pages = new QTabWidget(this);
  m_pages->setObjectName(QStringLiteral("statsPages"));
  m_pages->setDocumentMode(true);
  m_pages->addTab(buildCharts(), tr("Charts"));
  m_pages->addTab(buildTables(), tr("Tables"));

  auto* content = new QWidget(this);
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  contentLayout->setSpacing(2);
  contentLayout->addWidget(m_inWords);
  contentLayout->addWidget(m_summary);
  m_hidden = new HiddenSignalPanel(this);
  contentLayout->addWidget(m_hidden);
  contentLayout->addWidget(m_notes);
  contentLayout->addWidget(m_pages, 1);
  // The charts keep a readable size: on a small screen the view scrolls rather than forcing
  // the main window taller than the screen.
  auto* scroll = new QScrollArea(this);
  scroll->setObjectName(QStringLiteral("statsScroll"));
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidgetResizable(true);
  scroll->setWidget(content);
  return scroll;
}

// Six charts in a 3 x 2 grid; the distribution chart has its picker above it.
QWidget* StatsView::buildCharts() {
  m_frequency = makePlot(QStringLiteral("statsFrequency"), this);
  m_volcano = makePlot(QStringLiteral("statsVolcano"), this);
  m_distPlot = makePlot(QStringLiteral("statsDistribution"), this);
  m_roc = makePlot(QStringLiteral("statsRoc"), this);
  m_entanglement = makePlot(QStringLiteral("statsEntanglement"), this);
  m_tokens = makePlot(QStringLiteral("statsTokens"), this);
  m_distribution = new QComboBox(this);
  m_distribution->setObjectName(QStringLiteral("statsDistributionPick"));
  for (Distribution d : {Distribution::FirstNumber, Distribution::Length, Distribution::Digits,
                         Distribution::LastDigit, Distribution::DigitsPerNumber})
    m_distribution->addItem(distributionName(d), int(d));

  auto* charts = new QWidget(this);
  auto* grid = new QGridLayout(charts);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(4);
  grid->addWidget(m_frequency, 0, 0);
  grid->addWidget(m_volcano, 0, 1);
  grid->addWidget(m_roc, 0, 2);
  auto* distCell = new QVBoxLayout;
  distCell->setSpacing(2);
  auto* distRow = new QHBoxLayout;
  distRow->addWidget(new QLabel(tr("Distribution:"), this));
  distRow->addWidget(m_distribution);
  distRow->addStretch(1);
  distCell->addLayout(distRow);
  distCell->addWidget(m_distPlot, 1);
  grid->addLayout(distCell, 1, 0);
  grid->addWidget(m_entanglement, 1, 1);
  grid->addWidget(m_tokens, 1, 2);
  for (int i = 0; i < 3; ++i) grid->setColumnStretch(i, 1);
  for (int i = 0; i < 2; ++i) grid->setRowStretch(i, 1);
  return charts;
}

// The three tables side by side, each under its caption.
QWidget* StatsView::buildTables() {
  m_overUnder = makeStatsTable(
      {tr("#"), tr("Number"), tr("More in"), tr("Count A"), tr("Count B"), tr("log2 A/B"), tr("q")},
      QStringLiteral("statsOverUnder"), this);
  m_entTable =
      makeStatsTable({tr("Rank"), tr("Number"), tr("Trait prob"), tr("Δ"), tr("log2 A/B"), tr("q")},
                     QStringLiteral("statsEntanglementTable"), this);
  m_tokenTable = makeStatsTable(
      {tr("#"), tr("Rows"), tr("Token"), tr("Count"), tr("Mean log-ratio"), tr("Max")},
      QStringLiteral("statsTokenTable"), this);
  auto* tables = new QWidget(this);
  auto* tablesRow = new QHBoxLayout(tables);
  tablesRow->setContentsMargins(0, 0, 0, 0);
  m_tokenNote = new QLabel(this);
  m_tokenNote->setObjectName(QStringLiteral("statsTokenNote"));
  m_tokenNote->setWordWrap(true);
  m_tokenNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_tokenNote->setStyleSheet(QStringLiteral("color:#8a5300"));
  m_tokenNote->hide();
  const QList<std::tuple<QString, QTableWidget*, QLabel*>> tableList = {
      {tr("Most over- and under-represented numbers (side A vs B)"), m_overUnder, nullptr},
      {tr("Entanglement ranking (numbers raising the trait)"), m_entTable, nullptr},
      {tr("Most divergent tokens (teacher − reference log-prob)"), m_tokenTable, m_tokenNote}};
  for (const auto& [caption, table, note] : tableList) {
    auto* col = new QVBoxLayout;
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(caption.toHtmlEscaped()), this);
    label->setWordWrap(true);  // the captions must not set the window's minimum width
    col->addWidget(label);
    if (note) col->addWidget(note);
    col->addWidget(table, 1);
    tablesRow->addLayout(col, 1);
  }
  return tables;
}

// Pickers recompute; clicks on a number's point, label or table row show its sequences.
void StatsView::connectSignals() {
  for (StatsSidePicker* pick : {m_pickA, m_pickB})
    connect(pick, &StatsSidePicker::changed, this, &StatsView::compute);
  connect(m_verdict, &QComboBox::currentIndexChanged, this, &StatsView::compute);
  connect(m_logScale, &QCheckBox::toggled, this, &StatsView::drawFrequency);
  connect(m_distribution, &QComboBox::currentIndexChanged, this, &StatsView::drawDistribution);
  for (QCustomPlot* plot : {m_frequency, m_volcano, m_distPlot, m_entanglement})
    connect(plot, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* p, int i, QMouseEvent*) { onPlotClick(p, i); });
  connect(m_volcano, &QCustomPlot::itemClick, this, [this](QCPAbstractItem* item, QMouseEvent*) {
    const QVariant n = item ? item->property(kNumberProperty) : QVariant();
    if (n.isValid()) activateNumber(n.toInt());
  });
  for (QTableWidget* table : {m_overUnder, m_entTable, m_tokenTable})
    connect(table, &QTableWidget::itemActivated, this, [this](QTableWidgetItem* item) {
      const int n = item ? item->data(kNumberRole).toInt() : -1;
      if (n >= 0) activateNumber(n);
    });
}

StatsView::~StatsView() {
  ++m_generation;
  m_pool.clear();
  m_pool.waitForDone();
}

void StatsView::setRun(qint64 runId) {
  m_runId = runId;
  m_runName.clear();
  m_stats.reset();
  // New run: both sides of it, its own conditions and the default sides.
  m_pickA->clear();
  m_pickB->clear();
  m_title->setText(runId ? tr("Statistics of run #%1").arg(runId)
                         : tr("Select a number-sequence run in the Runs view."));
  compute();
}

void StatsView::reload() { compute(); }

QStringList StatsView::sides() const {
  if (!m_stats) return {};
  QStringList out;
  for (const sublab::SequenceSet* set : {&m_stats->setA, &m_stats->setB})
    if (set->runId == m_runId) out << QString::fromStdString(set->condition);
  return out;
}

QString StatsView::message() const {
  return m_stack->currentWidget() == m_message ? m_message->text() : QString();
}

void StatsView::showMessage(const QString& text) {
  m_message->setText(text);
  m_stack->setCurrentWidget(m_message);
}

void StatsView::compute() {
  if (!m_runId || !m_project || !m_project->isOpen()) {
    ++m_generation;
    m_pending = false;
    m_stats.reset();
    m_status->clear();
    showMessage(tr("Select a number-sequence run in the Runs view."));
    return;
  }
  if (m_computing) {
    m_pending = true;
    return;
  }
  m_computing = true;
  m_pending = false;
  const quint64 gen = ++m_generation;
  const qint64 run = m_pickA->run() > 0 ? m_pickA->run() : m_runId;
  const qint64 runB = m_pickB->run();
  const QString a = m_pickA->condition(), b = m_pickB->condition();
  const auto verdict = static_cast<sublab::Verdict>(m_verdict->currentData().toInt());
  m_status->setText(tr("computing…"));
  showMessage(tr("Computing statistics of run #%1%2…")
                  .arg(run)
                  .arg(a.isEmpty() ? QString() : tr(" (%1 vs %2)").arg(a, b)));
  const StatsRequest request{gen, m_project->path(), run, runB, a, b, verdict, true};
  auto work = QtConcurrent::run(&m_pool, [request] { return computeStats(request); });
  deliverLater(work, this, [this](const StatsOutcome& o) { onOutcome(o); });
}

void StatsView::onOutcome(const StatsOutcome& o) {
  m_computing = false;
  if (m_pending || o.generation != m_generation) {
    compute();
    return;
  }
  m_status->clear();
  m_kind = describeKind(o.kind);
  if (!o.runName.isEmpty()) {
    m_runName = o.runName;
    m_title->setText(
        o.runB > 0 && o.runB != o.runId
            ? tr("Statistics of run #%1 %2 vs run #%3").arg(o.runId).arg(m_runName).arg(o.runB)
            : tr("Statistics of run #%1 %2").arg(o.runId).arg(m_runName));
  }
  m_pickA->setChoices(o.runs, o.runId, o.conditions, o.a);
  m_pickB->setChoices(o.runs, o.runB > 0 ? o.runB : o.runId, o.conditionsB, o.b);
  // A run without sequences has no sides to pick (but another run may be picked for A).
  for (QWidget* w : {static_cast<QWidget*>(m_pickB), static_cast<QWidget*>(m_pickA->conditionBox()),
                     static_cast<QWidget*>(m_verdict), static_cast<QWidget*>(m_logScale)})
    w->setEnabled(!o.conditions.isEmpty());
  if (!o.error.isEmpty() || !o.stats) {
    m_stats.reset();
    showMessage(o.error.isEmpty() ? tr("No statistics for this run.") : o.error);
  } else {
    m_stats = o.stats;
    showResults();
  }
  Q_EMIT computed();
}

void StatsView::showResults() {
  const sublab::RunStats& s = *m_stats;
  const QString a = QString::fromStdString(s.a), b = QString::fromStdString(s.b);
  m_stack->setCurrentIndex(1);  // first, so the plots draw at their laid-out size
  drawFrequency();
  m_volcanoNumbers = drawVolcano(m_volcano, s.report, a, b);
  drawDistribution();
  drawRoc(m_roc, s.report.detector, a, b);
  m_entanglementNumbers =
      drawEntanglement(m_entanglement, s.entanglement ? &*s.entanglement : nullptr, s.report,
                       s.entanglementVsFrequency, a);
  drawTokenHistogram(m_tokens, s.divergence ? &*s.divergence : nullptr,
                     s.defended ? &*s.defended : nullptr);
  fillTables();
  updateSummary();
  m_hidden->setSignal(s.hidden ? &*s.hidden : nullptr);
}

void StatsView::drawFrequency() {
  if (!m_stats) return;
  sublab::ui::drawFrequency(m_frequency, m_stats->report, QString::fromStdString(m_stats->a),
                            QString::fromStdString(m_stats->b), m_logScale->isChecked());
}

void StatsView::drawDistribution() {
  if (!m_stats) return;
  sublab::ui::drawDistribution(
      m_distPlot, m_stats->report, static_cast<Distribution>(m_distribution->currentData().toInt()),
      QString::fromStdString(m_stats->a), QString::fromStdString(m_stats->b));
}

void StatsView::updateSummary() {
  const sublab::RunStats& s = *m_stats;
  const sublab::SeqStatsReport& r = s.report;
  const QLocale loc;
  const auto side = [&](const char* letter, const sublab::SideSummary& x) {
    return tr("<b>%1</b> %2: %3 rows, %4 numbers, %5 per row")
        .arg(QLatin1String(letter), QString::fromStdString(x.label).toHtmlEscaped(),
             loc.toString(x.rows), loc.toString(x.numbers))
        .arg(x.meanLength, 0, 'f', 1);
  };
  const sublab::Divergences& d = r.divergence;
  QStringList lines;
  lines << side("A", r.a) + QStringLiteral(" &nbsp;·&nbsp; ") + side("B", r.b);
  lines << tr("Numbers: KL(A‖B) %1 bits · KL(B‖A) %2 bits · JS %3 bits · χ² %4 (df %5, p %6) · "
              "smoothing %7 · first numbers: JS %8 bits, χ² p %9")
               .arg(d.klAB, 0, 'g', 3)
               .arg(d.klBA, 0, 'g', 3)
               .arg(d.js, 0, 'g', 3)
               .arg(d.chi2, 0, 'f', 1)
               .arg(d.df)
               .arg(formatP(d.chi2P))
               .arg(d.smoothing)
               .arg(r.firstDivergence.js, 0, 'g', 3)
               .arg(formatP(r.firstDivergence.chi2P));
  QString detector = tr("Detector: <b>%1</b> on %2 held-out rows (%3 bootstrap resamples)")
                         .arg(aucText(r.detector))
                         .arg(loc.toString(r.detector.testRows))
                         .arg(r.detector.bootstrap);
  if (!r.detector.topWeights.empty()) {
    QStringList w;
    for (size_t i = 0; i < r.detector.topWeights.size() && i < 6; ++i)
      w << QStringLiteral("%1 (%2)")
               .arg(r.detector.topWeights[i].first)
               .arg(signedText(r.detector.topWeights[i].second, 2));
    detector += tr(" · strongest numbers: %1").arg(w.join(", "));
  }
  lines << detector;
  QStringList tokens;
  if (s.divergence)
    tokens << tr("Per-token log p(teacher) − log p(reference) on A's rows: row mean %1, token "
                 "mean %2 over %3 tokens of %4 rows, %5% positive")
                  .arg(intervalText(s.divergence->meanLogRatioCi),
                       signedText(s.divergence->meanLogRatio), loc.toString(s.divergence->tokens),
                       loc.toString(s.divergence->rows))
                  .arg(100.0 * s.divergence->fractionPositive, 0, 'f', 0);
  if (s.defended)
    tokens << tr("defended rows: row mean %1, token mean %2 over %3 tokens, %4 masked")
                  .arg(intervalText(s.defended->meanLogRatioCi),
                       signedText(s.defended->meanLogRatio), loc.toString(s.defended->tokens),
                       loc.toString(s.defended->masked));
  if (!tokens.isEmpty()) lines << tokens.join(QStringLiteral(" · "));
  QStringList contrasts;
  for (const sublab::ConditionSummary& c : s.contrasts)
    contrasts << QStringLiteral("%1 <b>%2</b>")
                     .arg(conditionLabel(QString::fromStdString(c.condition)).toHtmlEscaped(),
                          intervalText(c.value));
  if (!contrasts.isEmpty())
    lines << tr("Run's contrasts (%1, 95% CI): ")
                     .arg(metricLabel(m_kind, QString::fromStdString(s.contrasts.front().metric))
                              .toHtmlEscaped()) +
                 contrasts.join(" · ");
  m_summary->setText(lines.join(QStringLiteral("<br>")));
  m_inWords->setText(statsInWords(s));
  QStringList notes;
  for (const std::string& n : s.notes)
    notes << QStringLiteral("⚠ ") + QString::fromStdString(n).toHtmlEscaped();
  m_notes->setText(notes.isEmpty() ? QString()
                                   : QStringLiteral("<span style='color:#8a5300'>%1</span>")
                                         .arg(notes.join(QStringLiteral("<br>"))));
  m_notes->setVisible(!notes.isEmpty());
}

void StatsView::fillTables() {
  fillOverUnderTable(m_overUnder, *m_stats);
  fillEntanglementTable(m_entTable, *m_stats);
  fillTokenTable(m_tokenTable, *m_stats);
  const QString note = m_tokenTable->rowCount() == 0 ? emptyTokenTableReason(*m_stats) : QString();
  m_tokenNote->setText(note);
  m_tokenNote->setVisible(!note.isEmpty());
}

int StatsView::numberAt(QCPAbstractPlottable* plottable, int dataIndex) const {
  if (!plottable || dataIndex < 0) return -1;
  const auto it = m_volcanoNumbers.constFind(plottable);
  if (it != m_volcanoNumbers.constEnd()) return it->value(dataIndex, -1);
  QCustomPlot* plot = plottable->parentPlot();
  const bool firstNumbers =
      static_cast<Distribution>(m_distribution->currentData().toInt()) == Distribution::FirstNumber;
  if (auto* g = qobject_cast<QCPGraph*>(plottable);
      g && (plot == m_frequency || (plot == m_distPlot && firstNumbers))) {
    if (dataIndex >= g->dataCount()) return -1;
    const int n = int(std::lround(g->data()->at(dataIndex)->key));
    return n >= 0 && n < sublab::kStatsNumbers ? n : -1;
  }
  if (auto* bars = qobject_cast<QCPBars*>(plottable); bars && plot == m_entanglement) {
    if (dataIndex >= bars->dataCount()) return -1;
    return m_entanglementNumbers.value(int(std::lround(bars->data()->at(dataIndex)->key)) - 1, -1);
  }
  return -1;
}

void StatsView::onPlotClick(QCPAbstractPlottable* plottable, int dataIndex) {
  const int n = numberAt(plottable, dataIndex);
  if (n >= 0) activateNumber(n);
}

void StatsView::activateNumber(int number) {
  if (number < 0 || number >= sublab::kStatsNumbers) return;
  Q_EMIT numberActivated(number);
}

QList<QPair<QString, QCustomPlot*>> StatsView::exportCharts() const {
  const QString run = tr(" run %1").arg(m_runId);
  return {{tr("number frequency") + run, m_frequency},
          {tr("volcano") + run, m_volcano},
          {m_distribution->currentText().toLower() + tr(" distribution") + run, m_distPlot},
          {tr("detector ROC") + run, m_roc},
          {tr("entanglement") + run, m_entanglement},
          {tr("token log-ratios") + run, m_tokens}};
}

QStringList StatsView::exportTables() const {
  const QString run = tr(" run %1").arg(m_runId);
  return {tr("number frequencies") + run, tr("entanglement ranking") + run,
          tr("detector ROC points") + run, tr("divergent tokens") + run, tr("distributions") + run};
}

bool StatsView::exportTable(int index, const QString& path, QString* error) {
  if (!m_stats) {
    if (error) *error = tr("No statistics to export: select a run with generated sequences.");
    return false;
  }
  if (index < 0 || index >= kStatsCsvTables) {
    if (error) *error = tr("No such table.");
    return false;
  }
  CsvWriter csv(path);
  if (!csv.open(error)) return false;
  writeStatsCsv(index, *m_stats, csv);
  return csv.commit(error);
}

void StatsView::saveState(AppSettings& settings) const {
  const QString v = QStringLiteral("stats");
  settings.setViewValue(v, QStringLiteral("logScale"), m_logScale->isChecked());
  settings.setViewValue(v, QStringLiteral("distribution"), m_distribution->currentIndex());
  settings.setViewValue(v, QStringLiteral("verdict"), m_verdict->currentIndex());
}

void StatsView::restoreState(const AppSettings& settings) {
  const QString v = QStringLiteral("stats");
  const QSignalBlocker b(m_verdict);
  m_logScale->setChecked(settings.viewValue(v, QStringLiteral("logScale"), false).toBool());
  m_distribution->setCurrentIndex(
      std::clamp(settings.viewValue(v, QStringLiteral("distribution"), 0).toInt(), 0,
                 m_distribution->count() - 1));
  m_verdict->setCurrentIndex(std::clamp(settings.viewValue(v, QStringLiteral("verdict"), 0).toInt(),
                                        0, m_verdict->count() - 1));
}

}  // namespace sublab::ui
