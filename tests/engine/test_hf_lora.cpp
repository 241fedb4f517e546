// Tests for LoRA on the Hugging Face decoder (engine/hf/hf_lora.h) against PEFT's own files
// (tests/fixtures/hf/lora-qwen2, made by peft 0.21 on transformers 5.17): the adapter loads and
// gives PEFT's logits, the completion-only loss and every gradient equal PEFT's, one AdamW step
// gives PEFT's updated adapter and loss. Also: a fresh adapter equals the base model, save/load
// round trip under PEFT's names, the warm-up/decay schedule, accumulation, bad adapters.
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/common.h"
#include "engine/hf/hf_lora.h"
#include "engine/hf/hf_model.h"
#include "engine/hf/safetensors.h"
#include "tests/engine/hf_test_tensor.h"

namespace fs = std::filesystem;
using namespace sublab::hf;

namespace {

using hftest::errorOf;
using hftest::fixture;
using hftest::row;

nlohmann::json readJson(const std::string& path) { return hftest::readJson(path); }

TrainExample fixtureExample(const nlohmann::json& exp) {
  return {exp["train_ids"].get<std::vector<int64_t>>(), exp["labels"].get<std::vector<int64_t>>()};
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace

class TestHfLora : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void matchesPeft() {
    const auto exp = readJson(fixture("lora-qwen2/expected.json"));
    auto model = HfModel::load(fixture("qwen2-f32"), torch::kCPU);
    const LoraSettings s = loadLoraAdapter(*model, fixture("lora-qwen2"));
    QCOMPARE(s.rank, int64_t(8));
    QCOMPARE(s.targets.size(), size_t(7));
    {
      torch::NoGradGuard g;
      const torch::Tensor logits =
          model->forward(row(exp["input_ids"].get<std::vector<int64_t>>()))[0];
      const double d =
          maxDiff(logits[-1], torch::tensor(exp["logits_last"].get<std::vector<float>>()));
      qInfo("adapter logits vs PEFT: max |Δlogit| = %.3g", d);
      QVERIFY(d < 1e-4);
    }
    // One backward: loss and the gradient of every factor against PEFT's.
    const TrainExample ex = fixtureExample(exp);
    auto [sum, n] = completionLossSum(*model, {ex});
    const torch::Tensor loss = sum / double(n);
    QVERIFY(std::abs(loss.item<double>() - exp["loss"].get<double>()) < 1e-5);
    loss.backward();
    const auto grads = SafetensorsCheckpoint::openFile(fixture("lora-qwen2/grads.safetensors"));
    double worst = 0;
    for (const auto& [name, t] : loraTensors(*model)) {
      std::string peft = name;
      peft.insert(peft.size() - std::string(".weight").size(),
                  ".default");  // PEFT's parameter name
      const torch::Tensor want = grads.load(peft, torch::kFloat32);
      worst = std::max(worst, maxDiff(t.grad(), want) / (want.abs().max().item<double>() + 1e-12));
    }
    qInfo("LoRA gradients vs PEFT: largest relative difference %.3g over %zu tensors", worst,
          loraTensors(*model).size());
    QVERIFY(worst < 1e-4);
    for (const auto& [name, t] : loraTensors(*model)) t.mutable_grad() = torch::Tensor();

    // One AdamW step (lr 1e-3, no clipping, no schedule) gives PEFT's adapter after its step.
    LoraTrainSettings ts;
    ts.lr = 1e-3;
    ts.maxGradNorm = 0;
    LoraTrainer trainer(*model, ts);
    const double l0 = trainer.step({{ex}});
    QVERIFY(std::abs(l0 - exp["loss"].get<double>()) < 1e-5);
    const auto after =
        SafetensorsCheckpoint::openFile(fixture("lora-qwen2/after_step/adapter_model.safetensors"));
    double stepDiff = 0;
    for (const auto& [name, t] : loraTensors(*model))
      stepDiff = std::max(stepDiff, maxDiff(t.detach(), after.load(name, torch::kFloat32)));
    qInfo("adapter after one AdamW step vs PEFT: max |Δ| = %.3g (the step moves each by ~1e-3)",
          stepDiff);
    QVERIFY(stepDiff < 2e-6);
    torch::NoGradGuard g;
    auto [sum1, n1] = completionLossSum(*model, {ex});
    QVERIFY(std::abs(sum1.item<double>() / double(n1) - exp["loss_after_step"].get<double>()) <
            1e-5);
  }

  void freshAdapterEqualsBaseAndRoundTrips() {
    auto model = HfModel::load(fixture("llama-f32"), torch::kCPU);
    const std::vector<int64_t> ids = {1, 50, 60, 70, 80, 90};
    torch::NoGradGuard g;
    const torch::Tensor base = model->forward(row(ids));
    attachLora(*model, {}, 11);
    QCOMPARE(loraTensors(*model).size(), size_t(2 * 7 * 2));
    QVERIFY(torch::equal(model->forward(row(ids)), base));
    // Give B values so the adapter matters, then save and load it back into a fresh model.
    for (auto& [name, t] : loraTensors(*model))
      if (name.find("lora_B") != std::string::npos) t.normal_(0, 0.1);
    const torch::Tensor adapted = model->forward(row(ids));
    QVERIFY(maxDiff(adapted, base) > 1e-3);
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString() + "/adapter";
    saveLoraAdapter(*model, {}, out, "tiny-llama");
    // Same tensor names and shapes as PEFT writes for the seven modules.
    const auto peft =
        SafetensorsCheckpoint::openFile(fixture("lora-qwen2/adapter_model.safetensors"));
    const auto mine = SafetensorsCheckpoint::openFile(out + "/adapter_model.safetensors");
    QCOMPARE(mine.names(), peft.names());
    auto fresh = HfModel::load(fixture("llama-f32"), torch::kCPU);
    loadLoraAdapter(*fresh, out);
    QVERIFY(torch::equal(fresh->forward(row(ids)), adapted));
    const auto cfg = readJson(out + "/adapter_config.json");
    QCOMPARE(cfg["peft_type"].get<std::string>(), std::string("LORA"));
    QCOMPARE(cfg["r"].get<int>(), 8);
  }

  void scheduleAndAccumulation() {
    auto model = HfModel::load(fixture("llama-f32"), torch::kCPU);
    attachLora(*model, {4, 8.0}, 3);
    LoraTrainSettings s;
    s.lr = 1e-3;
    s.warmupSteps = 2;
    s.totalSteps = 6;
    LoraTrainer t(*model, s);
    const TrainExample a{{1, 10, 11, 12, 13}, {-100, -100, 11, 12, 13}};
    const TrainExample b{{1, 20, 21}, {-100, 20, 21}};
    std::vector<double> lrs;
    for (int i = 0; i < 6; ++i) {
      lrs.push_back(t.nextLr());
      t.step({{a}, {b}});
    }
    // transformers' linear schedule: 0, lr/2, lr, then down by lr/4 per step to 0 at step 6.
    const std::vector<double> want = {0, 5e-4, 1e-3, 7.5e-4, 5e-4, 2.5e-4};
    for (size_t i = 0; i < want.size(); ++i) QVERIFY(std::abs(lrs[i] - want[i]) < 1e-12);
    // Two microbatches accumulate to the loss of one batch holding both (token-weighted mean).
    torch::NoGradGuard g;
    auto [sAB, nAB] = completionLossSum(*model, {a, b});
    auto [sA, nA] = completionLossSum(*model, {a});
    auto [sB, nB] = completionLossSum(*model, {b});
    QCOMPARE(nAB, nA + nB);
    QVERIFY(std::abs(sAB.item<double>() - sA.item<double>() - sB.item<double>()) < 1e-4);
    QVERIFY(t.step({{a}, {b}}) > 0);  // after totalSteps the lr is 0: a step still runs
  }

  void trainingLowersTheLoss() {
    auto model = HfModel::load(fixture("qwen2-f32"), torch::kCPU);
    attachLora(*model, {}, 5);
    LoraTrainSettings s;
    s.lr = 1e-2;
    LoraTrainer t(*model, s);
    const TrainExample ex{{1, 30, 31, 32, 33, 34, 35}, {-100, -100, -100, 32, 33, 34, 35}};
    const double first = t.step({{ex}});
    double last = first;
    for (int i = 0; i < 10; ++i) last = t.step({{ex}});
    QVERIFY2(last < 0.5 * first, qPrintable(QString("%1 -> %2").arg(first).arg(last)));
  }

  void badAdapters() {
    auto model = HfModel::load(fixture("qwen2-f32"), torch::kCPU);
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    auto adapter = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
      const std::string f = d + "/" + name;
      fs::create_directories(f);
      fs::copy_file(fixture("lora-qwen2/adapter_model.safetensors"),
                    f + "/adapter_model.safetensors");
      auto j = readJson(fixture("lora-qwen2/adapter_config.json"));
      edit(j);
      std::ofstream(f + "/adapter_config.json") << j.dump();
      return errorOf([&] { loadLoraAdapter(*model, f); });
    };
    QVERIFY(adapter("dora", [](auto& j) { j["use_dora"] = true; }).find("DoRA") !=
            std::string::npos);
    QVERIFY(adapter("rank", [](auto& j) { j["r"] = 4; }).find("does not fit this model") !=
            std::string::npos);
    QVERIFY(adapter("fewer", [](auto& j) {
              j["target_modules"] = {"q_proj"};
            }).find("does not explain") != std::string::npos);
    QVERIFY(adapter("embed", [](auto& j) {
              j["target_modules"] = {"embed_tokens"};
            }).find("'embed_tokens' is not supported") != std::string::npos);
    QVERIFY(adapter("regex", [](auto& j) {
              j["target_modules"] = ".*proj";
            }).find("a regex is not supported") != std::string::npos);
    QVERIFY(errorOf([&] {
              loadLoraAdapter(*model, d + "/none");
            }).find("has no adapter_config.json") != std::string::npos);
    QVERIFY(loraTensors(*model).empty());  // a refused adapter leaves none attached
  }
};

QTEST_GUILESS_MAIN(TestHfLora)
#include "test_hf_lora.moc"
