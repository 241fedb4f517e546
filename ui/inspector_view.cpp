// Implementation of InspectorView.
#include "ui/inspector_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMap>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include "engine/numbers/number_filter.h"
#include "engine/seqstats/seq_stats.h"
#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"
#include "ui/number_highlight_delegate.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/row_export_dialog.h"
#include "ui/run_figures.h"
#include "ui/run_kind.h"
#include "ui/sequence_table_model.h"

namespace sublab::ui {

InspectorView::InspectorView(Project* project, AppSettings* settings, QWidget* parent)
    : QWidget(parent), m_project(project), m_settings(settings) {
  for (int n : sublab::paperBannedNumbers()) m_paperBanned.insert(n);
  m_model = new SequenceTableModel(this);
  m_title = new QLabel(tr("Select a number-sequence run in the Runs view."), this);
  QFont tf = m_title->font();
  tf.setBold(true);
  m_title->setFont(tf);

  m_condition = new QComboBox(this);
  m_condition->setObjectName(QStringLiteral("inspectorCondition"));
  m_seed = new QComboBox(this);
  m_verdict = new QComboBox(this);
  m_verdict->setObjectName(QStringLiteral("inspectorVerdict"));
  m_verdict->addItem(tr("Kept and rejected"), int(sublab::Verdict::Any));
  m_verdict->addItem(tr("Kept"), int(sublab::Verdict::Kept));
  m_verdict->addItem(tr("Rejected"), int(sublab::Verdict::Rejected));
  m_reason = new QComboBox(this);
  m_reason->setObjectName(QStringLiteral("inspectorReason"));
  m_reason->setMinimumWidth(180);
  m_search = new QLineEdit(this);
  m_search->setObjectName(QStringLiteral("inspectorSearch"));
  m_search->setPlaceholderText(tr("Search prompt or completion…"));
  m_search->setClearButtonEnabled(true);
  m_regex = new QCheckBox(tr("Regex"), this);
  m_regex->setObjectName(QStringLiteral("inspectorRegex"));
  m_regex->setToolTip(
      tr("Treat the search as an ECMAScript regular expression, e.g. \\b(4|13|666)\\b"));
  m_number = new QSpinBox(this);
  m_number->setObjectName(QStringLiteral("inspectorNumber"));
  m_number->setRange(-1, sublab::kStatsNumbers - 1);
  m_number->setValue(-1);
  m_number->setSpecialValueText(tr("any number"));
  m_number->setPrefix(tr("number "));
  m_number->setKeyboardTracking(false);
  m_number->setToolTip(
      tr("Only rows whose completion holds this number, read as the Statistics view counts "
         "numbers: 293 matches neither 2930 nor 1293, and prompts are not searched"));
  m_refresh = new QPushButton(tr("Refresh"), this);
  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("inspectorStatus"));
  auto* exportButton = new ExportButton(this, settings, this);
  m_exportRows = new QPushButton(tr("Export rows…"), this);
  m_exportRows->setObjectName(QStringLiteral("inspectorExportRows"));
  m_exportRows->setToolTip(
      tr("The run's rows as training data for other tools: OpenAI chat JSONL, Hugging Face "
         "messages JSONL or prompt/completion JSONL"));

  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("inspectorTable"));
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(21);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setWordWrap(false);
  m_table->setAlternatingRowColors(true);
  auto* delegate = new NumberHighlightDelegate(m_table);
  delegate->setBanned({}, m_paperBanned);
  m_table->setItemDelegateForColumn(SequenceTableModel::ColPrompt, delegate);
  m_table->setItemDelegateForColumn(SequenceTableModel::ColCompletion, delegate);
  const int widths[] = {54, 90, 44, 220, 280, 70, 200};
  for (int c = 0; c < SequenceTableModel::ColumnCount; ++c) m_table->setColumnWidth(c, widths[c]);

  m_details = new QTextBrowser(this);
  m_details->setObjectName(QStringLiteral("inspectorDetails"));
  m_details->setMinimumWidth(260);
  m_details->setHtml(tr("<p style='color:#666'>Select a row to see its details.</p>"));
  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("inspectorMessage"));
  m_message->setAlignment(Qt::AlignCenter);
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* legend = new QLabel(
      tr("<span style='background:#d03030;color:white'>&nbsp;n&nbsp;</span> banned by this run's "
         "filter &nbsp; <b style='color:#c06000'>n</b> on the paper's banned list"),
      this);
  auto* filters = new QHBoxLayout;
  filters->addWidget(m_condition);
  filters->addWidget(m_seed);
  filters->addWidget(m_verdict);
  filters->addWidget(m_reason);
  filters->addWidget(m_number);
  filters->addWidget(m_search, 1);
  filters->addWidget(m_regex);
  filters->addWidget(m_refresh);
  filters->addWidget(m_exportRows);
  filters->addWidget(exportButton);
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(m_status, 1);
  statusRow->addWidget(legend);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_table);
  split->addWidget(m_details);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_title);
  layout->addLayout(filters);
  layout->addLayout(statusRow);
  m_stack = new QStackedWidget(this);
  m_stack->addWidget(split);
  m_stack->addWidget(m_message);
  layout->addWidget(m_stack, 1);

  m_searchDelay = new QTimer(this);
  m_searchDelay->setSingleShot(true);
  m_searchDelay->setInterval(250);
  connect(m_searchDelay, &QTimer::timeout, this, &InspectorView::applyFilter);
  connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
  connect(m_search, &QLineEdit::returnPressed, this, &InspectorView::applyFilter);
  for (QComboBox* box : {m_condition, m_seed, m_verdict})
    connect(box, &QComboBox::currentIndexChanged, this, &InspectorView::applyFilter);
  connect(m_reason, &QComboBox::currentIndexChanged, this, [this] {
    // Picking a reject reason implies "rejected".
    if (!m_reason->currentData().toString().isEmpty())
      m_verdict->setCurrentIndex(m_verdict->findData(int(sublab::Verdict::Rejected)));
    applyFilter();
  });
  connect(m_regex, &QCheckBox::toggled, this, &InspectorView::applyFilter);
  connect(m_number, &QSpinBox::valueChanged, this, &InspectorView::applyFilter);
  connect(m_refresh, &QPushButton::clicked, this, [this] {
    m_refresh->setText(tr("Refresh"));
    m_model->refresh();
  });
  connect(m_exportRows, &QPushButton::clicked, this, &InspectorView::exportRows);
  connect(m_model, &SequenceTableModel::countChanged, this, &InspectorView::updateStatus);
  connect(m_model, &SequenceTableModel::pageLoaded, this, &InspectorView::updateStatus);
  connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
    if (const sublab::SequenceRecord* r = m_model->record(m_table->currentIndex().row())) {
      m_detailId = r->id;
      m_detailName = tr("row %1 · %2 · seed %3")
                         .arg(r->index)
                         .arg(QString::fromStdString(r->condition))
                         .arg(r->seed);
    }
  });
  connect(m_model, &QAbstractItemModel::modelReset, this, &InspectorView::onRowsReset);
  connect(m_model, &SequenceTableModel::pageLoaded, this, &InspectorView::restoreDetailRow);
  connect(m_model, &SequenceTableModel::errorOccurred, this, [this](const QString& msg) {
    m_status->setText(
        QStringLiteral("<span style='color:#b00020'>%1</span>").arg(msg.toHtmlEscaped()));
  });
  connect(m_model, &SequenceTableModel::exportFinished, this, &InspectorView::exportFinished);
  connect(m_model, &SequenceTableModel::facetsLoaded, this, &InspectorView::fillFacets);
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          &InspectorView::showDetails);
}

void InspectorView::setRun(qint64 runId) {
  m_runId = runId;
  m_runBanned.clear();
  const QSignalBlocker b1(m_condition), b2(m_seed), b3(m_reason);
  m_condition->clear();
  m_condition->addItem(tr("All conditions"), QString());
  m_seed->clear();
  m_seed->addItem(tr("All seeds"), QVariant());
  m_reason->clear();
  m_reason->addItem(tr("Any reject reason"), QString());
  QString title = tr("Select a number-sequence run in the Runs view.");
  QString noSequences;
  m_runStatus.clear();
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (runId && db) {
    try {
      if (const auto info = db->findRun(runId)) {
        title = tr("Sequences of run #%1 %2").arg(runId).arg(QString::fromStdString(info->name));
        m_runStatus = QString::fromStdString(sublab::toString(info->status));
        const sublab::KindDescription kind = describeKind(info->kind);
        if (!kind.hasSequences)
          noSequences = tr("Run #%1 is %2")
                            .arg(runId)
                            .arg(kind.noSequencesReason.empty()
                                     ? tr("a \"%1\" run, which stores no generated sequences.")
                                           .arg(QString::fromStdString(info->kind))
                                     : QString::fromStdString(kind.noSequencesReason));
        const nlohmann::json banned = jsonAt(info->config, QStringLiteral("filter.banned_numbers"));
        if (banned.is_array())
          for (const auto& n : banned)
            if (n.is_number_integer()) m_runBanned.insert(n.get<int>());
        const nlohmann::json paper = jsonAt(info->config, QStringLiteral("filter.paper_banned"));
        if (paper.is_boolean() && paper.get<bool>()) m_runBanned += m_paperBanned;
      }
    } catch (const std::exception& e) {
      title = QString::fromStdString(e.what());
    }
  }
  m_title->setText(title);
  auto* delegate = static_cast<NumberHighlightDelegate*>(
      m_table->itemDelegateForColumn(SequenceTableModel::ColCompletion));
  delegate->setBanned(m_runBanned, m_paperBanned);
  m_details->setHtml(tr("<p style='color:#666'>Select a row to see its details.</p>"));
  m_refresh->setText(tr("Refresh"));
  if (!noSequences.isEmpty()) {
    showMessage(noSequences);
    m_model->setSource(QString(), 0, currentFilter());
    m_detailId = 0;  // another run: nothing to select again
    return;
  }
  showMessage(QString());
  m_model->setSource(m_project && runId ? m_project->path() : QString(), runId, currentFilter());
  m_detailId = 0;
  // The filter lists need DISTINCT scans of the run's rows: done on the reader thread.
  m_model->loadFacets();
}

void InspectorView::fillFacets(const QStringList& conditions, const QList<int>& seeds,
                               const QList<QPair<QString, qint64>>& reasons) {
  const QSignalBlocker b1(m_condition), b2(m_seed), b3(m_reason);
  for (const QString& c : conditions) m_condition->addItem(c, c);
  for (int s : seeds) m_seed->addItem(tr("seed %1").arg(s), s);
  const QLocale loc;
  for (const auto& [reason, count] : reasons)
    m_reason->addItem(QStringLiteral("%1 (%2)").arg(reason, loc.toString(count)), reason);
  if (!m_pendingCondition.isEmpty()) {
    const int i = m_condition->findData(m_pendingCondition);
    m_pendingCondition.clear();
    if (i >= 0) {
      m_condition->setCurrentIndex(i);
      applyFilter();
    }
  }
  Q_EMIT facetsReady();
}

void InspectorView::notifyNewRows(qint64 runId, qint64 rows) {
  if (runId != m_runId) return;
  m_refresh->setText(tr("Refresh (%1 rows written)").arg(QLocale().toString(rows)));
}

void InspectorView::showRowsContaining(int number, const QStringList& conditions, int verdict) {
  {
    const QSignalBlocker b1(m_search), b2(m_number), b3(m_reason), b4(m_condition), b5(m_verdict),
        b6(m_seed);
    m_reason->setCurrentIndex(0);
    m_seed->setCurrentIndex(0);  // every seed, as the statistics pool them
    if (verdict >= 0) {
      const int v = m_verdict->findData(verdict);
      if (v >= 0) m_verdict->setCurrentIndex(v);
    }
    // An earlier jump's item for several conditions goes.
    for (int i = m_condition->count() - 1; i > 0; --i)
      if (m_condition->itemData(i).typeId() == QMetaType::QStringList) m_condition->removeItem(i);
    m_pendingCondition.clear();
    if (conditions.size() > 1) {
      QStringList labels;
      for (const QString& c : conditions) labels << conditionLabel(c);
      m_condition->insertItem(1, labels.join(QStringLiteral(" + ")), conditions);
      m_condition->setCurrentIndex(1);
    } else {
      const QString condition = conditions.value(0);
      const int i = m_condition->findData(condition);
      m_condition->setCurrentIndex(std::max(0, i));
      if (i < 0) m_pendingCondition = condition;
    }
    m_search->clear();
    m_number->setValue(number);
  }
  m_searchDelay->stop();
  applyFilter();
}

sublab::SequenceFilter InspectorView::currentFilter() const {
  sublab::SequenceFilter f;
  const QVariant condition = m_condition->currentData();
  if (condition.typeId() == QMetaType::QStringList)
    for (const QString& c : condition.toStringList()) f.conditions.push_back(c.toStdString());
  else
    f.condition = condition.toString().toStdString();
  if (m_number->value() >= 0) f.number = m_number->value();
  if (m_seed->currentData().isValid()) f.seed = m_seed->currentData().toInt();
  f.verdict = static_cast<sublab::Verdict>(m_verdict->currentData().toInt());
  f.reason = m_reason->currentData().toString().toStdString();
  f.text = m_search->text().toStdString();
  f.textIsRegex = m_regex->isChecked();
  return f;
}

void InspectorView::applyFilter() {
  const sublab::SequenceFilter f = currentFilter();
  if (f.textIsRegex && !f.text.empty()) {
    const QRegularExpression re(m_search->text());
    if (!re.isValid()) {
      m_status->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                            .arg(tr("Invalid regex: %1").arg(re.errorString()).toHtmlEscaped()));
      return;
    }
  }
  auto* delegate = static_cast<NumberHighlightDelegate*>(
      m_table->itemDelegateForColumn(SequenceTableModel::ColCompletion));
  delegate->setFocusNumber(f.number.value_or(-1), SequenceTableModel::ColCompletion);
  m_model->setFilter(f);
}

void InspectorView::updateStatus() {
  const QLocale loc;
  const qint64 total = m_model->totalCount();
  const QString loaded = loc.toString(m_model->rowCount());
  if (!m_runId || !m_messageText.isEmpty()) {
    m_status->clear();
  } else if (total < 0) {
    m_status->setText(tr("Counting… %1 loaded").arg(loaded));
  } else if (total == 0 && m_model->filter() == sublab::SequenceFilter{}) {
    m_status->setText(tr("Run #%1 has no generated sequences (it is %2): rows appear here once its "
                         "generation stage has written them.")
                          .arg(m_runId)
                          .arg(m_runStatus));
  } else {
    QString text =
        m_model->atEnd() && !m_model->isFetching()
            ? tr("%1 rows match · all loaded").arg(loc.toString(total))
            : tr("%1 rows match · %2 loaded (scroll for more)").arg(loc.toString(total), loaded);
    const auto& number = m_model->filter().number;
    if (number && m_model->numberOccurrences() >= 0)
      text += tr(" · %1 in their completions")
                  .arg(countText(m_model->numberOccurrences(), tr("occurrence of %1").arg(*number),
                                 tr("occurrences of %1").arg(*number)));
    m_status->setText(text);
  }
}

void InspectorView::showMessage(const QString& text) {
  m_messageText = text;
  m_message->setText(text);
  m_stack->setCurrentIndex(text.isEmpty() ? 0 : 1);
  // Nothing to filter, refresh or export while the message stands.
  for (QWidget* w : {static_cast<QWidget*>(m_condition), static_cast<QWidget*>(m_seed),
                     static_cast<QWidget*>(m_verdict), static_cast<QWidget*>(m_reason),
                     static_cast<QWidget*>(m_number), static_cast<QWidget*>(m_search),
                     static_cast<QWidget*>(m_regex), static_cast<QWidget*>(m_refresh),
                     static_cast<QWidget*>(m_exportRows)})
    w->setEnabled(text.isEmpty());
  if (!text.isEmpty()) m_status->clear();
}

// The rows were reset (new filter, refresh): the details pane no longer shows a listed row.
void InspectorView::onRowsReset() {
  m_details->setHtml(tr("<p style='color:#666'>Select a row to see its details.</p>"));
}

// Selects the row the details showed before the reset once a page holds it; when the pages
// have gone past its id (keyset order) it no longer matches, and the pane says so.
void InspectorView::restoreDetailRow() {
  if (!m_detailId) return;
  const int rows = m_model->rowCount();
  for (int i = 0; i < rows; ++i)
    if (m_model->record(i)->id == m_detailId) {
      m_detailId = 0;
      m_table->setCurrentIndex(m_model->index(i, 0));
      return;
    }
  const bool passed = rows > 0 && m_model->record(rows - 1)->id > m_detailId;
  if (!passed && !m_model->atEnd()) return;  // may be on a later page
  m_detailId = 0;
  m_details->setHtml(
      tr("<p style='color:#666'>The row shown before (%1) does not match the current filter. "
         "Select a row to see its details.</p>")
          .arg(m_detailName.toHtmlEscaped()));
}

QString InspectorView::highlighted(const QString& text, bool focus) const {
  NumberHighlightDelegate d;
  d.setBanned(m_runBanned, m_paperBanned);
  d.setFocusNumber(m_model->filter().number.value_or(-1), 0);
  QString html;
  for (const auto& [seg, flags] : d.segments(text, focus)) {
    QString esc = seg.toHtmlEscaped();
    if (flags & NumberHighlightDelegate::kFocus)
      esc = QStringLiteral("<span style='background:#ffd54f'>%1</span>").arg(esc);
    const int kind = flags & ~NumberHighlightDelegate::kFocus;
    if (kind == 2)
      html += "<span style='background:#d03030;color:white'>" + esc + "</span>";
    else if (kind == 1)
      html += "<b style='color:#c06000'>" + esc + "</b>";
    else
      html += esc;
  }
  return html;
}

// The row's per-token log-probabilities under the teacher and the reference, when the run
// recorded them: one line per completion token with the log-ratio, defended positions marked.
QString InspectorView::tokenTable(const sublab::SequenceRecord& r) const {
  if (r.tokenInfo.empty())
    return r.kept ? tr("<p style='color:#666'>No per-token log-probabilities stored for this row "
                       "(runs made before they were recorded, or analysis.token_logprobs off).</p>")
                  : QString();
  sublab::TokenLogprobs t;
  try {
    t = sublab::parseTokenInfo(r.tokenInfo);
  } catch (const sublab::Error& e) {
    return tr("<p style='color:#b00020'>Per-token log-probabilities unreadable: %1</p>")
        .arg(QString::fromStdString(e.what()).toHtmlEscaped());
  }
  QSet<int> defended(t.masked.begin(), t.masked.end());
  QMap<int, QString> replacedFrom;
  const auto j = nlohmann::json::parse(r.tokenInfo, nullptr, false);
  if (j.is_object() && j.contains("replaced") && j["replaced"].is_array())
    for (const auto& x : j["replaced"])
      if (x.is_object() && x.contains("pos") && x.contains("from"))
        replacedFrom[x["pos"].get<int>()] = QString::fromStdString(x["from"].get<std::string>());
  double sum = 0;
  QString rows;
  for (size_t k = 0; k < t.tokens.size(); ++k) {
    const double d = t.teacher[k] - t.reference[k];
    sum += d;
    // Warm colours where the teacher likes the token more than the reference, cool where less.
    const int a = std::min(255, static_cast<int>(std::abs(d) * 200.0));
    const QString bg = d >= 0 ? QStringLiteral("rgba(230,81,0,%1)").arg(a / 255.0 * 0.6)
                              : QStringLiteral("rgba(21,101,192,%1)").arg(a / 255.0 * 0.6);
    QString note;
    if (defended.contains(static_cast<int>(k)))
      note = replacedFrom.contains(static_cast<int>(k))
                 ? tr("replaced (was %1)").arg(replacedFrom[static_cast<int>(k)].toHtmlEscaped())
                 : tr("masked");
    QString token = QString::fromStdString(t.tokens[k]).toHtmlEscaped();
    if (token.trimmed().isEmpty()) token = QStringLiteral("&#9251;");  // a visible space
    rows += QStringLiteral(
                "<tr><td><tt>%1</tt></td><td align='right'>%2</td><td align='right'>%3</td>"
                "<td align='right' style='background:%4'>%5</td><td>%6</td></tr>")
                .arg(token)
                .arg(t.teacher[k], 0, 'f', 3)
                .arg(t.reference[k], 0, 'f', 3)
                .arg(bg)
                .arg(d, 0, 'f', 3)
                .arg(note);
  }
  QString html = tr("<p><b>Per-token log-probabilities</b> (natural log; Δ = teacher − reference; "
                    "mean Δ %1 over %2 tokens)</p>")
                     .arg(t.tokens.empty() ? 0.0 : sum / double(t.tokens.size()), 0, 'f', 3)
                     .arg(t.tokens.size());
  html +=
      tr("<table cellspacing='0' cellpadding='2'><tr><th>token</th><th>teacher</th>"
         "<th>reference</th><th>Δ</th><th></th></tr>");
  html += rows + QStringLiteral("</table>");
  return html;
}

void InspectorView::showDetails() {
  const sublab::SequenceRecord* r = m_model->record(m_table->currentIndex().row());
  if (!r) return;
  m_detailId = 0;
  const QString completion = QString::fromStdString(r->completion);
  QStringList numbers, bannedHere;
  static const QRegularExpression digits(QStringLiteral("\\d+"));
  for (auto it = digits.globalMatch(completion); it.hasNext();) {
    const QString n = it.next().captured();
    numbers << n;
    if (m_runBanned.contains(n.toInt()) || m_paperBanned.contains(n.toInt())) bannedHere << n;
  }
  QString html;
  html += tr("<h3>Row %1 · %2 · seed %3</h3>")
              .arg(r->index)
              .arg(QString::fromStdString(r->condition).toHtmlEscaped())
              .arg(r->seed);
  html += r->kept ? tr("<p><b style='color:#2e7d32'>Kept</b> by every filter.</p>")
                  : tr("<p><b style='color:#b00020'>Rejected</b>: %1</p>")
                        .arg(QString::fromStdString(r->reason).toHtmlEscaped());
  html +=
      tr("<p><b>Prompt</b><br><tt>%1</tt></p>").arg(highlighted(QString::fromStdString(r->prompt)));
  html += tr("<p><b>Completion</b><br><tt>%1</tt></p>").arg(highlighted(completion, true));
  html +=
      tr("<p>%1 in the completion.").arg(countText(numbers.size(), tr("number"), tr("numbers")));
  if (!bannedHere.isEmpty())
    html += tr(" Banned or on the paper's list: <b>%1</b>.").arg(bannedHere.join(", "));
  html += QStringLiteral("</p>");
  html += tokenTable(*r);
  html += tr("<p style='color:#666'>Database row id %1.</p>").arg(r->id);
  m_details->setHtml(html);
}

RowExportDialog* InspectorView::exportRows() {
  if (!m_runId || !m_messageText.isEmpty() || !m_project) return nullptr;
  RowExportDialog::Choices c;
  for (int i = 1; i < m_condition->count(); ++i)
    if (m_condition->itemData(i).typeId() == QMetaType::QString)
      c.conditions << m_condition->itemData(i).toString();
  for (int i = 1; i < m_seed->count(); ++i) c.seeds << m_seed->itemData(i).toInt();
  const sublab::SequenceFilter f = currentFilter();
  c.condition = QString::fromStdString(f.condition);
  c.seed = f.seed;
  // The view lists every verdict by default; training data are the kept rows.
  c.verdict = f.verdict == sublab::Verdict::Any ? sublab::Verdict::Kept : f.verdict;
  auto* dialog =
      new RowExportDialog(m_project->path(), m_runId, m_title->text(), c, m_settings, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &RowExportDialog::exported, this,
          [this](const QString& path, qint64 rows) { Q_EMIT exportFinished(path, rows, {}); });
  dialog->open();
  return dialog;
}

QStringList InspectorView::exportTables() const {
  return {tr("sequences run %1 (matching rows)").arg(m_runId)};
}

bool InspectorView::exportTable(int, const QString& path, QString* error) {
  if (!m_runId) {
    if (error) *error = tr("No run selected.");
    return false;
  }
  // Runs on the reader thread; the status line reports when it is written.
  m_status->setText(tr("Exporting to %1…").arg(path));
  m_model->exportCsv(path);
  return true;
}

void InspectorView::saveState(AppSettings& settings) const {
  settings.setHeaderState(QStringLiteral("inspector"), m_table->horizontalHeader()->saveState());
  settings.setViewValue(QStringLiteral("inspector"), QStringLiteral("regex"), m_regex->isChecked());
}

void InspectorView::restoreState(const AppSettings& settings) {
  const QByteArray h = settings.headerState(QStringLiteral("inspector"));
  if (!h.isEmpty()) m_table->horizontalHeader()->restoreState(h);
  m_regex->setChecked(
      settings.viewValue(QStringLiteral("inspector"), QStringLiteral("regex"), false).toBool());
}

}  // namespace sublab::ui
