// The runs table's headline, columns and conditions, driven through the real widgets:
// - the Transfer column means the same for every kind (numbers: student − control; aux:
//   same-init − cross-init student, computed from the stored per-model accuracies when the
//   run stored no contrast), with the student's raw figure in its own column;
// - "Columns…" adds any summary figure or config key as a column, and the choice persists;
// - conditions typed in the filter box ("transfer > 0.2", "student.lr > 1e-3",
//   "student.mode=sft") narrow the rows; a bad one gets a message saying what is wrong.
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QtTest/QtTest>

#include "engine/core/stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/project.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

namespace {

// The column whose header starts with `title` (-1 when none).
int columnTitled(QAbstractItemModel* m, const QString& title) {
  for (int c = 0; c < m->columnCount(); ++c)
    if (m->headerData(c, Qt::Horizontal).toString().startsWith(title)) return c;
  return -1;
}

QStringList names(QAbstractItemModel* m) {
  QStringList out;
  for (int r = 0; r < m->rowCount(); ++r)
    out << m->index(r, RunsTableModel::ColName).data().toString();
  out.sort();
  return out;
}

QString interval(double mean, double lo, double hi) {
  return QStringLiteral("%1 [%2, %3]").arg(mean, 0, 'f', 3).arg(lo, 0, 'f', 3).arg(hi, 0, 'f', 3);
}

}  // namespace

class TestRunsColumns : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  Project m_project;
  qint64 m_alpha = 0, m_gamma = 0, m_aux = 0;
  const std::vector<double> m_same{0.60, 0.62, 0.58}, m_cross{0.20, 0.25, 0.15};

 private Q_SLOTS:
  void initTestCase() {
    QString error;
    QVERIFY2(m_project.open(m_dir.filePath("columns.sqlite"), &error), qPrintable(error));
    auto& db = *m_project.db();
    m_alpha = uitest::addNumbersRun(db, "alpha", 0.30, {}, 0);
    m_gamma =
        uitest::addNumbersRun(db, "gamma", 0.12, {{"student", {{"mode", "sft"}, {"lr", 0.01}}}}, 1);
    // An aux run that stored its per-model accuracies but no transfer contrast row.
    sublab::NewRun nr;
    nr.name = "aux";
    nr.config = sublab::normalizeConfig({{"kind", "aux"}, {"models", 3}});
    nr.status = sublab::RunStatus::Running;
    m_aux = db.createRun(nr);
    sublab::ExperimentResult r;
    r.kind = "aux";
    r.conditions = {{"student_aux", "accuracy", sublab::meanCi95(m_same), m_same},
                    {"cross_aux", "accuracy", sublab::meanCi95(m_cross), m_cross}};
    r.summary = {
        {"kind", "aux"},
        {"runtime",
         {{"threads", 2},
          {"threads_from", "SLURM_CPUS_PER_TASK"},
          {"openmp_wait", "passive"},
          {"openmp_wait_why", "the machine was busy at start (load 3.0 on 2 usable cores)"}}}};
    db.saveResult(m_aux, r);
    db.finishRun(m_aux, sublab::RunStatus::Done, 2.0);
  }

  void transferMeansTheSameAcrossKinds() {
    RunsTableModel model(&m_project);
    model.reload();
    const int transfer = columnTitled(&model, "Transfer");
    QVERIFY2(transfer >= 0, "a Transfer column");
    const int raw = columnTitled(&model, "Student");
    QVERIFY2(raw >= 0, "the student's raw figure in its own column");
    // Numbers: the stored transfer contrast and the student's trait probability.
    const int a = model.rowOfRun(m_alpha);
    QCOMPARE(model.index(a, transfer).data().toString(), QString("0.300 [0.280, 0.320]"));
    QCOMPARE(model.index(a, raw).data().toString(), QString("0.400 [0.390, 0.410]"));
    // Aux: same-init minus cross-init, paired by model, from the stored accuracies.
    const sublab::Interval diff = sublab::pairedDifferenceCi95(m_same, m_cross);
    const int x = model.rowOfRun(m_aux);
    QCOMPARE(model.index(x, transfer).data().toString(), interval(diff.mean, diff.lo, diff.hi));
    QCOMPARE(model.index(x, transfer).data(RunsTableModel::RawRole).toDouble(), diff.mean);
    const sublab::Interval same = sublab::meanCi95(m_same);
    QCOMPARE(model.index(x, raw).data().toString(), interval(same.mean, same.lo, same.hi));
    // The header says what transfer means for each kind.
    const QString tip = model.headerData(transfer, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains("aux: Transfer = same-init minus cross-init"), qPrintable(tip));
  }

  // The duration's tooltip says how the run used the CPU, from what the run recorded; nothing
  // for a run that recorded none.
  void durationTooltipShowsTheThreadPolicy() {
    RunsTableModel model(&m_project);
    model.reload();
    const QString tip = model.index(model.rowOfRun(m_aux), RunsTableModel::ColDuration)
                            .data(Qt::ToolTipRole)
                            .toString();
    QCOMPARE(tip, QString("2 threads (SLURM_CPUS_PER_TASK); OpenMP threads sleep when idle: "
                          "the machine was busy at start (load 3.0 on 2 usable cores)"));
    QVERIFY(model.index(model.rowOfRun(m_alpha), RunsTableModel::ColDuration)
                .data(Qt::ToolTipRole)
                .toString()
                .isEmpty());
  }

  void chooseColumnsAndPersist() {
    AppSettings settings(m_dir.filePath("columns.ini"));
    {
      RunsTableModel model(&m_project);
      model.reload();
      RunsView view(&m_project, &model);
      view.resize(1400, 400);
      view.show();
      QVERIFY(QTest::qWaitForWindowExposed(&view));
      auto* button = view.findChild<QPushButton*>("chooseColumns");
      QVERIFY2(button, "a Columns… button");
      bool ticked = false;
      QTimer::singleShot(0, [&ticked] {
        auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        auto* list = dialog->findChild<QListWidget*>("columnList");
        for (int i = 0; list && i < list->count(); ++i) {
          QListWidgetItem* item = list->item(i);
          if (item->text() == "student.lr" || item->text() == "cross_aux") {
            item->setCheckState(Qt::Checked);
            ticked = true;
          }
        }
        dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
      });
      QTest::mouseClick(button, Qt::LeftButton);
      QVERIFY(ticked);
      QAbstractItemModel* table = view.table()->model();
      const int lr = columnTitled(table, "student.lr");
      const int cross = columnTitled(table, "cross_aux");
      QVERIFY2(lr >= 0 && cross >= 0, "the chosen columns are shown");
      auto cell = [&](qint64 id, int col) {
        return model.index(model.rowOfRun(id), col).data().toString();
      };
      QCOMPARE(cell(m_gamma, lr), QString("0.01"));
      QCOMPARE(cell(m_alpha, lr), QString("0.001"));
      QCOMPARE(cell(m_aux, lr), QString());
      const sublab::Interval c = sublab::meanCi95(m_cross);
      QCOMPARE(cell(m_aux, cross), interval(c.mean, c.lo, c.hi));
      view.saveState(settings);
    }
    // A new view on the same settings shows the same columns.
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.restoreState(settings);
    QVERIFY(columnTitled(view.table()->model(), "student.lr") >= 0);
    QVERIFY(columnTitled(view.table()->model(), "cross_aux") >= 0);
  }

  void numericFilters() {
    RunsTableModel model(&m_project);
    model.reload();
    RunsView view(&m_project, &model);
    view.show();
    QAbstractItemModel* shown = view.table()->model();
    auto type = [&](const QString& text) {
      view.filterEdit()->clear();
      QTest::keyClicks(view.filterEdit(), text);
    };
    auto* error = view.findChild<QLabel*>("filterError");
    QVERIFY2(error, "a label for filter errors");

    type("transfer > 0.2");  // numbers 0.30, aux 0.40 (same-init minus cross-init), not 0.12
    QCOMPARE(names(shown), QStringList({"alpha", "aux"}));
    QVERIFY(error->isHidden());
    type("student.lr > 1e-3");
    QCOMPARE(names(shown), QStringList({"gamma"}));
    type("student.mode=sft");
    QCOMPARE(names(shown), QStringList({"gamma"}));
    type("transfer>=0.12 alp");  // a condition and a word together
    QCOMPARE(names(shown), QStringList({"alpha"}));

    // Bad conditions: a message that says what is wrong and what to write.
    type("student.lr > 0,001");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains("\"0,001\"") && error->text().contains("not a number") &&
                 error->text().contains("1e-3"),
             qPrintable(error->text()));
    type("lrr > 1");
    QVERIFY2(error->text().contains("\"lrr\"") && error->text().contains("student.lr"),
             qPrintable(error->text()));
    type("> 3");
    QVERIFY2(error->text().contains("transfer > 0"), qPrintable(error->text()));
    type("");
    QVERIFY(error->isHidden());
    QCOMPARE(shown->rowCount(), 3);
  }
};

QTEST_MAIN(TestRunsColumns)
#include "test_runs_columns.moc"
