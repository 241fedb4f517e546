// Results view (bars per condition): a cancelled run says so and draws only what its models
// reached (never an untrained student's epoch-0 accuracy as a result), and each bar's error bar
// is drawn unbroken through the bar's top.
#include <QLabel>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/aux_view.h"
#include "ui/curve_plot.h"
#include "ui/project.h"
#include "ui/qcp.h"

using namespace sublab::ui;

class TestResults : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  // An aux run stopped during the students' first epoch: the reference (measured once, at
  // epoch 0) and the teachers (epochs 0..2) have their values, the students only their
  // untrained epoch-0 accuracy. No summary (a cancelled run has none).
  static qint64 addCancelledAuxRun(sublab::Database& db) {
    sublab::NewRun nr;
    nr.name = "stopped";
    nr.config = uitest::tinyAuxConfig();
    nr.status = sublab::RunStatus::Running;
    const qint64 id = db.createRun(nr);
    std::vector<sublab::MetricPoint> pts;
    for (int m = 0; m < 2; ++m) {
      pts.push_back({"reference", m, "accuracy", 0, 0.10 + 0.01 * m});
      for (int e = 0; e <= 2; ++e) pts.push_back({"teacher", m, "accuracy", e, 0.1 + 0.3 * e});
      pts.push_back({"student_aux", m, "accuracy", 0, 0.11 + 0.01 * m});
      pts.push_back({"student_all", m, "accuracy", 0, 0.12 + 0.01 * m});
    }
    db.insertMetrics(id, pts);
    db.finishRun(id, sublab::RunStatus::Cancelled, 3.0);
    return id;
  }

  // With SUBLAB_SHOTS set (a folder), saves what the widget shows, to look at.
  static void shoot(QWidget* w, const QString& name) {
    const QByteArray dir = qgetenv("SUBLAB_SHOTS");
    if (dir.isEmpty()) return;
    QTest::qWait(100);  // the queued replot
    w->grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + name + ".png");
  }

  static QString barTitle(AuxView& view) {
    auto* t = qobject_cast<QCPTextElement*>(view.barPlot()->plotLayout()->element(0, 0));
    return t ? t->text() : QString();
  }

 private Q_SLOTS:
  // Bug: a cancelled run's bars were titled "(running)" and drew the untrained students'
  // epoch-0 accuracies as if they were results.
  void cancelledRunSaysSoAndDrawsOnlyWhatWasReached() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("cancel.sqlite"), &error));
    const qint64 run = addCancelledAuxRun(*project.db());
    AppSettings settings(m_dir.filePath("cancel.ini"));
    AuxView view(&project, &settings);
    view.resize(1100, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(run);
    const QString title = barTitle(view);
    shoot(&view, "results-cancelled");
    QVERIFY2(!title.contains("running"), qPrintable(title));
    QVERIFY2(title.contains("cancelled"), qPrintable(title));
    QStringList drawn;
    for (const BarFigure& b : view.bars()) drawn << b.condition;
    // The teachers trained two epochs and the reference is measured once: both are reached
    // values. The students never trained: no bar.
    QVERIFY2(drawn.contains("teacher"), qPrintable(drawn.join(',')));
    QVERIFY2(drawn.contains("reference"), qPrintable(drawn.join(',')));
    QVERIFY2(!drawn.contains("student_aux"), qPrintable(drawn.join(',')));
    QVERIFY2(!drawn.contains("student_all"), qPrintable(drawn.join(',')));
    for (const BarFigure& b : view.bars())
      if (b.condition == "teacher") QCOMPARE(b.mean, 0.7);  // epoch 2, the last reached
    // Beside the bars, the untrained students' epoch-0 values are points, not dashed levels
    // across the epochs as if final; the reference, measured once by nature, is a level.
    for (const PlotSeries& s : view.epochPlot()->series()) {
      if (s.label.startsWith("reference"))
        QVERIFY2(s.level, qPrintable(s.label));
      else if (s.label.startsWith("student"))
        QVERIFY2(!s.level && !s.label.contains("level") && s.x.size() == 1, qPrintable(s.label));
    }
  }

  // Bug: QCPErrorBars leave a gap around the data point, so each whisker line was broken just
  // above the bar's top. The line must be continuous there.
  void errorBarHasNoGapAtTheBarTop() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("bars.sqlite"), &error));
    sublab::NewRun nr;
    nr.name = "bars";
    nr.config = uitest::tinyAuxConfig();
    nr.status = sublab::RunStatus::Running;
    const qint64 id = project.db()->createRun(nr);
    sublab::ExperimentResult r;
    r.kind = "aux";
    r.conditions = {uitest::summary("student_aux", "accuracy", 0.5, 0.3, 0.7)};
    r.summary = {{"kind", "aux"}};
    project.db()->saveResult(id, r);
    project.db()->finishRun(id, sublab::RunStatus::Done, 1.0);
    AppSettings settings(m_dir.filePath("bars.ini"));
    AuxView view(&project, &settings);
    view.resize(1100, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(id);
    QCOMPARE(view.bars().size(), 1);
    QCustomPlot* plot = view.barPlot();
    plot->replot();
    const QImage img = plot->toPixmap(plot->width(), plot->height(), 1.0).toImage();
    const int x = int(std::lround(plot->xAxis->coordToPixel(1.0)));
    const int top = int(std::lround(plot->yAxis->coordToPixel(0.5)));
    // Every pixel of the whisker's vertical line from 2 px above the bar's top to 8 px above
    // it is dark (the line is drawn in near-black; the background is white).
    for (int y = top - 8; y <= top - 2; ++y) {
      int dark = 0;
      for (int dx = -1; dx <= 1; ++dx)
        if (qGray(img.pixel(x + dx, y)) < 100) ++dark;
      QVERIFY2(dark > 0,
               qPrintable(QString("gap in the error bar at y=%1 (bar top %2)").arg(y).arg(top)));
    }
  }
};

QTEST_MAIN(TestResults)
#include "test_results.moc"
