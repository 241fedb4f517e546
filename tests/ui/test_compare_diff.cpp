// Compare of two runs, driven through the real view:
// - every summary figure gets a difference column (second run − first) with its Welch 95% CI
//   over the stored per-seed values, bold when the interval excludes 0;
// - the legend names only what differs (the run by the config keys that differ, the
//   condition only when several are shown);
// - runs are told apart by line styles that are never the dashes of the teacher / reference
//   level lines;
// - the config keys are never cut off, even in a narrow window.
#include <QHeaderView>
#include <QStandardItemModel>
#include <QTableView>
#include <QtTest/QtTest>

#include "engine/core/stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/compare_view.h"
#include "ui/config_diff_model.h"
#include "ui/curve_plot.h"
#include "ui/project.h"

using namespace sublab::ui;

namespace {

// A finished numbers run whose transfer has the given per-seed values, with student and
// control curves and a teacher measured once (drawn as a level line).
qint64 addRun(sublab::Database& db, const std::string& name, const std::vector<double>& transfer,
              const nlohmann::json& overrides) {
  nlohmann::json cfg = {{"kind", "numbers"}, {"seeds", 3}};
  cfg.merge_patch(overrides);
  sublab::NewRun nr;
  nr.name = name;
  nr.config = sublab::normalizeConfig(cfg);
  nr.status = sublab::RunStatus::Running;
  const qint64 id = db.createRun(nr);
  std::vector<sublab::MetricPoint> pts;
  for (int s = 0; s < 3; ++s) {
    pts.push_back({"teacher", s, "trait_prob", 0, 0.8});
    for (int step = 0; step <= 20; step += 10) {
      pts.push_back({"student", s, "trait_prob", step, 0.1 + transfer[size_t(s)] * step / 20.0});
      pts.push_back({"control", s, "trait_prob", step, 0.1});
    }
  }
  db.insertMetrics(id, pts);
  std::vector<double> student, control(3, 0.1);
  for (double t : transfer) student.push_back(0.1 + t);
  sublab::ExperimentResult r;
  r.kind = "numbers";
  r.conditions = {{"student", "trait_prob", sublab::meanCi95(student), student},
                  {"control", "trait_prob", sublab::meanCi95(control), control}};
  r.contrasts = {{"transfer", "trait_prob", sublab::meanCi95(transfer), transfer}};
  r.summary = {{"kind", "numbers"}};
  db.saveResult(id, r);
  db.finishRun(id, sublab::RunStatus::Done, 1.0);
  return id;
}

}  // namespace

class TestCompareDiff : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void differenceLegendStylesKeys() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("diff.sqlite"), &error), qPrintable(error));
    const std::vector<double> ta{0.20, 0.25, 0.15}, tb{0.01, 0.03, -0.01};
    const qint64 a = addRun(*project.db(), "first", ta, nlohmann::json::object());
    const qint64 b = addRun(*project.db(), "second", tb, {{"student", {{"mode", "sft"}}}});
    AppSettings settings(m_dir.filePath("s.ini"));
    CompareView view(&project, &settings);
    view.resize(720, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRuns({a, b});

    // The difference column: b − a with Welch's CI over the per-seed values.
    QStandardItemModel* s = view.summaryModel();
    int diffColumn = -1;
    for (int c = 0; c < s->columnCount(); ++c)
      if (s->horizontalHeaderItem(c)->text().contains(QString("#%1 − #%2").arg(b).arg(a)))
        diffColumn = c;
    QVERIFY2(diffColumn >= 0, "a difference column");
    auto rowOf = [&](const QString& prefix) {
      for (int r = 0; r < s->rowCount(); ++r)
        if (s->item(r, 0)->text().startsWith(prefix)) return r;
      return -1;
    };
    const int transfer = rowOf("transfer ");
    QVERIFY(transfer >= 0);
    const sublab::Interval d = sublab::welchDifferenceCi95(tb, ta);
    const QString expected =
        QString("%1 [%2, %3]").arg(d.mean, 0, 'f', 3).arg(d.lo, 0, 'f', 3).arg(d.hi, 0, 'f', 3);
    QCOMPARE(s->item(transfer, diffColumn)->text(), expected);
    QCOMPARE(s->item(transfer, diffColumn)->font().bold(), d.hi < 0 || d.lo > 0);
    QVERIFY(s->item(transfer, diffColumn)->toolTip().contains("Welch"));
    // Not cut off: every summary column is as wide as its widest figure.
    auto* summary = view.findChild<QTableView*>("compareSummary");
    QVERIFY(summary);
    QTest::qWait(0);
    for (int c = 0; c < s->columnCount(); ++c)
      QVERIFY2(
          summary->columnWidth(c) >= static_cast<QAbstractItemView*>(summary)->sizeHintForColumn(c),
          qPrintable(s->horizontalHeaderItem(c)->text() + " is cut off"));
    // The control is the same in both runs: a difference of 0 whose interval includes 0.
    const int control = rowOf("control ");
    QVERIFY(control >= 0);
    QVERIFY(!s->item(control, diffColumn)->font().bold());

    // Legend: each run by what differs in its config, the condition as several are shown.
    const QList<PlotSeries> series = view.plot()->series();
    QVERIFY(series.size() >= 4);
    for (const PlotSeries& p : series) {
      const bool ofB = p.label.startsWith(QString("#%1 ").arg(b));
      QVERIFY2(ofB || p.label.startsWith(QString("#%1 ").arg(a)), qPrintable(p.label));
      QVERIFY2(p.label.contains(ofB ? "mode=sft" : "mode=distill_numbers"), qPrintable(p.label));
      QVERIFY2(!p.label.contains(ofB ? "second" : "first"), qPrintable(p.label));
      // Dashes are kept for the level lines (the teacher, measured once).
      if (p.label.endsWith("(level)")) continue;
      QVERIFY2(p.style != Qt::DashLine, qPrintable(p.label + " is drawn dashed like a level line"));
    }
    QSet<int> runStyles;
    for (const PlotSeries& p : series)
      if (!p.label.endsWith("(level)")) runStyles.insert(int(p.style));
    QCOMPARE(runStyles.size(), 2);  // one style per run

    // Config keys: the longest one fits its column in a 720-pixel-wide view, also after
    // "Show all keys" lists longer ones than the key that differs.
    QTableView* keys = view.diffTable();
    QCOMPARE(view.diffModel()->keys(), QStringList({"student.mode"}));
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1)
        QTest::mouseClick(view.showAllBox(), Qt::LeftButton, {},
                          QPoint(8, view.showAllBox()->height() / 2));
      QTest::qWait(0);
      QVERIFY2(keys->columnWidth(0) >= static_cast<QAbstractItemView*>(keys)->sizeHintForColumn(0),
               qPrintable(QString("key column %1 px, the keys need %2 px")
                              .arg(keys->columnWidth(0))
                              .arg(static_cast<QAbstractItemView*>(keys)->sizeHintForColumn(0))));
    }
    QVERIFY(view.diffModel()->keys().contains("reference.question_fraction"));
  }
};

QTEST_MAIN(TestCompareDiff)
#include "test_compare_diff.moc"
