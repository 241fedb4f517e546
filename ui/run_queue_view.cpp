// Implementation of RunQueueView, with a delegate that paints the progress column as a bar.
#include "ui/run_queue_view.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/run_queue.h"
#include "ui/run_queue_model.h"

namespace sublab::ui {

namespace {

class ProgressDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 3, -2, -3);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qRound(index.data(RunQueueModel::FractionRole).toDouble() * 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
  }
};

}  // namespace

RunQueueView::RunQueueView(RunQueue* queue, QWidget* parent)
    : QWidget(parent), m_queue(queue), m_model(new RunQueueModel(queue, this)) {
  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("queueTable"));
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setStretchLastSection(false);
  m_table->horizontalHeader()->setSectionResizeMode(RunQueueModel::ColStage, QHeaderView::Stretch);
  m_table->setItemDelegateForColumn(RunQueueModel::ColProgress, new ProgressDelegate(m_table));
  m_table->setColumnWidth(RunQueueModel::ColName, 170);
  m_table->setColumnWidth(RunQueueModel::ColProgress, 110);

  m_stages = new QTreeWidget(this);
  m_stages->setObjectName(QStringLiteral("stageList"));
  m_stages->setColumnCount(3);
  m_stages->setHeaderLabels({tr("Stage"), tr("Status"), tr("Progress")});
  m_stages->setRootIsDecorated(false);
  m_stages->setColumnWidth(0, 110);
  m_stages->setColumnWidth(1, 80);

  m_cancel = new QPushButton(tr("Cancel run"), this);
  m_cancel->setObjectName(QStringLiteral("cancelRun"));
  m_cancel->setToolTip(tr("Stop the selected run at its next check; it is stored as cancelled"));
  m_clear = new QPushButton(tr("Clear finished"), this);
  m_summary = new QLabel(this);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_summary, 1);
  buttons->addWidget(m_clear);
  buttons->addWidget(m_cancel);
  // Jobs on the left, the selected job's stages on the right: the dock stays short.
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_table);
  split->addWidget(m_stages);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split, 1);
  layout->addLayout(buttons);

  connect(m_cancel, &QPushButton::clicked, this, [this] {
    if (int id = selectedJob()) m_queue->cancel(id);
  });
  connect(m_clear, &QPushButton::clicked, m_queue, &RunQueue::clearFinished);
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
    updateStages();
    updateButtons();
  });
  connect(m_table, &QTableView::clicked, this, [this](const QModelIndex& idx) {
    Q_EMIT runClicked(idx.data(RunQueueModel::RunIdRole).toLongLong());
  });
  connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& idx) {
    Q_EMIT runActivated(idx.data(RunQueueModel::RunIdRole).toLongLong());
  });
  connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
    updateStages();
    updateButtons();
  });
  connect(m_model, &QAbstractItemModel::rowsInserted, this,
          [this](const QModelIndex&, int, int last) {
            // Follow the newest job so its stages show without a click.
            m_table->selectRow(last);
            updateButtons();
          });
  connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
    updateStages();
    updateButtons();
  });
  updateButtons();
}

int RunQueueView::selectedJob() const {
  const QModelIndex cur = m_table->selectionModel()->currentIndex();
  if (cur.isValid()) return cur.siblingAtColumn(0).data(RunQueueModel::JobIdRole).toInt();
  return m_queue->activeJobId();
}

void RunQueueView::updateStages() {
  const Job* j = m_queue->job(selectedJob());
  const int n = j ? j->stages.size() : 0;
  while (m_stages->topLevelItemCount() > n) delete m_stages->takeTopLevelItem(n);
  for (int i = 0; i < n; ++i) {
    const StageProgress& s = j->stages[i];
    QTreeWidgetItem* item = m_stages->topLevelItem(i);
    if (!item) item = new QTreeWidgetItem(m_stages);
    item->setText(0, s.name);
    item->setText(1, QString::fromStdString(sublab::toString(s.status)));
    item->setText(2, QStringLiteral("%1%  %2").arg(qRound(s.fraction * 100)).arg(s.message));
  }
}

void RunQueueView::updateButtons() {
  const Job* j = m_queue->job(selectedJob());
  m_cancel->setEnabled(j && j->isActive());
  int queued = 0, running = 0;
  for (int i = 0; i < m_queue->jobCount(); ++i) {
    const sublab::RunStatus status = m_queue->jobAt(i)->status;
    if (status == sublab::RunStatus::Queued) ++queued;
    if (status == sublab::RunStatus::Running) ++running;
  }
  m_summary->setText(running || queued ? tr("%1 running, %2 queued").arg(running).arg(queued)
                                       : tr("Idle"));
}

}  // namespace sublab::ui
