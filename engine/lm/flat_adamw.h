// AdamW over all trainable parameters of a model as one flat buffer.
//
// torch::optim::AdamW issues about ten small operations per parameter tensor every step (and
// looks each tensor's state up by a formatted string key); for the small language model that
// is a few hundred operations on tensors of a few thousand values. Here the parameters and
// their gradients are views of two contiguous buffers for as long as the optimizer lives, so a
// step is the same handful of operations once, over all values. The arithmetic per value is
// torch's AdamW's, operation for operation (decoupled decay, both moments, bias corrections,
// eps added after the square root), so results equal torch::optim::AdamW's (tested).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace sublab {

class FlatAdamW {
 public:
  // `params`: leaf tensors that require grad, all on one device with one dtype.
  FlatAdamW(std::vector<torch::Tensor> params, double weightDecay, double beta1 = 0.9,
            double beta2 = 0.999, double eps = 1e-8);
  // Gives every parameter its own storage back (its values as trained) and drops the gradients.
  ~FlatAdamW();
  FlatAdamW(const FlatAdamW&) = delete;
  FlatAdamW& operator=(const FlatAdamW&) = delete;

  void zeroGrad();
  void step(double lr);

 private:
  std::vector<torch::Tensor> m_params;
  torch::Tensor m_value, m_grad, m_expAvg, m_expAvgSq;
  double m_weightDecay, m_beta1, m_beta2, m_eps;
  int64_t m_step = 0;
};

}  // namespace sublab
