// Implementation of ModelCardWidget: two labels, the facts and the verdict.
#include "ui/model_card_widget.h"

#include <QLabel>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace sublab::ui {

QString formatParameters(int64_t n) {
  if (n >= 1'000'000'000) return QString::number(double(n) / 1e9, 'f', 2) + QStringLiteral(" B");
  if (n >= 1'000'000) return QString::number(double(n) / 1e6, 'f', 1) + QStringLiteral(" M");
  return QString::number(n);
}

ModelCardWidget::ModelCardWidget(QWidget* parent) : QFrame(parent) {
  setFrameShape(QFrame::StyledPanel);
  setObjectName(QStringLiteral("modelCard"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(8, 6, 8, 6);
  m_facts = new QLabel(this);
  m_facts->setObjectName(QStringLiteral("modelCardFacts"));
  m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_verdict = new QLabel(this);
  m_verdict->setObjectName(QStringLiteral("modelCardVerdict"));
  m_verdict->setWordWrap(true);
  layout->addWidget(m_facts);
  layout->addWidget(m_verdict);
}

void ModelCardWidget::setCard(const sublab::ModelCard& card) {
  QStringList rows;
  auto row = [&rows](const QString& name, const QString& value) {
    rows << QStringLiteral("<tr><td>%1</td><td style='padding-left:10px'>%2</td></tr>")
                .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
  };
  const QString device = QString::fromStdString(card.device);
  if (card.readable) {
    row(tr("Architecture"), QString::fromStdString(card.architecture));
    row(tr("Parameters"), formatParameters(card.parameters));
    row(tr("Stored as"), QString::fromStdString(card.dtype));
    row(tr("Computes in"), QString::fromStdString(card.computeDtype) + tr(" on ") + device);
    row(tr("Context"), tr("%1 tokens").arg(card.contextLength));
    row(tr("Vocabulary"), tr("%1 tokens").arg(card.vocabSize));
    row(tr("Memory needed"), QString::fromStdString(sublab::formatBytes(card.memoryNeeded)) +
                                 tr(" on ") + device + tr(" (estimate)"));
    row(tr("Available"), card.memoryAvailable < 0
                             ? tr("unknown")
                             : QString::fromStdString(sublab::formatBytes(card.memoryAvailable)));
  }
  m_facts->setText(QStringLiteral("<table>") + rows.join(QString()) + QStringLiteral("</table>"));
  m_facts->setVisible(card.readable);
  m_refused = !card.fits || !card.refusal.empty();
  const QString verdict = m_refused ? tr("Cannot run: %1").arg(QString::fromStdString(card.refusal))
                                    : tr("Fits on %1.").arg(device);
  m_verdict->setText(verdict);
  m_verdict->setStyleSheet(m_refused ? QStringLiteral("color:#b00020; font-weight:bold")
                                     : QStringLiteral("color:#2e7d32"));
}

QString ModelCardWidget::text() const {
  QString facts = m_facts->isVisibleTo(this) ? m_facts->text() : QString();
  facts.replace(QStringLiteral("</tr>"), QStringLiteral("\n"));
  facts.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
  return facts + m_verdict->text();
}

}  // namespace sublab::ui
