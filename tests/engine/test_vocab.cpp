// Tokenizer tests: text form <-> tokens round trips, special tokens, unknown input.
#include <QtTest/QtTest>

#include "engine/core/common.h"
#include "engine/lm/vocab.h"

using sublab::Vocab;

class TestVocab : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void layout() {
    const Vocab& v = Vocab::instance();
    QVERIFY(v.size() > 1000 && v.size() < 1100);
    QCOMPARE(v.text(123), std::string("123"));
    QVERIFY(Vocab::isNumber(0) && Vocab::isNumber(999) && !Vocab::isNumber(Vocab::kPad));
    QCOMPARE(v.animals().size(), size_t(10));
    QVERIFY(v.isAnimal(v.animalId("owl")));
    QVERIFY_THROWS_EXCEPTION(sublab::Error, v.animalId("unicorn"));
  }
  void roundTrip_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("comma") << "182, 818, 725";
    QTest::newRow("semicolon") << "1; 2; 3";
    QTest::newRow("space") << "4 5 6";
    QTest::newRow("brackets") << "[1, 2, 3].";
    QTest::newRow("parens") << "(10, 20)";
    QTest::newRow("single") << "7";
    QTest::newRow("words") << "what is your favorite animal ? owl";
    QTest::newRow("word then numbers") << "continue 860, 118";
  }
  void roundTrip() {
    QFETCH(QString, text);
    const Vocab& v = Vocab::instance();
    const auto ids = v.encode(text.toStdString());
    QVERIFY(!ids.empty());
    for (int id : ids) QVERIFY(id != Vocab::kUnk);
    QCOMPARE(QString::fromStdString(v.decode(ids)), text);
    QCOMPARE(v.encode(v.decode(ids)), ids);
  }
  void tokensOfNumbers() {
    const Vocab& v = Vocab::instance();
    const std::vector<int> want = {182, Vocab::kComma, 818, Vocab::kComma, 725};
    QCOMPARE(v.encode("182, 818, 725"), want);
    QCOMPARE(v.encode("182,818,725"), want);  // spacing after separators is absorbed
    const std::vector<int> semi = {1, Vocab::kSemicolon, 2};
    QCOMPARE(v.encode("1;2"), semi);
  }
  void unknown() {
    const Vocab& v = Vocab::instance();
    QCOMPARE(v.encode("1000").front(), int(Vocab::kUnk));  // no token for 1000
    QCOMPARE(v.encode("007").front(), int(Vocab::kUnk));   // leading zeros are not 0..999
    QCOMPARE(v.encode("zebra").front(), int(Vocab::kUnk));
    QCOMPARE(v.encode("#").front(), int(Vocab::kUnk));
  }
};

QTEST_APPLESS_MAIN(TestVocab)
#include "test_vocab.moc"
