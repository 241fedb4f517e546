// Implementation of RunsView.
#include "ui/runs_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
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
  m_proxy->setRunsModel(model);
  m_groups = new RunGroupModel(model, this);
  m_groups->setActive(false);
  m_groupProxy = new RunsFilterProxy(this);
  m_groupProxy->setSourceModel(m_groups);
  m_groupProxy->setRunsModel(model);

  m_filter = new QLineEdit(this);
  m_filter->setObjectName(QStringLiteral("runsFilter"));
  m_filter->setPlaceholderText(
      tr("Filter runs: words (name, preset, tag, note, setting) and conditions such as "
         "transfer > 0  student.lr < 1e-3"));
  m_filter->setToolTip(
      tr("Words must all appear in a run's name, preset, tags, notes or key settings.\n"
         "Conditions KEY OP VALUE (OP: < <= > >= = !=) read a figure (transfer, raw, cross, "
         "or a stored one such as student) or a config path (student.lr), or id / seeds / "
         "duration / sweep (its id, sweep=3); numbers with a decimal point (0.001, 1e-3)."));
  m_filterError = new QLabel(this);
  m_filterError->setObjectName(QStringLiteral("filterError"));
  m_filterError->setStyleSheet(QStringLiteral("color: #b00020"));
  m_filterError->setWordWrap(true);
  m_filterError->hide();
  m_columns = new QPushButton(tr("Columns…"), this);
  m_columns->setObjectName(QStringLiteral("chooseColumns"));
  m_columns->setToolTip(tr("Choose the columns: any summary figure or config key"));
  m_filter->setClearButtonEnabled(true);
  m_kind = new QComboBox(this);
  m_kind->addItem(tr("All kinds"), QString());
  m_kind->setObjectName(QStringLiteral("kindFilter"));
  for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
    // By title, as the Kind column shows them.
    m_kind->addItem(QString::fromStdString(d.title), QString::fromStdString(d.name));
    m_kind->setItemData(m_kind->count() - 1, QString::fromStdString(d.name), Qt::ToolTipRole);
  }
  m_status = new QComboBox(this);
  m_status->addItem(tr("Any status"), QString());
  for (const char* s : {"queued", "running", "done", "failed", "cancelled", "interrupted"})
    m_status->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  m_group = new QCheckBox(tr("Group by"), this);
  m_group->setObjectName(QStringLiteral("groupByConfig"));
  m_group->setToolTip(
      tr("Config: one group per distinct config; the keys listed on the right are ignored "
         "(default: the seed). Sweep: one group per sweep, its points' runs inside, the runs "
         "in no sweep in a group of their own."));
  m_groupBy = new QComboBox(this);
  m_groupBy->setObjectName(QStringLiteral("groupByKey"));
  m_groupBy->addItem(tr("config"), int(RunsTableModel::GroupBy::Config));
  m_groupBy->addItem(tr("sweep"), int(RunsTableModel::GroupBy::Sweep));
  m_groupBy->setToolTip(m_group->toolTip());
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
  bar->addWidget(m_groupBy);
  bar->addWidget(new QLabel(tr("ignoring"), this));
  bar->addWidget(m_ignore);
  bar->addWidget(m_count);
  bar->addWidget(m_columns);

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
  const int widths[] = {44, 170, 200, 80, 130, 140, 80, 50, 220, 170, 170, 170, 110, 160, 240, 120};
  static_assert(std::size(widths) == RunsTableModel::ColumnCount);
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
  layout->addWidget(m_filterError);
  layout->addWidget(m_stack, 1);

  auto applyFilter = [this] {
    for (RunsFilterProxy* p : {m_proxy, m_groupProxy}) {
      p->setText(m_filter->text());
      p->setKind(m_kind->currentData().toString());
      p->setStatus(m_status->currentData().toString());
    }
    if (isGrouped()) m_tree->expandAll();
    const QString error = m_proxy->error();
    m_filterError->setText(error);
    m_filterError->setVisible(!error.isEmpty());
    updateCount();
  };
  connect(m_filter, &QLineEdit::textChanged, this, applyFilter);
  connect(m_kind, &QComboBox::currentIndexChanged, this, applyFilter);
  connect(m_status, &QComboBox::currentIndexChanged, this, applyFilter);
  connect(m_group, &QCheckBox::toggled, this, &RunsView::setGrouped);
  connect(m_groupBy, &QComboBox::currentIndexChanged, this, [this] {
    const auto by = RunsTableModel::GroupBy(m_groupBy->currentData().toInt());
    m_model->setGroupBy(by);
    m_ignore->setEnabled(isGrouped() && by == RunsTableModel::GroupBy::Config);
    if (!isGrouped()) return;
    m_groups->rebuild();
    m_tree->expandAll();
  });
  connect(m_columns, &QPushButton::clicked, this, [this] { chooseColumns(); });
  connect(m_model, &QAbstractItemModel::columnsInserted, this,
          [this](const QModelIndex&, int first, int last) {
            for (int c = first; c <= last; ++c) m_table->setColumnWidth(c, 150);
          });
  connect(m_ignore, &QLineEdit::editingFinished, this, [this] {
    QStringList keys;
    for (const QString& k : m_ignore->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
      if (!k.trimmed().isEmpty()) keys << k.trimmed();
    m_model->setGroupIgnoredKeys(keys);
    m_groups->rebuild();
    m_tree->expandAll();
  });
  // Delete (the key, or the context menu) trashes the selected runs after a confirmation.
  m_delete = new QAction(tr("Delete…"), this);
  m_delete->setObjectName(QStringLiteral("deleteRuns"));
  m_delete->setShortcut(QKeySequence::Delete);
  m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  connect(m_delete, &QAction::triggered, this, &RunsView::deleteSelected);
  m_table->addAction(m_delete);
  m_tree->addAction(m_delete);

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
  m_ignore->setEnabled(grouped && m_model->groupBy() == RunsTableModel::GroupBy::Config);
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
  menu.addAction(m_delete);
  QAbstractItemView* view = isGrouped() ? static_cast<QAbstractItemView*>(m_tree) : m_table;
  menu.exec(view->viewport()->mapToGlobal(pos));
}

QDialog* RunsView::chooseColumns(bool modal) {
  auto* dialog = new QDialog(this);
  dialog->setObjectName(QStringLiteral("columnChooser"));
  dialog->setWindowTitle(tr("Columns of the runs table"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  auto* list = new QListWidget(dialog);
  list->setObjectName(QStringLiteral("columnList"));
  auto heading = [&](const QString& text) {
    auto* item = new QListWidgetItem(text, list);
    QFont f = item->font();
    f.setBold(true);
    item->setFont(f);
    item->setFlags(Qt::ItemIsEnabled);
  };
  auto option = [&](const QString& text, const QVariant& key, bool on, const QString& tip) {
    auto* item = new QListWidgetItem(text, list);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
    item->setData(Qt::UserRole, key);
    item->setToolTip(tip);
  };
  const QStringList extra = m_model->extraColumns();
  heading(tr("Standard columns"));
  for (int c = 0; c < RunsTableModel::ColumnCount; ++c)
    option(RunsTableModel::columnTitle(c), c, !m_table->isColumnHidden(c),
           m_model->headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString());
  heading(tr("Summary figures (mean [95% CI])"));
  for (const QString& name : m_model->figureNames())
    option(name, QStringLiteral("figure:") + name, extra.contains("figure:" + name),
           name == QLatin1String("transfer") ? tr("The kind's transfer (the Transfer column)")
           : name == QLatin1String("raw")    ? tr("The student's own figure (the Student column)")
           : name == QLatin1String("cross")  ? tr("The cross-init figure")
                                             : tr("Stored figure %1").arg(name));
  heading(tr("Config keys"));
  for (const QString& path : m_model->configPaths())
    option(path, QStringLiteral("config:") + path, extra.contains("config:" + path),
           tr("Config key %1").arg(path));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(new QLabel(tr("Tick the columns to show; figures and config keys are "
                                  "added after the standard columns."),
                               dialog));
  layout->addWidget(list, 1);
  layout->addWidget(buttons);
  dialog->resize(420, 560);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, list] {
    QStringList keys;
    for (int i = 0; i < list->count(); ++i) {
      const QListWidgetItem* item = list->item(i);
      const QVariant key = item->data(Qt::UserRole);
      if (!key.isValid()) continue;
      const bool on = item->checkState() == Qt::Checked;
      if (key.typeId() == QMetaType::Int) {
        m_table->setColumnHidden(key.toInt(), !on);
        m_tree->setColumnHidden(key.toInt(), !on);
      } else if (on) {
        keys << key.toString();
      }
    }
    m_model->setExtraColumns(keys);
    dialog->accept();
  });
  if (modal)
    dialog->exec();
  else
    dialog->show();
  return modal ? nullptr : dialog;
}

void RunsView::deleteSelected() {
  const QList<qint64> runs = selectedRuns();
  if (runs.isEmpty() || !m_project->db()) return;
  QList<qint64> deletable;
  for (qint64 id : runs) {
    const sublab::RunInfo* info = m_model->run(id);
    if (info &&
        (info->status == sublab::RunStatus::Running || info->status == sublab::RunStatus::Queued)) {
      Q_EMIT errorOccurred(tr("Run #%1 is still running: cancel it before deleting it.").arg(id));
      continue;
    }
    deletable << id;
  }
  if (deletable.isEmpty()) return;
  QMessageBox box(
      QMessageBox::Question, tr("Delete runs"),
      tr("Delete %1 with their curves and sequences? Edit › Undo delete (Ctrl+Z) "
         "brings them back until the app closes.")
          .arg(deletable.size() == 1 ? tr("run #%1").arg(deletable.first())
                                     : countText(deletable.size(), tr("run"), tr("runs"))),
      QMessageBox::Yes | QMessageBox::No, this);
  box.setObjectName(QStringLiteral("confirmDelete"));
  box.setDefaultButton(QMessageBox::Yes);
  if (box.exec() != QMessageBox::Yes) return;
  QList<qint64> deleted;
  for (qint64 id : deletable) {
    try {
      m_project->db()->trashRun(id);
      deleted << id;
    } catch (const std::exception& e) {
      Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    }
  }
  m_model->reload();
  if (!deleted.isEmpty()) Q_EMIT runsDeleted(deleted);
}

bool RunsView::exportCsv(const QString& path, QString* error) {
  // The flat table as filtered and sorted on screen; raw values keep full precision.
  return exportModelCsv(m_proxy, path, error, 0, false);
}

void RunsView::saveState(AppSettings& settings) const {
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("extraColumns"),
                        m_model->extraColumns());
  settings.setHeaderState(QStringLiteral("runs"), m_table->horizontalHeader()->saveState());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("grouped"), isGrouped());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("groupIgnore"), m_ignore->text());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("groupBy"),
                        m_groupBy->currentIndex());
  settings.setViewValue(QStringLiteral("runs"), QStringLiteral("filter"), m_filter->text());
}

void RunsView::restoreState(const AppSettings& settings) {
  // The extra columns first: the header's saved state counts them.
  m_model->setExtraColumns(
      settings.viewValue(QStringLiteral("runs"), QStringLiteral("extraColumns")).toStringList());
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
  m_groupBy->setCurrentIndex(
      qBound(0, settings.viewValue(QStringLiteral("runs"), QStringLiteral("groupBy"), 0).toInt(),
             m_groupBy->count() - 1));
  m_filter->setText(
      settings.viewValue(QStringLiteral("runs"), QStringLiteral("filter")).toString());
  setGrouped(settings.viewValue(QStringLiteral("runs"), QStringLiteral("grouped"), false).toBool());
}

}  // namespace sublab::ui
