// subliminal-lab: the desktop app. Parses the command line, opens the project database (the
// one given, else the last one, else the default in the user's data folder) and shows the main
// window; with --demo/--screenshot it runs a preset and saves a screenshot (see DemoDriver).
// --help and --version work without a display; without one the app says what to do instead of
// Qt's platform-plugin error.
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
#include "engine/core/thread_policy.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"

namespace {

void setApplicationNames() {
  QCoreApplication::setOrganizationName(QStringLiteral("SubliminalLab"));
  QCoreApplication::setApplicationName(QStringLiteral("subliminal-lab"));
  QCoreApplication::setApplicationVersion(QStringLiteral(SUBLAB_VERSION));
}

struct Options {
  QCommandLineOption db{QStringLiteral("db"), QStringLiteral("Project database to open."),
                        QStringLiteral("FILE")};
  QCommandLineOption demo{QStringLiteral("demo"),
                          QStringLiteral("Run PRESET in the app, wait until it finishes, show it "
                                         "(with --screenshot: save a screenshot and exit)."),
                          QStringLiteral("PRESET")};
  QCommandLineOption seeds{
      QStringLiteral("seeds"),
      QStringLiteral("With --demo: override the preset's seed (or model) count."),
      QStringLiteral("N")};
  QCommandLineOption shot{QStringLiteral("screenshot"),
                          QStringLiteral("Save a PNG of the main window and exit (after the "
                                         "--demo run, or of the database as it is)."),
                          QStringLiteral("FILE.png")};
  QCommandLineOption view{
      QStringLiteral("view"),
      QStringLiteral("View to show: runs, curves, compare, inspector, aux, stats, or a "
                     "dialog: experiment (New experiment), import (Import dataset, with "
                     "--import), export-rows (the Sequences view's Export rows, with --run)."),
      QStringLiteral("NAME"), QStringLiteral("curves")};
  QCommandLineOption size{QStringLiteral("size"),
                          QStringLiteral("Window size for screenshots (default 1400x900)."),
                          QStringLiteral("WxH"), QStringLiteral("1400x900")};
  QCommandLineOption importFile{
      QStringLiteral("import"),
      QStringLiteral("With --view import: the dataset file the Import dialog previews."),
      QStringLiteral("FILE")};
  QCommandLineOption run{QStringLiteral("run"),
                         QStringLiteral("Without --demo: the run to show in the screenshot "
                                        "(default: the latest)."),
                         QStringLiteral("ID")};

  explicit Options(QCommandLineParser& cli) {
    cli.setApplicationDescription(
        QStringLiteral("Subliminal Lab: run, watch, compare and inspect subliminal-learning "
                       "experiments.\n\nNeeds a display (X11 or Wayland). Without one, run it "
                       "under `xvfb-run -a` (e.g. for --demo/--screenshot), or use the `sublab` "
                       "command-line tool, which runs, lists and reports experiments on the same "
                       "project databases."));
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addOptions({db, demo, seeds, shot, view, size, run, importFile});
  }
};

bool asksForHelpOrVersion(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const QByteArray a(argv[i]);
    if (a == "--") break;
    if (a == "-h" || a == "--help" || a == "-?" || a == "--help-all" || a == "-v" ||
        a == "--version")
      return true;
  }
  return false;
}

// --help and --version print and exit without a display: answered by a QCoreApplication
// before any GUI is created. Does not return when one is asked for.
void answerHelpOrVersion(int argc, char** argv) {
  if (!asksForHelpOrVersion(argc, argv)) return;
  QCoreApplication core(argc, argv);
  setApplicationNames();
  QCommandLineParser cli;
  const Options options(cli);
  cli.parse(core.arguments());  // Qt's GUI options (-platform …) are not errors here
  if (cli.isSet(QStringLiteral("version"))) cli.showVersion();
  cli.showHelp(0);
}

// Where Qt would pick its X11 plugin and no display is there, it aborts with "could not load the
// Qt platform plugin xcb". Say instead what to do. False when the app cannot start.
bool checkDisplay(const char* program) {
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
  const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
  const bool x11 = platform.isEmpty() || platform.startsWith("xcb");
  if (!x11 || !qEnvironmentVariableIsEmpty("DISPLAY") ||
      (platform.isEmpty() && !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")))
    return true;
  std::fprintf(stderr,
               "subliminal-lab: no display found (DISPLAY%s is not set), so the desktop app "
               "cannot open its window.\n"
               "On a machine without a screen (SSH, a container, CI):\n"
               "  - run it on a virtual display:  xvfb-run -a %s --demo owl-numbers-tiny "
               "--screenshot shot.png\n"
               "  - or use the command-line tool: sublab run --preset owl-numbers-quick "
               "(build/app/sublab; sublab --help)\n"
               "Or log in with a display (ssh -X, a desktop session) and start it again.\n",
               platform.isEmpty() ? " or WAYLAND_DISPLAY" : "", program);
  return false;
#else
  Q_UNUSED(program);
  return true;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  answerHelpOrVersion(argc, argv);
  // Idle OpenMP threads sleep instead of spinning when the machine is busy at start (this may
  // restart the program once; engine/core/thread_policy.h).
  sublab::applyWaitPolicy(argv);
  if (!checkDisplay(argv[0])) return 2;
  QApplication app(argc, argv);
  setApplicationNames();
  QApplication::setApplicationDisplayName(QStringLiteral("Subliminal Lab"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/subliminal-lab.svg")));

  QCommandLineParser cli;
  const Options options(cli);
  cli.process(app);
  const QCommandLineOption &db = options.db, &demo = options.demo, &seeds = options.seeds,
                           &shot = options.shot, &view = options.view, &size = options.size,
                           &run = options.run;

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
    o.importFile = cli.value(options.importFile);
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
