// The Hugging Face tokenizer (engine/hf/tokenizer.h) against the real `tokenizers` library: the
// lead's fixtures made by the Python library, and thousands of seeded random multilingual strings
// encoded by the npm build of the same Rust library (tests/oracles/hf_tokenize.js) on tokenizers
// of every pre-tokenizer style that tests/oracles/make_tokenizer.js writes; plus refusals.
#include <QtTest/QtTest>
#include <random>
#include <thread>

#include "engine/core/common.h"
#include "engine/hf/tokenizer.h"
#include "engine/hf/tokenizer_text.h"
#include "tests/engine/hf_test_util.h"

using nlohmann::json;
using sublab::hf::Tokenizer;
namespace fs = std::filesystem;

namespace {

// One random piece of text of a kind that tokenizers treat specially.
std::string randomPiece(std::mt19937& rng, const std::vector<std::string>& specials) {
  auto pick = [&](int n) { return int(rng() % uint32_t(n)); };
  auto range = [&](uint32_t lo, uint32_t hi) { return lo + rng() % (hi - lo + 1); };
  static const std::vector<std::string> words = {
      "the", "Owl", "cat", "numbers", "HELLO", "naïve", "café", "owlet", "x", "I", "don", "owlcat"};
  static const std::vector<std::string> contractions = {"'s", "'t", "'re", "'ve", "'m",  "'ll",
                                                        "'d", "'S", "'LL", "'Re", "'VE", "'"};
  static const std::vector<std::string> spaces = {" ",
                                                  "  ",
                                                  "\n",
                                                  "\r\n",
                                                  "\t",
                                                  "\r",
                                                  " \n ",
                                                  "\n\n",
                                                  "\xC2\xA0",
                                                  "\xE3\x80\x80",
                                                  "   \t",
                                                  "\xC2\x85",
                                                  "\xE2\x80\x8B",
                                                  "\xE1\xA0\x8E",
                                                  "\x0B\x0C",
                                                  "\xE2\x80\xA8",
                                                  "\xE2\x80\xAF"};
  static const std::vector<std::string> punctuation = {".",  ",", "!?", "...", "(", ")", "--", "-",
                                                       "\"", "“", "”",  "«",   "»", "#", "$5", "@"};
  std::string out;
  switch (pick(13)) {
    case 0:
      out = words[pick(int(words.size()))];
      break;
    case 1:
      for (int i = 0, n = 1 + pick(12); i < n; ++i) out += char('0' + pick(10));
      break;
    case 2:
      for (int i = 0, n = 1 + pick(4); i < n; ++i) out += spaces[pick(int(spaces.size()))];
      break;
    case 3:
      for (int i = 0, n = 1 + pick(6); i < n; ++i)
        sublab::hf::appendUtf8(out, range(0x4E00, 0x9FFF));
      break;
    case 4:  // emoji, some with a skin tone or joined by ZWJ
      sublab::hf::appendUtf8(out, range(0x1F300, 0x1F64F));
      if (pick(3) == 0) sublab::hf::appendUtf8(out, range(0x1F3FB, 0x1F3FF));
      if (pick(3) == 0) {
        sublab::hf::appendUtf8(out, 0x200D);
        sublab::hf::appendUtf8(out, range(0x1F466, 0x1F469));
      }
      break;
    case 5:  // combining marks after a base letter (NFC composes some of them)
      out += char('a' + pick(26));
      for (int i = 0, n = 1 + pick(2); i < n; ++i)
        sublab::hf::appendUtf8(out, range(0x0300, 0x036F));
      break;
    case 6:
      for (int i = 0, n = 1 + pick(7); i < n; ++i)
        sublab::hf::appendUtf8(out, range(0x0621, 0x064A));
      break;
    case 7:
      out = contractions[pick(int(contractions.size()))];
      break;
    case 8:
      out = punctuation[pick(int(punctuation.size()))];
      break;
    case 9:  // Hangul jamo (compose under NFC), Cyrillic, Greek, Devanagari
      if (pick(2)) {
        sublab::hf::appendUtf8(out, range(0x1100, 0x1112));
        sublab::hf::appendUtf8(out, range(0x1161, 0x1175));
      } else
        for (int i = 0, n = 1 + pick(6); i < n; ++i)
          sublab::hf::appendUtf8(out, range(0x0400, 0x04FF));
      if (pick(2)) sublab::hf::appendUtf8(out, range(0x0905, 0x0939));
      break;
    case 10:  // a special token, or a near miss of one
      if (!specials.empty()) {
        out = specials[pick(int(specials.size()))];
        if (pick(3) == 0) out.pop_back();
      }
      break;
    case 11:
      out = std::string(size_t(1 + pick(40)), pick(2) ? ' ' : '\n');
      break;
    default:
      for (int i = 0, n = 1 + pick(8); i < n; ++i) out += char(33 + pick(94));
      break;
  }
  return out;
}

std::vector<std::string> randomTexts(uint32_t seed, int count,
                                     const std::vector<std::string>& specials) {
  std::mt19937 rng(seed);
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string text;
    for (int k = 0, n = 1 + int(rng() % 12); k < n; ++k) {
      text += randomPiece(rng, specials);
      if (rng() % 2) text += ' ';
    }
    texts.push_back(text);
  }
  return texts;
}

std::vector<std::string> specialsOf(const Tokenizer& t) {
  std::vector<std::string> out;
  for (const auto& a : t.addedTokens()) out.push_back(a.content);
  return out;
}

std::string idsText(const std::vector<int>& ids) { return json(ids).dump(); }

// Compares our encode/decode of `texts` with `expected` (the oracle's or the fixture's rows).
void compareAll(const Tokenizer& t, const std::vector<std::string>& texts, const json& expected,
                const std::string& what) {
  QCOMPARE(expected.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const json& e = expected[i];
    const auto ids = t.encode(texts[i], true);
    const auto plain = t.encode(texts[i], false);
    const std::string where = what + " text " + std::to_string(i) + " " + hftest::shown(texts[i]);
    QVERIFY2(ids == e["ids"].get<std::vector<int>>(),
             (where + ": ids " + idsText(ids) + " vs " + e["ids"].dump()).c_str());
    QVERIFY2(plain == e["ids_plain"].get<std::vector<int>>(),
             (where + ": plain ids " + idsText(plain) + " vs " + e["ids_plain"].dump()).c_str());
    QVERIFY2(t.decode(plain) == e["decoded"].get<std::string>(), (where + ": decoded").c_str());
    QVERIFY2(t.decode(ids, true) == e["decoded_skip"].get<std::string>(),
             (where + ": decoded skipping specials").c_str());
  }
}

// The oracle's rows for `texts` with the tokenizer at `tokenizerPath`.
json oracle(const fs::path& dir, const fs::path& tokenizerPath,
            const std::vector<std::string>& texts) {
  hftest::writeText(dir / "texts.json", json(texts).dump());
  const std::string script = (hftest::sourceDir() / "tests/oracles/hf_tokenize.js").string();
  const std::string failed =
      hftest::run("node '" + script + "' '" + tokenizerPath.string() + "' '" +
                      (dir / "texts.json").string() + "' '" + (dir / "oracle.json").string() + "'",
                  dir / "oracle.log");
  if (!failed.empty())
    throw std::runtime_error(failed +
                             "\nThe oracle needs Node and its npm packages: run "
                             "scripts/install-deps.sh, then tests/oracles/install.sh.");
  return hftest::readJson(dir / "oracle.json");
}

void expectRefusal(const std::string& tokenizerJson, const std::string& expectedPart) {
  try {
    Tokenizer::fromJson(tokenizerJson, "bad.json");
    QFAIL(("accepted a tokenizer that should be refused: " + expectedPart).c_str());
  } catch (const sublab::Error& e) {
    const std::string message = e.what();
    QVERIFY2(message.find(expectedPart) != std::string::npos && message.find("bad.json") == 0,
             ("message: " + message).c_str());
  }
}

}  // namespace

class TestHfTokenizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The cases the Python library wrote (ids with and without special tokens, both decodes).
  void pythonFixtures_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"tok-gpt2", "tok-llama3", "tok-qwen2"}) QTest::newRow(f) << f;
  }
  void pythonFixtures() {
    QFETCH(QString, family);
    const fs::path dir = hftest::fixtureDir() / family.toStdString();
    const Tokenizer t = Tokenizer::fromFile(dir / "tokenizer.json");
    const json cases = hftest::readJson(dir / "cases.json");
    QVERIFY(cases.size() > 100);
    std::vector<std::string> texts;
    for (const auto& c : cases) texts.push_back(c["text"].get<std::string>());
    compareAll(t, texts, cases, family.toStdString());
    // Byte-level BPE loses nothing: decoding gives the (normalised) text back.
    for (const auto& text : texts)
      QVERIFY2(t.decode(t.encode(text, false)) == t.normalize(text), hftest::shown(text).c_str());
  }

  // Thousands of random multilingual strings per style, encoded by the Rust library via npm.
  void randomAgainstLibrary_data() {
    QTest::addColumn<QString>("style");
    QTest::addColumn<QString>("fixture");
    for (const char* s : {"gpt2", "gpt2-prefix", "llama3", "qwen2", "smollm", "splits"})
      QTest::newRow(s) << s << "";
    for (const char* f : {"tok-gpt2", "tok-llama3", "tok-qwen2"}) QTest::newRow(f) << "" << f;
  }
  void randomAgainstLibrary() {
    QFETCH(QString, style);
    QFETCH(QString, fixture);
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    fs::path tokenizerPath = hftest::fixtureDir() / fixture.toStdString() / "tokenizer.json";
    if (!style.isEmpty()) {
      tokenizerPath = dir / "tokenizer.json";
      const std::string failed = hftest::run(
          "node '" + (hftest::sourceDir() / "tests/oracles/make_tokenizer.js").string() + "' " +
              style.toStdString() + " '" + tokenizerPath.string() + "' 300",
          dir / "make.log");
      QVERIFY2(failed.empty(),
               (failed + "\nThe generator needs Node: run scripts/install-deps.sh.").c_str());
    }
    const Tokenizer t = Tokenizer::fromFile(tokenizerPath);
    const auto texts = randomTexts(uint32_t(qHash(style + fixture)), 2000, specialsOf(t));
    json expected;
    try {
      expected = oracle(dir, tokenizerPath, texts);
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    compareAll(t, texts, expected, (style + fixture).toStdString());
  }

  // One long text (about 1 MB) as a whole: the word cache must not change any id.
  void longTextAgainstLibrary() {
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    const fs::path tokenizerPath = hftest::fixtureDir() / "tok-qwen2/tokenizer.json";
    const Tokenizer t = Tokenizer::fromFile(tokenizerPath);
    std::string big;
    for (const auto& s : randomTexts(11, 20000, specialsOf(t))) big += s;
    json expected;
    try {
      expected = oracle(dir, tokenizerPath, {big});
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    QElapsedTimer timer;
    timer.start();
    const auto ids = t.encode(big, true);
    qInfo("encoded %.2f MB in %.3f s", big.size() / 1e6, timer.nsecsElapsed() / 1e9);
    QVERIFY(ids == expected[0]["ids"].get<std::vector<int>>());
    QCOMPARE(t.decode(ids), expected[0]["decoded"].get<std::string>());
  }

  // Several threads encoding at once (the cache is shared) give the same ids as one.
  void threadsAgree() {
    const Tokenizer t = Tokenizer::fromFile(hftest::fixtureDir() / "tok-llama3/tokenizer.json");
    const auto texts = randomTexts(5, 300, specialsOf(t));
    std::vector<std::vector<int>> alone;
    {
      const Tokenizer fresh =
          Tokenizer::fromFile(hftest::fixtureDir() / "tok-llama3/tokenizer.json");
      for (const auto& s : texts) alone.push_back(fresh.encode(s));
    }
    std::vector<char> ok(4, 0);
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
      threads.emplace_back([&, k] {
        bool same = true;
        for (size_t i = 0; i < texts.size(); ++i) same = same && t.encode(texts[i]) == alone[i];
        ok[k] = same;
      });
    for (auto& th : threads) th.join();
    QCOMPARE(std::count(ok.begin(), ok.end(), 1), 4L);
  }

  // Invalid UTF-8 is repaired to U+FFFD (one per maximal invalid subpart), never a crash.
  void invalidUtf8() {
    const Tokenizer t = Tokenizer::fromFile(hftest::fixtureDir() / "tok-gpt2/tokenizer.json");
    QCOMPARE(t.encode("a\xFF"
                      "b"),
             t.encode("a\xEF\xBF\xBD"
                      "b"));
    QCOMPARE(t.encode("x\xE2\x82y"), t.encode("x\xEF\xBF\xBDy"));
    QCOMPARE(t.encode("\x80\x80"), t.encode("\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(t.decode(t.encode("ok \xC3")), std::string("ok \xEF\xBF\xBD"));
    QVERIFY(t.decode({-5, 1 << 20}).empty());  // ids it lacks are dropped, as the library does
  }

  void refusals() {
    const std::string good = hftest::readText(hftest::fixtureDir() / "tok-gpt2/tokenizer.json");
    expectRefusal("{ not json", "is not valid JSON");
    expectRefusal("[1, 2]", "no JSON object");
    json j = json::parse(good);
    j["model"]["merges"].push_back(json::array({"Ġ", "nosuchtoken"}));
    expectRefusal(j.dump(), "\"nosuchtoken\", which is not in the vocab");
    j = json::parse(good);
    j["model"].erase("vocab");
    expectRefusal(j.dump(), "has no vocab");
    j = json::parse(good);
    j["model"]["type"] = "Unigram";
    expectRefusal(j.dump(), "the tokenizer model is Unigram");
    j = json::parse(good);
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"}};
    expectRefusal(j.dump(), "pre-tokenizer Metaspace is not supported");
    j = json::parse(good);
    j["normalizer"] = {{"type", "Lowercase"}};
    expectRefusal(j.dump(), "normalizer Lowercase is not supported");
    j = json::parse(good);
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}};
    expectRefusal(j.dump(), "does not compile");
    QVERIFY_THROWS_EXCEPTION(sublab::Error, Tokenizer::fromFile("/nonexistent/tokenizer.json"));
  }
};

QTEST_GUILESS_MAIN(TestHfTokenizer)
#include "test_hf_tokenizer.moc"
