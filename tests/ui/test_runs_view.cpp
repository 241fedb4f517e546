// The runs table: sorting by the headline figure uses raw values (not text), the filter box
// narrows rows, editing a tag in place writes it through storage, multi-select reports every
// selected run, "group by config" puts runs that differ only in the seed together, and "group by
// sweep" puts each sweep's points together (runs in no sweep apart) with filters and sorting.
#include <QCheckBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QTreeView>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/run_group_model.h"
#include "ui/runs_filter_proxy.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

class TestRunsView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  Project m_project;
  qint64 m_a = 0, m_b = 0, m_c = 0, m_d = 0;

  static QStringList column(QAbstractItemModel* m, int col) {
    QStringList out;
    for (int r = 0; r < m->rowCount(); ++r) out << m->index(r, col).data().toString();
    return out;
  }

 private Q_SLOTS:
  void initTestCase() {
    QString error;
    QVERIFY2(m_project.open(m_dir.filePath("runs.sqlite"), &error), qPrintable(error));
    auto& db = *m_project.db();
    // Transfers chosen so that text order ("0.05" < "0.3" < "0.12"? no) differs from numeric.
    m_a = uitest::addNumbersRun(db, "alpha", 0.30, {}, 0);
    m_b = uitest::addNumbersRun(db, "beta", 0.05, {}, 1);  // same config
    m_c = uitest::addNumbersRun(db, "gamma", 0.12, {{"student", {{"mode", "sft"}}}}, 0);
    m_d = uitest::addNumbersRun(db, "delta", -0.02, {{"student", {{"mode", "sft"}}}}, 1);
  }

  void loadsAndFormats() {
    RunsTableModel model(&m_project);
    model.reload();
    QCOMPARE(model.rowCount(), 4);
    const int r = model.rowOfRun(m_a);
    QCOMPARE(model.index(r, RunsTableModel::ColName).data().toString(), QString("alpha"));
    QCOMPARE(model.index(r, RunsTableModel::ColStatus).data().toString(), QString("done"));
    QCOMPARE(model.index(r, RunsTableModel::ColEffect).data().toString(),
             QString("0.300 [0.280, 0.320]"));
    QCOMPARE(model.index(r, RunsTableModel::ColEffect).data(RunsTableModel::RawRole).toDouble(),
             0.30);
    QVERIFY(model.index(model.rowOfRun(m_c), RunsTableModel::ColSettings)
                .data()
                .toString()
                .contains("student.mode=sft"));
    // reload() is a diff: nothing changes, no reset.
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.reload();
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.rowCount(), 4);
  }

  void sortByHeaderClick() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.resize(1200, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QHeaderView* header = view.table()->horizontalHeader();
    const int x = header->sectionViewportPosition(RunsTableModel::ColEffect) + 10;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    QStringList names = column(view.table()->model(), RunsTableModel::ColName);
    const bool ascending = header->sortIndicatorOrder() == Qt::AscendingOrder;
    const QStringList up = {"delta", "beta", "gamma", "alpha"};
    QStringList down = up;
    std::reverse(down.begin(), down.end());
    QCOMPARE(names, ascending ? up : down);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    names = column(view.table()->model(), RunsTableModel::ColName);
    QCOMPARE(names, ascending ? down : up);
  }

  void filterNarrowsRows() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.show();
    QTest::keyClicks(view.filterEdit(), "sft");
    QCOMPARE(view.table()->model()->rowCount(), 2);
    QStringList names = column(view.table()->model(), RunsTableModel::ColName);
    names.sort();
    QCOMPARE(names, QStringList({"delta", "gamma"}));
    view.filterEdit()->clear();
    QTest::keyClicks(view.filterEdit(), "alp");
    QCOMPARE(view.table()->model()->rowCount(), 1);
    view.filterEdit()->clear();
    QCOMPARE(view.table()->model()->rowCount(), 4);
    view.proxy()->setStatus("failed");
    QCOMPARE(view.table()->model()->rowCount(), 0);
    view.proxy()->setStatus("");
  }

  void editTagsInPlace() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.resize(1200, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.selectRun(m_b);
    const QModelIndex idx = view.table()->currentIndex().siblingAtColumn(RunsTableModel::ColTags);
    QVERIFY(idx.isValid());
    view.table()->setCurrentIndex(idx);
    view.table()->edit(idx);
    // The item editor is a line edit on the table's viewport.
    const auto editors = view.table()->viewport()->findChildren<QLineEdit*>();
    QCOMPARE(editors.size(), 1);
    QLineEdit* editor = editors.first();
    QTest::keyClicks(editor, "baseline, seed-check");
    QTest::keyClick(editor, Qt::Key_Return);
    // The delegate commits on the next event-loop turn.
    QTRY_COMPARE(idx.data().toString(), QString("baseline, seed-check"));
    const sublab::RunInfo info = m_project.db()->run(m_b);
    QCOMPARE(info.tags.size(), size_t(2));
    QCOMPARE(info.tags[0], std::string("baseline"));
    QCOMPARE(info.tags[1], std::string("seed-check"));
    QCOMPARE(idx.data().toString(), QString("baseline, seed-check"));
    // The new tag is searchable.
    QTest::keyClicks(view.filterEdit(), "seed-check");
    QCOMPARE(view.table()->model()->rowCount(), 1);
  }

  void multiSelect() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.show();
    QSignalSpy spy(&view, &RunsView::selectionChanged);
    view.selectRuns({m_a, m_c});
    QVERIFY(spy.count() >= 1);
    QList<qint64> sel = view.selectedRuns();
    std::sort(sel.begin(), sel.end());
    QCOMPARE(sel, QList<qint64>({m_a, m_c}));
  }

  void groupByConfig() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.show();
    QTest::mouseClick(view.groupBox(), Qt::LeftButton);
    QVERIFY(view.isGrouped());
    // alpha/beta and gamma/delta differ only in the seed.
    QCOMPARE(view.groupModel()->groupCount(), 2);
    QAbstractItemModel* tree = view.tree()->model();
    QCOMPARE(tree->rowCount(), 2);
    for (int g = 0; g < 2; ++g) QCOMPARE(tree->rowCount(tree->index(g, 0)), 2);
    // Group figures pool the runs: mean of 0.30 and 0.05.
    bool found = false;
    for (int g = 0; g < 2; ++g) {
      const QModelIndex idx = tree->index(g, RunsTableModel::ColEffect);
      if (qAbs(idx.data(RunsTableModel::RawRole).toDouble() - 0.175) < 1e-9) found = true;
    }
    QVERIFY(found);
    // Selecting a group selects its runs.
    view.tree()->selectionModel()->select(
        tree->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(view.selectedRuns().size(), 2);
    // Not ignoring the seed splits every run into its own group.
    model.setGroupIgnoredKeys({});
    view.groupModel()->rebuild();
    QCOMPARE(view.groupModel()->groupCount(), 4);
  }

  // Runs that are sweep points: a Sweep column naming the sweep and the point's values, and
  // "Group by sweep" with one group per sweep and one for the runs outside; filters and sorting
  // keep working, in the table and in the tree.
  void groupBySweep() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("sweeps.sqlite"), &error), qPrintable(error));
    auto& db = *project.db();
    const auto plan = [](const char* key, const char* values) {
      return nlohmann::json{{"axes", {{{"key", key}, {"values", nlohmann::json::parse(values)}}}}};
    };
    const auto dose = db.findOrCreateSweep("dose", plan("filter.max_kept", "[400, 800]"), "h1");
    const auto lr = db.findOrCreateSweep("lr", plan("student.lr", "[0.003]"), "h2");
    const qint64 p400 = uitest::addNumbersRun(db, "p400", 0.10, {{"filter", {{"max_kept", 400}}}});
    const qint64 p800 = uitest::addNumbersRun(db, "p800", 0.20, {{"filter", {{"max_kept", 800}}}});
    const qint64 pLr = uitest::addNumbersRun(db, "plr", 0.30, {{"student", {{"lr", 0.003}}}});
    const qint64 loose = uitest::addNumbersRun(db, "loose", 0.05);
    db.setSweepPoint(dose.id, 0, {{"filter.max_kept", 400}}, p400);
    db.setSweepPoint(dose.id, 1, {{"filter.max_kept", 800}}, p800);
    db.setSweepPoint(lr.id, 0, {{"student.lr", 0.003}}, pLr);

    RunsTableModel model(&project);
    model.reload();
    RunsView view(&project, &model);
    view.resize(1400, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto sweepCell = [&](qint64 run) {
      return model.index(model.rowOfRun(run), RunsTableModel::ColSweep).data().toString();
    };
    QCOMPARE(sweepCell(p400), QStringLiteral("#%1 dose · max_kept=400").arg(dose.id));
    QCOMPARE(sweepCell(p800), QStringLiteral("#%1 dose · max_kept=800").arg(dose.id));
    QCOMPARE(sweepCell(pLr), QStringLiteral("#%1 lr · lr=0.003").arg(lr.id));
    QCOMPARE(sweepCell(loose), QString());

    // Sorting the flat table by the Sweep column: by sweep, then point; the loose run last.
    QHeaderView* header = view.table()->horizontalHeader();
    const int x = header->sectionViewportPosition(RunsTableModel::ColSweep) + 10;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    if (header->sortIndicatorOrder() != Qt::AscendingOrder)
      QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    QCOMPARE(column(view.table()->model(), RunsTableModel::ColName),
             QStringList({"p400", "p800", "plr", "loose"}));

    // Group by › sweep, through the widgets.
    QTest::mouseClick(view.groupBox(), Qt::LeftButton);
    QVERIFY(view.isGrouped());
    view.groupByBox()->setFocus();
    QTest::keyClick(view.groupByBox(), Qt::Key_Down);
    QCOMPARE(view.groupByBox()->currentText(), QString("sweep"));
    QCOMPARE(view.groupModel()->groupCount(), 3);
    QAbstractItemModel* tree = view.tree()->model();
    QMap<QString, QStringList> groups;  // group title -> its runs' names
    for (int g = 0; g < tree->rowCount(); ++g) {
      const QModelIndex parent = tree->index(g, RunsTableModel::ColName);
      QStringList names;
      for (int r = 0; r < tree->rowCount(tree->index(g, 0)); ++r)
        names << tree->index(r, RunsTableModel::ColName, tree->index(g, 0)).data().toString();
      names.sort();
      groups[parent.data().toString()] = names;
      // A sweep's points differ on purpose: nothing is pooled across them.
      QCOMPARE(tree->index(g, RunsTableModel::ColEffect).data().toString(), QString());
    }
    QCOMPARE(groups.value(QStringLiteral("Sweep #%1 dose · 2 runs").arg(dose.id)),
             QStringList({"p400", "p800"}));
    QCOMPARE(groups.value(QStringLiteral("Sweep #%1 lr · 1 run").arg(lr.id)), QStringList({"plr"}));
    QCOMPARE(groups.value(QStringLiteral("Not in a sweep · 1 run")), QStringList({"loose"}));
    if (const QString dir = qEnvironmentVariable("SUBLAB_TEST_SHOTS"); !dir.isEmpty())
      view.grab().save(dir + "/runs_group_by_sweep.png");

    // Selecting a sweep's group selects its points' runs.
    for (int g = 0; g < tree->rowCount(); ++g)
      if (tree->index(g, RunsTableModel::ColName).data().toString().contains("dose"))
        view.tree()->selectionModel()->select(
            tree->index(g, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QList<qint64> selected = view.selectedRuns();
    std::sort(selected.begin(), selected.end());
    QCOMPARE(selected, QList<qint64>({p400, p800}));

    // Filters: a word finds a sweep by name; a condition on the sweep's id; on a figure.
    QTest::keyClicks(view.filterEdit(), "dose");
    QCOMPARE(tree->rowCount(), 1);
    QCOMPARE(tree->rowCount(tree->index(0, 0)), 2);
    QCOMPARE(view.table()->model()->rowCount(), 2);
    view.filterEdit()->clear();
    QTest::keyClicks(view.filterEdit(), QStringLiteral("sweep=%1").arg(lr.id));
    QCOMPARE(view.filterErrorLabel()->text(), QString());
    QCOMPARE(tree->rowCount(), 1);
    QCOMPARE(tree->index(0, 0, tree->index(0, 0)).data(RunsTableModel::RunIdRole).toLongLong(),
             pLr);
    view.filterEdit()->clear();
    QTest::keyClicks(view.filterEdit(), "transfer > 0.15");
    QCOMPARE(tree->rowCount(), 2);  // p800 in dose, plr in lr
    QCOMPARE(view.table()->model()->rowCount(), 2);
    view.filterEdit()->clear();
    QCOMPARE(tree->rowCount(), 3);

    // Sorting the tree by transfer orders each sweep's points inside their group.
    view.tree()->sortByColumn(RunsTableModel::ColEffect, Qt::DescendingOrder);
    for (int g = 0; g < tree->rowCount(); ++g) {
      const QModelIndex parent = tree->index(g, 0);
      if (!parent.siblingAtColumn(RunsTableModel::ColName).data().toString().contains("dose"))
        continue;
      QCOMPARE(tree->index(0, RunsTableModel::ColName, parent).data().toString(), QString("p800"));
      QCOMPARE(tree->index(1, RunsTableModel::ColName, parent).data().toString(), QString("p400"));
    }

    // A run linked to a sweep after it was loaded (the GUI queues a point, then links it)
    // moves into its sweep's group when its row is refreshed.
    db.setSweepPoint(lr.id, 1, {{"student.lr", 0.01}}, loose);
    model.refreshRun(loose);
    QCOMPARE(sweepCell(loose), QStringLiteral("#%1 lr · lr=0.01").arg(lr.id));
    QCOMPARE(view.groupModel()->groupCount(), 2);

    // Back to config groups: the runs with one config but the seed together again.
    QTest::keyClick(view.groupByBox(), Qt::Key_Up);
    QCOMPARE(model.groupBy(), RunsTableModel::GroupBy::Config);
    QCOMPARE(view.groupModel()->groupCount(), 4);  // p400, p800, plr and loose differ
  }
};

QTEST_MAIN(TestRunsView)
#include "test_runs_view.moc"
