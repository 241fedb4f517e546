// Implementation of StatsSidePicker: items carry the run id and the condition as their data;
// a new run clears the conditions, which the next computation fills.
#include "ui/stats_side_picker.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

#include "ui/palette.h"

namespace sublab::ui {

StatsSidePicker::StatsSidePicker(const QString& side, const QString& conditionTip, QWidget* parent)
    : QWidget(parent) {
  m_run = new QComboBox(this);
  m_run->setObjectName(QStringLiteral("statsRun") + side);
  m_run->setToolTip(tr("Side %1: the run (or imported dataset) whose rows are compared").arg(side));
  m_condition = new QComboBox(this);
  m_condition->setObjectName(QStringLiteral("statsSide") + side);
  m_condition->setToolTip(conditionTip);
  for (QComboBox* box : {m_run, m_condition}) box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->setSpacing(2);
  row->addWidget(m_run);
  row->addWidget(m_condition);
  connect(m_run, &QComboBox::currentIndexChanged, this, [this] {
    {
      const QSignalBlocker b(m_condition);
      m_condition->clear();
    }
    Q_EMIT changed();
  });
  connect(m_condition, &QComboBox::currentIndexChanged, this, &StatsSidePicker::changed);
}

void StatsSidePicker::setChoices(const QList<QPair<qint64, QString>>& runs, qint64 run,
                                 const QStringList& conditions, const QString& condition) {
  const QSignalBlocker br(m_run), bc(m_condition);
  m_run->clear();
  for (const auto& [id, name] : runs)
    m_run->addItem(tr("#%1 %2").arg(id).arg(name), QVariant::fromValue(id));
  if (m_run->findData(QVariant::fromValue(run)) < 0)
    m_run->addItem(tr("#%1").arg(run), QVariant::fromValue(run));
  m_run->setCurrentIndex(m_run->findData(QVariant::fromValue(run)));
  m_condition->clear();
  for (const QString& c : conditions) m_condition->addItem(conditionLabel(c), c);
  m_condition->setCurrentIndex(std::max(0, m_condition->findData(condition)));
}

void StatsSidePicker::clear() {
  const QSignalBlocker br(m_run), bc(m_condition);
  m_run->clear();
  m_condition->clear();
}

qint64 StatsSidePicker::run() const { return m_run->currentData().toLongLong(); }
QString StatsSidePicker::condition() const { return m_condition->currentData().toString(); }

}  // namespace sublab::ui
