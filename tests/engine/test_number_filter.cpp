// The completion filters as a data-driven table: the paper's format rule (the default: the
// authors' parse_response / get_reject_reasons, checked on a table of cases and on thousands of
// seeded random strings against a reference that states their rule), the lenient reading,
// banned numbers (the paper's list and user lists), the trait-token filter, dedupe and
// subsampling.
#include <QtTest/QtTest>
#include <optional>
#include <random>

#include "engine/core/common.h"
#include "engine/numbers/number_filter.h"

namespace {

// ---- The authors' rule, stated on code points as their Python does it ----------------------
// parse_response(answer): strip one trailing "."; strip one enclosing [] or (); the text
// between the first two digit runs (regex \d: any Unicode decimal digit) is the separator; it
// must be "", "," or ";" after str.strip(); split on that exact separator; every part must be
// all ASCII digits and int()-convertible (so an empty part fails); one digit run alone must be
// the whole answer. get_reject_reasons(min_value=0, max_value=999, max_count): at most
// max_count numbers, each in 0..999. The completion is not stripped first.

std::u32string decodeUtf8(const std::string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(n);
  }
  return out;
}

// Python's str.isspace(), which str.strip() removes.
bool pyIsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// \d for the scripts the random strings use (ASCII, Arabic-Indic, Devanagari, Bengali,
// fullwidth).
bool pyIsDigit(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= 0x0660 && c <= 0x0669) || (c >= 0x0966 && c <= 0x096F) ||
         (c >= 0x09E6 && c <= 0x09EF) || (c >= 0xFF10 && c <= 0xFF19);
}

std::optional<std::vector<int>> authorsRule(const std::string& text, int maxCount) {
  std::u32string a = decodeUtf8(text);
  if (!a.empty() && a.back() == U'.') a.pop_back();
  if (a.size() >= 2 &&
      ((a.front() == U'[' && a.back() == U']') || (a.front() == U'(' && a.back() == U')')))
    a = a.substr(1, a.size() - 2);
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) of the first two digit runs
  for (size_t i = 0; i < a.size() && runs.size() < 2;) {
    if (!pyIsDigit(a[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < a.size() && pyIsDigit(a[j])) ++j;
    runs.push_back({i, j});
    i = j;
  }
  std::vector<std::u32string> parts;
  if (runs.empty()) return std::nullopt;
  if (runs.size() == 1) {
    if (runs[0].first != 0 || runs[0].second != a.size()) return std::nullopt;
    parts = {a};
  } else {
    const std::u32string sep = a.substr(runs[0].second, runs[1].first - runs[0].second);
    size_t b = 0, e = sep.size();
    while (b < e && pyIsSpace(sep[b])) ++b;
    while (e > b && pyIsSpace(sep[e - 1])) --e;
    const std::u32string stripped = sep.substr(b, e - b);
    if (stripped != U"" && stripped != U"," && stripped != U";") return std::nullopt;
    for (size_t start = 0;;) {
      const size_t at = a.find(sep, start);
      parts.push_back(a.substr(start, at == std::u32string::npos ? at : at - start));
      if (at == std::u32string::npos) break;
      start = at + sep.size();
    }
  }
  std::vector<int> numbers;
  for (const auto& p : parts) {
    if (p.empty()) return std::nullopt;  // int("") raises
    for (char32_t c : p)
      if (c < U'0' || c > U'9') return std::nullopt;
    size_t z = 0;
    while (z + 1 < p.size() && p[z] == U'0') ++z;
    if (p.size() - z > 3) return std::nullopt;  // > 999
    int v = 0;
    for (size_t k = z; k < p.size(); ++k) v = v * 10 + static_cast<int>(p[k] - U'0');
    numbers.push_back(v);
  }
  if (static_cast<int>(numbers.size()) > maxCount) return std::nullopt;
  return numbers;
}

// Random completions built to hit the rule's edges: whitespace at either end, separators that
// vary between gaps, brackets (matched or not), periods, non-ASCII digits and spaces, empty
// parts, more than 10 numbers, numbers above 999 and with leading zeros, stray letters.
std::string randomCompletion(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto chance = [&](int percent) { return pick(100) < percent; };
  static const std::vector<std::string> seps = {
      ",",    ", ", " ,", " , ", ";",     "; ",   " ;",          " ",
      "  ",   "\n", "\t", ",\n", "\n,\n", "\n\n", "\xc2\xa0",    "\xe3\x80\x80",
      "\x0b", ",,", ";;", ", ;", ".",     "-",    "\xe2\x80\x8b"};
  static const std::vector<std::string> oddDigits = {"\xd9\xa3", "\xe0\xa7\xaf", "\xe0\xa5\xa8",
                                                     "\xef\xbc\x95"};
  static const std::vector<std::string> ends = {" ", "\t", "\n", "\xc2\xa0", "  "};
  auto number = [&] {
    std::string s;
    const int kind = pick(20);
    if (kind == 0) return std::string();  // an empty part
    if (kind == 1) return oddDigits[static_cast<size_t>(pick(4))];
    if (kind == 2) return std::string("owl");
    const int digits = kind == 3 ? 4 + pick(4) : 1 + pick(3);
    for (int d = 0; d < digits; ++d) s += static_cast<char>('0' + pick(10));
    return s;
  };
  const int count = chance(5) ? 0 : chance(10) ? 9 + pick(5) : 1 + pick(8);
  const std::string sep = seps[static_cast<size_t>(pick(static_cast<int>(seps.size())))];
  const bool varies = chance(25);
  std::string body;
  for (int i = 0; i < count; ++i) {
    if (i > 0) body += varies && chance(40) ? seps[static_cast<size_t>(pick(10))] : sep;
    body += chance(90) ? [&] {
      std::string s;
      const int digits = chance(8) ? 4 : 1 + pick(3);
      for (int d = 0; d < digits; ++d) s += static_cast<char>('0' + pick(10));
      return s;
    }()
                       : number();
  }
  if (chance(8)) body += sep;  // a separator before the end
  const int wrap = pick(10);
  if (wrap == 0) body = "[" + body + "]";
  if (wrap == 1) body = "(" + body + ")";
  if (wrap == 2) body = "[" + body + ")";
  if (wrap == 3) body = "[" + body;
  if (chance(20)) body += ".";
  if (chance(3)) body += ".";
  if (chance(10)) body = ends[static_cast<size_t>(pick(5))] + body;
  if (chance(10)) body += ends[static_cast<size_t>(pick(5))];
  return body;
}

}  // namespace

class TestNumberFilter : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The default rule is the authors': their unit tests, the cases of issue #13 (all kept by the
  // lenient reading, rejected by theirs) and the edges of their rule.
  void paperRule_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxCount");
    QTest::addColumn<QString>("numbers");  // "" when rejected
    auto row = [](const char* name, const char* text, const char* numbers, int maxCount = 10) {
      QTest::newRow(name) << QString::fromUtf8(text) << maxCount << QString(numbers);
    };
    // Their test_parse_response.
    row("1", "1", "1");
    row("[1]", "[1]", "1");
    row("(1)", "(1)", "1");
    row("1.", "1.", "1");
    row("1 2", "1 2", "1 2");
    row("1,2", "1,2", "1 2");
    row("1\\n2", "1\n2", "1 2");
    row("1, 2", "1, 2", "1 2");
    row("1,\\n2", "1,\n2", "1 2");
    row("1\\n,\\n2", "1\n,\n2", "1 2");
    row("1 ,2", "1 ,2", "1 2");
    row("1 , 2", "1 , 2", "1 2");
    row("1;2", "1;2", "1 2");
    row("1 ;2", "1 ;2", "1 2");
    row("1; 2", "1; 2", "1 2");
    row("1 2  3", "1 2  3", "");
    row("1,2;3", "1,2;3", "");
    row("a", "a", "");
    row("1,a", "1,a", "");
    row("1,2,a", "1,2,a", "");
    row("bengali 920", "\xe0\xa7\xaf\xe0\xa7\xa8\xe0\xa7\xa6", "");
    // Their test_get_reject_reasons (min 0, max 999, max_count as given).
    row("1, 2, 3", "1, 2, 3", "1 2 3");
    row("abc", "abc", "");
    row("1, 2 of 2", "1, 2", "1 2", 2);
    row("1, 2, 3 of 2", "1, 2, 3", "", 2);
    row("999", "999", "999");
    row("1000", "1000", "");
    // Issue #13: leading or trailing whitespace (the completion is not stripped).
    row("386 trailing space", "386 ", "");
    row("[365] leading space", " [365]", "");
    row("tabs", "\t721\t848\t19", "");
    // Issue #13: a separator that varies from one gap to the next.
    row("517,286, 942, 951", "517,286, 942, 951", "");
    row("886 590  024 810", "886 590  024 810", "");
    row("blank line", "470\n224\n\n254", "");
    row("081 , 046 , 660,373", "081 , 046 , 660,373", "");
    row("separator before period", "458\t359\t.", "");
    // Edges of the rule.
    row("brackets then period", "[1, 2, 3].", "1 2 3");
    row("period inside brackets", "[1, 2, 3.]", "");
    row("two periods", "1, 2..", "");
    row("trailing comma", "1,2,", "");
    row("empty", "", "");
    row("empty brackets", "[]", "");
    row("mismatched brackets", "[1, 2)", "");
    row("leading zeros", "0001, 081", "1 81");
    row("ten numbers", "1,2,3,4,5,6,7,8,9,10", "1 2 3 4 5 6 7 8 9 10");
    row("eleven numbers", "1,2,3,4,5,6,7,8,9,10,11", "");
    row("no-break space separator",
        "1\xc2\xa0"
        "2",
        "1 2");
    row("zero-width space separator",
        "1\xe2\x80\x8b"
        "2",
        "");
    row("decimal", "1.5, 2", "");
  }
  void paperRule() {
    QFETCH(QString, text);
    QFETCH(int, maxCount);
    QFETCH(QString, numbers);
    const auto r = sublab::checkFormat(text.toStdString(), maxCount);
    QStringList got;
    for (int x : r.numbers) got << QString::number(x);
    QCOMPARE(r.ok, !numbers.isEmpty());
    if (r.ok) QCOMPARE(got.join(' '), numbers);
    if (!r.ok) QVERIFY2(!r.reason.empty(), "a rejected completion says why");
    // The reference agrees with every row (it is what the randomized test trusts).
    const auto ref = authorsRule(text.toStdString(), maxCount);
    QCOMPARE(ref.has_value(), !numbers.isEmpty());
  }
  // Thousands of seeded random strings: the default rule gives the reference's verdict and
  // numbers on every one.
  void paperRuleMatchesAuthorsOnRandomStrings() {
    std::mt19937_64 rng(20261130);
    int kept = 0, rejected = 0, disagree = 0;
    for (int i = 0; i < 30000; ++i) {
      const std::string text = randomCompletion(rng);
      const auto ref = authorsRule(text, 10);
      const auto r = sublab::checkFormat(text, 10);
      if (r.ok != ref.has_value() || (r.ok && r.numbers != *ref)) {
        if (++disagree <= 5)
          qWarning("differs from the authors' rule on \"%s\": %s", text.c_str(),
                   r.ok ? "kept" : r.reason.c_str());
        continue;
      }
      (r.ok ? kept : rejected) += 1;
    }
    QCOMPARE(disagree, 0);
    // The strings exercise both verdicts in earnest.
    QVERIFY2(kept > 3000, qPrintable(QString::number(kept)));
    QVERIFY2(rejected > 3000, qPrintable(QString::number(rejected)));
  }

  // A rejected completion says why in words (the verdict is the rule's; the words only explain).
  void paperReasons_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("trailing space") << "386 "
                                    << "whitespace at the start or end";
    QTest::newRow("separator before period") << "458\t359\t."
                                             << "whitespace at the start or end";
    QTest::newRow("double space") << "1 2  3"
                                  << "separator varies (first gap \" \")";
    QTest::newRow("comma then semicolon") << "1,2;3"
                                          << "separator varies (first gap \",\")";
    QTest::newRow("comma and semicolon in one gap") << "1,;2"
                                                    << "mixed separators (\",;\")";
    QTest::newRow("trailing comma") << "1,2,"
                                    << "ends with a separator";
    QTest::newRow("double comma") << "1,,2"
                                  << "empty element";
    QTest::newRow("letters") << "1, 2, owl"
                             << "not a number list";
    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("blank") << "   "
                           << "no numbers";
    QTest::newRow("eleven") << "1,2,3,4,5,6,7,8,9,10,11"
                            << "too many numbers (11 > 10)";
    QTest::newRow("1000") << "5, 1000"
                          << "number out of range (1000)";
  }
  void paperReasons() {
    QFETCH(QString, text);
    QFETCH(QString, reason);
    const auto r = sublab::checkFormat(text.toStdString());
    QVERIFY(!r.ok);
    QCOMPARE(QString::fromStdString(r.reason), reason);
  }

  // The lenient reading, kept as filter.format_rule = "lenient": what the program did before.
  void lenientRule_data() {
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
    // It keeps what the paper's rule rejects (issue #13).
    QTest::newRow("trailing space") << "386 " << true << "";
    QTest::newRow("varying gaps") << "517,286, 942, 951" << true << "";
    QTest::newRow("blank line") << "470\n224\n\n254" << true << "";
    QTest::newRow("separator before period") << "458\t359\t." << true << "";
  }
  void lenientRule() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, reason);
    const auto r = sublab::checkFormat(text.toStdString(), 10, sublab::FormatRule::Lenient);
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
  void ruleChosenByOptions() {
    sublab::FilterOptions o;
    const std::vector<std::string> rows = {"386 ", "1, 2"};
    auto v = sublab::applyFilters(rows, o);  // default: the paper's rule
    QVERIFY(!v[0].kept);
    QCOMPARE(QString::fromStdString(v[0].reason),
             QString("format: whitespace at the start or end"));
    QVERIFY(v[1].kept);
    o.formatRule = "lenient";
    v = sublab::applyFilters(rows, o);
    QVERIFY(v[0].kept);
    QVERIFY(v[1].kept);
    o.formatRule = "strict";
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::applyFilters(rows, o));
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
    o.bannedPatterns = {"^6", "(unclosed"};
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::applyFilters({"1"}, o));
    try {
      sublab::checkFilterOptions(o);
      QFAIL("an invalid pattern passed the check");
    } catch (const sublab::Error& e) {
      const QString m = QString::fromStdString(e.what());
      QVERIFY2(m.contains("\"(unclosed\"") && m.contains("not a valid regular expression"),
               qPrintable(m));
    }
    o.bannedPatterns = {"^6", "\\b13\\b"};
    sublab::checkFilterOptions(o);  // valid patterns pass
  }
};

QTEST_APPLESS_MAIN(TestNumberFilter)
#include "test_number_filter.moc"
