// Compare: the config table lists exactly the keys whose values differ between the selected
// runs (all keys with the toggle), the summary table shows each run's figures with CIs, and
// the curves of every run are overlaid.
#include <QCheckBox>
#include <QStandardItemModel>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/compare_view.h"
#include "ui/config_diff_model.h"
#include "ui/curve_plot.h"
#include "ui/project.h"

using namespace sublab::ui;

class TestCompareView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void diffModelAlone() {
    ConfigDiffModel m;
    const nlohmann::json a = {
        {"kind", "numbers"}, {"lr", 0.1}, {"model", {{"layers", 2}, {"heads", 4}}}};
    const nlohmann::json b = {{"kind", "numbers"},
                              {"lr", 0.2},
                              {"model", {{"layers", 2}, {"heads", 8}}},
                              {"extra", true}};
    m.setConfigs({"A", "B"}, {a, b});
    QCOMPARE(m.keys(), QStringList({"extra", "lr", "model.heads"}));
    QCOMPARE(m.columnCount(), 3);
    QCOMPARE(m.index(1, 1).data().toString(), QString("0.1"));
    QCOMPARE(m.index(1, 2).data().toString(), QString("0.2"));
    QCOMPARE(m.index(0, 1).data().toString(), QString());  // absent in A
    m.setShowAll(true);
    QCOMPARE(m.keys(), QStringList({"kind", "extra", "lr", "model.heads", "model.layers"}));
    QCOMPARE(m.index(4, 0).data(ConfigDiffModel::DiffersRole).toBool(), false);
  }

  void compareTwoRuns() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("cmp.sqlite"), &error), qPrintable(error));
    const qint64 a = uitest::addNumbersRun(*project.db(), "soft", 0.2, {}, 0);
    const qint64 b =
        uitest::addNumbersRun(*project.db(), "sft", 0.01, {{"student", {{"mode", "sft"}}}}, 5);
    AppSettings settings(m_dir.filePath("s.ini"));
    CompareView view(&project, &settings);
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRuns({a, b});

    // Only what differs: the student mode and the seed.
    QStringList keys = view.diffModel()->keys();
    QCOMPARE(keys, QStringList({"seed", "student.mode"}));
    const int allKeys = [&] {
      QTest::mouseClick(view.showAllBox(), Qt::LeftButton, {},
                        QPoint(8, view.showAllBox()->height() / 2));
      return view.diffModel()->rowCount();
    }();
    QVERIFY(allKeys > 10);
    QCOMPARE(view.diffModel()->differingKeys(), QStringList({"seed", "student.mode"}));
    QTest::mouseClick(view.showAllBox(), Qt::LeftButton, {},
                      QPoint(8, view.showAllBox()->height() / 2));
    QCOMPARE(view.diffModel()->rowCount(), 2);

    // Summary: one column per run (then their difference), the transfer figure with its CI.
    QStandardItemModel* s = view.summaryModel();
    QCOMPARE(s->columnCount(), 4);
    int transferRow = -1;
    for (int r = 0; r < s->rowCount(); ++r)
      if (s->item(r, 0)->text().startsWith("transfer ")) transferRow = r;
    QVERIFY(transferRow >= 0);
    QVERIFY(s->item(transferRow, 1)->text().startsWith("0.200 [0.180, 0.220]"));
    QVERIFY(s->item(transferRow, 2)->text().startsWith("0.010 [-0.010, 0.030]"));

    // Curves: 2 runs x 2 conditions overlaid.
    QCOMPARE(view.plot()->series().size(), 4);
    // Live points for a compared run are added to its curves.
    view.addPoints(a, {{"student", 0, "trait_prob", 50, 0.9}});
    QTRY_COMPARE(view.plot()->series().first().x.last(), 50.0);
  }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
