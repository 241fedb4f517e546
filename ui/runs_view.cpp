// Implementation of RunsView.
#include "ui/runs_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QStackedWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include "engine/kinds.h"
#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/export_util.h"
#include "ui/project.h"
#include "ui/run_figures.h"
#include "ui/run_group_model.h"
#include "ui/runs_filter_proxy.h"
#include "ui/runs_table_model.h"

namespace sublab::ui {

RunsView::RunsView(Project* project, RunsTableModel* model, QWidget* parent)
    : QWidget(parent), m_project(project), m_model(model) {
  m_proxy = new RunsFilterProxy(this);
  m_proxy->setSourceModel(model);
  m_groups = new RunGroupModel(model, this);
  m_groups->setActive(false);
  m_groupProxy = new RunsFilterProxy(this);
  m_groupProxy->setSourceModel(m_groups);

  m_filter = new QLineEdit(this);
  m_filter->setObjectName(QStringLiteral("runsFilter"));
  m_filter->setPlaceholderText(tr("Filter runs: name, preset, tag, note or setting…"));
  m_filter->setClearButtonEnabled(true);
  m_kind = new QComboBox(this);
  m_kind->addItem(tr("All kinds"), QString());
  m_kind->setObjectName(QStringLiteral("kindFilter"));
  for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
    m_kind->addItem(QString::fromStdString(d.name), QString::fromStdString(d.name));
    m_kind->setItemData(m_kind->count() - 1, QString::fromStdString(d.title), Qt::ToolTipRole);
  }
  m_status = new QComboBox(this);
  m_status->addItem(tr("Any status"), QString());
  for (const char* s : {"queued", "running", "done", "failed", "cancelled", "interrupted"})
    m_status->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  m_group = new QCheckBox(tr("Group by config"), this);
  m_group->setObjectName(QStringLiteral("groupByConfig"));
  m_group->setToolTip(
      tr("One group per distinct config; the keys listed on the right are "
         "ignored (default: the seed)"));
  m_ignore = new QLineEdit(QStringLiteral("seed"), this);
  m_ignore->setToolTip(tr("Config keys (last path component) that do not split groups"));
  m_ignore->setMaximumWidth(160);
  m_ignore->setEnabled(false);
  m_count = new QLabel(this);

  auto* bar = new QHBoxLayout;
  bar->addWidget(m_filter, 1);
  bar->addWidget(m_kind);
  bar->addWidget(m_status);
  bar->addSpacing(8);
  bar->addWidget(m_group);
  bar->addWidget(new QLabel(tr("ignoring"), this));
  bar->addWidget(m_ignore);
  bar->addWidget(m_count);

  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("runsTable"));
  m_table->setModel(m_proxy);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(RunsTableModel::ColId, Qt::DescendingOrder);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                           QAbstractItemView::AnyKeyPressed);
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(22);
  m_table->horizontalHeader()->setSectionsMovable(true);
  m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
  m_table->setContextMenuPolicy(Qt::CustomContextMenu);
  m_table->setAlternatingRowColors(true);
  m_table->setWordWrap(false);
  const int widths[] = {44, 170, 70, 80, 130, 140, 80, 50, 220, 170, 170, 110, 160};
  for (int c = 0; c < RunsTableModel::ColumnCount; ++c) m_table->setColumnWidth(c, widths[c]);

  m_tree = new QTreeView(this);
  m_tree->setObjectName(QStringLiteral("runsTree"));
  m_tree->setModel(m_groupProxy);
  m_tree->setSortingEnabled(true);
  m_tree->sortByColumn(RunsTableModel::ColId, Qt::DescendingOrder);
  m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
  m_tree->setAlternatingRowColors(true);
  for (int c = 0; c < RunsTableModel::ColumnCount; ++c) m_tree->setColumnWidth(c, widths[c]);
  m_tree->setColumnWidth(RunsTableModel::ColId, 70);

  m_stack = new QStackedWidget(this);
  m_stack->addWidget(m_table);
  m_stack->addWidget(m_tree);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addWidget(m_stack, 1);

  auto applyFilter = [this] {
    for (RunsFilterProxy* p : {m_proxy, m_groupProxy}) {
      p->setText(m_filter->text());
      p->setKind(m_kind->currentData().toString());
      p->setStatus(m_status->currentData().toString());
    }
    if (isGrouped()) m_tree->expandAll();
    updateCount();
  };
  connect(m_filter, &QLineEdit::textChanged, this, applyFilter);
  connect(m_kind, &QComboBox::currentIndexChanged, this, applyFilter);
  connect(m_status, &QComboBox::currentIndexChanged, this, applyFilter);
  connect(m_group, &QCheckBox::toggled, this, &RunsView::setGrouped);
  connect(m_ignore, &QLineEdit::editingFinished, this, [this] {
    QStringList keys;
    for (const QString& k : m_ignore->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
      if (!k.trimmed().isEmpty()) keys << k.trimmed();
    m_model->setGroupIgnoredKeys(keys);
    m_groups->rebuild();
    m_tree->expandAll();
  });
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunsView::onSelection);
  connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunsView::onSelection);
  connect(m_table->horizontalHeader(), &QWidget::customContextMenuRequested, this,
          &RunsView::showHeaderMenu);
  connect(m_table, &QWidget::customContextMenuRequested, this, &RunsView::showContextMenu);
  connect(m_tree, &QWidget::customContextMenuRequested, this, &RunsView::showContextMenu);
  connect(m_tree, &QTreeView::doubleClicked, this, [this](const QModelIndex& idx) {
    const QVariant id = idx.data(RunsTableModel::RunIdRole);
    if (id.isValid()) Q_EMIT runActivated(id.toLongLong());
  });
  connect(m_groupProxy, &QAbstractItemModel::modelReset, m_tree, &QTreeView::expandAll);
  connect(m_model, &QAbstractItemModel::rowsInserted, this, &RunsView::updateCount);
  connect(m_model, &QAbstractItemModel::rowsRemoved, this, &RunsView::updateCount);
  connect(m_model, &QAbstractItemModel::modelReset, this, &RunsView::updateCount);
  connect(m_model, &RunsTableModel::errorOccurred, this, &RunsView::errorOccurred);
  updateCount();
}

void RunsView::setGrouped(bool grouped) {
  if (m_group->isChecked() != grouped) {
    m_group->setChecked(grouped);  // re-enters through toggled
    return;
  }
  const QList<qint64> selected = selectedRuns();
  m_groups->setActive(grouped);
  m_ignore->setEnabled(grouped);
  m_stack->setCurrentWidget(grouped ? static_cast<QWidget*>(m_tree) : m_table);
  if (grouped) m_tree->expandAll();
  selectRuns(selected);
  updateCount();
}

bool RunsView::isGrouped() const { return m_group->isChecked(); }

QList<qint64> RunsView::selectedRuns() const {
  QList<qint64> out;
  const QAbstractItemView* view = isGrouped() ? static_cast<QAbstractItemView*>(m_tree) : m_table;
  for (const QModelIndex& idx : view->selectionModel()->selectedRows()) {
    const QVariant id = idx.data(RunsTableModel::RunIdRole);
    if (id.isValid()) {
      if (!out.contains(id.toLongLong())) out << id.toLongLong();
      continue;
    }
    // A selected group stands for all its runs.
    for (int r = 0; r < idx.model()->rowCount(idx); ++r) {
      const qint64 child =
          idx.model()->index(r, 0, idx).data(RunsTableModel::RunIdRole).toLongLong();
      if (!out.contains(child)) out << child;
    }
  }
  return out;
}

qint64 RunsView::currentRun() const {
  const QAbstractItemView* view = isGrouped() ? static_cast<QAbstractItemView*>(m_tree) : m_table;
  const QVariant id = view->currentIndex().data(RunsTableModel::RunIdRole);
  if (id.isValid()) return id.toLongLong();
  const QList<qint64> sel = selectedRuns();
  return sel.isEmpty() ? 0 : sel.first();
}

void RunsView::selectRun(qint64 runId) { selectRuns({runId}); }

void RunsView::selectRuns(const QList<qint64>& runIds) {
  if (isGrouped()) {
    QItemSelection sel;
    for (int g = 0; g < m_groupProxy->rowCount(); ++g) {
      const QModelIndex parent = m_groupProxy->index(g, 0);
      for (int r = 0; r < m_groupProxy->rowCount(parent); ++r) {
        const QModelIndex idx = m_groupProxy->index(r, 0, parent);
        if (runIds.contains(idx.data(RunsTableModel::RunIdRole).toLongLong()))
          sel.select(idx, idx.siblingAtColumn(RunsTableModel::ColumnCount - 1));
      }
    }
    m_tree->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
    if (!sel.isEmpty()) m_tree->scrollTo(sel.indexes().first());
    return;
  }
  QItemSelection sel;
  QModelIndex first;
  for (qint64 id : runIds) {
    const int r = m_model->rowOfRun(id);
    if (r < 0) continue;
    const QModelIndex idx = m_proxy->mapFromSource(m_model->index(r, 0));
    if (!idx.isValid()) continue;
    if (!first.isValid()) first = idx;
    sel.select(idx, idx.siblingAtColumn(RunsTableModel::ColumnCount - 1));
  }
  m_table->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
  if (first.isValid()) {
    m_table->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    m_table->scrollTo(first);
  }
}

void RunsView::onSelection() { Q_EMIT selectionChanged(selectedRuns()); }

void RunsView::updateCount() {
  const int total = m_model->rowCount();
  const int shown = m_proxy->rowCount();
  m_count->setText(shown == total ? countText(total, tr("run"), tr("runs"))
                                  : tr("%1 of %2 runs").arg(shown).arg(total));
}

void RunsView::showHeaderMenu(const QPoint& pos) {
  QMenu menu(this);
  QHeaderView* header = m_table->horizontalHeader();
  for (int c = 0; c < RunsTableModel::ColumnCount; ++c) {
    QAction* a = menu.addAction(RunsTableModel::columnTitle(c));
    a->setCheckable(true);
    a->setChecked(!header->isSectionHidden(c));
    connect(a, &QAction::toggled, this, [this, c](bool on) {
      m_table->setColumnHidden(c, !on);
      m_tree->setColumnHidden(c, !on);
    });
  }
  menu.exec(header->mapToGlobal(pos));
}

void RunsView::showContextMenu(const QPoint& pos) {
  const QList<qint64> runs = selectedRuns();
  if (runs.isEmpty()) return;
  QMenu menu(this);
  menu.addAction(tr("Show curves"), this, [this, runs] { Q_EMIT runActivated(runs.first()); });
  QAction* compare = menu.addAction(tr("Compare selected runs"), this,
                                    [this, runs] { Q_EMIT compareRequested(runs); });
  compare->setEnabled(runs.size() >= 2);
  menu.addAction(tr("Inspect sequences"), this,
                 [this, runs] { Q_EMIT inspectRequested(runs.first()); });
  menu.addSeparator();
  menu.addAction(tr("Duplicate and edit…"), this,
                 [this, runs] { Q_EMIT duplicateRequested(runs.first(), false); });
  menu.addAction(tr("Re-run with more seeds…"), this,
                 [this, runs] { Q_EMIT duplicateRequested(runs.first(), true); });
  menu.addSeparator();
  if (!isGrouped()) {
    menu.addAction(tr("Edit tags"), this, [this] {
      const QModelIndex cur = m_table->currentIndex();
      if (cur.isValid()) m_table->edit(cur.siblingAtColumn(RunsTableModel::ColTags));
    });
    menu.addAction(tr("Edit notes"), this, [this] {
      const QModelIndex cur = m_table->currentIndex();
      if (cur.isValid()) m_table->edit(cur.siblingAtColumn(RunsTableModel::ColNotes));
    });
  }
  menu.addAction(tr("Delete…"), this, &RunsView::deleteSelected);
  QAbstractItemView* view = isGrouped() ? static_cast<QAbstractItemView*>(m_tree) : m_table;
  menu.exec(view->viewport()->mapToGlobal(pos));
}

void RunsView::deleteSelected() {
  const QList<qint64> runs = selectedRuns();
  if (runs.isEmpty() || !m_project->db()) return;
  if (QMessageBox::question(this, tr("Delete runs"),
                            tr("Delete %1 with their curves and sequences? This cannot be undone.")
                                .arg(countText(runs.size(), tr("run"), tr("runs")))) !=
      QMessageBox::Yes)
    return;
  for (qint64 id : runs) {
    const sublab::RunInfo* info = m_model->run(id);
    if (info &&
        (info->status == sublab::RunStatus::Running || info->status == sublab::RunStatus::Queued)) {
      Q_EMIT errorOccurred(tr("Run #%1 is still running: cancel it before deleting it.").arg(id));
      continue;
    }
    try {
      m_project->db()->deleteRun(id);
    } catch (const std::exception& e) {
      Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    }
  }
  m_model->reload();
}

bool RunsView::exportCsv(const QString& path, QString* error) {
  // The flat table as filtered and sorted on screen; raw values keep full precision.
  return exportModelCsv(m_proxy, path, error, 0, false);
}

void RunsView::saveState(AppSettings& settings) const {
  settings.setHeaderState(QStringLiteral("runs"), m_table->horizontalHeader()->saveState());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("grouped"), isGrouped());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("groupIgnore"), m_ignore->text());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("filter"), m_filter->text());
}

void RunsView::restoreState(const AppSettings& settings) {
  const QByteArray header = settings.headerState(QStringLiteral("runs"));
  if (!header.isEmpty()) {
    m_table->horizontalHeader()->restoreState(header);
    for (int c = 0; c < RunsTableModel::ColumnCount; ++c)
      m_tree->setColumnHidden(c, m_table->horizontalHeader()->isSectionHidden(c));
  }
  m_ignore->setText(
      settings
          .viewValue(QStringLiteral("runs"), QStringLiteral("groupIgnore"), QStringLiteral("seed"))
          .toString());
  Q_EMIT m_ignore->editingFinished();
  m_filter->setText(
      settings.viewValue(QStringLiteral("runs"), QStringLiteral("filter")).toString());
  setGrouped(settings.viewValue(QStringLiteral("runs"), QStringLiteral("grouped"), false).toBool());
}

}  // namespace sublab::ui
