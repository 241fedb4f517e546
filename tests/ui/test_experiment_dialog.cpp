// The New-experiment dialog: the form is generated from the kind's schema, presets fill it,
// an invalid value disables Run with the engine's reason and outlines the field, and a valid
// form starts a small real run through the queue into the project database.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"
#include "ui/experiment_dialog.h"
#include "ui/project.h"
#include "ui/run_queue.h"

using namespace sublab::ui;

class TestExperimentDialog : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  AppSettings settings() { return AppSettings(m_dir.filePath("settings.ini")); }

  // With SUBLAB_TEST_SHOTS=DIR, saves what the test sees, for a person to look at.
  static void shot(QWidget* w, const char* name) {
    const QString dir = QString::fromLocal8Bit(qgetenv("SUBLAB_TEST_SHOTS"));
    if (dir.isEmpty()) return;
    QTest::qWait(100);  // layouts settle before the picture
    w->grab().save(dir + QLatin1Char('/') + QLatin1String(name) + ".png");
  }

  // Replaces a line edit's text the way a user does: select all, type.
  static void typeInto(QWidget* w, const QString& text) {
    auto* edit = qobject_cast<QLineEdit*>(w);
    QVERIFY(edit);
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
  }

 private Q_SLOTS:
  void formHasEveryKnob() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.setKind("aux");
    const auto schema = sublab::configSchema("aux");
    // Every knob but the ones promoted to the top row (models, seed) has a widget.
    int expected = 0;
    for (const auto& f : schema)
      if (f.path != "models" && f.path != "seed") {
        ++expected;
        QVERIFY2(d.form()->fieldWidget(QString::fromStdString(f.path)), f.path.c_str());
      }
    QCOMPARE(d.form()->fieldCount(), expected);
    QVERIFY(d.seedsBox()->isVisibleTo(&d));
  }

  void presetFillsForm() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    QVERIFY(d.setPreset("aux-fashion-quick"));
    QCOMPARE(d.kindBox()->currentData().toString(), QString("aux"));
    // The form shows the preset's values (the preset filled in by the engine's defaults).
    const nlohmann::json full =
        sublab::normalizeConfig(sublab::findPreset("aux-fashion-quick")->config);
    QCOMPARE(d.seedsBox()->value(), full["models"].get<int>());
    auto* epochs = qobject_cast<QLineEdit*>(d.form()->fieldWidget("teacher.epochs"));
    QVERIFY(epochs);
    QCOMPARE(epochs->text(), QString::number(full["teacher"]["epochs"].get<int>()));
    auto* images = qobject_cast<QLineEdit*>(d.form()->fieldWidget("student.images"));
    QCOMPARE(images->text(), QString::number(full["student"]["images"].get<int>()));
    QCOMPARE(d.spec().config, full);
    QVERIFY(d.isValid());
    QVERIFY(d.runButton()->isEnabled());
  }

  void invalidValueDisablesRun() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.show();
    QVERIFY(d.setPreset("aux-fashion-quick"));
    QVERIFY(d.runButton()->isEnabled());

    // A negative learning rate: the engine rejects it and names the key.
    typeInto(d.form()->fieldWidget("train.lr"), "-0.1");
    QVERIFY(!d.isValid());
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY2(d.validationMessage().contains("train.lr"), qPrintable(d.validationMessage()));
    QVERIFY(d.messageLabel()->text().contains("train.lr"));
    QVERIFY(!d.form()->fieldWidget("train.lr")->styleSheet().isEmpty());  // outlined

    // Letters in a whole-number field: the form's own parse error.
    typeInto(d.form()->fieldWidget("train.lr"), "0.001");
    QVERIFY(d.runButton()->isEnabled());
    QVERIFY(d.form()->fieldWidget("train.lr")->styleSheet().isEmpty());
    typeInto(d.form()->fieldWidget("teacher.epochs"), "two");
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY(d.validationMessage().contains("teacher.epochs"));

    // A cross-field rule: cross-init needs two models.
    typeInto(d.form()->fieldWidget("teacher.epochs"), "1");
    QVERIFY(d.runButton()->isEnabled());
    d.seedsBox()->setValue(1);
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY(d.validationMessage().contains("cross_init"));
    d.seedsBox()->setValue(2);
    QVERIFY(d.runButton()->isEnabled());

    // Clicking a disabled Run does nothing.
    QSignalSpy spy(&d, &ExperimentDialog::runRequested);
    typeInto(d.form()->fieldWidget("train.lr"), "5");  // above the maximum of 1
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QCOMPARE(spy.count(), 0);
  }

  void startsSmallRun() {
    AppSettings s = settings();
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("runs.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    ExperimentDialog d(&s);
    d.show();
    QObject::connect(&d, &ExperimentDialog::runRequested, &queue, [&](const JobSpec& spec) {
      QString e;
      QVERIFY(queue.enqueue(spec, &e) > 0);
    });
    QVERIFY(d.setPreset("aux-fashion-quick"));
    // Shrink it to a second-long run through the form.
    d.seedsBox()->setValue(2);
    typeInto(d.form()->fieldWidget("data.train_limit"), "2048");
    typeInto(d.form()->fieldWidget("data.test_limit"), "512");
    typeInto(d.form()->fieldWidget("model.hidden"), "32");
    typeInto(d.form()->fieldWidget("teacher.epochs"), "1");
    typeInto(d.form()->fieldWidget("student.epochs"), "1");
    typeInto(d.form()->fieldWidget("student.images"), "1024");
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QCOMPARE(d.spec().config["models"].get<int>(), 2);
    QCOMPARE(d.spec().config["model"]["hidden"].get<int>(), 32);

    QSignalSpy queued(&queue, &RunQueue::runQueued);
    QSignalSpy metrics(&queue, &RunQueue::metricsArrived);
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QCOMPARE(queued.count(), 1);
    QVERIFY(!d.isVisible());  // accepted
    QVERIFY(finished.wait(120000));
    QCOMPARE(sublab::toString(finished.first().at(1).value<sublab::RunStatus>()),
             std::string("done"));
    QVERIFY(metrics.count() > 0);  // live points reached the GUI thread

    const qint64 runId = queued.first().at(0).toLongLong();
    const sublab::RunInfo info = project.db()->run(runId);
    QVERIFY(info.status == sublab::RunStatus::Done);
    QCOMPARE(info.kind, std::string("aux"));
    QVERIFY(!info.conditions.empty());
    QVERIFY(!project.db()->metrics(runId, 0, "accuracy").empty());
    QVERIFY(!queue.isBusy());
  }

  // Bug 2 of issue #13: "0,001" was read as 1 (the comma as a thousands separator). Every
  // numeric field type now reads numbers one way and rejects a comma, saying what to write.
  void decimalCommaRejected() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.show();
    QVERIFY(d.setPreset("owl-numbers-tiny"));
    QVERIFY(d.isValid());
    struct Case {
      const char* path;  // positive, number, int
      const char* typed;
      const char* says;
    };
    for (const Case& c : {Case{"student.lr", "0,001", "use a decimal point: 0.001"},
                          Case{"reference.question_fraction", "0,25", "use a decimal point: 0.25"},
                          Case{"generation.prompts", "1,000", "without separators"},
                          Case{"student.lr", "1,000.5", "without separators"}}) {
      typeInto(d.form()->fieldWidget(c.path), c.typed);
      QVERIFY2(!d.isValid(), c.path);
      QVERIFY(!d.runButton()->isEnabled());
      QVERIFY2(d.validationMessage().startsWith(QString(c.path) + ": "),
               qPrintable(d.validationMessage()));
      QVERIFY2(d.validationMessage().contains(c.says), qPrintable(d.validationMessage()));
      QVERIFY(!d.form()->fieldWidget(c.path)->styleSheet().isEmpty());  // outlined
      QCOMPARE(d.changesLabel()->text(),
               QString("Compared with preset owl-numbers-tiny once the config is valid."));
      if (QString(c.path) == "student.lr" && QString(c.typed) == "0,001") shot(&d, "decimal_comma");
      typeInto(d.form()->fieldWidget(c.path), "1");  // valid again for the next case
      QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    }
    typeInto(d.form()->fieldWidget("student.lr"), "0.001");
    typeInto(d.form()->fieldWidget("reference.question_fraction"), "0.25");
    typeInto(d.form()->fieldWidget("generation.prompts"), "1000");
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QCOMPARE(d.spec().config["student"]["lr"].get<double>(), 0.001);
    QCOMPARE(d.spec().config["reference"]["question_fraction"].get<double>(), 0.25);
    QCOMPARE(d.spec().config["generation"]["prompts"].get<int>(), 1000);
    // A list of whole numbers still takes commas as its separator.
    typeInto(d.form()->fieldWidget("filter.banned_numbers"), "4, 13,666");
    QVERIFY(d.isValid());
    QCOMPARE(d.spec().config["filter"]["banned_numbers"], (nlohmann::json{4, 13, 666}));
  }

  // Bug 12: an invalid regular expression is rejected while the form is edited, naming it.
  void invalidBannedPatternRejected() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.show();
    QVERIFY(d.setPreset("owl-numbers-tiny"));
    auto* patterns = qobject_cast<QPlainTextEdit*>(d.form()->fieldWidget("filter.banned_patterns"));
    QVERIFY(patterns);
    patterns->setFocus();
    QTest::keyClicks(patterns, "^6");
    QVERIFY(d.isValid());
    QTest::keyClick(patterns, Qt::Key_Return);
    QTest::keyClicks(patterns, "(13");
    QVERIFY(!d.isValid());
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY2(d.validationMessage().contains("config.filter.banned_patterns: banned pattern \"(13\" "
                                            "is not a valid regular expression"),
             qPrintable(d.validationMessage()));
    QVERIFY(!patterns->styleSheet().isEmpty());  // outlined
    shot(&d, "bad_regex");
    QTest::keyClick(patterns, Qt::Key_Backspace);
    QTest::keyClick(patterns, Qt::Key_Backspace);
    QTest::keyClick(patterns, Qt::Key_Backspace);
    QVERIFY(d.isValid());
  }

  // The format rule is a knob of the form: the paper's by default, the lenient one by choice.
  void formatRuleInForm() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    QVERIFY(d.setPreset("owl-numbers-tiny"));
    auto* rule = qobject_cast<QComboBox*>(d.form()->fieldWidget("filter.format_rule"));
    QVERIFY(rule);
    QCOMPARE(rule->currentText(), QString("paper"));
    QVERIFY(rule->toolTip().contains("paper authors' rule exactly"));
    if (auto* scroll = d.findChild<QScrollArea*>()) {
      d.show();
      scroll->ensureWidgetVisible(rule);
      shot(&d, "format_rule");
    }
    rule->setCurrentText("lenient");
    QVERIFY(d.isValid());
    QCOMPARE(d.spec().config["filter"]["format_rule"], nlohmann::json("lenient"));
  }

  // Bug 3: Load JSON rejected nothing the form could not hold (an unknown key vanished and the
  // default ran). Now the engine's reader checks the file, as the CLI does, naming the key; and
  // the Preset box never names a preset the form no longer holds.
  void loadJsonRejectsUnknownKeys() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QVERIFY(d.setPreset("aux-fashion-quick"));
    const nlohmann::json before = d.spec().config;
    const QString bad = m_dir.filePath("bad.json");
    {
      QFile f(bad);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(R"({"kind":"numbers","student":{"lrr":0.1}})");
    }
    // What Load JSON… does with the file picked in its file dialog.
    QString warning;
    QVERIFY(!d.loadJsonFile(bad, &warning));
    QVERIFY2(warning.contains("invalid config (bad.json): config.student: unknown key \"lrr\" "
                              "(did you mean \"lr\"?"),
             qPrintable(warning));
    // The form keeps what it had.
    QCOMPARE(d.kindBox()->currentData().toString(), QString("aux"));
    QCOMPARE(d.presetBox()->currentText(), QString("aux-fashion-quick"));
    QVERIFY(d.isValid());
    QCOMPARE(d.spec().config, before);

    // A good file loads; the Preset box says where the form came from.
    const QString good = m_dir.filePath("good.json");
    {
      QFile f(good);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(R"({"kind":"numbers","seeds":2,"student":{"lr":0.1}})");
    }
    QString noWarning;
    QVERIFY2(d.loadJsonFile(good, &noWarning), qPrintable(noWarning));
    QCOMPARE(d.kindBox()->currentData().toString(), QString("numbers"));
    QCOMPARE(d.presetBox()->currentText(), QString("loaded: good.json"));
    QCOMPARE(d.spec().config["student"]["lr"].get<double>(), 0.1);
    QCOMPARE(d.spec().preset, QString("good.json"));  // as `sublab run --config` stores it
    QCOMPARE(d.changesLabel()->text(), QString("Same config as file good.json."));
    // An edit: no longer the file's config.
    typeInto(d.form()->fieldWidget("student.lr"), "0.2");
    QCOMPARE(d.presetBox()->currentText(), QString("(custom)"));
    QCOMPARE(d.spec().preset, QString());
    QCOMPARE(d.changesLabel()->text(),
             QString("Changes from file good.json: student.lr 0.1 → 0.2"));
    shot(&d, "loaded_then_edited");
  }

  // After an edit the Preset box says "(custom)" and the changes are listed; undoing the edit
  // brings the preset's name back.
  void presetBoxFollowsEdits() {
    AppSettings s = settings();
    ExperimentDialog d(&s);
    d.show();
    QVERIFY(d.setPreset("aux-fashion-quick"));
    QCOMPARE(d.presetBox()->currentText(), QString("aux-fashion-quick"));
    QCOMPARE(d.changesLabel()->text(), QString("Same config as preset aux-fashion-quick."));
    const QString lr = qobject_cast<QLineEdit*>(d.form()->fieldWidget("train.lr"))->text();
    typeInto(d.form()->fieldWidget("train.lr"), "0.0123");
    QCOMPARE(d.presetBox()->currentText(), QString("(custom)"));
    QVERIFY(d.presetBox()->currentData().toString().isEmpty());
    QCOMPARE(d.changesLabel()->text(),
             QString("Changes from preset aux-fashion-quick: train.lr %1 → 0.0123").arg(lr));
    QCOMPARE(d.spec().name, QString("aux-fashion-quick (edited)"));
    typeInto(d.form()->fieldWidget("train.lr"), lr);
    QCOMPARE(d.presetBox()->currentText(), QString("aux-fashion-quick"));
    QCOMPARE(d.spec().preset, QString("aux-fashion-quick"));
    // Choosing another preset still loads it.
    d.presetBox()->setCurrentIndex(0);
    QCOMPARE(d.presetBox()->currentText(), QString("(defaults)"));
    QCOMPARE(d.changesLabel()->text(), QString("Same config as the defaults."));
  }

  void settingsRemembered() {
    AppSettings s = settings();
    {
      ExperimentDialog d(&s);
      QVERIFY(d.setPreset("aux-fashion-quick"));
      QTest::mouseClick(d.runButton(), Qt::LeftButton);  // saves settings, emits, accepts
    }
    ExperimentDialog again(&s);
    QCOMPARE(again.presetBox()->currentData().toString(), QString("aux-fashion-quick"));
  }
};

QTEST_MAIN(TestExperimentDialog)
#include "test_experiment_dialog.moc"
