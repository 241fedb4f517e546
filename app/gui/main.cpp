// subliminal-lab: the desktop app. Parses the command line, opens the project database (the
// one given, else the last one, else the default in the user's data folder) and shows the main
// window; with --demo/--screenshot it runs a preset and saves a screenshot (see DemoDriver).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <cstdio>
#include <memory>

#include "app/gui/demo_driver.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("SubliminalLab"));
  QApplication::setApplicationName(QStringLiteral("subliminal-lab"));
  QApplication::setApplicationDisplayName(QStringLiteral("Subliminal Lab"));
  QApplication::setApplicationVersion(QStringLiteral(SUBLAB_VERSION));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/subliminal-lab.svg")));

  QCommandLineParser cli;
  cli.setApplicationDescription(
      QStringLiteral("Subliminal Lab: run, watch, compare and inspect subliminal-learning "
                     "experiments."));
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption db(QStringLiteral("db"), QStringLiteral("Project database to open."),
                        QStringLiteral("FILE"));
  QCommandLineOption demo(QStringLiteral("demo"),
                          QStringLiteral("Run PRESET in the app, wait until it finishes, show it "
                                         "(with --screenshot: save a screenshot and exit)."),
                          QStringLiteral("PRESET"));
  QCommandLineOption seeds(
      QStringLiteral("seeds"),
      QStringLiteral("With --demo: override the preset's seed (or model) count."),
      QStringLiteral("N"));
  QCommandLineOption shot(QStringLiteral("screenshot"),
                          QStringLiteral("Save a PNG of the main window and exit (after the "
                                         "--demo run, or of the database as it is)."),
                          QStringLiteral("FILE.png"));
  QCommandLineOption view(
      QStringLiteral("view"),
      QStringLiteral("View to show: runs, curves, compare, inspector, aux, stats, or "
                     "experiment (the New-experiment dialog)."),
      QStringLiteral("NAME"), QStringLiteral("curves"));
  QCommandLineOption size(QStringLiteral("size"),
                          QStringLiteral("Window size for screenshots (default 1400x900)."),
                          QStringLiteral("WxH"), QStringLiteral("1400x900"));
  QCommandLineOption run(
      QStringLiteral("run"),
      QStringLiteral("Without --demo: the run to show in the screenshot (default: "
                     "the latest)."),
      QStringLiteral("ID"));
  cli.addOptions({db, demo, seeds, shot, view, size, run});
  cli.process(app);

  const bool scripted = cli.isSet(demo) || cli.isSet(shot);
  // Scripted runs use throw-away settings so they neither read nor change the user's layout.
  QTemporaryDir scratch;
  sublab::ui::AppSettings settings(scripted ? scratch.filePath(QStringLiteral("settings.ini"))
                                            : QString());
  sublab::ui::MainWindow window(&settings);
  if (!scripted) window.restoreSettings();

  QString error;
  bool opened = false;
  if (cli.isSet(db)) {
    opened = window.openDatabase(cli.value(db), &error);
  } else if (scripted) {
    // A demo never writes into the user's project unless asked to with --db.
    opened = window.openDatabase(scratch.filePath(QStringLiteral("demo.sqlite")), &error);
  } else {
    opened = window.openStartupDatabase(&error);
  }
  if (!opened) {
    std::fprintf(stderr, "subliminal-lab: %s\n", qPrintable(error));
    if (scripted) return 1;
    QMessageBox::warning(&window, QStringLiteral("Subliminal Lab"),
                         error + QStringLiteral("\n\nUse File › Open or File › New project."));
  }

  std::unique_ptr<DemoDriver> driver;
  if (scripted) {
    const QStringList wh = cli.value(size).split(QLatin1Char('x'));
    const int w = wh.value(0).toInt(), h = wh.value(1).toInt();
    window.resize(w > 200 ? w : 1400, h > 200 ? h : 900);
    DemoDriver::Options o;
    o.preset = cli.value(demo);
    o.seeds = cli.value(seeds).toInt();
    o.screenshot = cli.value(shot);
    o.view = cli.value(view);
    o.runId = cli.value(run).toLongLong();
    if (o.view == QLatin1String("experiment") && !o.preset.isEmpty()) {
      // The dialog is shown instead of running the preset.
      o.dialogPreset = o.preset;
      o.preset.clear();
    }
    driver = std::make_unique<DemoDriver>(&window, o);
  }
  window.show();
  if (driver) driver->start();
  return app.exec();
}
