// Curves: per-step mean and 95% CI across seeds equal sublab::meanCi95; a repeated point
// replaces the old value; the curves view shows one series per condition, fills in from live
// points, hides conditions from their check boxes and reads values under the mouse.
#include <QCheckBox>
#include <QComboBox>
#include <QtTest/QtTest>

#include "engine/core/stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/compare_view.h"
#include "ui/curve_data.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/project.h"

using namespace sublab::ui;

class TestCurves : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  // A run shaped like owl-numbers-tiny: the reference and the teacher measured once at step 0
  // (two seeds), the students evaluated at steps 0, 2 and 3. Values are distinct per step and
  // seed so a read-out can be traced to the step it shows.
  static qint64 addTinyRun(sublab::Database& db, const std::string& name, sublab::RunStatus status,
                           const std::vector<int>& studentSteps,
                           const std::vector<int>& controlSteps) {
    sublab::NewRun nr;
    nr.name = name;
    nr.preset = "owl-numbers-tiny";
    nr.config = sublab::normalizeConfig({{"kind", "numbers"}, {"seeds", 2}});
    nr.status = sublab::RunStatus::Running;
    const qint64 id = db.createRun(nr);
    std::vector<sublab::MetricPoint> pts;
    for (int s = 0; s < 2; ++s) {
      pts.push_back({"reference", s, "trait_prob", 0, 0.05 + 0.001 * s});
      pts.push_back({"teacher", s, "trait_prob", 0, 0.6 + 0.01 * s});
      for (int step : studentSteps)
        pts.push_back({"student", s, "trait_prob", step, 0.1 + 0.1 * step + 0.01 * s});
      for (int step : controlSteps)
        pts.push_back({"control", s, "trait_prob", step, 0.07 + 0.02 * step + 0.01 * s});
    }
    db.insertMetrics(id, pts);
    if (status != sublab::RunStatus::Running) db.finishRun(id, status, 1.0);
    return id;
  }

  // With SUBLAB_SHOTS set (a folder), saves what the widget shows, to look at.
  static void shoot(QWidget* w, const QString& name) {
    const QByteArray dir = qgetenv("SUBLAB_SHOTS");
    if (dir.isEmpty()) return;
    QTest::qWait(100);  // the queued replot
    w->grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + name + ".png");
  }

  // Moves the mouse over `plot` at key x (mid-height) and returns the read-out it emitted.
  static QString hoverAt(CurvePlot* plot, double x) {
    QSignalSpy hovered(plot, &CurvePlot::hovered);
    const QRect r = plot->axisRect()->rect();
    const QPoint at(int(std::lround(plot->xAxis->coordToPixel(x))), r.center().y());
    QMouseEvent move(QEvent::MouseMove, QPointF(at), plot->mapToGlobal(QPointF(at)), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    return hovered.isEmpty() ? QString() : hovered.last().first().toString();
  }

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

  // Bug: with the teacher/reference level lines shown, the read-out named the step of the
  // first series' nearest point (a level line spans steps 0..3), so hovering at step 2 said
  // "step 3" while showing step 2's values. The read-out must name the step it shows.
  void readoutNamesTheStepItShows() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("hover.sqlite"), &error));
    const qint64 run =
        addTinyRun(*project.db(), "tiny", sublab::RunStatus::Done, {0, 2, 3}, {0, 2, 3});
    AppSettings settings(m_dir.filePath("hover.ini"));
    CurvesView view(&project, &settings);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(run);
    CurvePlot* plot = view.plot();
    QVERIFY(plot->series().size() == 4);  // reference, teacher (levels), student, control
    const CurveData& data = view.data();
    const SeriesStats student = data.aggregate("trait_prob", "student");
    struct Case {
      double x;
      int step;
    };
    for (const Case c : {Case{2.0, 2}, Case{1.2, 2}, Case{0.8, 0}, Case{2.9, 3}}) {
      const QString text = hoverAt(plot, c.x);
      if (c.x == 1.2) shoot(&view, "curves-hover");
      const QStringList lines = text.split('\n');
      QVERIFY2(!lines.isEmpty(), "no read-out");
      QCOMPARE(lines.first(), QString("training step %1").arg(c.step));
      const int k = student.steps.indexOf(double(c.step));
      QVERIFY(k >= 0);
      const QString expect = QString("student: %1").arg(student.mean[k], 0, 'g', 4);
      QVERIFY2(text.contains(expect), qPrintable(text + " / want " + expect));
    }
    // Hiding the level lines does not change which step is named.
    view.findChild<QCheckBox*>("condition_reference")->setChecked(false);
    view.findChild<QCheckBox*>("condition_teacher")->setChecked(false);
    QCOMPARE(plot->series().size(), 2);
    QCOMPARE(hoverAt(plot, 2.0).split('\n').first(), QString("training step 2"));
    QCOMPARE(hoverAt(plot, 0.8).split('\n').first(), QString("training step 0"));
  }

  // The same read-out in Compare (it shares the plot): two runs, each with its level lines.
  void compareReadoutNamesTheStepItShows() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("compare.sqlite"), &error));
    const qint64 a = addTinyRun(*project.db(), "a", sublab::RunStatus::Done, {0, 2, 3}, {0, 2, 3});
    const qint64 b = addTinyRun(*project.db(), "b", sublab::RunStatus::Done, {0, 2, 3}, {0, 2, 3});
    AppSettings settings(m_dir.filePath("compare.ini"));
    CompareView view(&project, &settings);
    view.resize(1100, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRuns({a, b});
    CurvePlot* plot = view.plot();
    QVERIFY(!plot->series().isEmpty());
    for (const double x : {2.0, 1.2})
      QCOMPARE(hoverAt(plot, x).split('\n').first(), QString("training step 2"));
    QCOMPARE(hoverAt(plot, 0.8).split('\n').first(), QString("training step 0"));
  }

  // Bug: while a run trains, a condition with one point so far (the control before its
  // training starts) was drawn as a dashed "(level)" line; only conditions measured once are.
  void liveSinglePointIsNotALevel() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("live.sqlite"), &error));
    const qint64 run = addTinyRun(*project.db(), "live", sublab::RunStatus::Running, {0, 2}, {0});
    AppSettings settings(m_dir.filePath("live.ini"));
    CurvesView view(&project, &settings);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(run);
    const QList<PlotSeries>& series = view.plot()->series();
    QCOMPARE(series.size(), 4);
    for (const PlotSeries& s : series) {
      if (s.label.startsWith("teacher") || s.label.startsWith("reference")) {
        QVERIFY2(s.label.endsWith("(level)"), qPrintable(s.label));
        QCOMPARE(s.style, Qt::DashLine);
      } else {
        QVERIFY2(!s.label.contains("level"), qPrintable(s.label));
        QCOMPARE(s.style, Qt::SolidLine);
      }
    }
    shoot(&view, "curves-live");
    const PlotSeries& control = series.last();
    QCOMPARE(control.x, QVector<double>({0}));  // one point, not stretched across the steps
  }

  // The same in Compare: a live run's control with one point so far is no "(level)", while the
  // teacher and reference (measured once) still are.
  void compareLiveSinglePointIsNotALevel() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("compare-live.sqlite"), &error));
    const qint64 a = addTinyRun(*project.db(), "a", sublab::RunStatus::Done, {0, 2, 3}, {0, 2, 3});
    const qint64 b = addTinyRun(*project.db(), "b", sublab::RunStatus::Running, {0, 2}, {0});
    AppSettings settings(m_dir.filePath("compare-live.ini"));
    CompareView view(&project, &settings);
    view.resize(1100, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRuns({a, b});
    int levels = 0, controls = 0;
    for (const PlotSeries& s : view.plot()->series()) {
      const bool once = s.label.contains("teacher") || s.label.contains("reference");
      if (once)
        levels += s.label.endsWith("(level)") ? 1 : 0;
      else
        QVERIFY2(!s.label.contains("level"), qPrintable(s.label));
      if (s.label.contains("control") && s.label.startsWith(QString("#%1").arg(b))) {
        ++controls;
        QCOMPARE(s.x, QVector<double>({0}));  // one point, not stretched across the steps
      }
    }
    QVERIFY(levels > 0);
    QCOMPARE(controls, 1);
  }

  // TensorBoard-style smoothing: the mean line becomes a debiased EMA of the raw means, the raw
  // line is kept (drawn faintly behind) and the read-out shows both; 0 turns it off.
  void smoothingIsAnEmaWithTheRawLineBehind() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("smooth.sqlite"), &error));
    const qint64 run = uitest::addNumbersRun(*project.db(), "smooth", 0.2);
    AppSettings settings(m_dir.filePath("smooth.ini"));
    CurvesView view(&project, &settings);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(run);
    const SeriesStats raw = view.data().aggregate("trait_prob", "student");
    view.setSmoothing(0.6);
    QCOMPARE(view.smoothing(), 0.6);
    const PlotSeries s = view.plot()->series().first();
    QCOMPARE(s.rawY, raw.mean);
    // y[k] = (sum_j<=k (1-w) w^(k-j) raw[j]) / (1 - w^(k+1))
    for (int k = 0; k < raw.mean.size(); ++k) {
      double num = 0;
      for (int j = 0; j <= k; ++j) num += 0.4 * std::pow(0.6, k - j) * raw.mean[j];
      QVERIFY(std::abs(s.y[k] - num / (1 - std::pow(0.6, k + 1))) < 1e-12);
    }
    QVERIFY(s.y.last() < raw.mean.last());  // a rising curve lags when smoothed
    const QString text = view.plot()->readoutAt(40);
    QVERIFY2(text.contains(QString("(raw %1)").arg(raw.mean.last(), 0, 'g', 4)), qPrintable(text));
    view.setSmoothing(0);
    QCOMPARE(view.plot()->series().first().y, raw.mean);
    QVERIFY(view.plot()->series().first().rawY.isEmpty());
  }

  // Training loss is a metric of its own: the metric box offers it, one curve per condition.
  void lossCurvesPerCondition() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("loss.sqlite"), &error));
    const qint64 run = uitest::addNumbersRun(*project.db(), "loss", 0.2);
    std::vector<sublab::MetricPoint> pts;
    for (int s = 0; s < 3; ++s)
      for (int step = 1; step <= 20; ++step) {
        pts.push_back({"teacher", s, "loss", step, 3.0 / step + 0.01 * s});
        pts.push_back({"student", s, "loss", step, 2.0 / step + 0.01 * s});
        pts.push_back({"control", s, "loss", step, 2.1 / step + 0.01 * s});
      }
    project.db()->insertMetrics(run, pts);
    AppSettings settings(m_dir.filePath("loss.ini"));
    CurvesView view(&project, &settings);
    view.setRun(run);
    auto* box = view.findChild<QComboBox*>("metric");
    QVERIFY(box->findText("loss") >= 0);
    view.setMetric("loss");
    QCOMPARE(view.metric(), QString("loss"));
    QStringList labels;
    for (const PlotSeries& s : view.plot()->series()) labels << s.label;
    QCOMPARE(labels, QStringList({"teacher", "student", "control"}));
    QCOMPARE(view.plot()->series()[1].x.size(), 20);
    view.resize(1000, 600);
    view.setSmoothing(0.8);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    shoot(&view, "curves-loss-smoothed");
  }

  // Bug: a chart with nothing to show kept the previous run's axes (its ranges and ticks).
  void emptyChartClearsAxes() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("empty.sqlite"), &error));
    const qint64 full = uitest::addNumbersRun(*project.db(), "full", 0.2);
    sublab::NewRun nr;
    nr.name = "empty";
    nr.config = sublab::normalizeConfig({{"kind", "numbers"}});
    nr.status = sublab::RunStatus::Queued;
    const qint64 empty = project.db()->createRun(nr);
    AppSettings settings(m_dir.filePath("empty.ini"));
    CurvesView view(&project, &settings);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(full);
    CurvePlot* plot = view.plot();
    QVERIFY(plot->xAxis->range().upper > 39);
    view.setRun(empty);
    QVERIFY(plot->series().isEmpty());
    QVERIFY2(plot->xAxis->range().upper < 39, "the x axis kept the previous run's range");
    QVERIFY(!plot->xAxis->tickLabels());
    QVERIFY(!plot->yAxis->tickLabels());
    // An empty-state message says why the chart is empty.
    QString shown;
    for (int i = 0; i < plot->itemCount(); ++i)
      if (auto* t = qobject_cast<QCPItemText*>(plot->item(i)); t && t->visible())
        shown += t->text();
    QVERIFY2(shown.contains("no points"), qPrintable(shown));
    shoot(&view, "curves-empty");
  }
};

QTEST_MAIN(TestCurves)
#include "test_curves.moc"
