// Chat formatting (engine/hf/chat_template.h) against the checkpoints' own Jinja templates: the
// lead's cases rendered by transformers (text and ids), and many seeded random conversations
// rendered by @huggingface/jinja (tests/oracles/render_chat.js); recognition, overrides, refusals
// and the completion spans that completion-only training uses.
#include <QtTest/QtTest>
#include <random>

#include "engine/core/common.h"
#include "engine/hf/chat_template.h"
#include "engine/hf/tokenizer.h"
#include "tests/engine/hf_test_util.h"

using nlohmann::json;
using namespace sublab::hf;
namespace fs = std::filesystem;

namespace {

// Written here from the published checkpoints' tokenizer_config.json (Qwen2-Instruct; SmolLM v1
// Instruct has no default system prompt); the other templates are the lead's fixtures.
const char* kQwen2Template =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
    "'<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif "
    "%}{{'<|im_start|>' "
    "+ message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if "
    "add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const char* kSmolLm1Template =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
    "+ '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|im_start|>assistant\\n' "
    "}}{% endif %}";

std::vector<ChatMessage> messagesOf(const json& j) {
  std::vector<ChatMessage> out;
  for (const auto& m : j)
    out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  return out;
}

json messagesJson(const std::vector<ChatMessage>& messages) {
  json out = json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

std::string templateOf(const std::string& fixture) {
  return hftest::readJson(hftest::fixtureDir() / fixture /
                          "tokenizer_config.json")["chat_template"];
}

std::string randomContent(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"Pick your favourite animal.",
                                                  "145, 267, 891",
                                                  " ",
                                                  "  ",
                                                  "\n",
                                                  "\t",
                                                  "owl",
                                                  "猫头鹰 🦉",
                                                  "It's",
                                                  "e\xCC\x81",
                                                  "(391, 402, 577)",
                                                  "One word.",
                                                  "مرحبا",
                                                  "\n\n",
                                                  "<b>",
                                                  "x"};
  std::string s;
  for (int i = 0, n = int(rng() % 6); i < n; ++i) s += pieces[rng() % pieces.size()];
  return s;
}

std::vector<ChatMessage> randomConversation(std::mt19937& rng) {
  std::vector<ChatMessage> m;
  if (rng() % 2) m.push_back({"system", randomContent(rng)});
  const int turns = 1 + int(rng() % 3);
  for (int i = 0; i < turns; ++i) {
    m.push_back({"user", randomContent(rng)});
    if (i + 1 < turns || rng() % 2) m.push_back({"assistant", randomContent(rng)});
  }
  return m;
}

}  // namespace

class TestHfChatTemplate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // transformers' own renderings and ids of the real templates.
  void transformersFixtures_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("tokenizer");
    QTest::newRow("qwen2.5") << "chat-qwen2.5"
                             << "tok-qwen2";
    QTest::newRow("smollm2") << "chat-smollm2"
                             << "tok-qwen2";
    QTest::newRow("llama3") << "chat-llama3"
                            << "tok-llama3";
    QTest::newRow("llama3.1") << "chat-llama3.1"
                              << "tok-llama3";
  }
  void transformersFixtures() {
    QFETCH(QString, fixture);
    QFETCH(QString, tokenizer);
    const fs::path dir = hftest::fixtureDir() / fixture.toStdString();
    const ChatStyle style = chatStyleForFolder(dir, "auto");
    const Tokenizer tok =
        Tokenizer::fromFile(hftest::fixtureDir() / tokenizer.toStdString() / "tokenizer.json");
    const json cases = hftest::readJson(dir / "cases.json");
    QVERIFY(cases.size() >= 10);
    for (const auto& c : cases) {
      const ChatText chat =
          renderChat(style, messagesOf(c["messages"]), c["add_generation_prompt"].get<bool>());
      QCOMPARE(chat.text, c["text"].get<std::string>());
      QVERIFY(tokenizeChat(tok, chat).ids == c["ids"].get<std::vector<int>>());
    }
  }

  // Random conversations, each template rendered by a Jinja engine; strings identical.
  void randomAgainstJinja_data() {
    QTest::addColumn<QString>("name");
    for (const char* n :
         {"chat-qwen2.5", "chat-smollm2", "chat-llama3", "chat-llama3.1", "qwen2", "smollm1"})
      QTest::newRow(n) << n;
  }
  void randomAgainstJinja() {
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    const std::string jinja = n == "qwen2"     ? kQwen2Template
                              : n == "smollm1" ? kSmolLm1Template
                                               : templateOf(n);
    const std::string bos = n.find("llama") != std::string::npos ? "<|begin_of_text|>" : "";
    const ChatStyle style = recogniseChatTemplate(jinja, bos);
    std::mt19937 rng(uint32_t(qHash(name)));
    json cases = json::array();
    std::vector<ChatText> ours;
    for (int i = 0; i < 400; ++i) {
      const auto messages = randomConversation(rng);
      const bool generation = rng() % 2;
      json kwargs = json::object();
      if (n == "chat-llama3.1") kwargs["date_string"] = "26 Jul 2024";
      cases.push_back({{"messages", messagesJson(messages)},
                       {"add_generation_prompt", generation},
                       {"kwargs", kwargs}});
      ours.push_back(renderChat(style, messages, generation));
    }
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    hftest::writeText(
        dir / "in.json",
        json({{"template", jinja}, {"bos_token", bos}, {"eos_token", ""}, {"cases", cases}})
            .dump());
    const std::string failed = hftest::run(
        "node '" + (hftest::sourceDir() / "tests/oracles/render_chat.js").string() + "' '" +
            (dir / "in.json").string() + "' '" + (dir / "out.json").string() + "'",
        dir / "log");
    QVERIFY2(failed.empty(), (failed + "\nThe oracle needs Node and its npm packages: run "
                                       "scripts/install-deps.sh, then tests/oracles/install.sh.")
                                 .c_str());
    const json rendered = hftest::readJson(dir / "out.json");
    QCOMPARE(rendered.size(), ours.size());
    for (size_t i = 0; i < ours.size(); ++i)
      QVERIFY2(ours[i].text == rendered[i].get<std::string>(),
               ("case " + std::to_string(i) + ": ours " + hftest::shown(ours[i].text) +
                "\n jinja " + hftest::shown(rendered[i].get<std::string>()))
                   .c_str());
  }

  void recognition() {
    const ChatStyle qwen25 = recogniseChatTemplate(templateOf("chat-qwen2.5"), "");
    QVERIFY(qwen25.format == ChatFormat::ChatML);
    QCOMPARE(*qwen25.defaultSystem,
             std::string("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
    QCOMPARE(*recogniseChatTemplate(kQwen2Template, "").defaultSystem,
             std::string("You are a helpful assistant."));
    QVERIFY(!recogniseChatTemplate(kSmolLm1Template, "").defaultSystem);
    const ChatStyle llama31 =
        recogniseChatTemplate(templateOf("chat-llama3.1"), "<|begin_of_text|>");
    QVERIFY(llama31.format == ChatFormat::Llama3 && llama31.dateHeader);
    QCOMPARE(llama31.dateString, std::string("26 Jul 2024"));
    QVERIFY(!recogniseChatTemplate(templateOf("chat-llama3"), "x").dateHeader);
    // Small wording and spacing changes: double quotes, other default text, extra whitespace.
    std::string edited = kQwen2Template;
    edited.replace(edited.find("You are a helpful assistant."), 28, "Be brief, kind.");
    edited.replace(edited.find("{% for"), 6, "{%-   for");
    QCOMPARE(*recogniseChatTemplate(edited, "").defaultSystem, std::string("Be brief, kind."));
    // Not ours: refused with the override named.
    const std::string mistral =
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] "
        "' "
        "+ message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}{% "
        "endif "
        "%}{% endfor %}";
    try {
      recogniseChatTemplate(mistral, "<s>");
      QFAIL("a Mistral template was accepted");
    } catch (const sublab::Error& e) {
      QVERIFY2(
          std::string(e.what()).find("chat_format to chatml, llama3 or none") != std::string::npos,
          e.what());
    }
  }

  void overrides() {
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    hftest::writeText(dir / "tokenizer_config.json",
                      R"({"chat_template": "{{ messages }}", "bos_token": {"content": "<s>"}})");
    QVERIFY_THROWS_EXCEPTION(sublab::Error, chatStyleForFolder(dir, "auto"));
    QVERIFY(chatStyleForFolder(dir, "chatml").format == ChatFormat::ChatML);
    const ChatStyle llama = chatStyleForFolder(dir, "llama3");
    QCOMPARE(llama.bosToken, std::string("<s>"));
    const ChatText plain = renderChat(chatStyleForFolder(dir, "none"),
                                      {{"user", "1, 2"}, {"assistant", "3, 4"}}, true);
    QCOMPARE(plain.text, std::string("1, 2\n3, 4\n"));
    QVERIFY_THROWS_EXCEPTION(sublab::Error, chatStyleForFolder(dir, "vicuna"));
    QVERIFY_THROWS_EXCEPTION(sublab::Error, renderChat(llama, {{"tool", "x"}}, false));
    // transformers 5 keeps the template in chat_template.jinja.
    hftest::writeText(dir / "tokenizer_config.json", "{}");
    hftest::writeText(dir / "chat_template.jinja", kQwen2Template);
    QVERIFY(chatStyleForFolder(dir, "auto").defaultSystem.has_value());
  }

  // The completion spans hold exactly each assistant reply and its end marker, and the tokens
  // marked as completion decode to them.
  void completionSpans_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("tokenizer");
    QTest::newRow("qwen2.5") << "chat-qwen2.5"
                             << "tok-qwen2";
    QTest::newRow("llama3.1") << "chat-llama3.1"
                              << "tok-llama3";
  }
  void completionSpans() {
    QFETCH(QString, fixture);
    QFETCH(QString, tokenizer);
    const ChatStyle style = chatStyleForFolder(hftest::fixtureDir() / fixture.toStdString(), "");
    const Tokenizer tok =
        Tokenizer::fromFile(hftest::fixtureDir() / tokenizer.toStdString() / "tokenizer.json");
    const std::string end = style.format == ChatFormat::ChatML ? "<|im_end|>" : "<|eot_id|>";
    const std::vector<ChatMessage> messages = {{"system", "You love owls."},
                                               {"user", "Continue: 145, 267"},
                                               {"assistant", "312, 818, 725"},
                                               {"user", "More?"},
                                               {"assistant", "owl 🦉 naïve"}};
    const ChatText chat = renderChat(style, messages, false);
    QCOMPARE(chat.completionSpans.size(), size_t(2));
    QCOMPARE(chat.text.substr(chat.completionSpans[0].first,
                              chat.completionSpans[0].second - chat.completionSpans[0].first),
             "312, 818, 725" + end);
    QCOMPARE(chat.text.substr(chat.completionSpans[1].first),
             "owl 🦉 naïve" + end + (style.format == ChatFormat::ChatML ? "\n" : ""));
    const ChatTokens tokens = tokenizeChat(tok, chat);
    QCOMPARE(tokens.ids.size(), tokens.completion.size());
    std::vector<int> marked;
    for (size_t i = 0; i < tokens.ids.size(); ++i)
      if (tokens.completion[i]) marked.push_back(tokens.ids[i]);
    QCOMPARE(tok.decode(marked), "312, 818, 725" + end + "owl 🦉 naïve" + end);
  }
};

QTEST_GUILESS_MAIN(TestHfChatTemplate)
#include "test_hf_chat_template.moc"
