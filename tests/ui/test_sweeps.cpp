// Sweeps in the GUI: the Sweep dialog builds the sweep core's plan from what is typed (values,
// ranges, a second axis), rejects a decimal comma and shows the core's own messages; a tiny
// 2-point sweep runs through the GUI's run queue into runs linked to the sweep; the Sweeps view
// shows the points with the figures stored for their runs, CIs only where there are seeds to
// make one, a log axis for log-spaced values (plain tick labels, sensible ticks under a decade),
// progress and a failed point's message; clicking a drawn point (or heat-map cell) opens its run.

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>

#include "app/lab/sweep.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"
#include "ui/experiment_dialog.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/qcp.h"
#include "ui/run_queue.h"
#include "ui/runs_view.h"
#include "ui/sweep_dialog.h"
#include "ui/sweep_view.h"

using namespace sublab::ui;

class TestSweeps : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  static void shot(QWidget* w, const char* name) { uitest::saveShot(w, name); }

  static void typeInto(QLineEdit* edit, const QString& text) {
    QVERIFY(edit);
    edit->setFocus();
    edit->selectAll();
    if (text.isEmpty())
      QTest::keyClick(edit, Qt::Key_Delete);
    else
      QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
  }

  static void pick(QComboBox* box, const QString& text) {
    const int i = box->findText(text);
    QVERIFY2(i >= 0, qPrintable(text + " is not offered"));
    box->setCurrentIndex(i);
  }

  static void pickForm(QComboBox* box, const QString& form) {
    const int i = box->findData(form);
    QVERIFY(i >= 0);
    box->setCurrentIndex(i);
  }

  // owl-numbers-tiny shrunk further (as tests/app/test_cli.cpp's sweep does): seconds per run.
  static nlohmann::json tinyNumbers() {
    nlohmann::json c = sublab::findPreset("owl-numbers-tiny")->config;
    c.merge_patch({{"reference", {{"corpus_rows", 1000}, {"steps", 40}}},
                   {"teacher", {{"rows", 32}}},
                   {"generation", {{"prompts", 48}}}});
    return sublab::normalizeConfig(c);
  }

  // The labels of the ticks the axis draws now.
  static QStringList tickLabels(QCPAxis* axis) {
    axis->parentPlot()->replot();
    return axis->tickVectorLabels();
  }

  static QString coreMessage(const nlohmann::json& plan) {
    try {
      sublab::parseSweepPlan(plan);
    } catch (const std::exception& e) {
      return QString::fromUtf8(e.what());
    }
    return {};
  }

 private Q_SLOTS:
  void experimentFormOffersSweep() {
    AppSettings s(m_dir.filePath("settings.ini"));
    ExperimentDialog d(&s);
    QVERIFY(d.setPreset("owl-numbers-tiny"));
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QVERIFY(d.runButton()->isEnabled());
    QVERIFY(d.sweepButton());
    QVERIFY(d.sweepButton()->isEnabled());
    int requests = 0;
    nlohmann::json config;
    connect(&d, &ExperimentDialog::sweepRequested, this, [&](const JobSpec& spec) {
      ++requests;
      config = spec.config;
    });
    QTest::mouseClick(d.sweepButton(), Qt::LeftButton);
    QCOMPARE(requests, 1);
    QCOMPARE(config, d.spec().config);
  }

  void valuesAndRangesBuildThePlan() {
    const nlohmann::json base = tinyNumbers();
    SweepDialog d(base, 0);
    d.show();
    // The seeds default to the form's seed count.
    QCOMPARE(d.seedsBox()->value(), base["seeds"].get<int>());
    pick(d.axis(0).key, "filter.max_kept");
    typeInto(d.axis(0).values, "24, 40");
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QCOMPARE(d.pointCount(), 2);
    QVERIFY(d.runButton()->isEnabled());
    QCOMPARE(d.plan()["axes"],
             nlohmann::json::parse(R"([{"key": "filter.max_kept", "values": [24, 40]}])"));
    QCOMPARE(d.plan()["base"]["config"], base);
    QVERIFY2(d.messageLabel()->text().contains("2 points"), qPrintable(d.messageLabel()->text()));
    shot(&d, "sweep_dialog");

    // A linear range with a count; the core expands it (integers for an integer knob).
    pickForm(d.axis(0).form, "linear");
    typeInto(d.axis(0).from, "16");
    typeInto(d.axis(0).to, "48");
    d.axis(0).count->setValue(3);
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QCOMPARE(d.pointCount(), 3);
    QCOMPARE(d.plan()["axes"][0]["linear"],
             nlohmann::json::parse(R"({"from": 16.0, "to": 48.0, "count": 3})"));
    const sublab::SweepPlan parsed = sublab::parseSweepPlan(d.plan());
    QCOMPARE(parsed.points[1].values["filter.max_kept"], nlohmann::json(32));

    // A second axis: every combination.
    d.secondAxisBox()->setChecked(true);
    pick(d.axis(1).key, "teacher.rows");
    typeInto(d.axis(1).values, "32, 48");
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    QCOMPARE(d.pointCount(), 6);
    QCOMPARE(d.plan()["axes"].size(), size_t(2));
    d.seedsBox()->setValue(3);
    QCOMPARE(d.plan()["seeds"].get<int>(), 3);
  }

  void decimalCommaAndBadValuesAreRejected() {
    SweepDialog d(tinyNumbers(), 0);
    d.show();
    pick(d.axis(0).key, "filter.max_kept");
    typeInto(d.axis(0).values, "0,5");
    QVERIFY(!d.isValid());
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY2(d.validationMessage().contains("decimal comma") &&
                 d.validationMessage().contains("0,5") && d.validationMessage().contains("0.5"),
             qPrintable(d.validationMessage()));
    QCOMPARE(d.messageLabel()->text(), d.validationMessage());
    int requests = 0;
    connect(&d, &SweepDialog::sweepRequested, this, [&] { ++requests; });
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QCOMPARE(requests, 0);

    // In a range end too.
    pickForm(d.axis(0).form, "log");
    typeInto(d.axis(0).from, "0,001");
    typeInto(d.axis(0).to, "1");
    QVERIFY(!d.isValid());
    QVERIFY2(d.validationMessage().contains("decimal comma"), qPrintable(d.validationMessage()));

    // Words are not numbers.
    pickForm(d.axis(0).form, "values");
    typeInto(d.axis(0).values, "24, many");
    QVERIFY(!d.isValid());
    QVERIFY2(d.validationMessage().contains("\"many\" is not a number"),
             qPrintable(d.validationMessage()));

    // A value the engine rejects: the sweep core's own message, word for word.
    typeInto(d.axis(0).values, "24, -5");
    QVERIFY(!d.isValid());
    const QString core = coreMessage(d.plan());
    QVERIFY(!core.isEmpty());
    QCOMPARE(d.validationMessage(), core);
    QVERIFY2(core.contains("sweep point 2"), qPrintable(core));

    // A key the kind does not have (a plan from elsewhere): queueSweep says what the core says.
    nlohmann::json plan = d.plan();
    plan["axes"] = nlohmann::json::parse(R"([{"key": "student.nonsense", "values": [1, 2]}])");
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("badkey.sqlite"), &error));
    RunQueue queue(&project);
    QCOMPARE(queueSweep(&queue, project.db(), plan, 1, &error), qint64(0));
    QCOMPARE(error, coreMessage(plan));
    QVERIFY2(error.contains("student.nonsense"), qPrintable(error));
    QVERIFY(project.db()->sweeps().empty());
    QCOMPARE(queue.jobCount(), 0);
  }

  void tinySweepRunsThroughTheQueue() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("sweep.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    SweepDialog d(tinyNumbers(), 0);
    d.show();
    pick(d.axis(0).key, "filter.max_kept");
    typeInto(d.axis(0).values, "24, 40");
    d.seedsBox()->setValue(1);
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    qint64 sweepId = 0;
    QList<qint64> queued;
    connect(&d, &SweepDialog::sweepRequested, this, [&](const nlohmann::json& plan) {
      sweepId = queueSweep(&queue, project.db(), plan, 1, &error, &queued);
    });
    QSignalSpy idle(&queue, &RunQueue::idle);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY2(sweepId > 0, qPrintable(error));
    QCOMPARE(queued.size(), 2);

    SweepView view(&project);
    view.resize(900, 640);
    view.show();
    QVERIFY(view.showSweep(sweepId));
    QVERIFY2(view.progressLabel()->text().startsWith("2 points"),
             qPrintable(view.progressLabel()->text()));

    QVERIFY(idle.wait(600000));
    QTRY_VERIFY_WITH_TIMEOUT(!queue.isBusy(), 60000);

    // Two runs, linked to the sweep's points, done.
    const auto points = project.db()->sweepPoints(sweepId);
    QCOMPARE(points.size(), size_t(2));
    QCOMPARE(qint64(points[0].runId), queued[0]);
    QCOMPARE(qint64(points[1].runId), queued[1]);
    QCOMPARE(points[0].values["filter.max_kept"], nlohmann::json(24));
    for (const auto& p : points) {
      const sublab::RunInfo run = project.db()->run(p.runId);
      QVERIFY2(run.status == sublab::RunStatus::Done, run.error.c_str());
      QCOMPARE(run.config["filter"]["max_kept"], p.values["filter.max_kept"]);
      QCOMPARE(run.seeds, 1);
      // Filed under the sweep's experiment, as `sublab sweep` files its points.
      QVERIFY(run.experimentId != 0);
      QCOMPARE(run.experimentId, project.db()->run(points[0].runId).experimentId);
    }

    view.refresh();
    QCOMPARE(view.points().size(), 2);
    QVERIFY2(view.progressLabel()->text().contains("2 done"),
             qPrintable(view.progressLabel()->text()));
    // The figures are the stored summaries' (the kind's headline contrast).
    auto* plot = view.plot();
    auto* effectGraph = plot->graph(0);
    QCOMPARE(effectGraph->dataCount(), 2);
    for (int i = 0; i < 2; ++i) {
      const SweepViewPoint& p = view.points()[i];
      const auto contrasts = project.db()->summaries(p.runId, true);
      const auto it = std::find_if(contrasts.begin(), contrasts.end(),
                                   [](const auto& c) { return c.condition == "transfer"; });
      QVERIFY(it != contrasts.end());
      QCOMPARE(p.effect.mean, it->value.mean);
      QCOMPARE(p.effect.n, 1);
      // Sorted by the swept value: 24 then 40.
      QCOMPARE(effectGraph->data()->at(i)->key, double(points[i].values["filter.max_kept"]));
      QCOMPARE(effectGraph->data()->at(i)->value, it->value.mean);
      QCOMPARE(view.runAtPlotPoint(0, i), qint64(points[i].runId));
      // One seed: a mean and no interval.
      const QString cell = view.table()->item(i, 3)->text();
      QVERIFY2(cell.contains("no CI") && !cell.contains("["), qPrintable(cell));
    }
    for (int i = 0; i < plot->plottableCount(); ++i)
      QVERIFY2(!qobject_cast<QCPErrorBars*>(plot->plottable(i)), "a one-seed point has no CI");
    QVERIFY(!view.logX());

    // Clicking a row selects its run.
    QSignalSpy clicked(&view, &SweepView::runClicked);
    const QRect cell = view.table()->visualItemRect(view.table()->item(1, 0));
    QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toLongLong(), qint64(points[1].runId));
    shot(&view, "sweep_view_tiny");

    // Queueing the same plan again resumes: nothing is done twice.
    QList<qint64> again;
    QCOMPARE(queueSweep(&queue, project.db(), d.plan(), 1, &error, &again), sweepId);
    QVERIFY(again.isEmpty());
  }

  // From the main window: New experiment › Sweep… › Run sweep queues the points and shows the
  // sweep in the Sweeps tab; clicking a point there selects its run.
  void mainWindowSweepEndToEnd() {
    AppSettings settings(m_dir.filePath("main.ini"));
    MainWindow w(&settings);
    w.resize(1200, 800);
    w.show();
    QString error;
    QVERIFY2(w.openDatabase(m_dir.filePath("main.sqlite"), &error), qPrintable(error));
    ExperimentDialog* form = w.newExperiment();
    QVERIFY(form);
    form->setConfig(tinyNumbers());
    QVERIFY2(form->isValid(), qPrintable(form->validationMessage()));
    QTest::mouseClick(form->sweepButton(), Qt::LeftButton);
    auto* sweep = form->findChild<SweepDialog*>();
    QVERIFY(sweep);
    QTRY_VERIFY(sweep->isVisible());
    pick(sweep->axis(0).key, "filter.max_kept");
    typeInto(sweep->axis(0).values, "24, 40");
    sweep->seedsBox()->setValue(1);
    QVERIFY2(sweep->isValid(), qPrintable(sweep->validationMessage()));
    QTest::mouseClick(sweep->runButton(), Qt::LeftButton);
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::SweepsTab));
    SweepView* view = w.sweepView();
    QVERIFY(view->currentSweep() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!w.queue()->isBusy(), 600000);
    QTRY_VERIFY_WITH_TIMEOUT(view->progressLabel()->text().contains("2 done"), 10000);
    QCOMPARE(view->points().size(), 2);
    const auto points = w.project()->db()->sweepPoints(view->currentSweep());
    QCOMPARE(points.size(), size_t(2));
    const QRect cell = view->table()->visualItemRect(view->table()->item(0, 0));
    QTest::mouseClick(view->table()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(w.runsView()->selectedRuns(), QList<qint64>({qint64(points[0].runId)}));
    shot(&w, "main_window_sweeps");
  }

  void viewShowsIntervalsLogAxisSecondAxisAndFailures() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("stored.sqlite"), &error));
    sublab::Database& db = *project.db();
    // Stored runs with known figures (3 seeds each) as the points of a 3 × 2 grid sweep.
    const nlohmann::json plan = {
        {"name", "lr grid"},
        {"axes", nlohmann::json::parse(R"([{"key": "student.lr", "log": {"from": 0.0001,
             "to": 0.01, "count": 3}}, {"key": "teacher.rows", "values": [32, 64]}])")}};
    const auto sweep = db.findOrCreateSweep("lr grid", plan, "hash-lr-grid");
    const double lrs[] = {1e-4, 1e-3, 1e-2};
    const int rows[] = {32, 64};
    int index = 0;
    QMap<qint64, double> transfer;
    for (double lr : lrs)
      for (int r : rows) {
        const double t = 0.01 * (index + 1);
        const int64_t id = uitest::addNumbersRun(db, "p" + std::to_string(index), t);
        transfer[id] = t;
        db.setSweepPoint(sweep.id, index++, {{"student.lr", lr}, {"teacher.rows", r}}, id);
      }
    // One more point that failed.
    sublab::NewRun nr;
    nr.config = sublab::normalizeConfig({{"kind", "numbers"}});
    nr.status = sublab::RunStatus::Running;
    const int64_t failed = db.createRun(nr);
    db.finishRun(failed, sublab::RunStatus::Failed, 1.0, "out of memory at step 3");
    db.setSweepPoint(sweep.id, index, {{"student.lr", 0.1}, {"teacher.rows", 32}}, failed);

    SweepView view(&project);
    view.resize(900, 640);
    view.show();
    QVERIFY(view.showSweep(sweep.id));
    QCOMPARE(view.points().size(), 7);
    QVERIFY2(view.progressLabel()->text().contains("6 done, 1 failed"),
             qPrintable(view.progressLabel()->text()));
    const int lastRow = view.table()->rowCount() - 1;
    QCOMPARE(view.table()->item(lastRow, view.table()->columnCount() - 1)->text(),
             QString("out of memory at step 3"));
    QVERIFY(view.logX());
    QCOMPARE(view.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);

    // One effect line per value of the second axis, each with error bars from the stored CIs.
    QStringList names;
    int bars = 0;
    for (int i = 0; i < view.plot()->plottableCount(); ++i) {
      auto* p = view.plot()->plottable(i);
      if (auto* e = qobject_cast<QCPErrorBars*>(p)) {
        ++bars;
        auto* anchor = qobject_cast<QCPGraph*>(e->dataPlottable());
        QVERIFY(anchor);
        for (int k = 0; k < e->dataCount(); ++k) {
          const double mean = anchor->data()->at(k)->value;
          // The stored interval is the mean ± 0.02 (uitest::addNumbersRun) for transfer.
          bool matched = false;
          for (const auto& pt : view.points())
            if (pt.effect.valid && std::abs(pt.effect.mean - mean) < 1e-12) {
              QCOMPARE(e->data()->at(k).errorMinus, pt.effect.mean - pt.effect.lo);
              QCOMPARE(e->data()->at(k).errorPlus, pt.effect.hi - pt.effect.mean);
              matched = true;
            }
          if (!matched) continue;  // a cross-init bar
        }
      } else if (p->visible() && p->name().startsWith("transfer")) {
        names << p->name();
      }
    }
    QCOMPARE(names, QStringList({"transfer, teacher.rows = 32", "transfer, teacher.rows = 64"}));
    // Plain labels on the log axis, the knob named on it.
    QCOMPARE(tickLabels(view.plot()->xAxis), QStringList({"0.0001", "0.001", "0.01"}));
    QCOMPARE(view.plot()->xAxis->label(), QString("student.lr"));
    QCOMPARE(view.plot()->yAxis->label(), QString("transfer"));

    // Clicking a drawn point (one with a CI: its bars lie on top of it) opens that point's run.
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy clicked(&view, &SweepView::runClicked);
    QCPGraph* line = view.meanGraphs().value(0);
    QVERIFY(line && line->dataCount() == 3);
    for (int i = 0; i < line->dataCount(); ++i) {
      const QPointF at = line->coordsToPixels(line->data()->at(i)->key, line->data()->at(i)->value);
      QTest::mouseClick(view.plot(), Qt::LeftButton, {}, at.toPoint() + QPoint(1, 1));
      QCOMPARE(clicked.count(), i + 1);
      QCOMPARE(clicked.last().at(0).toLongLong(), view.runAtPlotPoint(0, i));
      QVERIFY(clicked.last().at(0).toLongLong() > 0);
    }
    // Away from every point: nothing opens.
    QTest::mouseClick(view.plot(), Qt::LeftButton, {},
                      view.plot()->axisRect()->bottomLeft() + QPoint(3, -3));
    QCOMPARE(clicked.count(), 3);
    QVERIFY(bars >= 2);
    for (const auto& pt : view.points())
      if (pt.runId != failed) QCOMPARE(pt.effect.mean, transfer.value(pt.runId));
    shot(&view, "sweep_view_grid");

    // The heat map: each cell is its point's effect mean (the failed point's cell stays empty).
    QVERIFY(view.heatMapBox()->isEnabled());
    view.heatMapBox()->setChecked(true);
    QCPColorMap* map = view.heatMap();
    QVERIFY(map);
    QCOMPARE(map->data()->keySize(), 4);  // lr 1e-4, 1e-3, 1e-2 and the failed point's 0.1
    QCOMPARE(map->data()->valueSize(), 2);
    const double lrOrder[] = {1e-4, 1e-3, 1e-2, 0.1};
    for (const auto& pt : view.points()) {
      const int xi = int(
          std::find(std::begin(lrOrder), std::end(lrOrder), pt.values["student.lr"].get<double>()) -
          std::begin(lrOrder));
      const int yi = pt.values["teacher.rows"].get<int>() == 32 ? 0 : 1;
      const double cell = map->data()->cell(xi, yi);
      if (pt.runId == failed) {
        QVERIFY(std::isnan(cell));
        QCOMPARE(map->data()->alpha(xi, yi), (unsigned char)0);  // drawn clear
      } else
        QCOMPARE(cell, transfer.value(pt.runId));
    }
    QVERIFY(std::isnan(map->data()->cell(3, 1)));  // no such point
    shot(&view, "sweep_view_heat");
    // Clicking a cell opens its point's run.
    view.plot()->replot();
    const qint64 corner = view.runAtPixel(
        QPointF(view.plot()->xAxis->coordToPixel(0), view.plot()->yAxis->coordToPixel(1)));
    QCOMPARE(corner, view.points()[1].runId);  // lr 1e-4, rows 64
    QTest::mouseClick(
        view.plot(), Qt::LeftButton, {},
        QPoint(int(view.plot()->xAxis->coordToPixel(0)), int(view.plot()->yAxis->coordToPixel(1))));
    QCOMPARE(clicked.count(), 4);
    QCOMPARE(clicked.last().at(0).toLongLong(), corner);
  }

  // Log-axis ticks: powers of ten over decades, 1-2-5 or every digit over less, plain numbers.
  // A linear axis with a few values has its ticks at them; with many, plain round steps.
  void axisTicksReadPlainly() {
    const struct {
      QList<double> values;
      QStringList ticks;
      bool log;
    } cases[] = {{{10, 100, 1000}, {"10", "100", "1000"}, true},
                 {{100, 200, 400, 800}, {"100", "200", "500", "1000"}, true},
                 {{16, 24, 36}, {"20", "30", "40"}, true},
                 {{1e4, 1e5, 1e6}, {"10000", "100000", "1000000"}, true},
                 {{16, 32, 48}, {"16", "32", "48"}, false},
                 {{24, 40}, {"24", "40"}, false},
                 {{0, 100000, 200000, 300000, 400000, 500000, 600000, 700000, 800000, 900000},
                  {"0", "200000", "400000", "600000", "800000"},
                  false}};
    int n = 0;
    for (const auto& c : cases) {
      Project project;
      QString error;
      QVERIFY(project.open(m_dir.filePath(QString("ticks%1.sqlite").arg(n++)), &error));
      sublab::Database& db = *project.db();
      const auto sweep = db.findOrCreateSweep(
          "rows",
          {{"axes",
            {{{"key", "teacher.rows"},
              {"values", std::vector<double>(c.values.begin(), c.values.end())}}}}},
          "h");
      for (int i = 0; i < c.values.size(); ++i)
        db.setSweepPoint(sweep.id, i, {{"teacher.rows", c.values[i]}},
                         uitest::addNumbersRun(db, "p", 0.01 * i));
      SweepView view(&project);
      view.resize(900, 600);
      view.show();
      QVERIFY(view.showSweep(sweep.id));
      QCOMPARE(view.logX(), c.log);
      QCOMPARE(tickLabels(view.plot()->xAxis), c.ticks);
      QCOMPARE(view.plot()->xAxis->label(), QString("teacher.rows"));
    }
  }
};

QTEST_MAIN(TestSweeps)
#include "test_sweeps.moc"
