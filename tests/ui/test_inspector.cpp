// The sequence inspector: pages arrive lazily (500 rows, more on fetchMore), the matching-row
// count is exact, filters by verdict, condition and reject reason work from the widgets, text
// and regex search narrow the rows, banned numbers are highlighted, and the details pane
// explains the selected row.
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTextBrowser>
#include <QtTest/QtTest>

#include "engine/seqstats/seq_stats.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/inspector_view.h"
#include "ui/number_highlight_delegate.h"
#include "ui/project.h"
#include "ui/sequence_table_model.h"

using namespace sublab::ui;

class TestInspector : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  Project m_project;
  qint64 m_run = 0;
  static constexpr int kRows = 2000;  // per condition

 private Q_SLOTS:
  void initTestCase() {
    QString error;
    QVERIFY2(m_project.open(m_dir.filePath("seq.sqlite"), &error), qPrintable(error));
    m_run = uitest::addNumbersRun(*m_project.db(), "seqs", 0.1,
                                  {{"filter", {{"banned_numbers", {13, 666}}}}});
    // teacher: every 4th row rejected as "banned number", every 10th as "format"; reference
    // all kept. Row i of the teacher contains i % 1000.
    std::vector<sublab::SequenceRow> rows;
    for (const char* cond : {"teacher", "reference"})
      for (int i = 0; i < kRows; ++i) {
        sublab::SequenceRow r;
        r.condition = cond;
        r.seed = i % 2;
        r.index = i;
        r.prompt = "182, 818, 725";
        r.completion = std::to_string(i % 1000) + ", 13, " + std::to_string((7 * i) % 1000);
        r.kept = true;
        if (std::string(cond) == "teacher" && i % 4 == 0) {
          r.kept = false;
          r.reason = "banned number";
        } else if (std::string(cond) == "teacher" && i % 10 == 5) {
          r.kept = false;
          r.reason = "format";
          r.completion = "owl owl";
        }
        rows.push_back(r);
      }
    m_project.db()->insertSequences(m_run, rows);
  }

  void pagesLazily() {
    SequenceTableModel model;
    model.setPageSize(500);
    QSignalSpy pages(&model, &SequenceTableModel::pageLoaded);
    model.setSource(m_project.path(), m_run);
    QTRY_COMPARE(model.rowCount(), 500);
    QTRY_COMPARE(model.totalCount(), qint64(2 * kRows));
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QVERIFY(!model.canFetchMore({}));  // one fetch at a time
    QTRY_COMPARE(model.rowCount(), 1000);
    // Keyset order: ids strictly increase across the page boundary.
    QVERIFY(model.record(499)->id < model.record(500)->id);
    while (model.canFetchMore({}) || model.isFetching()) {
      if (model.canFetchMore({})) model.fetchMore({});
      QTest::qWait(5);
    }
    QCOMPARE(model.rowCount(), 2 * kRows);
    QVERIFY(model.atEnd());
    QVERIFY(pages.count() >= 8);
  }

  void filtersFromWidgets() {
    AppSettings settings(m_dir.filePath("s.ini"));
    InspectorView view(&m_project, &settings);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(m_run);
    SequenceTableModel* model = view.model();
    QTRY_COMPARE(model->totalCount(), qint64(2 * kRows));
    QTRY_VERIFY(model->rowCount() > 0);
    QTRY_COMPARE(view.conditionBox()->count(), 3);  // "all" + the two conditions, loaded async
    QTRY_COMPARE(view.reasonBox()->count(), 3);

    // Scrolling to the bottom asks for more rows.
    const int before = model->rowCount();
    // The scroll range follows the inserted rows after a deferred layout: wait for it (on a busy
    // machine it can lag the rows), then scroll.
    QTRY_VERIFY(view.table()->verticalScrollBar()->maximum() > 0);
    QTRY_VERIFY(!model->isFetching());
    view.table()->verticalScrollBar()->setValue(view.table()->verticalScrollBar()->maximum());
    QTRY_VERIFY(model->rowCount() > before);

    // Rejected only.
    view.verdictBox()->setCurrentIndex(view.verdictBox()->findData(int(sublab::Verdict::Rejected)));
    const qint64 rejected = kRows / 4 + kRows / 10;  // i%4==0 or i%10==5 (disjoint)
    QTRY_COMPARE(model->totalCount(), rejected);
    for (int r = 0; r < model->rowCount(); ++r) QVERIFY(!model->record(r)->kept);

    // A reject reason (listed with its count) implies rejected.
    const int fmt = [&] {
      for (int i = 0; i < view.reasonBox()->count(); ++i)
        if (view.reasonBox()->itemData(i).toString() == "format") return i;
      return -1;
    }();
    QVERIFY(fmt > 0);
    QVERIFY(view.reasonBox()->itemText(fmt).contains(QString::number(kRows / 10)));
    view.reasonBox()->setCurrentIndex(fmt);
    QTRY_COMPARE(model->totalCount(), qint64(kRows / 10));
    QTRY_VERIFY(model->rowCount() > 0);
    QCOMPARE(QString::fromStdString(model->record(0)->reason), QString("format"));
    view.reasonBox()->setCurrentIndex(0);
    view.verdictBox()->setCurrentIndex(0);

    // Condition.
    view.conditionBox()->setCurrentIndex(view.conditionBox()->findData("reference"));
    QTRY_COMPARE(model->totalCount(), qint64(kRows));
    QTRY_VERIFY(model->rowCount() > 0);
    QCOMPARE(model->record(0)->condition, std::string("reference"));
    view.conditionBox()->setCurrentIndex(0);

    // Text search (typed) and regex search.
    QTest::keyClicks(view.searchEdit(), "owl");
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    QTRY_COMPARE(model->totalCount(), qint64(kRows / 10));
    view.searchEdit()->clear();
    QTest::mouseClick(view.regexBox(), Qt::LeftButton);
    QTest::keyClicks(view.searchEdit(), "^99[0-9],");
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    // Completions start with i % 1000: 990..999 occur twice per condition in 2000 rows, minus
    // the teacher's format rejects (i % 10 == 5: 995 twice) whose text is "owl owl".
    QTRY_COMPARE(model->totalCount(), qint64(2 * 20 - 2));
    QTRY_VERIFY(model->rowCount() > 0);
    QVERIFY(QString::fromStdString(model->record(0)->completion).startsWith("99"));
  }

  void highlightsAndDetails() {
    AppSettings settings(m_dir.filePath("s.ini"));
    InspectorView view(&m_project, &settings);
    view.show();
    view.setRun(m_run);
    QVERIFY(view.runBanned().contains(13));
    QVERIFY(view.runBanned().contains(666));
    QVERIFY(!view.runBanned().contains(42));
    NumberHighlightDelegate d;
    d.setBanned(view.runBanned(), {4, 42, 666});
    const auto segs = d.segments("4, 13, 420, 42.");
    // "4" paper list, "13" run-banned, "420" plain, "42" paper list, "." plain.
    QCOMPARE(segs.size(), 6);
    QCOMPARE(segs[0], qMakePair(QString("4"), 1));
    QCOMPARE(segs[2], qMakePair(QString("13"), 2));
    QCOMPARE(segs[3], qMakePair(QString(", 420, "), 0));
    QCOMPARE(segs[4], qMakePair(QString("42"), 1));

    QTRY_VERIFY(view.model()->rowCount() > 0);
    view.table()->selectRow(0);
    const QString html = view.details()->toHtml();
    QVERIFY2(html.contains("Rejected"), qPrintable(html));
    QVERIFY(html.contains("banned number"));
    QVERIFY(view.details()->toPlainText().contains("13"));
  }

  // Issue 13, bug 9: the details pane never shows a row the filter removed. A row that still
  // matches after a filter change is shown again; one that no longer matches is replaced by a
  // note saying so.
  void detailsFollowTheFilter() {
    AppSettings settings(m_dir.filePath("d.ini"));
    InspectorView view(&m_project, &settings);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRun(m_run);
    SequenceTableModel* model = view.model();
    QTRY_VERIFY(model->rowCount() > 10);
    // Row 0 of the teacher: "0, 13, 0", rejected for its banned number.
    view.table()->selectRow(0);
    QVERIFY(view.details()->toPlainText().contains("Row 0 · teacher · seed 0"));
    QCOMPARE(QString::fromStdString(model->record(0)->completion), QString("0, 13, 0"));
    const qint64 first = model->record(0)->id;

    // A search that removes it: the pane must not keep showing it.
    QTest::keyClicks(view.searchEdit(), "owl");
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    QTRY_COMPARE(model->totalCount(), qint64(kRows / 10));
    QTRY_VERIFY(model->rowCount() > 0);
    QTRY_VERIFY(!model->isFetching());
    for (int r = 0; r < model->rowCount(); ++r) QVERIFY(model->record(r)->id != first);
    QString text = view.details()->toPlainText();
    QVERIFY2(!text.contains("Row 0 · teacher"), qPrintable(text));
    QVERIFY2(text.contains("does not match the current filter"), qPrintable(text));

    // A row that still matches after the next change stays in the pane (selected again).
    view.table()->selectRow(1);
    const qint64 id = model->record(1)->id;
    const QString heading = QStringLiteral("Row %1 · teacher").arg(model->record(1)->index);
    QVERIFY(view.details()->toPlainText().contains(heading));
    view.verdictBox()->setCurrentIndex(view.verdictBox()->findData(int(sublab::Verdict::Rejected)));
    QTRY_COMPARE(model->totalCount(), qint64(kRows / 10));  // every "owl owl" row is rejected
    QTRY_VERIFY(model->rowCount() > 1);
    const auto currentId = [&] {
      const sublab::SequenceRecord* r = model->record(view.table()->currentIndex().row());
      return r ? r->id : qint64(-1);
    };
    QTRY_COMPARE(currentId(), id);
    QVERIFY2(view.details()->toPlainText().contains(heading),
             qPrintable(view.details()->toPlainText()));
  }

  // A kept row with per-token log-probabilities shows them, with the defended position marked.
  void tokenLogprobsInDetails() {
    const qint64 run = uitest::addNumbersRun(*m_project.db(), "tokens", 0.1);
    sublab::TokenLogprobs t;
    t.tokens = {"12", ", ", "88", "<eos>"};
    t.teacher = {-1.0, -0.25, -2.0, -0.5};
    t.reference = {-1.5, -0.25, -2.0, -0.75};
    t.masked = {2};
    const nlohmann::json replaced =
        nlohmann::json::array({{{"pos", 2}, {"from", "7"}, {"to", "88"}}});
    sublab::SequenceRow row{"defended", 0,    0,  "1, 2, 3",
                            "12, 88",   true, "", sublab::tokenInfoJson(t, replaced)};
    sublab::SequenceRow bare{"teacher", 0, 1, "1, 2, 3", "5, 6", true, "", {}};
    m_project.db()->insertSequences(run, {row, bare});
    AppSettings settings(m_dir.filePath("t.ini"));
    InspectorView view(&m_project, &settings);
    view.show();
    view.setRun(run);
    QTRY_COMPARE(view.model()->rowCount(), 2);
    view.table()->selectRow(0);
    const QString text = view.details()->toPlainText();
    QVERIFY2(text.contains("Per-token log-probabilities"), qPrintable(text));
    QVERIFY2(text.contains("replaced (was 7)"), qPrintable(text));
    QVERIFY2(text.contains("0.500"), qPrintable(text));                       // 12: -1.0 - (-1.5)
    QVERIFY2(text.contains("mean Δ 0.188 over 4 tokens"), qPrintable(text));  // (0.5+0+0+0.25)/4
    view.table()->selectRow(1);
    QVERIFY(view.details()->toPlainText().contains("No per-token log-probabilities"));
  }
};

QTEST_MAIN(TestInspector)
#include "test_inspector.moc"
