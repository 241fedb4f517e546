// Many small MLPs (in -> h -> h -> classes + aux) stored as stacked tensors and run as one
// batched computation: forward, hand-written backward, a fused Adam, and test accuracy.
// Activations are kept feature-major ([models, features, batch]) so layer 1 of several models
// that read the same images is one wide matmul and the output splits into models by a view.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sublab::aux {

struct MlpShape {
  int64_t in = 784;
  int64_t hidden = 256;
  int64_t classes = 10;
  int64_t aux = 3;
  int64_t out() const { return classes + aux; }
};

// G stacked MLPs. w1 [G, h, in], b1 [G, h, 1], w2 [G, h, h], b2 [G, h, 1], w3 [G, o, h],
// b3 [G, o, 1] (o = classes + aux). Weight rows are output units, as in torch::nn::Linear.
struct MlpStack {
  torch::Tensor w1, b1, w2, b2, w3, b3;

  int64_t count() const { return w1.size(0); }
  std::vector<torch::Tensor> tensors() const { return {w1, b1, w2, b2, w3, b3}; }
  static MlpStack fromTensors(const std::vector<torch::Tensor>& t);
  MlpStack clone() const;
  MlpStack zerosLike() const;
  // Models `index` (any order, repeats allowed) as a new stack.
  MlpStack select(const std::vector<int64_t>& index) const;
  MlpStack to(const torch::Device& device) const;
};

// Named scratch tensors reused from one batch to the next. Big buffers freed and allocated
// again every batch cost page faults (glibc and jemalloc both hand large blocks back to the
// OS), which on CPU cost as much as a good part of the matmuls. A tensor from buffer() stays
// valid until the next request of the same name.
class Workspace {
 public:
  torch::Tensor buffer(const std::string& name, at::IntArrayRef sizes,
                       const torch::TensorOptions& options);

 private:
  std::map<std::string, torch::Tensor> m_buffers;
};

// One model per key: weights N(0, 1/fan_in), biases 0 (the paper's init, not libtorch's).
// Model k depends only on keys[k], so an ensemble equals the same models trained alone.
MlpStack initMlps(const MlpShape& shape, const std::vector<uint64_t>& keys,
                  const torch::Device& device);

// Adds sigma * N(0, 1/fan_in) to every weight of model k (key keys[k]); biases unchanged.
void perturbWeights(MlpStack& stack, double sigma, const std::vector<uint64_t>& keys);

// What the forward pass keeps for the backward pass.
struct Activations {
  torch::Tensor h1, h2;  // [G, h, B], after ReLU
  torch::Tensor out;     // [G, o, B] logits
};

// Whether `count` models' products run one model per thread (CPU, splits evenly over the
// threads) rather than one multi-threaded product after another.
bool perModelThreads(int64_t count, const torch::Device& device);

// x: [K, B, in] images with G = K * share: models k*share .. k*share+share-1 all read x[k].
// Off the CPU (or with `batched`) as bmm/baddbmm over all models; on the CPU model by model,
// in one parallel region with one model per thread where perModelThreads() holds.
// With a workspace the results live in its buffers (valid until the next call with it).
Activations forward(const MlpStack& p, const torch::Tensor& x, int64_t share,
                    Workspace* ws = nullptr, bool batched = false);

// Gradients of sum over models of their losses, given dOut = dLoss/dlogits [G, o, B].
MlpStack backward(const MlpStack& p, const Activations& a, const torch::Tensor& x,
                  const torch::Tensor& dOut, int64_t share, Workspace* ws = nullptr,
                  bool batched = false);

// Adam (Kingma & Ba, as torch::optim::Adam without weight decay) over every tensor of a
// stack. On CPU one fused pass over parameter, gradient and both moments.
class StackAdam {
 public:
  explicit StackAdam(const MlpStack& params, double lr, double beta1 = 0.9, double beta2 = 0.999,
                     double eps = 1e-8);
  // Updates `params` in place (the tensors given to the constructor).
  void step(MlpStack& params, const MlpStack& grads);

 private:
  MlpStack m_m, m_v;
  double m_lr, m_beta1, m_beta2, m_eps;
  int64_t m_t = 0;
};

// Fraction of `labels` [T] (int64) matched by the argmax of the first `classes` logits, per
// model. images: [T, in], on the stack's device. Chunked so memory stays bounded.
std::vector<double> accuracy(const MlpStack& p, const torch::Tensor& images,
                             const torch::Tensor& labels, int64_t classes, Workspace* ws = nullptr);

}  // namespace sublab::aux
