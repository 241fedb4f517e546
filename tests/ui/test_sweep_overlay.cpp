// Overlaying sweeps in the Sweeps tab: a sweep run from the GUI (through the run queue) and one
// run by the CLI's use case (runSweep, as `sublab sweep` and a Slurm task run it) on the same
// knob in the same project. "Overlay…" offers only compatible sweeps (same kind, same first
// knob, never the sweep itself) and says why the others are not offered; an overlaid sweep is
// drawn as its own lines (own colour, legend "#ID name", its own CIs), its points open its runs
// from the plot and the table, and the table says which sweep each row is from.

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QTableWidget>

#include "app/lab/sweep.h"
#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/qcp.h"
#include "ui/run_queue.h"
#include "ui/sweep_dialog.h"
#include "ui/sweep_view.h"

using namespace sublab::ui;

class TestSweepOverlay : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  static void shot(QWidget* w, const char* name) { uitest::saveShot(w, name); }

  // owl-numbers-tiny shrunk further (as tests/ui/test_sweeps.cpp does): seconds per run.
  static nlohmann::json tinyNumbers() {
    nlohmann::json c = sublab::findPreset("owl-numbers-tiny")->config;
    c.merge_patch({{"reference", {{"corpus_rows", 1000}, {"steps", 40}}},
                   {"teacher", {{"rows", 32}}},
                   {"generation", {{"prompts", 48}}}});
    return sublab::normalizeConfig(c);
  }

  // The transfer (headline contrast) stored for a run.
  static sublab::ConditionSummary transferOf(sublab::Database& db, qint64 runId) {
    for (const auto& c : db.summaries(runId, true))
      if (c.condition == "transfer") return c;
    return {};
  }

  // The mean graphs named `name` (legend text).
  static QCPGraph* graphNamed(const SweepView& view, const QString& name) {
    for (QCPGraph* g : view.meanGraphs())
      if (g->name() == name) return g;
    return nullptr;
  }

  static QStringList headers(QTableWidget* t) {
    QStringList out;
    for (int c = 0; c < t->columnCount(); ++c) out << t->horizontalHeaderItem(c)->text();
    return out;
  }

 private Q_SLOTS:
  void guiAndCliSweepsOverlay() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("overlay.sqlite"), &error), qPrintable(error));
    sublab::Database& db = *project.db();

    // Sweep A from the GUI: filter.max_kept 24 and 40, two seeds, through the run queue.
    RunQueue queue(&project);
    SweepDialog d(tinyNumbers(), 0);
    d.show();
    const int key = d.axis(0).key->findText("filter.max_kept");
    QVERIFY(key >= 0);
    d.axis(0).key->setCurrentIndex(key);
    d.axis(0).values->setText("24, 40");
    d.seedsBox()->setValue(2);
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    qint64 a = 0;
    connect(&d, &SweepDialog::sweepRequested, this,
            [&](const nlohmann::json& plan) { a = queueSweep(&queue, &db, plan, 1, &error); });
    QSignalSpy idle(&queue, &RunQueue::idle);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY2(a > 0, qPrintable(error));
    QVERIFY(idle.wait(600000));
    QTRY_VERIFY_WITH_TIMEOUT(!queue.isBusy(), 60000);

    // Sweep B as the CLI (and a Slurm task) runs it: the same knob at 16 and 32, another name.
    nlohmann::json planB = {{"name", "max_kept from the CLI"},
                            {"base", {{"config", tinyNumbers()}}},
                            {"axes", {{{"key", "filter.max_kept"}, {"values", {16, 32}}}}},
                            {"seeds", 2}};
    sublab::SweepOptions options;
    options.runtime.threads = 1;
    const sublab::SweepOutcome outB = sublab::runSweep(db, sublab::parseSweepPlan(planB), options);
    const qint64 b = outB.sweep.id;
    for (const auto& p : outB.points)
      QVERIFY2(p.status == sublab::RunStatus::Done, p.message.c_str());

    // Two sweeps that may not be overlaid: another knob, another kind (stored, not run).
    nlohmann::json planC = planB;
    planC["name"] = "teacher rows";
    planC["axes"] = {{{"key", "teacher.rows"}, {"values", {32, 48}}}};
    const qint64 c = db.findOrCreateSweep("teacher rows", planC, "hash-c").id;
    const nlohmann::json planD = {{"name", "aux"},
                                  {"base", {{"config", {{"kind", "aux"}}}}},
                                  {"axes", {{{"key", "filter.max_kept"}, {"values", {1, 2}}}}}};
    const qint64 dId = db.findOrCreateSweep("aux", planD, "hash-d").id;

    SweepView view(&project);
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(view.showSweep(a));
    const QString labelA = QString("#%1 %2").arg(a).arg(QString::fromStdString(db.sweep(a).name));
    const QString labelB = QString("#%1 max_kept from the CLI").arg(b);

    // Only B is offered; C and D are named in the tooltip with the reason.
    QList<QAction*> offered = view.overlayActions();
    QCOMPARE(offered.size(), 1);
    QCOMPARE(offered[0]->text(), labelB);
    QVERIFY(view.overlayButton()->isEnabled());
    const QString tip = view.overlayButton()->toolTip();
    QVERIFY2(
        tip.contains(QString("#%1 teacher rows: sweeps teacher.rows, not filter.max_kept").arg(c)),
        qPrintable(tip));
    QVERIFY2(tip.contains(QString("#%1 aux: kind aux, not numbers").arg(dId)), qPrintable(tip));
    QVERIFY2(!tip.contains(labelA), qPrintable(tip));  // never itself

    // Before: one sweep, legend without sweep names, no "Sweep" column.
    QVERIFY(graphNamed(view, "transfer"));
    QVERIFY(!headers(view.table()).contains("Sweep"));
    QCOMPARE(view.table()->rowCount(), 2);

    // Tick B: its own lines, colour, legend entries and CIs.
    offered[0]->trigger();
    QCOMPARE(view.overlays().size(), 1);
    QCOMPARE(view.overlays()[0].id, b);
    QCOMPARE(view.overlayButton()->text(), QString("Overlay (1)…"));
    QCPGraph* lineA = graphNamed(view, labelA + ": transfer");
    QCPGraph* lineB = graphNamed(view, labelB + ": transfer");
    QVERIFY(lineA && lineB);
    QVERIFY(!graphNamed(view, "transfer"));
    QVERIFY(view.plot()->legend->itemWithPlottable(lineA));
    QVERIFY(view.plot()->legend->itemWithPlottable(lineB));
    QVERIFY(lineA->pen().color() != lineB->pen().color());
    // Cross-init alongside for both, dashed in the sweep's colour.
    int crossB = 0;
    for (QCPGraph* g : view.meanGraphs())
      if (g->name().startsWith(labelB + ": ") && g != lineB) {
        ++crossB;
        QCOMPARE(g->pen().style(), Qt::DashLine);
      }
    QCOMPARE(crossB, 1);
    QCOMPARE(view.meanGraphs().size(), 4);

    // B's line: its stored transfer at 16 and 32, error bars from its stored CIs.
    const auto pointsB = db.sweepPoints(b);
    QCOMPARE(lineB->dataCount(), 2);
    int barsB = 0;
    for (int i = 0; i < 2; ++i) {
      const sublab::ConditionSummary t = transferOf(db, pointsB[i].runId);
      QCOMPARE(lineB->data()->at(i)->key, double(pointsB[i].values["filter.max_kept"]));
      QCOMPARE(lineB->data()->at(i)->value, t.value.mean);
      QVERIFY(t.value.hi > t.value.lo);  // two seeds: an interval
    }
    for (int i = 0; i < view.plot()->plottableCount(); ++i)
      if (auto* e = qobject_cast<QCPErrorBars*>(view.plot()->plottable(i)))
        if (e->pen().color() == lineB->pen().color())
          for (int k = 0; k < e->dataCount(); ++k) {
            const auto* anchor = qobject_cast<QCPGraph*>(e->dataPlottable());
            for (const auto& p : pointsB) {
              const sublab::ConditionSummary t = transferOf(db, p.runId);
              if (anchor->data()->at(k)->value == t.value.mean &&
                  anchor->data()->at(k)->key == double(p.values["filter.max_kept"])) {
                QCOMPARE(e->data()->at(k).errorMinus, t.value.mean - t.value.lo);
                QCOMPARE(e->data()->at(k).errorPlus, t.value.hi - t.value.mean);
                ++barsB;
              }
            }
          }
    QCOMPARE(barsB, 2);
    // The x ticks: every swept value of both sweeps.
    view.plot()->replot();
    QCOMPARE(view.plot()->xAxis->tickVectorLabels(), QStringList({"16", "24", "32", "40"}));
    shot(&view, "sweep_overlay");

    // Clicking B's points opens B's runs; A's, A's.
    QSignalSpy clicked(&view, &SweepView::runClicked);
    int clicks = 0;
    for (QCPGraph* line : {lineB, lineA}) {
      const auto points = db.sweepPoints(line == lineB ? b : a);
      for (int i = 0; i < line->dataCount(); ++i) {
        const QPointF at =
            line->coordsToPixels(line->data()->at(i)->key, line->data()->at(i)->value);
        QTest::mouseClick(view.plot(), Qt::LeftButton, {}, at.toPoint());
        QCOMPARE(clicked.count(), ++clicks);
        QCOMPARE(clicked.last().at(0).toLongLong(), qint64(points[i].runId));
      }
    }
    QCOMPARE(clicked.count(), 4);

    // The table: A's rows, then B's, each saying its sweep; a click on a B row opens its run.
    const QStringList cols = headers(view.table());
    QCOMPARE(cols.mid(0, 3), QStringList({"Point", "Sweep", "filter.max_kept"}));
    QCOMPARE(view.table()->rowCount(), 4);
    for (int r = 0; r < 4; ++r) QCOMPARE(view.table()->item(r, 1)->text(), r < 2 ? labelA : labelB);
    QCOMPARE(view.table()->item(3, 2)->text(), QString("32"));
    const QRect cell = view.table()->visualItemRect(view.table()->item(3, 0));
    QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(clicked.count(), 5);
    QCOMPARE(clicked.last().at(0).toLongLong(), qint64(pointsB[1].runId));

    // A reload keeps the overlay; untick it: one sweep again.
    view.refresh();
    QCOMPARE(view.overlays().size(), 1);
    QVERIFY(view.overlayActions().value(0)->isChecked());
    view.overlayActions()[0]->trigger();
    QVERIFY(view.overlays().isEmpty());
    QCOMPARE(view.meanGraphs().size(), 2);
    QVERIFY(!headers(view.table()).contains("Sweep"));

    // From B, A is offered; the other knob's sweep has nothing to overlay (button off, says why).
    QVERIFY(view.showSweep(b));
    QCOMPARE(view.overlayActions().size(), 1);
    QCOMPARE(view.overlayActions()[0]->text(), labelA);
    QVERIFY(view.showSweep(c));
    QVERIFY(view.overlayActions().isEmpty());
    QVERIFY(!view.overlayButton()->isEnabled());
    QVERIFY2(view.overlayButton()->toolTip().contains(
                 "No other sweep of this project sweeps teacher.rows of the same kind"),
             qPrintable(view.overlayButton()->toolTip()));
  }

  // Two stored grid sweeps (lr × rows) with known figures: the overlay draws the other's lines
  // per value of its second axis; the heat map shows the chosen sweep alone and turns the
  // overlay off until it is unticked.
  void heatMapShowsOneSweep() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("grid.sqlite"), &error));
    sublab::Database& db = *project.db();
    const nlohmann::json base = {{"config", sublab::normalizeConfig({{"kind", "numbers"}})}};
    QList<qint64> ids;
    for (int s = 0; s < 2; ++s) {
      const nlohmann::json plan = {
          {"base", base},
          {"axes", nlohmann::json::parse(R"([{"key": "student.lr", "values": [0.001, 0.01]},
                                              {"key": "teacher.rows", "values": [32, 64]}])")}};
      const auto sweep = db.findOrCreateSweep(s ? "grid b" : "grid a", plan, s ? "hb" : "ha");
      int index = 0;
      for (double lr : {0.001, 0.01})
        for (int rows : {32, 64}) {
          const int64_t run = uitest::addNumbersRun(db, "p", 0.1 * s + 0.01 * index);
          db.setSweepPoint(sweep.id, index++, {{"student.lr", lr}, {"teacher.rows", rows}}, run);
        }
      ids << sweep.id;
    }
    SweepView view(&project);
    view.resize(1000, 700);
    view.show();
    QVERIFY(view.showSweep(ids[0]));
    QCOMPARE(view.overlayActions().size(), 1);
    view.overlayActions()[0]->trigger();
    QStringList names;
    for (QCPGraph* g : view.meanGraphs())
      if (g->name().contains(": transfer, ")) names << g->name();
    const QString a = QString("#%1 grid a: ").arg(ids[0]), b = QString("#%1 grid b: ").arg(ids[1]);
    QCOMPARE(names,
             QStringList({a + "transfer, teacher.rows = 32", a + "transfer, teacher.rows = 64",
                          b + "transfer, teacher.rows = 32", b + "transfer, teacher.rows = 64"}));
    // Four lines of the effect, four colours.
    QSet<QRgb> colors;
    for (QCPGraph* g : view.meanGraphs())
      if (g->pen().style() == Qt::SolidLine) colors << g->pen().color().rgb();
    QCOMPARE(colors.size(), 4);

    view.heatMapBox()->setChecked(true);
    QVERIFY(view.heatMap());
    QVERIFY(!view.overlayButton()->isEnabled());
    QCOMPARE(view.heatMap()->data()->keySize(), 2);
    QCOMPARE(view.heatMap()->data()->cell(0, 0), view.points()[0].effect.mean);  // sweep a's
    view.heatMapBox()->setChecked(false);
    QVERIFY(view.overlayButton()->isEnabled());
    QCOMPARE(view.overlays().size(), 1);
    QCOMPARE(view.meanGraphs().size(), 8);  // effect and cross-init per line, both sweeps
  }
};

QTEST_MAIN(TestSweepOverlay)
#include "test_sweep_overlay.moc"
