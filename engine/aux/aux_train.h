// Training loops of the aux experiment on stacked MLPs: teachers by cross-entropy on the class
// logits, students by distillation of a chosen block of logits from the teacher's outputs on
// noise or real images. Every model shuffles on its own; shared work is done once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/aux/aux_model.h"
#include "engine/core/common.h"

namespace sublab::aux {

// Images fed to the students: index [K, B] (CPU int64) -> [K, B, in] on the device, in a
// workspace buffer when one is given.
class DistillInputs {
 public:
  virtual ~DistillInputs() = default;
  virtual int64_t size() const = 0;  // images per model
  virtual torch::Tensor batch(const torch::Tensor& index, Workspace* ws = nullptr) const = 0;
};

// Uniform noise in [-1, 1), `count` images per model, stream keys[k] for model k.
class NoiseInputs : public DistillInputs {
 public:
  NoiseInputs(std::vector<uint64_t> keys, int64_t count, int64_t pixels, torch::Device device);
  int64_t size() const override { return m_count; }
  torch::Tensor batch(const torch::Tensor& index, Workspace* ws = nullptr) const override;

 private:
  std::vector<uint64_t> m_keys;
  int64_t m_count, m_pixels;
  torch::Device m_device;
};

// The first `count` rows of `images` [n, in] (real training images), the same for every model.
class ImageInputs : public DistillInputs {
 public:
  ImageInputs(torch::Tensor images, int64_t count);
  int64_t size() const override { return m_count; }
  torch::Tensor batch(const torch::Tensor& index, Workspace* ws = nullptr) const override;

 private:
  torch::Tensor m_images;
  int64_t m_count;
};

// A random permutation of 0..n-1 per model for one epoch: [K, n] int64 on CPU. Model k's
// permutation depends only on (keys[k], epoch).
torch::Tensor epochPermutations(const std::vector<uint64_t>& keys, int epoch, int64_t n);

// Called after every batch with the fraction of the epoch done; may throw Cancelled.
using BatchHook = std::function<void(double fraction)>;

// One epoch of teacher training: cross-entropy on the first `classes` logits.
// images [n, in], labels [n] int64, both on the device. Returns the mean loss per model.
// `ws` (optional) keeps scratch buffers between batches and epochs.
std::vector<double> trainTeacherEpoch(MlpStack& teachers, StackAdam& adam,
                                      const torch::Tensor& images, const torch::Tensor& labels,
                                      int64_t classes, const std::vector<uint64_t>& shuffleKeys,
                                      int epoch, int64_t batchSize, const BatchHook& hook,
                                      Workspace* ws = nullptr);

// The teachers' logits on every distillation image, computed once: [N, n, o] on the device.
torch::Tensor teacherLogits(const MlpStack& teachers, const DistillInputs& inputs,
                            int64_t batchSize, const BatchHook& hook, Workspace* ws = nullptr);

enum class DistillLoss { Kl, Mse };

// The block of logits a student imitates: rows [begin, end) of the output.
struct LogitRows {
  int64_t begin = 0, end = 0;
};

// One epoch of distillation for N teachers x S student conditions. students has N*S models,
// model n*S + s being condition s of teacher n; all S students of teacher n read teacher n's
// images in teacher n's order (keys shuffleKeys[n]) and imitate rows[s] of cache[n].
// Returns the mean loss per student (N*S values).
std::vector<double> trainStudentsEpoch(MlpStack& students, StackAdam& adam,
                                       const torch::Tensor& cache, const DistillInputs& inputs,
                                       const std::vector<LogitRows>& rows, DistillLoss loss,
                                       const std::vector<uint64_t>& shuffleKeys, int epoch,
                                       int64_t batchSize, const BatchHook& hook,
                                       Workspace* ws = nullptr);

}  // namespace sublab::aux
