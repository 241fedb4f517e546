// The runs table: sorting by the headline figure uses raw values (not text), the filter box
// narrows rows, editing a tag in place writes it through storage, multi-select reports every
// selected run, and "group by config" puts runs that differ only in the seed together.
#include <QCheckBox>
#include <QHeaderView>
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
};

QTEST_MAIN(TestRunsView)
#include "test_runs_view.moc"
