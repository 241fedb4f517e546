// Causal multi-head self-attention of the small language model as one operation with a
// hand-written backward, for training on the CPU.
//
// The composite form (view/permute, two batched matmuls, mask, softmax) spends most of its time
// outside arithmetic at this model's shapes: a CPU bmm of 256 matrices of 24 x 16 calls the
// BLAS once per matrix, and the permutes copy. Here each (sequence, head) is one task: scores,
// causal softmax and the weighted sum read q, k and v in place from the [B, T, 3D] projection and
// write y in the [B, T, D] layout the output projection takes. The backward reuses the
// probabilities saved by the forward. Same mathematics as the composite form; sums are taken in
// another order, so results agree to float rounding (tested against the composite form, values
// and gradients).
#pragma once

#include <torch/torch.h>

namespace sublab {

// qkv [B, T, 3 * D] float32, contiguous, on the CPU (q, k, v each [B, T, heads, D / heads]);
// returns y [B, T, D]. Differentiable with respect to qkv.
torch::Tensor causalAttention(const torch::Tensor& qkv, int64_t heads);

// Whether causalAttention handles this input (contiguous, CPU, float32, heads of at most 256
// values); otherwise use the composite form.
bool causalAttentionApplies(const torch::Tensor& qkv, int64_t heads);

}  // namespace sublab
