// "Re-run and vary" (issue #13): a stored run's config duplicated into the New-experiment form
// from the Experiment menu (the runs table's context menu has the same actions), "Re-run with
// more seeds" with the seed count raised and focused, and the form listing what differs from
// the source run, live. A run stored before filter.format_rule existed is described with the
// lenient rule it ran with, never with the new default.
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"
#include "ui/experiment_dialog.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

class TestDuplicateRun : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  // With SUBLAB_TEST_SHOTS=DIR, saves what the test sees, for a person to look at.
  static void shot(QWidget* w, const char* name) {
    const QString dir = QString::fromLocal8Bit(qgetenv("SUBLAB_TEST_SHOTS"));
    if (dir.isEmpty()) return;
    QTest::qWait(100);  // layouts settle before the picture
    w->grab().save(dir + QLatin1Char('/') + QLatin1String(name) + ".png");
  }

  static QAction* action(MainWindow& w, const char* name) {
    return w.findChild<QAction*>(QString::fromLatin1(name));
  }

 private Q_SLOTS:
  void duplicateAndEdit() {
    AppSettings settings(m_dir.filePath("s.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("dup.sqlite"), &error), qPrintable(error));
    const qint64 id = uitest::addNumbersRun(*w.project()->db(), "owl lr 2e-3", 0.05,
                                            {{"student", {{"lr", 0.002}}}});
    QVERIFY2(w.openDatabase(m_dir.filePath("dup.sqlite"), &error), qPrintable(error));  // re-read
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.runsView()->selectRun(id);

    QAction* duplicate = action(w, "duplicateRunAction");
    QVERIFY(duplicate);
    duplicate->trigger();
    auto* d = w.findChild<ExperimentDialog*>();
    QVERIFY(d);
    QVERIFY(QTest::qWaitForWindowExposed(d));
    // The run's config, unchanged so far.
    QCOMPARE(d->kindBox()->currentData().toString(), QString("numbers"));
    QCOMPARE(qobject_cast<QLineEdit*>(d->form()->fieldWidget("student.lr"))->text(),
             QString("0.002"));
    QCOMPARE(d->seedsBox()->value(), 3);
    QCOMPARE(d->presetBox()->currentText(), QString("run #%1").arg(id));
    QCOMPARE(d->changesLabel()->text(), QString("Same config as run #%1 (owl lr 2e-3).").arg(id));
    QCOMPARE(d->spec().config, w.project()->db()->run(id).config);
    // Vary it: the changes are listed as they are made.
    auto* lr = qobject_cast<QLineEdit*>(d->form()->fieldWidget("student.lr"));
    lr->setFocus();
    lr->selectAll();
    QTest::keyClicks(lr, "0.004");
    QCOMPARE(d->presetBox()->currentText(), QString("(custom)"));
    QCOMPARE(d->changesLabel()->text(),
             QString("Changes from run #%1 (owl lr 2e-3): student.lr 0.002 → 0.004").arg(id));
    d->seedsBox()->setValue(5);
    QCOMPARE(d->changesLabel()->text(),
             QString("Changes from run #%1 (owl lr 2e-3): seeds 3 → 5; student.lr 0.002 → 0.004")
                 .arg(id));
    QCOMPARE(d->spec().name, QString("owl lr 2e-3 (edited)"));
    shot(d, "duplicate_edited");
    d->close();
    delete d;
  }

  void rerunWithMoreSeeds() {
    AppSettings settings(m_dir.filePath("s2.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("more.sqlite"), &error), qPrintable(error));
    const qint64 id = uitest::addNumbersRun(*w.project()->db(), "base", 0.05);
    QVERIFY2(w.openDatabase(m_dir.filePath("more.sqlite"), &error), qPrintable(error));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.runsView()->selectRun(id);
    action(w, "moreSeedsAction")->trigger();
    auto* d = w.findChild<ExperimentDialog*>();
    QVERIFY(d);
    QVERIFY(QTest::qWaitForWindowExposed(d));
    QCOMPARE(d->seedsBox()->value(), 4);
    QTRY_VERIFY(d->seedsBox()->hasFocus());
    QCOMPARE(d->changesLabel()->text(),
             QString("Changes from run #%1 (base): seeds 3 → 4").arg(id));
    QVERIFY(d->isValid());
    QCOMPARE(d->spec().config["seeds"].get<int>(), 4);
    shot(d, "more_seeds");
    d->close();
    delete d;
  }

  // A run stored before the format-rule knob existed ran with the lenient rule: it is read,
  // shown and duplicated as lenient, while a new config gets the paper's rule.
  void oldRunKeepsTheRuleItUsed() {
    AppSettings settings(m_dir.filePath("s3.ini"));
    MainWindow w(&settings);
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("old.sqlite"), &error), qPrintable(error));
    sublab::NewRun old;
    old.name = "before the knob";
    old.config = sublab::normalizeConfig({{"kind", "numbers"}});
    old.config["filter"].erase("format_rule");  // as stored by an earlier version
    old.status = sublab::RunStatus::Running;
    const qint64 id = w.project()->db()->createRun(old);
    w.project()->db()->finishRun(id, sublab::RunStatus::Done, 1.0);
    QCOMPARE(w.project()->db()->run(id).config["filter"]["format_rule"], nlohmann::json("lenient"));
    w.show();
    ExperimentDialog* d = w.duplicateRun(id, false);
    QVERIFY(d);
    auto* rule = qobject_cast<QComboBox*>(d->form()->fieldWidget("filter.format_rule"));
    QVERIFY(rule);
    QCOMPARE(rule->currentText(), QString("lenient"));
    QCOMPARE(d->spec().config["filter"]["format_rule"], nlohmann::json("lenient"));
    d->close();
    delete d;
  }
};

QTEST_MAIN(TestDuplicateRun)
#include "test_duplicate_run.moc"
