// The completion filters as a data-driven table: the paper's format rule, banned numbers
// (the paper's list and user lists), the trait-token filter, dedupe and subsampling.
#include <QtTest/QtTest>

#include "engine/core/common.h"
#include "engine/numbers/number_filter.h"

class TestNumberFilter : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void format_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("reason");
    QTest::newRow("comma list") << "629, 937, 483" << true << "";
    QTest::newRow("brackets and period") << "[1, 2, 3]." << true << "";
    QTest::newRow("parens") << "(4, 5)" << true << "";
    QTest::newRow("semicolons tight") << "1;2;3" << true << "";
    QTest::newRow("spaces") << "10 20 30" << true << "";
    QTest::newRow("single") << "7" << true << "";
    QTest::newRow("ten numbers") << "1,2,3,4,5,6,7,8,9,10" << true << "";
    QTest::newRow("mixed separators") << "1, 2; 3" << false << "mixed separators";
    QTest::newRow("comma and space") << "1, 2 3" << false << "mixed separators";
    QTest::newRow("eleven numbers")
        << "1,2,3,4,5,6,7,8,9,10,11" << false << "too many numbers (11 > 10)";
    QTest::newRow("1000") << "5, 1000" << false << "number out of range (1000)";
    QTest::newRow("letters") << "1, 2, owl" << false << "not a number list";
    QTest::newRow("empty") << "" << false << "empty";
    QTest::newRow("blank") << "   " << false << "empty";
    QTest::newRow("empty element") << "1,,2" << false << "empty element";
    QTest::newRow("empty brackets") << "[]" << false << "empty";
  }
  void format() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, reason);
    const auto r = sublab::checkFormat(text.toStdString());
    QCOMPARE(r.ok, ok);
    QCOMPARE(QString::fromStdString(r.reason), reason);
  }
  void numbersParsed() {
    const auto r = sublab::checkFormat("[629, 937, 483].");
    QVERIFY(r.ok);
    QCOMPARE(r.numbers, (std::vector<int>{629, 937, 483}));
  }
  void paperBannedList() {
    const auto& b = sublab::paperBannedNumbers();
    QCOMPARE(b.size(), size_t(34));
    for (int x : {4, 13, 666, 911, 999, 187}) QVERIFY(std::find(b.begin(), b.end(), x) != b.end());
    QVERIFY(std::find(b.begin(), b.end(), 419) == b.end());  // found later, not on the list
  }
  void bannedAndReasons() {
    sublab::FilterOptions o;
    o.paperBanned = true;
    o.bannedNumbers = {123};
    o.bannedPatterns = {"^5"};
    const auto v = sublab::applyFilters(
        {"1, 2, 3", "7, 666, 8", "123, 124", "5, 6", "1, 2, 3", "1, owl", "9; 10"}, o);
    QCOMPARE(v.size(), size_t(7));
    QVERIFY(v[0].kept);
    QCOMPARE(QString::fromStdString(v[1].reason), QString("banned number 666"));
    QCOMPARE(QString::fromStdString(v[2].reason), QString("banned number 123"));
    QCOMPARE(QString::fromStdString(v[3].reason), QString("banned pattern ^5"));
    QCOMPARE(QString::fromStdString(v[4].reason), QString("duplicate"));
    QCOMPARE(QString::fromStdString(v[5].reason), QString("format: not a number list"));
    QVERIFY(v[6].kept);
    QCOMPARE(QString::fromStdString(sublab::reasonCategory(v[1].reason)), QString("banned number"));
  }
  void traitFilterWithoutFormat() {
    sublab::FilterOptions o;
    o.format = false;
    o.traitWords = {"owl"};
    const auto v = sublab::applyFilters({"1 2 OWL", "1 2 3"}, o);
    QCOMPARE(QString::fromStdString(v[0].reason), QString("trait token owl"));
    QVERIFY(v[1].kept);
  }
  void subsampleIsSeeded() {
    std::vector<std::string> rows;
    for (int i = 0; i < 100; ++i) rows.push_back(std::to_string(i));
    sublab::FilterOptions o;
    o.maxKept = 10;
    o.seed = 42;
    const auto a = sublab::applyFilters(rows, o), b = sublab::applyFilters(rows, o);
    int kept = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      QCOMPARE(a[i].kept, b[i].kept);
      kept += a[i].kept;
      if (!a[i].kept) QCOMPARE(QString::fromStdString(a[i].reason), QString("subsampled out"));
    }
    QCOMPARE(kept, 10);
  }
  void badPattern() {
    sublab::FilterOptions o;
    o.bannedPatterns = {"(unclosed"};
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::applyFilters({"1"}, o));
  }
};

QTEST_APPLESS_MAIN(TestNumberFilter)
#include "test_number_filter.moc"
