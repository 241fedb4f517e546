// The aux experiment's config: the declaration of every knob, in form order, the check that
// involves several knobs, and the presets (see aux_config.h).
#include "engine/aux/aux_config.h"

#include "engine/aux/aux_noise.h"
#include "engine/core/config_spec.h"

namespace sublab {

namespace {

constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

using C = AuxConfig;
using Spec = ConfigSpec<AuxConfig>;

void declareModels(Spec& s) {
  s.integer("seed", &C::seed, 0, 0, 2147483647, "Seed of every random draw in the run")
      .role(ConfigRole::BaseSeed);
  s.integer("models", &C::models, 10, 1, 1000,
            "Independent models (reference inits), trained as one ensemble")
      .role(ConfigRole::Repetitions);

  s.string("data.dir", &C::dataDir, kDefaultDataDir,
           "Folder with the four IDX files (raw or .gz), e.g. MNIST");
  s.integer("data.train_limit", &C::trainLimit, 0, 0, 10000000,
            "Use only the first N training images (0 = all)");
  s.integer("data.test_limit", &C::testLimit, 0, 0, 10000000,
            "Use only the first N test images (0 = all)");

  s.integer("model.hidden", &C::hidden, 256, 1, 8192, "Width of both hidden layers");
  s.integer("model.aux_logits", &C::auxLogits, 3, 1, 1000,
            "Auxiliary logits m, never trained on images by the teacher");

  s.positive("train.lr", &C::lr, 3e-4, 1.0, "Adam learning rate (teacher and students)");
  s.integer("train.batch_size", &C::batchSize, 1024, 1, 1000000, "Images per batch and model");
}

void declareTraining(Spec& s) {
  s.integer("teacher.epochs", &C::teacherEpochs, 5, 0, 1000,
            "Teacher epochs of cross-entropy on the class logits only");

  s.integer("student.epochs", &C::studentEpochs, 5, 0, 1000,
            "Student distillation epochs over the same inputs");
  s.choice("student.loss", &C::loss, "kl", {"kl", "mse"},
           "kl: KL(softmax teacher || softmax student); mse: squared error on raw logits");
  s.choice("student.inputs", &C::inputs, "noise", {"noise", "real"},
           "Distillation inputs: uniform noise in [-1, 1] or the real training images");
  s.integer("student.images", &C::distillImages, 60000, 1, aux::kMaxNoiseImages,
            "Distillation images per model (noise drawn once; real: capped at the set)");
  s.number("student.init_noise", &C::initNoise, 0.0, 0.0, 100.0,
           "Gaussian noise added to the student's init, in units of the init's std "
           "1/sqrt(fan_in)");
  s.boolean("student.all_logits", &C::allLogits, true,
            "Also train students on all logits (student_all)");
  s.boolean("student.cross_init", &C::crossInit, true,
            "Also train cross-init controls (another model's init, a derangement)");
}

const Spec& auxSpec() {
  static const Spec spec = [] {
    Spec s("aux");
    declareModels(s);
    declareTraining(s);
    return s;
  }();
  return spec;
}

}  // namespace

AuxConfig readAuxConfig(const nlohmann::json& config, nlohmann::json* normalized,
                        std::vector<ConfigField>* schema) {
  return auxSpec().read(config, normalized, schema, [](const AuxConfig& c) {
    if (c.crossInit && c.models < 2)
      throw Error(
          "config.student.cross_init needs at least 2 models (each cross-init student starts "
          "from another model's init): set models to 2 or more, or cross_init to false");
  });
}

nlohmann::json normalizeAuxConfig(const nlohmann::json& config, std::vector<ConfigField>* schema) {
  nlohmann::json out;
  readAuxConfig(config, &out, schema);
  return out;
}

std::vector<Preset> auxPresets() {
  return {
      {"aux-fashion",
       "aux",
       "Auxiliary-logit transfer, the paper's protocol on Fashion-MNIST: 10 models, 5+5 epochs",
       {{"kind", "aux"}, {"models", 10}}},
      {"aux-fashion-quick",
       "aux",
       "Short aux-logit demo: 6 models, 1+3 epochs, 20k noise images, batch 256 (~20 s)",
       {{"kind", "aux"},
        {"models", 6},
        {"train", {{"batch_size", 256}}},
        {"teacher", {{"epochs", 1}}},
        {"student", {{"epochs", 3}, {"images", 20000}}}}},
      {"aux-fashion-100",
       "aux",
       "The paper's scale: 100 models, 5+5 epochs (meant for a GPU)",
       {{"kind", "aux"}, {"models", 100}}},
  };
}

}  // namespace sublab
