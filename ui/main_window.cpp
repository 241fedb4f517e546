// Implementation of MainWindow: construction and signal wiring; views do the work.
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>

#include "engine/experiment.h"
#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/aux_view.h"
#include "ui/compare_view.h"
#include "ui/curves_view.h"
#include "ui/experiment_dialog.h"
#include "ui/exportable.h"
#include "ui/glossary.h"
#include "ui/import_dialog.h"
#include "ui/inspector_view.h"
#include "ui/project.h"
#include "ui/run_figures.h"
#include "ui/run_kind.h"
#include "ui/run_progress.h"
#include "ui/run_queue.h"
#include "ui/run_queue_view.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"
#include "ui/stats_view.h"
#include "ui/sweep_dialog.h"
#include "ui/sweep_view.h"

namespace sublab::ui {

MainWindow::MainWindow(AppSettings* settings, QWidget* parent)
    : QMainWindow(parent), m_settings(settings) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/subliminal-lab.svg")));
  m_project = new Project(this);
  m_runsModel = new RunsTableModel(m_project, this);
  m_queue = new RunQueue(m_project, this);

  m_runs = new RunsView(m_project, m_runsModel, this);
  m_curves = new CurvesView(m_project, settings, this);
  m_compare = new CompareView(m_project, settings, this);
  m_inspector = new InspectorView(m_project, settings, this);
  m_aux = new AuxView(m_project, settings, this);
  m_stats = new StatsView(m_project, settings, this);
  m_sweeps = new SweepView(m_project, this);
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName(QStringLiteral("views"));
  m_tabs->setDocumentMode(true);
  m_tabs->addTab(m_runs, tr("Runs"));
  m_tabs->addTab(m_curves, tr("Curves"));
  m_tabs->addTab(m_compare, tr("Compare"));
  m_tabs->addTab(m_inspector, tr("Sequences"));
  m_tabs->addTab(m_aux, tr("Results"));
  m_tabs->setTabToolTip(AuxTab, tr("Final figures per condition as bars with 95% CI, and their "
                                   "curves (auxiliary-logit runs: test accuracy per epoch)"));
  m_tabs->addTab(m_stats, tr("Statistics"));
  m_tabs->setTabToolTip(StatsTab, tr("Statistics of a run's generated sequences: number "
                                     "frequencies, detector, entanglement, per-token "
                                     "log-probabilities"));
  m_tabs->addTab(m_sweeps, tr("Sweeps"));
  m_tabs->setTabToolTip(SweepsTab, tr("A sweep's effect (with 95% CI) against the swept knob, "
                                      "its progress and its points"));
  setCentralWidget(m_tabs);

  m_queueView = new RunQueueView(m_queue, this);
  m_queueDock = new QDockWidget(tr("Run queue"), this);
  m_queueDock->setObjectName(QStringLiteral("runQueueDock"));
  m_queueDock->setWidget(m_queueView);
  addDockWidget(Qt::BottomDockWidgetArea, m_queueDock);
  resizeDocks({m_queueDock}, {170}, Qt::Vertical);

  m_dbLabel = new QLabel(this);
  m_runProgress = new QLabel(this);
  m_runProgress->setObjectName(QStringLiteral("runProgress"));
  m_runProgress->setContentsMargins(0, 0, 16, 0);  // apart from the project path
  m_runProgress->setToolTip(
      tr("The running run: its stage, how much of the whole run is done "
         "and an estimate of the time left"));
  connect(new RunProgressTracker(m_queue, this), &RunProgressTracker::changed, m_runProgress,
          &QLabel::setText);
  statusBar()->addPermanentWidget(m_runProgress);
  statusBar()->addPermanentWidget(m_dbLabel);
  buildMenus();

  connect(m_runs, &RunsView::selectionChanged, this, &MainWindow::onSelectionChanged);
  connect(m_sweeps, &SweepView::runClicked, this, [this](qint64 id) { selectRuns({id}); });
  connect(m_runs, &RunsView::runActivated, this, &MainWindow::openRun);
  connect(m_runs, &RunsView::compareRequested, this, [this](const QList<qint64>& ids) {
    selectRuns(ids);
    showView(CompareTab);
  });
  connect(m_runs, &RunsView::inspectRequested, this, [this](qint64 id) {
    selectRuns({id});
    showView(InspectorTab);
  });
  connect(m_stats, &StatsView::numberActivated, this, [this](int number) {
    // The Sequences view of the same run, filtered to the rows whose completions hold the
    // number: the statistics' two sides and verdict (kept rows by default), every seed, so the
    // rows listed are the ones the statistics counted.
    showView(InspectorTab);
    m_inspector->showRowsContaining(number, m_stats->sides(),
                                    m_stats->verdictBox()->currentData().toInt());
  });
  connect(m_runs, &RunsView::duplicateRequested, this, &MainWindow::duplicateRun);
  connect(m_runs, &RunsView::errorOccurred, this,
          [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  connect(m_runs, &RunsView::runsDeleted, this, &MainWindow::onRunsDeleted);
  // One click on a job selects its run in every view (the current view stays).
  connect(m_queueView, &RunQueueView::runClicked, this, [this](qint64 id) { selectRuns({id}); });
  connect(m_queueView, &RunQueueView::runActivated, this, &MainWindow::openRun);
  connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::syncCurrentView);

  connect(m_queue, &RunQueue::runQueued, this, [this](qint64 id) {
    m_runsModel->refreshRun(id);
    // The user's selection and view stay; a new run is selected only when nothing was.
    if (m_selection.isEmpty()) selectRuns({id});
    statusBar()->showMessage(tr("Run #%1 queued; click it in the run queue to show it").arg(id),
                             8000);
  });
  connect(m_queue, &RunQueue::runStarted, this, [this](qint64 id) {
    m_runsModel->refreshRun(id);
    statusBar()->showMessage(tr("Run #%1 started").arg(id), 4000);
  });
  connect(m_queue, &RunQueue::metricsArrived, this,
          [this](qint64 id, const std::vector<sublab::MetricPoint>& points) {
            m_curves->addPoints(id, points);
            m_compare->addPoints(id, points);
            m_aux->addPoints(id, points);
          });
  connect(m_queue, &RunQueue::sequencesArrived, m_inspector, &InspectorView::notifyNewRows);
  connect(m_queue, &RunQueue::runFinished, this, &MainWindow::onRunFinished);
  // Sweep progress follows the queue.
  for (auto signal : {&RunQueue::runStarted, &RunQueue::runQueued})
    connect(m_queue, signal, this, [this] {
      if (m_tabs->currentIndex() == SweepsTab) m_sweeps->refresh();
    });
  connect(m_queue, &RunQueue::runFinished, this, [this] {
    if (m_tabs->currentIndex() == SweepsTab) m_sweeps->refresh();
  });
  connect(m_project, &Project::externalChange, this, &MainWindow::onExternalChange);
  connect(m_inspector, &InspectorView::exportFinished, this,
          [this](const QString& path, qint64 rows, const QString& error) {
            if (error.isEmpty())
              statusBar()->showMessage(tr("Exported %1 rows to %2").arg(rows).arg(path), 8000);
            else
              showError(tr("Export"), error);
          });
  resize(1360, 860);
  updateTitle();
}

MainWindow::~MainWindow() { emptyTrash(); }

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New project…"), this, &MainWindow::newDatabase);
  file->addAction(tr("&Open project…"), QKeySequence::Open, this, &MainWindow::openDatabaseDialog);
  m_recentMenu = file->addMenu(tr("Open &recent"));
  connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
  file->addSeparator();
  file->addAction(tr("&Import dataset…"), this, &MainWindow::importDataset)
      ->setObjectName(QStringLiteral("importDatasetAction"));
  m_exportMenu = file->addMenu(tr("&Export"));
  connect(m_exportMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildExportMenu);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  m_undoDelete = edit->addAction(tr("&Undo delete"), this, &MainWindow::undoDelete);
  m_undoDelete->setObjectName(QStringLiteral("undoDelete"));
  m_undoDelete->setShortcut(QKeySequence::Undo);
  edit->addAction(m_runs->deleteAction());
  updateUndoAction();

  QMenu* exp = menuBar()->addMenu(tr("&Experiment"));
  QAction* newExp =
      exp->addAction(tr("&New experiment…"), QKeySequence::New, this, &MainWindow::newExperiment);
  newExp->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  QMenu* quick = exp->addMenu(tr("Run &preset"));
  for (const sublab::Preset& p : sublab::presets()) {
    const QString name = QString::fromStdString(p.name);
    QAction* a = quick->addAction(name, this, [this, name] {
      QString error;
      if (!runPreset(name, 0, &error)) showError(tr("Run preset"), error);
    });
    a->setToolTip(QString::fromStdString(p.description));
    a->setStatusTip(QString::fromStdString(p.description));
  }
  exp->addSeparator();
  // On the run selected in the Runs view (its context menu has the same two).
  auto onSelected = [this](bool moreSeeds) {
    const QList<qint64> ids = m_runs->selectedRuns();
    if (ids.isEmpty())
      showError(tr("Duplicate run"), tr("Select a run in the Runs view first."));
    else
      duplicateRun(ids.first(), moreSeeds);
  };
  exp->addAction(tr("&Duplicate and edit…"), this, [onSelected] { onSelected(false); })
      ->setObjectName(QStringLiteral("duplicateRunAction"));
  exp->addAction(tr("Re-run with &more seeds…"), this, [onSelected] { onSelected(true); })
      ->setObjectName(QStringLiteral("moreSeedsAction"));
  exp->addSeparator();
  exp->addAction(tr("&Cancel all runs"), m_queue, &RunQueue::cancelAll);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  const char* names[] = {"&Runs",    "&Curves",     "C&ompare", "&Sequences",
                         "R&esults", "S&tatistics", "S&weeps"};
  for (int i = 0; i < ViewCount; ++i) {
    QAction* a = view->addAction(tr(names[i]), this, [this, i] { showView(View(i)); });
    a->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
  }
  view->addSeparator();
  view->addAction(m_queueDock->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* glossary = help->addAction(tr("&Glossary"), this, [this] {
    // One non-modal glossary, kept open beside the views.
    auto* dialog = findChild<GlossaryDialog*>();
    if (!dialog) dialog = new GlossaryDialog(this);
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
  });
  glossary->setShortcut(QKeySequence::HelpContents);
  glossary->setObjectName(QStringLiteral("glossaryAction"));
  help->addAction(tr("&Quick guide"), this, [this] {
    QMessageBox::information(
        this, tr("Quick guide"),
        tr("<p><b>Experiment › New experiment</b> sets up a run: pick a kind and a preset, "
           "change any knob; Run queues it.</p>"
           "<p><b>Curves</b> shows the selected run's trait probability (or accuracy) per "
           "condition with a 95% CI band; it fills in while the run trains. Wheel zooms, drag "
           "pans, double-click resets, hover reads values.</p>"
           "<p><b>Compare</b>: Ctrl-click several runs in <b>Runs</b>, then open Compare.</p>"
           "<p><b>Sequences</b> lists every generated row with its verdict; choose a reject "
           "reason to see why rows were dropped.</p>"
           "<p><b>Statistics</b> compares the selected run's teacher rows with its reference "
           "rows number by number; click a number to see the rows containing it.</p>"
           "<p>Every chart and table: <b>File › Export</b> or the view's Export button.</p>"));
  });
  help->addAction(tr("&About Subliminal Lab"), this, [this] {
    QMessageBox::about(this, tr("About Subliminal Lab"),
                       tr("<h3>Subliminal Lab %1</h3><p>A workbench for subliminal-learning "
                          "experiments: a teacher with a trait writes unrelated data, a student "
                          "trained on it picks up the trait, and this app measures it.</p>")
                           .arg(QApplication::applicationVersion()));
  });

  QToolBar* tb = addToolBar(tr("Main"));
  tb->setObjectName(QStringLiteral("mainToolbar"));
  tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  tb->addAction(newExp);
  QAction* compare = tb->addAction(style()->standardIcon(QStyle::SP_FileDialogDetailedView),
                                   tr("Compare selected"), this, [this] {
                                     if (!m_selection.isEmpty()) showView(CompareTab);
                                   });
  compare->setToolTip(tr("Compare the runs selected in the Runs view"));
  QAction* cancel = tb->addAction(style()->standardIcon(QStyle::SP_MediaStop), tr("Cancel all"),
                                  m_queue, &RunQueue::cancelAll);
  cancel->setToolTip(tr("Cancel every queued and running run"));
}

void MainWindow::rebuildRecentMenu() {
  m_recentMenu->clear();
  for (const QString& path : m_settings->recentDatabases()) {
    m_recentMenu->addAction(path, this, [this, path] {
      QString error;
      if (!openDatabase(path, &error)) showError(tr("Open project"), error);
    });
  }
  if (m_recentMenu->isEmpty()) m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::rebuildExportMenu() {
  m_exportMenu->clear();
  if (auto* source = dynamic_cast<Exportable*>(m_tabs->currentWidget())) {
    ExportButton::fillMenu(m_exportMenu, this, source, m_settings);
  } else {
    m_exportMenu->addAction(tr("Table: runs (CSV)…"), this, [this] {
      const QString path = QFileDialog::getSaveFileName(this, tr("Export runs"),
                                                        m_settings->lastExportDir() + "/runs.csv",
                                                        tr("CSV table (*.csv)"));
      if (path.isEmpty()) return;
      QString error;
      if (!m_runs->exportCsv(path, &error))
        showError(tr("Export"), error);
      else
        m_settings->setLastExportDir(QFileInfo(path).absolutePath());
    });
  }
}

bool MainWindow::openDatabase(const QString& path, QString* error) {
  if (m_queue->isBusy()) {
    if (error)
      *error =
          tr("Runs are queued or running in the current project: cancel them or "
             "wait before opening another project.");
    return false;
  }
  emptyTrash();  // the project being left: its deletions become final
  if (!m_project->open(path, error)) return false;
  // Runs a crashed session left in the trash are deleted now (their undo ended with it).
  try {
    m_project->db()->emptyTrash();
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString::fromStdString(e.what()), 10000);
  }
  m_settings->setLastDatabase(m_project->path());
  m_selection.clear();
  // Every view re-reads when next shown (-1 never matches a selection).
  for (qint64& id : m_shown) id = -1;
  m_shownCompare = {-1};
  m_runsModel->reload();
  m_sweeps->refresh();
  updateTitle();
  const QList<qint64> recovered = m_project->recoveredRuns();
  if (!recovered.isEmpty())
    statusBar()->showMessage(tr("%1 left running by a closed app marked interrupted")
                                 .arg(countText(recovered.size(), tr("run"), tr("runs"))),
                             10000);
  syncCurrentView();
  return true;
}

bool MainWindow::openStartupDatabase(QString* error) {
  const QString last = m_settings->lastDatabase();
  if (!last.isEmpty() && QFileInfo::exists(last) && openDatabase(last, error)) return true;
  return openDatabase(Project::defaultPath(), error);
}

void MainWindow::newDatabase() {
  const QString path = QFileDialog::getSaveFileName(
      this, tr("New project database"), QFileInfo(Project::defaultPath()).absolutePath(),
      tr("Subliminal Lab project (*.sqlite *.db)"));
  if (path.isEmpty()) return;
  QString error;
  if (!openDatabase(QFileInfo(path).suffix().isEmpty() ? path + ".sqlite" : path, &error))
    showError(tr("New project"), error);
}

void MainWindow::openDatabaseDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open project database"), QFileInfo(m_project->path()).absolutePath(),
      tr("Subliminal Lab project (*.sqlite *.db);;All files (*)"));
  if (path.isEmpty()) return;
  QString error;
  if (!openDatabase(path, &error)) showError(tr("Open project"), error);
}

ExperimentDialog* MainWindow::newExperiment() {
  if (!m_project->isOpen()) {
    showError(tr("New experiment"), tr("Open or create a project first (File menu)."));
    return nullptr;
  }
  auto* dialog = new ExperimentDialog(m_settings, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &ExperimentDialog::runRequested, this, [this](const JobSpec& spec) {
    QString error;
    if (!enqueue(spec, &error)) showError(tr("Run"), error);
  });
  connect(dialog, &ExperimentDialog::sweepRequested, this, [this, dialog](const JobSpec& spec) {
    auto* sweep = new SweepDialog(spec.config, spec.repetitions, dialog);
    sweep->setAttribute(Qt::WA_DeleteOnClose);
    connect(sweep, &SweepDialog::sweepRequested, this,
            [this, dialog, threads = spec.threads](const nlohmann::json& plan) {
              QString error;
              const qint64 id = queueSweep(m_queue, m_project->db(), plan, threads, &error);
              if (!id) {
                showError(tr("Sweep"), error);
                return;
              }
              dialog->accept();
              m_sweeps->showSweep(id);
              showView(SweepsTab);
            });
    connect(sweep, &SweepDialog::slurmRequested, this,
            [this, dialog, sweep](const nlohmann::json& plan, const sublab::SlurmOptions& options,
                                  const QString& dir) {
              QString error, where;
              const qint64 id =
                  submitSweepToSlurm(m_project->db(), plan, options, dir, &where, &error);
              if (!id) {
                showError(tr("Submit to Slurm"), error);
                return;
              }
              sweep->accept();
              dialog->accept();
              m_sweeps->showSweep(id);
              showView(SweepsTab);
              statusBar()->showMessage(where);
            });
    sweep->open();
  });
  dialog->open();
  return dialog;
}

ImportDialog* MainWindow::importDataset() {
  if (!m_project->isOpen()) {
    showError(tr("Import dataset"), tr("Open or create a project first (File menu)."));
    return nullptr;
  }
  auto* dialog = new ImportDialog(m_queue, m_settings, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  // The imported rows show in the Sequences view as they are stored.
  connect(dialog, &ImportDialog::imported, this, [this](qint64 id) {
    selectRuns({id});
    showView(InspectorTab);
  });
  dialog->open();
  return dialog;
}

void MainWindow::openRun(qint64 runId) {
  selectRuns({runId});
  // What a run opens on is the kind's to say (an imported dataset has rows, not curves).
  bool rows = false;
  try {
    if (m_project->isOpen())
      if (const auto info = m_project->db()->findRun(runId))
        rows = describeKind(info->kind).opensOnRows;
  } catch (const std::exception&) {
    // An unreadable run opens on its curves, which say what is wrong.
  }
  showView(rows ? InspectorTab : CurvesTab);
}

ExperimentDialog* MainWindow::duplicateRun(qint64 runId, bool moreSeeds) {
  if (!m_project->isOpen()) return nullptr;
  sublab::RunInfo run;
  try {
    run = m_project->db()->run(runId);
  } catch (const std::exception& e) {
    showError(tr("Duplicate run"), QString::fromUtf8(e.what()));
    return nullptr;
  }
  ExperimentDialog* dialog = newExperiment();
  if (!dialog) return nullptr;
  QString error;
  if (!dialog->setSourceRun(run.id, QString::fromStdString(run.name), run.config, moreSeeds,
                            &error)) {
    dialog->close();
    showError(tr("Duplicate run"), error);
    return nullptr;
  }
  return dialog;
}

qint64 MainWindow::enqueue(const JobSpec& spec, QString* error) {
  // The current view stays (the user may be reading another run); the new job shows in the
  // run queue dock.
  return m_queue->enqueue(spec, error);
}

qint64 MainWindow::runPreset(const QString& name, int seeds, QString* error) {
  const sublab::Preset* p = sublab::findPreset(name.toStdString());
  if (!p) {
    QStringList names;
    for (const auto& q : sublab::presets()) names << QString::fromStdString(q.name);
    if (error) *error = tr("Unknown preset \"%1\"; known presets: %2").arg(name, names.join(", "));
    return 0;
  }
  JobSpec spec;
  spec.name = name;
  spec.preset = name;
  spec.config = p->config;
  spec.repetitions = seeds;
  return enqueue(spec, error);
}

void MainWindow::showView(View view) { m_tabs->setCurrentIndex(int(view)); }

MainWindow::View MainWindow::viewFromName(const QString& name, bool* ok) {
  static const QStringList names = {"runs", "curves", "compare", "inspector",
                                    "aux",  "stats",  "sweeps"};
  const int i = names.indexOf(name.toLower());
  if (ok) *ok = i >= 0 || name.toLower() == "sequences" || name.toLower() == "statistics";
  if (name.toLower() == "sequences") return InspectorTab;
  if (name.toLower() == "statistics") return StatsTab;
  return i < 0 ? RunsTab : View(i);
}

void MainWindow::selectRuns(const QList<qint64>& runIds) {
  m_runs->selectRuns(runIds);
  onSelectionChanged(runIds);
}

void MainWindow::onSelectionChanged(const QList<qint64>& runIds) {
  m_selection = runIds;
  syncCurrentView();
}

void MainWindow::syncCurrentView() {
  // Only the visible view loads its data; the others catch up when shown.
  const qint64 current = m_selection.isEmpty() ? 0 : m_selection.first();
  switch (View(m_tabs->currentIndex())) {
    case CurvesTab:
      if (m_shown[CurvesTab] != current) m_curves->setRun(current);
      m_shown[CurvesTab] = current;
      break;
    case AuxTab:
      if (m_shown[AuxTab] != current) m_aux->setRun(current);
      m_shown[AuxTab] = current;
      break;
    case InspectorTab:
      if (m_shown[InspectorTab] != current) m_inspector->setRun(current);
      m_shown[InspectorTab] = current;
      break;
    case StatsTab:
      if (m_shown[StatsTab] != current) m_stats->setRun(current);
      m_shown[StatsTab] = current;
      break;
    case SweepsTab:
      m_sweeps->refresh();
      break;
    case CompareTab:
      if (m_shownCompare != m_selection) m_compare->setRuns(m_selection);
      m_shownCompare = m_selection;
      break;
    default:
      break;
  }
}

void MainWindow::onRunFinished(qint64 runId, sublab::RunStatus status, const QString& message) {
  m_runsModel->refreshRun(runId);
  // Views showing this run re-read it: final summary, stored points, all sequences.
  if (m_curves->runId() == runId) m_curves->reload();
  if (m_aux->runId() == runId) m_aux->reload();
  if (m_compare->runs().contains(runId)) m_compare->reload();
  if (m_inspector->runId() == runId) m_inspector->setRun(runId);
  if (m_stats->runId() == runId) m_stats->reload();
  const QString what = runStatusText(status);
  statusBar()->showMessage(tr("Run #%1 %2: %3").arg(runId).arg(what, message), 10000);
}

void MainWindow::onExternalChange() {
  // Another connection committed: our worker (every half second while a run trains) or e.g.
  // the CLI. Unfinished runs are re-read one by one (cheap); the whole list, which also finds
  // runs started elsewhere, at most every few seconds and never while our own run writes.
  QList<qint64> unfinished = m_queue->activeRunIds();
  for (int r = 0; r < m_runsModel->rowCount(); ++r) {
    const sublab::RunInfo& info = m_runsModel->rowAt(r)->info;
    if (!sublab::isFinished(info.status) && !unfinished.contains(info.id)) unfinished << info.id;
  }
  for (qint64 id : unfinished) m_runsModel->refreshRun(id);
  if (m_queue->activeRunIds().isEmpty() &&
      (!m_lastFullReload.isValid() || m_lastFullReload.elapsed() > kFullReloadMs)) {
    m_runsModel->reload();
    m_lastFullReload.restart();
  }
}

void MainWindow::onRunsDeleted(const QList<qint64>& runIds) {
  m_queue->forgetRuns(runIds);
  m_deleted << runIds;
  updateUndoAction();
  QList<qint64> kept = m_selection;
  for (qint64 id : runIds) kept.removeAll(id);
  selectRuns(kept);
  statusBar()->showMessage(
      tr("Deleted %1; Edit › Undo delete (Ctrl+Z) brings it back")
          .arg(runIds.size() == 1 ? tr("run #%1").arg(runIds.first())
                                  : countText(runIds.size(), tr("run"), tr("runs"))),
      10000);
}

bool MainWindow::undoDelete() {
  if (m_deleted.isEmpty() || !m_project->db()) return false;
  const QList<qint64> ids = m_deleted.takeLast();
  QList<qint64> restored;
  for (qint64 id : ids) {
    try {
      m_project->db()->restoreRun(id);
      restored << id;
    } catch (const std::exception& e) {
      showError(tr("Undo delete"), QString::fromStdString(e.what()));
    }
  }
  updateUndoAction();
  m_runsModel->reload();
  if (restored.isEmpty()) return false;
  selectRuns(restored);
  statusBar()->showMessage(
      tr("Restored %1")
          .arg(restored.size() == 1 ? tr("run #%1").arg(restored.first())
                                    : countText(restored.size(), tr("run"), tr("runs"))),
      8000);
  return true;
}

void MainWindow::emptyTrash() {
  if (m_deleted.isEmpty()) return;
  std::vector<int64_t> ids;
  for (const QList<qint64>& group : m_deleted)
    for (qint64 id : group) ids.push_back(id);
  m_deleted.clear();
  updateUndoAction();
  if (!m_project->db()) return;
  try {
    m_project->db()->emptyTrash(ids);
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString::fromStdString(e.what()), 10000);
  }
}

void MainWindow::updateUndoAction() {
  if (!m_undoDelete) return;
  m_undoDelete->setEnabled(!m_deleted.isEmpty());
  if (m_deleted.isEmpty()) {
    m_undoDelete->setText(tr("&Undo delete"));
    return;
  }
  const QList<qint64>& last = m_deleted.last();
  m_undoDelete->setText(
      last.size() == 1
          ? tr("&Undo delete of run #%1").arg(last.first())
          : tr("&Undo delete of %1").arg(countText(last.size(), tr("run"), tr("runs"))));
}

void MainWindow::showError(const QString& title, const QString& message) {
  statusBar()->showMessage(message, 10000);
  QMessageBox::warning(this, title, message);
}

void MainWindow::updateTitle() {
  const QString path = m_project->path();
  setWindowTitle(path.isEmpty() ? tr("Subliminal Lab")
                                : tr("%1 — Subliminal Lab").arg(QFileInfo(path).fileName()));
  m_dbLabel->setText(path.isEmpty() ? tr("No project open") : path);
}

void MainWindow::saveSettings() {
  m_settings->setWindowGeometry(saveGeometry());
  m_settings->setWindowState(saveState());
  m_settings->setCurrentView(m_tabs->currentIndex());
  m_runs->saveState(*m_settings);
  m_curves->saveState(*m_settings);
  m_inspector->saveState(*m_settings);
  m_stats->saveState(*m_settings);
  m_settings->sync();
}

void MainWindow::restoreSettings() {
  const QByteArray geometry = m_settings->windowGeometry();
  if (!geometry.isEmpty()) restoreGeometry(geometry);
  const QByteArray state = m_settings->windowState();
  if (!state.isEmpty()) restoreState(state);
  m_runs->restoreState(*m_settings);
  m_curves->restoreState(*m_settings);
  m_inspector->restoreState(*m_settings);
  m_stats->restoreState(*m_settings);
  m_tabs->setCurrentIndex(std::clamp(m_settings->currentView(), 0, int(ViewCount) - 1));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_queue->isBusy()) {
    const auto answer = QMessageBox::question(
        this, tr("Quit"), tr("Runs are still queued or running. Cancel them and quit?"));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
    m_queue->cancelAll();
  }
  saveSettings();
  emptyTrash();
  event->accept();
}

}  // namespace sublab::ui
