// The main window only wires: menus and toolbar, the views as tabs (Runs, Curves, Compare,
// Sequences, Results, Statistics), the run queue as a dock, the project database, and settings
// (geometry, dock layout, current view, columns, last database) restored on start and saved
// on close. Each view lives in its own file.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QMainWindow>

class QAction;
class QLabel;
class QMenu;
class QTabWidget;
class QDockWidget;

namespace sublab {
enum class RunStatus;  // storage/database.h
}

namespace sublab::ui {

class AppSettings;
class AuxView;
class CompareView;
class CurvesView;
class ExperimentDialog;
class ImportDialog;
class InspectorView;
class Project;
class RunQueue;
class RunQueueView;
class RunsTableModel;
class RunsView;
class StatsView;
class SweepView;
struct JobSpec;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  enum View {
    RunsTab,
    CurvesTab,
    CompareTab,
    InspectorTab,
    AuxTab,
    StatsTab,
    SweepsTab,
    ViewCount
  };

  // `settings` must outlive the window.
  explicit MainWindow(AppSettings* settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens (or creates) a project database; on failure shows nothing and returns false with
  // *error set. Refuses while runs are queued or running.
  bool openDatabase(const QString& path, QString* error);
  // Opens the last database, else storage's default one.
  bool openStartupDatabase(QString* error);
  // Queues a preset (optionally overriding its seed count); returns the run id or 0.
  qint64 runPreset(const QString& name, int seeds, QString* error);
  qint64 enqueue(const JobSpec& spec, QString* error);

  void showView(View view);
  static View viewFromName(const QString& name, bool* ok = nullptr);
  // Selects runs in the runs table (and so in every view).
  void selectRuns(const QList<qint64>& runIds);

  Project* project() const { return m_project; }
  RunQueue* queue() const { return m_queue; }
  RunsTableModel* runsModel() const { return m_runsModel; }
  RunsView* runsView() const { return m_runs; }
  CurvesView* curvesView() const { return m_curves; }
  CompareView* compareView() const { return m_compare; }
  InspectorView* inspectorView() const { return m_inspector; }
  AuxView* auxView() const { return m_aux; }
  StatsView* statsView() const { return m_stats; }
  SweepView* sweepView() const { return m_sweeps; }
  RunQueueView* queueView() const { return m_queueView; }
  QDockWidget* queueDock() const { return m_queueDock; }
  QTabWidget* tabs() const { return m_tabs; }

  void saveSettings();
  void restoreSettings();

  // Puts the most recently deleted runs back (Edit › Undo delete); false when none are left.
  bool undoDelete();
  // Runs deleted this session that Undo can still bring back, newest deletion last.
  QList<QList<qint64>> deletedRuns() const { return m_deleted; }
  QAction* undoDeleteAction() const { return m_undoDelete; }

 public Q_SLOTS:
  // Opens the New-experiment dialog (returned, e.g. for screenshots); nullptr without a project.
  ExperimentDialog* newExperiment();
  // The New-experiment dialog filled with a stored run's config, listing what differs from it;
  // `moreSeeds` puts the cursor in the seed count. nullptr (with a message) when it cannot.
  ExperimentDialog* duplicateRun(qint64 runId, bool moreSeeds);
  // File › Import dataset (returned, e.g. for screenshots); nullptr without a project.
  ImportDialog* importDataset();
  // Selects the run and shows its curves.
  void openRun(qint64 runId);
  void newDatabase();
  void openDatabaseDialog();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void rebuildRecentMenu();
  void rebuildExportMenu();
  void onSelectionChanged(const QList<qint64>& runIds);
  void syncCurrentView();
  void onRunFinished(qint64 runId, sublab::RunStatus status, const QString& message);
  void onExternalChange();
  void showError(const QString& title, const QString& message);
  void updateTitle();
  void onRunsDeleted(const QList<qint64>& runIds);
  // Deletes for good what this session put in the project's trash (on close / switch).
  void emptyTrash();
  void updateUndoAction();

  AppSettings* m_settings;
  Project* m_project;
  RunsTableModel* m_runsModel;
  RunQueue* m_queue;
  QTabWidget* m_tabs;
  RunsView* m_runs;
  CurvesView* m_curves;
  CompareView* m_compare;
  InspectorView* m_inspector;
  AuxView* m_aux;
  StatsView* m_stats;
  SweepView* m_sweeps;
  RunQueueView* m_queueView;
  QDockWidget* m_queueDock;
  QMenu* m_recentMenu = nullptr;
  QMenu* m_exportMenu = nullptr;
  QLabel* m_dbLabel;
  QLabel* m_runProgress;  // whole-run progress and time left of the running run
  QAction* m_undoDelete = nullptr;
  QList<QList<qint64>> m_deleted;
  QList<qint64> m_selection;
  // Run shown by each view (views update lazily when they become visible).
  qint64 m_shown[ViewCount] = {};
  QList<qint64> m_shownCompare;
  QElapsedTimer m_lastFullReload;
  static constexpr qint64 kFullReloadMs = 5000;
};

}  // namespace sublab::ui
