// Implementation of the flat AdamW (see flat_adamw.h).
#include "engine/lm/flat_adamw.h"

#include <cmath>

namespace sublab {

FlatAdamW::FlatAdamW(std::vector<torch::Tensor> params, double weightDecay, double beta1,
                     double beta2, double eps)
    : m_params(std::move(params)),
      m_weightDecay(weightDecay),
      m_beta1(beta1),
      m_beta2(beta2),
      m_eps(eps) {
  TORCH_CHECK(!m_params.empty(), "FlatAdamW: no parameters");
  int64_t total = 0;
  for (const auto& p : m_params) total += p.numel();
  const auto options = m_params.front().options().requires_grad(false);
  torch::NoGradGuard ng;
  m_value = torch::empty({total}, options);
  m_grad = torch::zeros({total}, options);
  m_expAvg = torch::zeros({total}, options);
  m_expAvgSq = torch::zeros({total}, options);
  int64_t offset = 0;
  for (auto& p : m_params) {
    const int64_t n = p.numel();
    torch::Tensor value = m_value.narrow(0, offset, n).view(p.sizes());
    value.copy_(p.detach());
    p.set_data(value);
    // A defined gradient is accumulated in place: backward writes into m_grad.
    p.mutable_grad() = m_grad.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
}

FlatAdamW::~FlatAdamW() {
  torch::NoGradGuard ng;
  for (auto& p : m_params) {
    p.set_data(p.detach().clone());
    p.mutable_grad() = torch::Tensor();
  }
}

void FlatAdamW::zeroGrad() { m_grad.zero_(); }

void FlatAdamW::step(double lr) {
  torch::NoGradGuard ng;
  ++m_step;
  // torch::optim::AdamW::step, the same operations in the same order.
  if (m_weightDecay != 0) m_value.mul_(1 - lr * m_weightDecay);
  const double biasCorrection1 = 1 - std::pow(m_beta1, double(m_step));
  const double biasCorrection2 = 1 - std::pow(m_beta2, double(m_step));
  m_expAvg.mul_(m_beta1).add_(m_grad, 1 - m_beta1);
  m_expAvgSq.mul_(m_beta2).addcmul_(m_grad, m_grad, 1 - m_beta2);
  const torch::Tensor denom = (m_expAvgSq.sqrt() / std::sqrt(biasCorrection2)).add_(m_eps);
  m_value.addcdiv_(m_expAvg, denom, -lr / biasCorrection1);
}

}  // namespace sublab
