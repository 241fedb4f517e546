// Implementation of DemoDriver.
#include "app/gui/demo_driver.h"

#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QPainter>
#include <QPixmap>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <cstdio>

#include "storage/database.h"
#include "ui/experiment_dialog.h"
#include "ui/import_dialog.h"
#include "ui/inspector_view.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/row_export_dialog.h"
#include "ui/run_queue.h"
#include "ui/runs_table_model.h"
#include "ui/sequence_table_model.h"
#include "ui/stats_view.h"

namespace {

QtMessageHandler g_previousHandler = nullptr;

// QWidget::grab() delivers pending resize events to the charts on hidden tabs too, and
// QCustomPlot replots each into a zero-size buffer, which Qt reports as two warnings per chart.
// Nothing is wrong with the screenshot; these two lines only would alarm whoever reads stderr.
void quietHiddenChartReplots(QtMsgType type, const QMessageLogContext& context,
                             const QString& message) {
  if (message.startsWith(QLatin1String("QPainter::begin: Paint device returned engine == 0")) ||
      message.contains(QLatin1String("paint buffer returned inactive painter")))
    return;
  if (g_previousHandler)
    g_previousHandler(type, context, message);
  else
    std::fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
}

QPixmap grabQuietly(QWidget* widget) {
  g_previousHandler = qInstallMessageHandler(quietHiddenChartReplots);
  QPixmap shot = widget->grab();
  qInstallMessageHandler(g_previousHandler);
  return shot;
}

}  // namespace

using sublab::ui::MainWindow;

DemoDriver::DemoDriver(MainWindow* window, Options options, QObject* parent)
    : QObject(parent), m_window(window), m_options(std::move(options)) {}

void DemoDriver::start() {
  m_clock.start();
  QTimer::singleShot(m_options.timeoutSeconds * 1000, this, [this] {
    std::fprintf(stderr, "subliminal-lab: the demo run did not finish within %d s; cancelling\n",
                 m_options.timeoutSeconds);
    m_window->queue()->cancelAll();
    finish(2);
  });
  if (m_options.preset.isEmpty()) {
    // Screenshot of the database as it is: the most recent run.
    qint64 latest = m_options.runId;
    if (!latest)
      for (int r = 0; r < m_window->runsModel()->rowCount(); ++r)
        latest = std::max<qint64>(latest, m_window->runsModel()->rowAt(r)->info.id);
    showResults(latest);
    return;
  }
  connect(m_window->queue(), &sublab::ui::RunQueue::runFinished, this, &DemoDriver::onRunFinished);
  connect(m_window->queue(), &sublab::ui::RunQueue::stageUpdated, this, [this](qint64 runId) {
    const sublab::ui::Job* j = m_window->queue()->jobForRun(runId);
    if (!j) return;
    for (const auto& s : j->stages)
      if (s.name == j->currentStage)
        std::fprintf(stderr, "\r[%6.1f s] %-12s %3d%% %-40s", m_clock.elapsed() / 1000.0,
                     qPrintable(s.name), int(s.fraction * 100), qPrintable(s.message.left(40)));
  });
  QString error;
  m_runId = m_window->runPreset(m_options.preset, m_options.seeds, &error);
  if (!m_runId) {
    std::fprintf(stderr, "subliminal-lab: %s\n", qPrintable(error));
    QTimer::singleShot(0, this, [this] { finish(1); });
  }
}

void DemoDriver::onRunFinished(qint64 runId, sublab::RunStatus status, const QString& message) {
  if (runId != m_runId) return;
  std::fprintf(stderr, "\nsubliminal-lab: run #%lld %s after %.1f s: %s\n", (long long)runId,
               sublab::toString(status).c_str(), m_clock.elapsed() / 1000.0, qPrintable(message));
  if (status != sublab::RunStatus::Done) m_exitCode = 1;
  showResults(runId);
}

void DemoDriver::captureDialog(QWidget* dialog, bool overWindow) {
  if (m_options.screenshot.isEmpty()) return;
  QTimer::singleShot(800, this, [this, dialog, overWindow] {
    QPixmap shot = grabQuietly(dialog);
    if (overWindow) {
      // The dialog drawn over the window it was opened from, as the user sees them.
      QPixmap window = grabQuietly(m_window);
      QPainter painter(&window);
      painter.drawPixmap((window.width() - shot.width()) / 2, (window.height() - shot.height()) / 2,
                         shot);
      painter.setPen(QColor(0x80, 0x80, 0x80));
      painter.drawRect((window.width() - shot.width()) / 2, (window.height() - shot.height()) / 2,
                       shot.width() - 1, shot.height() - 1);
      painter.end();
      shot = window;
    }
    const bool ok = !shot.isNull() && shot.save(m_options.screenshot, "PNG");
    std::fprintf(stderr, "subliminal-lab: %s %s\n", ok ? "screenshot" : "could not write",
                 qPrintable(m_options.screenshot));
    finish(ok ? 0 : 1);
  });
}

bool DemoDriver::showDialog(qint64 runId) {
  using namespace sublab::ui;
  const QString& view = m_options.view;
  if (view == QLatin1String("experiment")) {
    // The New-experiment dialog, filled from a preset, over the main window.
    ExperimentDialog* dialog = m_window->newExperiment();
    if (!dialog) {
      finish(1);
      return true;
    }
    dialog->setPreset(m_options.dialogPreset);
    captureDialog(dialog);
  } else if (view == QLatin1String("import")) {
    // File › Import dataset with the file's first rows and detected mapping.
    ImportDialog* dialog = m_window->importDataset();
    if (!dialog) {
      finish(1);
      return true;
    }
    connect(
        dialog, &ImportDialog::previewReady, this, [this, dialog] { captureDialog(dialog); },
        Qt::SingleShotConnection);
    dialog->setFile(m_options.importFile);
  } else if (view == QLatin1String("export-rows")) {
    // The Sequences view of the run with its Export rows dialog, once the view's condition and
    // seed lists (which the dialog offers) are in.
    m_window->selectRuns({runId});
    m_window->showView(MainWindow::InspectorTab);
    if (m_window->queue()->jobCount() == 0) m_window->queueDock()->hide();
    InspectorView* inspector = m_window->inspectorView();
    connect(
        inspector, &InspectorView::facetsReady, this,
        [this, inspector] {
          RowExportDialog* dialog = inspector->exportRows();
          if (!dialog) return finish(1);
          captureDialog(dialog, true);
        },
        Qt::SingleShotConnection);
  } else {
    return false;
  }
  return true;
}

void DemoDriver::showResults(qint64 runId) {
  if (showDialog(runId)) return;
  bool ok = false;
  const MainWindow::View view = MainWindow::viewFromName(m_options.view, &ok);
  if (!ok)
    std::fprintf(stderr, "subliminal-lab: unknown view \"%s\"; showing runs\n",
                 qPrintable(m_options.view));
  QList<qint64> selection;
  if (runId) selection << runId;
  if (view == MainWindow::CompareTab && runId) {
    // Compare the run with the latest other finished run of the same kind.
    const sublab::RunInfo* self = m_window->runsModel()->run(runId);
    qint64 other = 0;
    for (int r = 0; r < m_window->runsModel()->rowCount(); ++r) {
      const sublab::RunInfo& info = m_window->runsModel()->rowAt(r)->info;
      if (info.id == runId || info.status != sublab::RunStatus::Done) continue;
      if (self && info.kind != self->kind) continue;
      other = std::max<qint64>(other, info.id);
    }
    if (other) selection.prepend(other);
  }
  m_window->selectRuns(selection);
  m_window->showView(view);
  // An empty queue panel only takes room from the view in a screenshot.
  if (m_window->queue()->jobCount() == 0) m_window->queueDock()->hide();
  if (view == MainWindow::InspectorTab) {
    // Show the details of the first rejected row (else the first row) once a page is in.
    auto* model = m_window->inspectorView()->model();
    auto selectFirst = [this] {
      QTableView* t = m_window->inspectorView()->table();
      const int rows = t->model()->rowCount();
      int pick = rows > 0 ? 0 : -1;
      for (int r = 0; r < rows; ++r)
        if (!t->model()->index(r, 0).data(sublab::ui::SequenceTableModel::KeptRole).toBool()) {
          pick = r;
          break;
        }
      if (pick >= 0) t->selectRow(pick);
    };
    connect(model, &sublab::ui::SequenceTableModel::pageLoaded, this, selectFirst);
    selectFirst();
  }
  if (m_options.screenshot.isEmpty()) {
    QTimer::singleShot(0, this, [this] { finish(m_exitCode); });
    return;
  }
  sublab::ui::StatsView* stats = m_window->statsView();
  if (view == MainWindow::StatsTab && stats->isComputing()) {
    // The statistics compute in the background: capture once they are drawn.
    connect(
        stats, &sublab::ui::StatsView::computed, this,
        [this] { QTimer::singleShot(800, this, &DemoDriver::capture); }, Qt::SingleShotConnection);
    return;
  }
  // Let queued replots, the inspector's first page and the layout settle first.
  QTimer::singleShot(1200, this, &DemoDriver::capture);
}

void DemoDriver::capture() {
  const QPixmap shot = grabQuietly(m_window);
  if (shot.isNull() || !shot.save(m_options.screenshot, "PNG")) {
    std::fprintf(stderr, "subliminal-lab: could not write the screenshot %s\n",
                 qPrintable(m_options.screenshot));
    finish(1);
    return;
  }
  std::fprintf(stderr, "subliminal-lab: screenshot %s (%dx%d)\n",
               qPrintable(QFileInfo(m_options.screenshot).absoluteFilePath()), shot.width(),
               shot.height());
  finish(m_exitCode);
}

void DemoDriver::finish(int code) {
  m_exitCode = code;
  QApplication::exit(code);
}
