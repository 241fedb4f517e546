// Curves: per-step mean and 95% CI across seeds equal sublab::meanCi95; a repeated point
// replaces the old value; the curves view shows one series per condition, fills in from live
// points, hides conditions from their check boxes and reads values under the mouse.
#include <QCheckBox>
#include <QtTest/QtTest>

#include "engine/core/stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/curve_data.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/project.h"

using namespace sublab::ui;

class TestCurves : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void aggregateMatchesStats() {
    CurveData d;
    const double v[3][2] = {{0.1, 0.2}, {0.3, 0.5}, {0.2, 0.35}};  // [seed][step]
    for (int s = 0; s < 3; ++s)
      for (int k = 0; k < 2; ++k) d.add({"student", s, "trait_prob", k * 10, v[s][k]});
    d.add({"control", 0, "trait_prob", 0, 0.1});
    QCOMPARE(d.conditions("trait_prob"), QStringList({"student", "control"}));
    const SeriesStats st = d.aggregate("trait_prob", "student");
    QCOMPARE(st.steps, QVector<double>({0, 10}));
    const sublab::Interval ci = sublab::meanCi95({0.2, 0.5, 0.35});
    QCOMPARE(st.mean[1], ci.mean);
    QCOMPARE(st.lo[1], ci.lo);
    QCOMPARE(st.hi[1], ci.hi);
    QCOMPARE(st.n[1], 3);
    QCOMPARE(d.seeds("trait_prob", "student").size(), 3);
    const int before = d.pointCount();
    d.add({"student", 0, "trait_prob", 10, 0.9});  // same key: replaces
    QCOMPARE(d.pointCount(), before);
    QCOMPARE(d.seeds("trait_prob", "student").first().values.last(), 0.9);
  }

  void viewFillsLiveAndReadsOut() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("c.sqlite"), &error));
    const qint64 run = uitest::addNumbersRun(*project.db(), "c", 0.2);
    AppSettings settings(m_dir.filePath("s.ini"));
    CurvesView view(&project, &settings);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(run);
    QCOMPARE(view.metric(), QString("trait_prob"));
    QCOMPARE(view.plot()->series().size(), 2);
    QCOMPARE(view.plot()->series().first().label, QString("student"));
    QCOMPARE(view.plot()->series().first().x.last(), 40.0);

    // Live points extend the curve (one coalesced replot).
    view.addPoints(run,
                   {{"student", 0, "trait_prob", 50, 0.5}, {"student", 1, "trait_prob", 50, 0.6}});
    view.addPoints(run + 1, {{"student", 0, "trait_prob", 60, 0.5}});  // another run: ignored
    QTRY_COMPARE(view.plot()->series().first().x.last(), 50.0);
    QCOMPARE(view.plot()->series().first().y.last(), 0.55);

    // Unticking a condition removes its series.
    auto* control = view.findChild<QCheckBox*>("condition_control");
    QVERIFY(control);
    QTest::mouseClick(control, Qt::LeftButton);
    QCOMPARE(view.visibleConditions(), QStringList({"student"}));
    QCOMPARE(view.plot()->series().size(), 1);

    // Hover read-out at step 40: student mean with its CI and n.
    const QString text = view.plot()->readoutAt(41);
    QVERIFY2(text.contains("student: 0.31"), qPrintable(text));
    QVERIFY(text.contains("n=3"));
    QSignalSpy hovered(view.plot(), &CurvePlot::hovered);
    CurvePlot* plot = view.plot();
    const QPoint at(int(plot->xAxis->coordToPixel(40)), int(plot->yAxis->coordToPixel(0.3)));
    QTest::mouseMove(plot, at);
    QMouseEvent move(QEvent::MouseMove, QPointF(at), plot->mapToGlobal(QPointF(at)), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    QVERIFY(hovered.count() >= 1);
    QVERIFY(hovered.last().first().toString().contains("student"));

    // Wheel zoom marks the view as user-moved; double-click resets.
    QWheelEvent wheel(QPointF(at), plot->mapToGlobal(QPointF(at)), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(plot, &wheel);
    QVERIFY(plot->userMovedView());
    QTest::mouseDClick(plot, Qt::LeftButton, {}, at);
    QVERIFY(!plot->userMovedView());
  }
};

QTEST_MAIN(TestCurves)
#include "test_curves.moc"
