// The New-experiment dialog: the form is generated from the kind's schema, presets fill it,
// an invalid value disables Run with the engine's reason and outlines the field, and a valid
// form starts a small real run through the queue into the project database.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
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
