// Help and start-up: F1 opens the glossary, which explains every term the views show (and its
// figures agree with the engine's defaults); `subliminal-lab --help` and `--version` work
// without a display, and without one the app says what to do instead of Qt's plugin error.
#include <QDialog>
#include <QLineEdit>
#include <QProcess>
#include <QTextBrowser>
#include <QtTest/QtTest>

#include "engine/seqstats/seq_stats.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"

using namespace sublab::ui;

namespace {

QString appPath() { return QStringLiteral(SUBLAB_BINARY_DIR "/app/gui/subliminal-lab"); }

// The built app run with no display at all: DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM unset.
struct Result {
  int exitCode = -1;
  QProcess::ExitStatus status = QProcess::CrashExit;
  QString out, err;
};

Result runHeadless(const QStringList& args, const QString& home) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(name);
  // A fresh home: the app must not touch the user's settings or projects.
  env.insert("HOME", home);
  env.insert("XDG_CONFIG_HOME", home + "/config");
  env.insert("XDG_DATA_HOME", home + "/data");
  p.setProcessEnvironment(env);
  p.start(appPath(), args);
  Result r;
  if (!p.waitForStarted(20000)) return r;
  if (!p.waitForFinished(60000)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.exitCode = p.exitCode();
  r.status = p.exitStatus();
  r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
  r.err = QString::fromLocal8Bit(p.readAllStandardError());
  return r;
}

}  // namespace

class TestHelp : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  // F1 in the main window opens the glossary with every term the views use.
  void f1OpensTheGlossary() {
    AppSettings settings(m_dir.filePath("s.ini"));
    MainWindow w(&settings);
    w.resize(1200, 800);
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QVERIFY(!w.findChild<QDialog*>(QStringLiteral("glossaryDialog")));
    QTest::keyClick(&w, Qt::Key_F1);
    QDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = w.findChild<QDialog*>(QStringLiteral("glossaryDialog"))) &&
                dialog->isVisible());
    auto* text = dialog->findChild<QTextBrowser*>(QStringLiteral("glossaryText"));
    QVERIFY(text);
    const QString plain = text->toPlainText();
    for (const char* term :
         {"Transfer", "Same-init and cross-init", "Control", "Trait probability", "trait_prob_raw",
          "Test accuracy", "95% CI", "Count A, count B", "log2 ratio", "q value", "KL divergence",
          "JS divergence", "χ² test", "AUC", "Per-token log-ratio", "Entanglement probe",
          "transfer_aux", "cross_transfer"})
      QVERIFY2(plain.contains(QString::fromUtf8(term)), term);

    // The figures it quotes are the engine's.
    const sublab::StatsOptions defaults;
    QVERIFY(
        plain.contains(QStringLiteral("seen at least %1 times").arg(sublab::kDivergenceMinCount)));
    QVERIFY(
        plain.contains(QStringLiteral("pseudo-count of %1 per number").arg(defaults.smoothing)));
    QVERIFY(plain.contains(QStringLiteral("trained on %1% of each side, scored on the held-out %2%")
                               .arg(qRound(100 * (1 - defaults.detectorTestFraction)))
                               .arg(qRound(100 * defaults.detectorTestFraction))));
    QVERIFY(plain.contains(QStringLiteral("over %1 resamples")
                               .arg(QLocale(QLocale::English).toString(defaults.bootstrap))));

    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty())
      dialog->grab().save(dir + "/glossary.png");

    // The filter box narrows it to the matching entries.
    auto* filter = dialog->findChild<QLineEdit*>(QStringLiteral("glossaryFilter"));
    QVERIFY(filter);
    QTest::keyClicks(filter, "trait_prob_raw");
    QVERIFY(text->toPlainText().contains("trait_prob_raw"));
    QVERIFY(!text->toPlainText().contains("KL divergence"));

    // F1 again brings the same dialog back instead of a second one.
    dialog->close();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_F1);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(w.findChildren<QDialog*>(QStringLiteral("glossaryDialog")).size(), 1);
  }

  // Issue 13, bug 11: --help and --version need no display.
  void helpWithoutADisplay() {
    QVERIFY2(QFileInfo::exists(appPath()), qPrintable(appPath()));
    Result r = runHeadless({"--help"}, m_dir.filePath("home"));
    QCOMPARE(r.status, QProcess::NormalExit);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("Usage:") && r.out.contains("--db") && r.out.contains("--screenshot"),
             qPrintable(r.out));
    QVERIFY2(!r.err.contains("platform plugin"), qPrintable(r.err));

    r = runHeadless({"--version"}, m_dir.filePath("home"));
    QCOMPARE(r.status, QProcess::NormalExit);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(QRegularExpression(QStringLiteral("^subliminal-lab \\d")).match(r.out).hasMatch(),
             qPrintable(r.out));
  }

  // Issue 13, bug 11: started with no display, the app says what to do and exits cleanly.
  void startWithoutADisplay() {
    const Result r = runHeadless({}, m_dir.filePath("home"));
    QCOMPARE(r.status, QProcess::NormalExit);
    QVERIFY2(r.exitCode != 0, qPrintable(r.err));
    QVERIFY2(!r.err.contains("could not load the Qt platform plugin"), qPrintable(r.err));
    QVERIFY2(r.err.contains("no display"), qPrintable(r.err));
    QVERIFY2(r.err.contains("xvfb-run -a"), qPrintable(r.err));
    QVERIFY2(r.err.contains("sublab run"), qPrintable(r.err));
  }
};

QTEST_MAIN(TestHelp)
#include "test_help.moc"
