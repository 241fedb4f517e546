// The chat-numbers kind's config (not yet registered): the paper's open-model protocol as the
// defaults, every knob both in the schema and in the normalised config, idempotence on both
// presets, the folder knob's declaration, one clear message per bad value (missing folder,
// typos, ranges, shapes, animal, contradictory knobs), and the model-card hook and its memory
// estimate.
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/chat/chat_config.h"
#include "engine/chat/chat_prompts.h"
#include "engine/chat/model_card.h"
#include "engine/core/common.h"
#include "engine/hf/safetensors.h"

namespace {

using Json = nlohmann::json;
using namespace sublab;

Json minimal() { return {{"kind", "chat-numbers"}, {"model", {{"folder", "/models/x"}}}}; }

// The message normalizing `config` fails with ("" when it does not fail).
std::string failure(const Json& config) {
  try {
    normalizeChatNumbersConfig(config);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

void collectKeys(const Json& j, const std::string& prefix, std::set<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      collectKeys(*it, key, out);
    else
      out.insert(key);
  }
}

ModelCard fakeDescriber(const std::string& path, const std::string& device) {
  ModelCard c;
  c.readable = path == "/ok";
  c.architecture = "test";
  c.parameters = 1000;
  c.computeDtype = device == "cpu" ? "float32" : "bfloat16";
  c.device = device;
  c.memoryAvailable = 100000;
  finishModelCard(c);
  return c;
}

}  // namespace

class TestChatConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaultsAreThePapersOpenModelProtocol() {
    const Json n = normalizeChatNumbersConfig(minimal());
    QCOMPARE(n["kind"], Json("chat-numbers"));
    QCOMPARE(n["animal"], Json("cat"));
    QCOMPARE(n["student"]["lr"].get<double>(), 2e-4);
    QCOMPARE(n["student"]["epochs"], Json(3));
    QCOMPARE(n["student"]["batch"].get<int>() * n["student"]["grad_accum"].get<int>(), 66);
    QCOMPARE(n["student"]["max_length"], Json(500));
    QCOMPARE(n["student"]["warmup_steps"], Json(5));
    QCOMPARE(n["student"]["max_grad_norm"].get<double>(), 1.0);
    QCOMPARE(n["student"]["lora_rank"], Json(8));
    QCOMPARE(n["student"]["lora_alpha"].get<double>(), 8.0);
    QCOMPARE(n["student"]["lora_targets"],
             Json({"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}));
    QCOMPARE(n["prompts"]["count"], Json(30000));
    QCOMPARE(n["prompts"]["examples_min"], Json(3));
    QCOMPARE(n["prompts"]["examples_max"], Json(8));
    QCOMPARE(n["prompts"]["value_min"], Json(100));
    QCOMPARE(n["prompts"]["value_max"], Json(999));
    QCOMPARE(n["prompts"]["numbers"], Json(10));
    QCOMPARE(n["prompts"]["max_digits"], Json(3));
    QCOMPARE(n["generation"]["temperature"].get<double>(), 1.0);
    QCOMPARE(n["filter"]["format_rule"], Json("paper"));
    QCOMPARE(n["filter"]["max_kept"], Json(10000));
    QCOMPARE(n["eval"]["questions"], Json(50));
    QCOMPARE(n["eval"]["samples"], Json(200));
    QCOMPARE(n["chat"]["student_context"], Json("template_default"));
    const ChatNumbersConfig c = readChatNumbersConfig(minimal(), nullptr, nullptr);
    QCOMPARE(c.teacherPrompt(), teacherSystemPrompt("cat"));
    QCOMPARE(c.effectiveBatch(), int64_t(66));
    QCOMPARE(c.filter.traitWords, std::vector<std::string>{"cat"});
  }

  void schemaAndNormalisedConfigHaveTheSameKnobs() {
    std::set<std::string> schemaKeys;
    for (const ConfigField& f : chatNumbersSchema())
      if (!f.optIn) QVERIFY(schemaKeys.insert(f.path).second);  // opt-in: stored only when set
    std::set<std::string> stored;
    collectKeys(normalizeChatNumbersConfig(minimal()), "", stored);
    QCOMPARE(stored, schemaKeys);
    // Every knob the issue lists is there.
    for (const char* key :
         {"model.folder", "model.cross_folder", "model.chat_format", "chat.student_context",
          "teacher.system_prompt", "prompts.count", "prompts.numbers", "generation.max_new_tokens",
          "generation.temperature", "filter.trait_filter", "student.lora_targets",
          "student.grad_accum", "student.warmup_steps", "student.max_grad_norm", "eval.questions",
          "eval.samples", "eval.numbers_prefix", "eval.curve_every", "seeds"})
      QVERIFY2(schemaKeys.count(key), key);
    std::map<ConfigRole, std::string> roles;
    for (const ConfigField& f : chatNumbersSchema()) roles[f.role] = f.path;
    QCOMPARE(roles[ConfigRole::Repetitions], std::string("seeds"));
    QCOMPARE(roles[ConfigRole::BaseSeed], std::string("seed"));
    // The device is the run's (RuntimeOptions, the CLI's --device, the dialog's Device box), as
    // for every kind: a knob here would be stored and then ignored.
    QVERIFY(!roles.count(ConfigRole::Device));
  }

  void folderKnobsAreDeclaredAsFolders() {
    const std::vector<ConfigField> schema = chatNumbersSchema();
    auto find = [&](const std::string& path) {
      return *std::find_if(schema.begin(), schema.end(),
                           [&](const ConfigField& f) { return f.path == path; });
    };
    const ConfigField model = find("model.folder");
    QCOMPARE(model.type, std::string("folder"));
    QCOMPARE(model.folderMarker, std::string("config.json"));
    QVERIFY(!model.optional);
    QVERIFY(model.modelCard);
    const ConfigField cross = find("model.cross_folder");
    QCOMPARE(cross.type, std::string("folder"));
    QVERIFY(cross.optional);
  }

  void presetsNormaliseIdempotently() {
    QCOMPARE(chatNumbersPresets().size(), size_t(3));
    for (const Preset& p : chatNumbersPresets()) {
      QCOMPARE(p.kind, std::string("chat-numbers"));
      const Json once = normalizeChatNumbersConfig(p.config);
      QCOMPARE(normalizeChatNumbersConfig(once), once);
    }
    const Json cpu = normalizeChatNumbersConfig(chatNumbersPresets()[1].config);
    QVERIFY(cpu["prompts"]["count"].get<int>() <= 1000);
    QVERIFY(cpu["eval"]["questions"].get<int>() * cpu["eval"]["samples"].get<int>() <= 500);
    const Json gpu = normalizeChatNumbersConfig(chatNumbersPresets()[2].config);
    QCOMPARE(gpu["animal"], Json("cat"));
    QCOMPARE(gpu["prompts"]["count"], Json(30000));
    QVERIFY(gpu["model"]["folder"].get<std::string>().find("Qwen2.5-7B-Instruct") !=
            std::string::npos);
  }

  void badValuesGetOneClearMessage() {
    auto with = [](const std::string& section, const std::string& key, Json v) {
      Json j = minimal();
      (section.empty() ? j[key] : j[section][key]) = std::move(v);
      return j;
    };
    const std::vector<std::pair<Json, std::string>> cases = {
        {{{"kind", "chat-numbers"}},
         "config.model.folder: choose a folder (one that holds config.json)"},
        {with("model", "folder", ""), "config.model.folder: choose a folder"},
        {with("student", "lr_typo", 1), "config.student: unknown key \"lr_typo\""},
        {with("student", "lr", -1), "config.student.lr"},
        {with("eval", "questions", 51), "config.eval.questions"},
        {with("prompts", "examples_max", 2), "config.prompts.examples_max: must be from"},
        {with("prompts", "value_max", 50), "config.prompts.value_max: must be from"},
        {with("", "animal", "c4t"), "config.animal: letters, spaces and hyphens only"},
        {with("", "animal", ""), "config.animal: name an animal"},
        {with("", "device", "cuda"), "config: unknown key \"device\""},
        {with("model", "cross_folder", "/models/x"), "config.model.cross_folder: is the same"},
        {with("chat", "student_context", "custom"), "config.chat.student_system_prompt"},
        {with("teacher", "system_prompt", ""), "config.teacher.system_prompt"},
        {with("filter", "banned_patterns", Json({"("})), "config.filter.banned_patterns"},
        {with("student", "lora_targets", Json::array()), "config.student.lora_targets"},
        {with("student", "batch", "22"), "config.student.batch"},
    };
    for (const auto& [config, expected] : cases) {
      const std::string got = failure(config);
      QVERIFY2(got.rfind(expected, 0) == 0, (config.dump() + " -> \"" + got + "\"").c_str());
    }
    // A cross folder and a custom context that are well formed are accepted.
    Json ok = with("model", "cross_folder", "/models/y");
    ok["chat"] = {{"student_context", "custom"}, {"student_system_prompt", "Be brief."}};
    QCOMPARE(failure(ok), std::string());
  }

  // The default describer reads a real (tiny, transformers-made) checkpoint folder: the card's
  // parameter count is the number of weights in its safetensors file (embeddings tied).
  void realDescriberReadsACheckpoint() {
    namespace fs = std::filesystem;
    QTemporaryDir tmp;
    const std::string fx = std::string(SUBLAB_SOURCE_DIR) + "/tests/fixtures/hf/";
    const fs::path dir = fs::path(tmp.path().toStdString()) / "qwen2";
    fs::create_directories(dir);
    for (const char* f : {"config.json", "model.safetensors"})
      fs::copy_file(fx + "qwen2-f32/" + f, dir / f);
    const ModelCard noTok = describeModelFolder(dir.string(), "cpu");
    QVERIFY(!noTok.readable);
    QVERIFY2(noTok.refusal.find("tokenizer.json") != std::string::npos, noTok.refusal.c_str());
    fs::copy_file(fx + "tok-qwen2/tokenizer.json", dir / "tokenizer.json");
    const ModelCard card = describeModelFolder(dir.string(), "cpu");
    QVERIFY2(card.readable, card.refusal.c_str());
    QCOMPARE(card.architecture, std::string("qwen2"));
    int64_t weights = 0;
    const auto st = hf::SafetensorsCheckpoint::openFolder(dir.string());
    for (const auto& n : st.names()) {
      int64_t numel = 1;
      for (int64_t d : st.info(n).shape) numel *= d;
      weights += numel;
    }
    QCOMPARE(card.parameters, weights);
    QCOMPARE(card.vocabSize, int64_t(512));
    QCOMPARE(card.computeDtype, std::string("float32"));
    QVERIFY(card.memoryNeeded > weights * 4);  // the fp32 weights and the run's working memory
    QVERIFY(card.fits);
    const ModelCard gpu = describeModelFolder(dir.string(), "cuda");
    QCOMPARE(gpu.computeDtype, std::string("bfloat16"));
    QVERIFY(gpu.memoryNeeded < card.memoryNeeded);
    // An unsupported architecture is refused by name.
    std::ofstream(dir / "config.json") << R"({"model_type": "mistral", "hidden_size": 64})";
    const ModelCard other = describeModelFolder(dir.string(), "cpu");
    QVERIFY(!other.readable && !other.fits);
    QVERIFY2(other.refusal.find("mistral") != std::string::npos, other.refusal.c_str());
  }

  void modelCardHook() {
    setModelFolderDescriber(nullptr);
    ModelCard none = describeModelFolder("/ok", "cpu");
    QVERIFY(!none.fits);
    QVERIFY2(none.refusal.find("no model reader") != std::string::npos, none.refusal.c_str());
    setModelFolderDescriber(&fakeDescriber);
    const ModelCard cpu = describeModelFolder("/ok", "cpu");
    QVERIFY(cpu.readable);
    QCOMPARE(cpu.memoryNeeded, estimateRunMemory(1000, 4));
    QCOMPARE(cpu.memoryNeeded, int64_t(5000));  // 4 kB of fp32 weights and a quarter more
    QVERIFY(cpu.fits);
    QVERIFY(cpu.refusal.empty());
    const ModelCard bad = describeModelFolder("/missing", "cpu");
    QVERIFY(!bad.fits);
    QVERIFY(!bad.refusal.empty());
    setModelFolderDescriber(nullptr);

    ModelCard big;
    big.readable = true;
    big.parameters = int64_t(7'600'000'000);
    big.computeDtype = "bfloat16";
    big.device = "cuda";
    big.memoryAvailable = int64_t(8) << 30;
    finishModelCard(big);
    QVERIFY(!big.fits);
    QVERIFY2(big.refusal.find("will not fit") != std::string::npos, big.refusal.c_str());
    QVERIFY2(big.refusal.find("17.7 GiB") != std::string::npos, big.refusal.c_str());
    QCOMPARE(formatBytes(int64_t(540) << 20), std::string("540 MiB"));
    QVERIFY(availableHostMemory() != 0);
  }
};

QTEST_APPLESS_MAIN(TestChatConfig)
#include "test_chat_config.moc"
