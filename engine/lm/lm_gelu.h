// GELU (the exact, erf form) as one operation for the language model on the CPU: the forward
// keeps the normal CDF it computed, so the backward needs one exponential per value instead of
// computing erf and exp again (ATen's gelu_backward). erf and exp are 8 at a time with AVX2
// when the CPU has it (erf by Abramowitz & Stegun 7.1.26, the approximation ATen's vectorized erf
// uses: absolute error below 1.5e-7); other CPUs use std::erfc and std::exp. Same mathematics as
// torch::gelu; rounding differs (tested against it: values and gradient).
#pragma once

#include <torch/torch.h>

namespace sublab {

// x * Phi(x), Phi the standard normal CDF. The fused operation for contiguous float32 CPU input,
// torch::gelu otherwise. Differentiable.
torch::Tensor gelu(const torch::Tensor& x);

}  // namespace sublab
