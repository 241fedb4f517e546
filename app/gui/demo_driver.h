// Demo and screenshot mode: runs a preset inside the app (or takes the database as it is),
// waits until the run finishes, selects it, shows the chosen view, saves a screenshot of the
// main window and quits. Used for docs/ and as an end-to-end check.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include "storage/database.h"

namespace sublab::ui {
class MainWindow;
}

class DemoDriver : public QObject {
  Q_OBJECT

 public:
  struct Options {
    QString preset;      // "" = no run, screenshot the database as it is
    int seeds = 0;       // 0 = the preset's
    QString screenshot;  // PNG path ("" = none, just run and exit)
    QString view = QStringLiteral("curves");
    qint64 runId = 0;  // without a preset: the run to show (0 = the latest)
    QString dialogPreset = QStringLiteral("owl-numbers-quick");  // for --view experiment
    QString importFile;  // for --view import: the file the Import dialog previews
    int timeoutSeconds = 3600;
  };

  DemoDriver(sublab::ui::MainWindow* window, Options options, QObject* parent = nullptr);
  // Starts the run or the screenshot; the app quits with exitCode() when done.
  void start();
  int exitCode() const { return m_exitCode; }

 private:
  void onRunFinished(qint64 runId, sublab::RunStatus status, const QString& message);
  void showResults(qint64 runId);
  void capture();
  // `overWindow`: drawn over a screenshot of the main window, else the dialog alone.
  void captureDialog(QWidget* dialog, bool overWindow = false);
  // The views that open a dialog (--view experiment, import, export-rows); false for others.
  bool showDialog(qint64 runId);
  void finish(int code);

  sublab::ui::MainWindow* m_window;
  Options m_options;
  qint64 m_runId = 0;
  int m_exitCode = 0;
  QElapsedTimer m_clock;
};
