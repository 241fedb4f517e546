// Tests for the Hugging Face decoder (engine/hf/hf_model.h) against golden fixtures made by the
// real transformers library (tests/fixtures/hf/, copied from the lead's make_fixtures.py run):
// logits of the last position over the whole vocabulary, their sum over all positions, greedy
// continuations (full forward) and a left-padded batch generated with the cache. Also: the KV
// cache equals the full forward, sampling is seeded, and bad checkpoints are refused by name.
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/common.h"
#include "engine/hf/hf_config.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/safetensors.h"
#include "tests/engine/hf_test_tensor.h"

namespace fs = std::filesystem;
using sublab::hf::HfModel;

namespace {

using hftest::errorOf;
using hftest::fixture;
using hftest::row;

nlohmann::json readJson(const std::string& path) { return hftest::readJson(path); }

// A copy of a fixture model folder the test may damage.
std::string copyFixture(const QTemporaryDir& dir, const std::string& name) {
  const fs::path dst = fs::path(dir.path().toStdString()) / name;
  fs::create_directories(dst);
  for (const auto& e : fs::directory_iterator(fixture(name)))
    fs::copy_file(e.path(), dst / e.path().filename(), fs::copy_options::overwrite_existing);
  return dst.string();
}

// Rewrites folder/model.safetensors after `edit` changed its tensors.
template <class F>
void rewriteWeights(const std::string& folder, F&& edit) {
  const auto ck = sublab::hf::SafetensorsCheckpoint::openFolder(folder);
  std::vector<std::pair<std::string, torch::Tensor>> ts;
  for (const auto& n : ck.names()) ts.emplace_back(n, ck.load(n, torch::kFloat32));
  edit(ts);
  sublab::hf::writeSafetensors(folder + "/model.safetensors.tmp", ts);
  fs::rename(folder + "/model.safetensors.tmp", folder + "/model.safetensors");
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

const std::vector<int64_t> kNoStop = {-1};  // no token has id -1: never stop early

}  // namespace

class TestHfModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void matchesTransformers_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("llama-f32 (untied)") << "llama-f32";
    QTest::newRow("llama3-bf16-sharded (llama3 rope, tied, bf16)") << "llama3-bf16-sharded";
    QTest::newRow("qwen2-f32 (qkv bias, tied)") << "qwen2-f32";
  }
  // Logits and greedy tokens equal what transformers computed from the same files.
  void matchesTransformers() {
    QFETCH(QString, name);
    const auto exp = readJson(fixture(name.toStdString()) + "/expected.json");
    const auto model = HfModel::load(fixture(name.toStdString()), torch::kCPU);
    const auto ids = exp["input_ids"].get<std::vector<int64_t>>();
    torch::NoGradGuard g;
    const torch::Tensor logits = model->forward(row(ids))[0];
    const torch::Tensor want = torch::tensor(exp["logits_last"].get<std::vector<float>>());
    const double diff = (logits[-1] - want).abs().max().item<double>();
    const double sum = logits.sum().item<double>(), wantSum = exp["logits_sum"].get<double>();
    qInfo("%s: max |Δlogit| (last position, %lld logits) = %.3g; sum %.6f vs %.6f",
          qPrintable(name), (long long)want.numel(), diff, sum, wantSum);
    QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
    QVERIFY(std::abs(sum - wantSum) < 1e-5 * double(logits.numel()));

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto greedy = model->generate({ids}, {16, 0.0, kNoStop}, gen);
    QCOMPARE(greedy[0], exp["greedy_ids"].get<std::vector<int64_t>>());

    // Two prompts, the second left-padded, greedy with the cache (transformers' generate).
    const auto& b = exp["batch_left_padded"];
    std::vector<std::vector<int64_t>> prompts;
    for (size_t r = 0; r < 2; ++r) {
      std::vector<int64_t> p;
      for (size_t t = 0; t < b["input_ids"][r].size(); ++t)
        if (b["attention_mask"][r][t] == 1) p.push_back(b["input_ids"][r][t].get<int64_t>());
      prompts.push_back(p);
    }
    const auto batch = model->generate(prompts, {8, 0.0, kNoStop}, gen);
    QCOMPARE(batch[0], b["greedy_ids_8"][0].get<std::vector<int64_t>>());
    QCOMPARE(batch[1], b["greedy_ids_8"][1].get<std::vector<int64_t>>());
  }

  // Feeding tokens one at a time through the cache gives the full forward's logits.
  void kvCacheEqualsFullForward() {
    const auto model = HfModel::load(fixture("qwen2-f32"), torch::kCPU);
    torch::NoGradGuard g;
    const std::vector<int64_t> ids = {5, 77, 301, 12, 9, 400, 33, 2, 18, 250};
    const torch::Tensor full = model->forward(row(ids));
    sublab::hf::KvCache cache;
    std::vector<torch::Tensor> parts = {
        model->forward(row({ids.begin(), ids.begin() + 4}), {}, &cache)};
    for (size_t t = 4; t < ids.size(); ++t)
      parts.push_back(model->forward(row({ids[t]}), {}, &cache));
    const double diff = (torch::cat(parts, 1) - full).abs().max().item<double>();
    qInfo("cache vs full forward: max |Δlogit| = %.3g", diff);
    QVERIFY(diff < 1e-5);
    QCOMPARE(cache.length(), int64_t(ids.size()));
  }

  // Temperature sampling follows the seed; greedy generation stops at a stop id (kept).
  void samplingIsSeededAndStops() {
    const auto model = HfModel::load(fixture("llama-f32"), torch::kCPU);
    const std::vector<std::vector<int64_t>> prompts = {{1, 40, 41, 42}, {1, 7}};
    auto sample = [&](uint64_t seed) {
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      return model->generate(prompts, {12, 1.0, kNoStop}, gen);
    };
    QCOMPARE(sample(3), sample(3));
    QVERIFY(sample(3) != sample(4));
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto free = model->generate({prompts[0]}, {12, 0.0, kNoStop}, gen)[0];
    const int64_t stop = free[3];
    const auto stopped = model->generate({prompts[0]}, {12, 0.0, {stop}}, gen)[0];
    const auto firstStop = std::find(free.begin(), free.end(), stop) - free.begin();
    QCOMPARE(stopped, std::vector<int64_t>(free.begin(), free.begin() + firstStop + 1));
  }

  void configForms() {
    // Published form (top-level rope_theta, rope_scaling with "type"), generation_config eos list.
    const auto c = sublab::hf::parseHfConfig(R"({"model_type":"llama","hidden_size":2048,
      "intermediate_size":8192,"num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,
      "vocab_size":128256,"rms_norm_eps":1e-5,"rope_theta":500000.0,"rope_scaling":{"type":"llama3",
      "factor":32.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192},
      "max_position_embeddings":131072,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
      "bos_token_id":128000,"eos_token_id":[128001,128008,128009]})");
    QVERIFY(c.ropeLlama3);
    QCOMPARE(c.ropeFactor, 32.0);
    QCOMPARE(c.headDim, int64_t(64));
    QCOMPARE(c.eosIds.size(), size_t(3));
    QCOMPARE(c.torchDtype, std::string("bfloat16"));
    // Llama-3.2-1B has 1,235,814,400 parameters (tied lm_head).
    QCOMPARE(sublab::hf::parameterCount(c), int64_t(1235814400));
    const auto q = sublab::hf::readHfConfig(fixture("qwen2-f32"));
    QVERIFY(q.qkvBias && q.tieWordEmbeddings && !q.ropeLlama3);
    QCOMPARE(q.ropeTheta, 1e6);
    const auto m = sublab::hf::estimateMemory(q, false, 4, 100, 8);
    QCOMPARE(m.weightBytes, sublab::hf::parameterCount(q) * 4);
    QVERIFY(m.loraBytes > 0 && m.total() > m.weightBytes);
  }

  void badConfigs_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    const QString base = R"({"model_type":"llama","hidden_size":64,"intermediate_size":128,
      "num_hidden_layers":2,"num_attention_heads":4,"vocab_size":512%1})";
    QTest::newRow("not JSON") << "{\"model_type\": "
                              << "not valid JSON";
    QTest::newRow("unknown model_type")
        << base.arg("").replace("llama", "mistral") << "model_type \"mistral\" is not supported";
    QTest::newRow("no model_type") << "{\"hidden_size\": 4}"
                                   << "no \"model_type\"";
    QTest::newRow("rope scaling yarn")
        << base.arg(R"(,"rope_scaling":{"type":"yarn","factor":4.0})")
        << "rope scaling type \"yarn\" is not supported";
    QTest::newRow("sliding window")
        << base.arg(R"(,"use_sliding_window":true)") << "sliding-window attention is not supported";
    QTest::newRow("negative size")
        << base.arg("").replace("\"hidden_size\":64", "\"hidden_size\":-64")
        << "\"hidden_size\" is missing or not a positive integer";
    QTest::newRow("gelu") << base.arg(R"(,"hidden_act":"gelu")")
                          << "hidden_act \"gelu\" is not supported";
  }
  void badConfigs() {
    QFETCH(QString, json);
    QFETCH(QString, message);
    const std::string err = errorOf([&] { sublab::hf::parseHfConfig(json.toStdString()); });
    QVERIFY2(err.find(message.toStdString()) != std::string::npos, err.c_str());
  }

  void badCheckpoints_data() {
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing tensor") << "missing"
                                    << "lacks tensor 'model.layers.1.mlp.up_proj.weight'";
    QTest::newRow("misshapen tensor") << "shape"
                                      << "tensor 'model.layers.0.self_attn.k_proj.weight' in";
    QTest::newRow("NaN weight") << "nan"
                                << "tensor 'model.norm.weight' in";
    QTest::newRow("missing bias (qwen2)") << "bias"
                                          << "lacks tensor 'model.layers.0.self_attn.q_proj.bias'";
    QTest::newRow("config disagrees") << "config"
                                      << "has shape [512, 64] but config.json implies [512, 32]";
    QTest::newRow("no weights") << "noweights"
                                << "has neither model.safetensors";
    QTest::newRow("malformed config.json") << "badjson"
                                           << "not valid JSON";
    QTest::newRow("no config.json") << "noconfig"
                                    << "has no config.json";
  }
  void badCheckpoints() {
    QFETCH(QString, damage);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const std::string f = copyFixture(dir, "qwen2-f32");
    const std::string d = damage.toStdString();
    using Ts = std::vector<std::pair<std::string, torch::Tensor>>;
    auto drop = [](Ts& ts, const std::string& n) {
      ts.erase(std::remove_if(ts.begin(), ts.end(), [&](const auto& p) { return p.first == n; }),
               ts.end());
    };
    if (d == "missing")
      rewriteWeights(f, [&](Ts& ts) { drop(ts, "model.layers.1.mlp.up_proj.weight"); });
    if (d == "bias")
      rewriteWeights(f, [&](Ts& ts) { drop(ts, "model.layers.0.self_attn.q_proj.bias"); });
    if (d == "shape")
      rewriteWeights(f, [](Ts& ts) {
        for (auto& [n, t] : ts)
          if (n == "model.layers.0.self_attn.k_proj.weight") t = t.narrow(0, 0, 16).contiguous();
      });
    if (d == "nan")
      rewriteWeights(f, [](Ts& ts) {
        for (auto& [n, t] : ts)
          if (n == "model.norm.weight") t[3] = std::numeric_limits<float>::quiet_NaN();
      });
    if (d == "config") {
      auto j = readJson(f + "/config.json");
      j["hidden_size"] = 32;
      writeText(f + "/config.json", j.dump());
    }
    if (d == "noweights") fs::remove(f + "/model.safetensors");
    if (d == "badjson") writeText(f + "/config.json", "{\"model_type\": \"qwen2\",");
    if (d == "noconfig") fs::remove(f + "/config.json");
    const std::string err = errorOf([&] { HfModel::load(f, torch::kCPU); });
    QVERIFY2(err.find(message.toStdString()) != std::string::npos, err.c_str());
  }

  void outOfVocabularyIdRefused() {
    const auto model = HfModel::load(fixture("qwen2-f32"), torch::kCPU);
    const std::string err = errorOf([&] { model->forward(row({1, 512})); });
    QVERIFY2(err.find("outside the model's vocabulary of 512") != std::string::npos, err.c_str());
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    QVERIFY(errorOf([&] { model->generate({{}}, {}, gen); }).find("empty prompt") !=
            std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestHfModel)
#include "test_hf_model.moc"
