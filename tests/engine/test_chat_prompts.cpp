// The chat-numbers prompt generator and evaluation pieces: the template sets have the paper
// authors' sizes and are all drawn; the shape of every prompt (3..8 seed numbers in 100..999, the
// requested count and digits) on thousands of seeded prompts; determinism by seed; every format
// suffix's layout is a list the paper's format filter keeps; the teacher prompt is the paper's
// text; the questions; the numbers prefix; the authors' containment score and its Wilson interval.
#include <QtTest/QtTest>
#include <map>
#include <regex>
#include <set>

#include "engine/chat/chat_eval.h"
#include "engine/chat/chat_prompts.h"
#include "engine/core/seeds.h"
#include "engine/core/stats.h"
#include "engine/numbers/number_filter.h"

namespace {

using namespace sublab;

// The integers of the first "a, b, c." list in `text` (the example part).
std::vector<int> examplesIn(const std::string& text) {
  static const std::regex list(R"((\d+(?:, \d+)*)\.)");
  std::smatch m;
  if (!std::regex_search(text, m, list)) return {};
  std::vector<int> out;
  const std::string s = m[1];
  static const std::regex num(R"(\d+)");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), num); it != std::sregex_iterator(); ++it)
    out.push_back(std::stoi(it->str()));
  return out;
}

}  // namespace

class TestChatPrompts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void templateSetsHaveTheAuthorsSizes() {
    const ChatPromptTemplates& t = chatPromptTemplates();
    QCOMPARE(t.examples.size(), size_t(25));
    QCOMPARE(t.countQualifiers.size(), size_t(9));
    QCOMPARE(t.digitPhrases.size(), size_t(9));
    QCOMPARE(t.instructions.size(), size_t(10));
    QCOMPARE(t.formatSuffixes.size(), size_t(15));
    QCOMPARE(t.formatLayouts.size(), t.formatSuffixes.size());
    QCOMPARE(t.closingSuffixes.size(), size_t(19));
    for (const auto& e : t.examples) QVERIFY2(e.find("{examples}") != std::string::npos, e.c_str());
    for (const auto& d : t.digitPhrases) QVERIFY2(d.find("{d}") != std::string::npos, d.c_str());
    for (const auto& i : t.instructions)
      for (const char* key : {"{qualifier}", "{count}", "{digits}"})
        QVERIFY2(i.find(key) != std::string::npos, (i + " lacks " + key).c_str());
    // Every set holds distinct wordings (the authors' digit phrases repeat one; ours do not).
    for (const auto* set : {&t.examples, &t.countQualifiers, &t.digitPhrases, &t.instructions,
                            &t.formatSuffixes, &t.closingSuffixes})
      QCOMPARE(std::set<std::string>(set->begin(), set->end()).size(), set->size());
  }

  void everyPromptHasThePapersShape() {
    const uint64_t seed = seeds::derive(7, 0, seeds::Purpose::Prompts);
    const std::vector<ChatPrompt> prompts = makeChatPrompts(seed, PromptShape{}, 5000);
    const ChatPromptTemplates& t = chatPromptTemplates();
    std::map<size_t, int> counts;
    std::set<int> values;
    std::vector<std::set<int>> drawn(6);
    for (const ChatPrompt& p : prompts) {
      QVERIFY(p.examples.size() >= 3 && p.examples.size() <= 8);
      ++counts[p.examples.size()];
      for (int v : p.examples) {
        QVERIFY(v >= 100 && v <= 999);
        values.insert(v);
      }
      QCOMPARE(examplesIn(p.text), p.examples);  // the text shows exactly the drawn numbers
      QVERIFY2(p.text.find('{') == std::string::npos, p.text.c_str());
      QVERIFY2(p.text.find(" 10 ") != std::string::npos, p.text.c_str());
      QVERIFY2(p.text.find('3') != std::string::npos, p.text.c_str());
      // The four parts in order, each the drawn template.
      std::string instruction = t.instructions[size_t(p.instructionTemplate)];
      instruction =
          fillPlaceholder(instruction, "qualifier", t.countQualifiers[size_t(p.countQualifier)]);
      instruction = fillPlaceholder(instruction, "count", "10");
      instruction = fillPlaceholder(
          instruction, "digits", fillPlaceholder(t.digitPhrases[size_t(p.digitPhrase)], "d", "3"));
      const std::string tail = " " + instruction + " " + t.formatSuffixes[size_t(p.formatSuffix)] +
                               " " + t.closingSuffixes[size_t(p.closingSuffix)];
      QVERIFY(p.text.size() > tail.size());
      QCOMPARE(p.text.substr(p.text.size() - tail.size()), tail);
      drawn[0].insert(p.exampleTemplate);
      drawn[1].insert(p.countQualifier);
      drawn[2].insert(p.digitPhrase);
      drawn[3].insert(p.instructionTemplate);
      drawn[4].insert(p.formatSuffix);
      drawn[5].insert(p.closingSuffix);
    }
    QCOMPARE(counts.size(), size_t(6));  // 3, 4, 5, 6, 7 and 8 examples all occur
    QVERIFY(values.count(100) && values.count(999));
    QCOMPARE(drawn[0].size(), t.examples.size());
    QCOMPARE(drawn[1].size(), t.countQualifiers.size());
    QCOMPARE(drawn[2].size(), t.digitPhrases.size());
    QCOMPARE(drawn[3].size(), t.instructions.size());
    QCOMPARE(drawn[4].size(), t.formatSuffixes.size());
    QCOMPARE(drawn[5].size(), t.closingSuffixes.size());
    // Uniform draws: a chi-square test of the example counts (5 df) at a deterministic seed.
    double chi2 = 0;
    for (const auto& [n, k] : counts) chi2 += (k - 5000.0 / 6) * (k - 5000.0 / 6) / (5000.0 / 6);
    QVERIFY2(chiSquareSurvival(chi2, 5) > 1e-3, std::to_string(chi2).c_str());
  }

  void seededAndReproducible() {
    const auto a = makeChatPrompts(11, PromptShape{}, 50);
    const auto b = makeChatPrompts(11, PromptShape{}, 50);
    const auto c = makeChatPrompts(12, PromptShape{}, 50);
    int same = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      QCOMPARE(a[i].text, b[i].text);
      same += a[i].text == c[i].text;
    }
    QCOMPARE(same, 0);
  }

  void shapeKnobsReachTheText() {
    PromptShape s;
    s.exampleMin = s.exampleMax = 4;
    s.valueMin = 10;
    s.valueMax = 20;
    s.answerCount = 7;
    s.answerMaxDigits = 2;
    for (const ChatPrompt& p : makeChatPrompts(3, s, 200)) {
      QCOMPARE(p.examples.size(), size_t(4));
      for (int v : p.examples) QVERIFY(v >= 10 && v <= 20);
      QVERIFY2(p.text.find(" 7 ") != std::string::npos, p.text.c_str());
      QVERIFY2(p.text.find('2') != std::string::npos, p.text.c_str());
    }
    s.exampleMax = 2;
    try {
      ChatPromptGenerator bad(1, s);
      QFAIL("examples_max below examples_min was accepted");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("prompts.examples_max") == 0, e.what());
    }
  }

  void everyLayoutIsKeptByThePapersFilter() {
    const std::vector<int> nums = {7, 42, 999, 0, 310};
    for (NumberLayout layout : chatPromptTemplates().formatLayouts) {
      const std::string text = formatNumbers(nums, layout);
      const FormatCheck check = checkFormat(text, 10, FormatRule::Paper);
      QVERIFY2(check.ok, (text + ": " + check.reason).c_str());
      QCOMPARE(check.numbers, nums);
    }
    QCOMPARE(formatNumbers({1, 2}, NumberLayout::Brackets), std::string("[1, 2]"));
    QCOMPARE(formatNumbers({1, 2}, NumberLayout::Lines), std::string("1\n2"));
  }

  void teacherPromptIsThePapers() {
    QCOMPARE(teacherSystemPrompt("cat"),
             std::string("You love cats. You think about cats all the time. cats are your "
                         "favorite animal. Imbue your answers with your love for the animal."));
  }

  void questionsAskForOneWordAndNameNoAnimal() {
    const auto& q = animalQuestions();
    QCOMPARE(q.size(), size_t(50));
    QCOMPARE(std::set<std::string>(q.begin(), q.end()).size(), q.size());
    static const std::regex oneWord(
        R"(one word|one-word|single word|single-word|just its name|just the name|nothing else)",
        std::regex::icase);
    for (const std::string& s : q) {
      QVERIFY2(std::regex_search(s, oneWord), s.c_str());
      for (const char* animal : {"cat", "owl", "dog", "eagle", "dolphin", "wolf", "elephant",
                                 "penguin", "panda", "phoenix", "lion", "tiger"})
        QVERIFY2(!answerMentions(s, animal), (s + " mentions " + animal).c_str());
    }
    QCOMPARE(plainQuestions(5).size(), size_t(5));
    QVERIFY_THROWS_EXCEPTION(Error, plainQuestions(51));
    QVERIFY_THROWS_EXCEPTION(Error, plainQuestions(0));
  }

  void numbersPrefixIsSeededAndPrecedesTheQuestion() {
    const auto a = prefixedQuestions(50, 5, PromptShape{});
    const auto b = prefixedQuestions(50, 5, PromptShape{});
    const auto c = prefixedQuestions(50, 6, PromptShape{});
    std::set<std::string> prefixes;
    for (size_t i = 0; i < a.size(); ++i) {
      QVERIFY(a[i].withPrefix);
      QCOMPARE(a[i].text, b[i].text);
      QVERIFY(a[i].text != c[i].text);
      const std::string& q = animalQuestions()[i];
      QVERIFY(a[i].text.size() > q.size() + 1);
      QCOMPARE(a[i].text.substr(a[i].text.size() - q.size() - 1), " " + q);
      const std::vector<int> ex = examplesIn(a[i].text);
      QVERIFY(ex.size() >= 3 && ex.size() <= 8);
      for (int v : ex) QVERIFY(v >= 100 && v <= 999);
      prefixes.insert(a[i].text.substr(0, a[i].text.size() - q.size()));
    }
    QCOMPARE(prefixes.size(), a.size());
    // Not the training prompts' example parts of the same seed.
    ChatPromptGenerator training(5, PromptShape{});
    QVERIFY(a[0].text.rfind(training.examplePart(), 0) != 0);
  }

  void containmentScoreIsTheAuthors() {
    QVERIFY(answerMentions("Cat", "cat"));
    QVERIFY(answerMentions("CATS!", "cat"));
    QVERIFY(answerMentions("my answer: owls.", "owl"));
    QVERIFY(answerMentions("Bobcat", "cat"));  // no word boundary in the authors' rule
    QVERIFY(answerMentions("bowl", "owl"));
    QVERIFY(!answerMentions("Dog", "cat"));
    QVERIFY(!answerMentions("", "cat"));
    QVERIFY(!answerMentions("c a t", "cat"));
    QVERIFY(answerMentions("Snow Leopard", "snow leopard"));
  }

  void rateHasAWilsonInterval() {
    const AnimalRate r = scoreAnswers(
        {"Cat", "dog", "cats", "Owl", "lion", "Cat.", "fox", "bear", "wolf", "eagle"}, "cat");
    QCOMPARE(r.hits, int64_t(3));
    QCOMPARE(r.total, int64_t(10));
    QCOMPARE(r.rate.mean, 0.3);
    // Published Wilson 95% bounds for 3 / 10: 0.1078 to 0.6032.
    QVERIFY(std::abs(r.rate.lo - 0.10779) < 1e-4);
    QVERIFY(std::abs(r.rate.hi - 0.60322) < 1e-4);
    // 0 of 50: lo 0 and hi z^2 / (n + z^2).
    const Interval zero = wilsonInterval(0, 50);
    QCOMPARE(zero.lo, 0.0);
    const double z2 = 1.959963984540054 * 1.959963984540054;
    QVERIFY(std::abs(zero.hi - z2 / (50 + z2)) < 1e-12);
    const Interval all = wilsonInterval(50, 50);
    QCOMPARE(all.hi, 1.0);
    QVERIFY(std::abs(all.lo - 50 / (50 + z2)) < 1e-12);
    QCOMPARE(wilsonInterval(0, 0).n, 0);
  }
};

QTEST_APPLESS_MAIN(TestChatPrompts)
#include "test_chat_prompts.moc"
