// Implementation of HiddenSignalPanel: one row per variant in the engine's order; the verdict
// is coloured by what it says (detected: amber, not detected: plain).
#include "ui/stats_hidden_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>

namespace sublab::ui {

HiddenSignalPanel::HiddenSignalPanel(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("statsHiddenPanel"));
  m_table = new QTableWidget(0, 5, this);
  m_table->setObjectName(QStringLiteral("statsHiddenTable"));
  m_table->setHorizontalHeaderLabels(
      {tr("Detector sees"), tr("Rows"), tr("AUC [95% CI]"), tr("n A"), tr("n B")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionMode(QAbstractItemView::NoSelection);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_table->setToolTip(
      tr("The detector's held-out AUC with all its features (number shares and row length) or "
         "the numbers only, on the rows as they are or subsampled to the same length "
         "distribution on both sides. 0.5 is chance."));
  m_verdict = new QLabel(this);
  m_verdict->setObjectName(QStringLiteral("statsHiddenVerdict"));
  m_verdict->setWordWrap(true);
  m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(m_table, 0);
  row->addWidget(m_verdict, 1);
}

void HiddenSignalPanel::setSignal(const sublab::HiddenSignal* h) {
  m_table->setRowCount(0);
  if (!h) {
    m_verdict->setText(tr("Is the difference hidden? Not computed."));
    return;
  }
  const QLocale loc;
  m_table->setRowCount(static_cast<int>(h->variants.size()));
  for (int i = 0; i < m_table->rowCount(); ++i) {
    const sublab::DetectorVariant& v = h->variants[static_cast<size_t>(i)];
    const QStringList cells = {QString::fromStdString(sublab::featuresName(v.features)),
                               v.lengthMatched ? tr("length-matched") : tr("raw"),
                               QStringLiteral("%1 [%2, %3]")
                                   .arg(v.detector.auc, 0, 'f', 3)
                                   .arg(v.detector.lo, 0, 'f', 3)
                                   .arg(v.detector.hi, 0, 'f', 3),
                               loc.toString(v.rowsA), loc.toString(v.rowsB)};
    for (int c = 0; c < cells.size(); ++c) m_table->setItem(i, c, new QTableWidgetItem(cells[c]));
  }
  // The table as large as its cells, without scroll bars: four rows, five short columns.
  m_table->resizeColumnsToContents();
  m_table->resizeRowsToContents();
  int width = 2 * m_table->frameWidth();
  for (int c = 0; c < m_table->columnCount(); ++c) width += m_table->columnWidth(c);
  int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth();
  for (int i = 0; i < m_table->rowCount(); ++i) height += m_table->rowHeight(i);
  m_table->setFixedSize(width, height);
  m_verdict->setText(QString::fromStdString(sublab::hiddenVerdictLine(*h)));
  m_verdict->setStyleSheet(
      h->verdict == sublab::HiddenVerdict::Detected ? QStringLiteral("color:#8a5300") : QString());
}

}  // namespace sublab::ui
