// Cross-entropy on hard targets as one operation for training on the CPU: loss and gradient in one
// pass over the logits.
//
// torch's cross_entropy is log_softmax, then nll_loss; its backward makes a zero tensor, scatters
// -1/n at the targets and runs log_softmax's backward, which reads the saved log-probabilities and
// computes their exponentials again: five passes over a [rows, vocabulary] tensor that does not fit
// in the cache (bench_lm: 14% of a training step). Here each row (in the cache while it is worked
// on) gets its maximum, exponentials and sum, and the forward writes the gradient
// (softmax - one-hot) / n right away; the backward only scales it by the incoming gradient.
// Exponentials are 8 at a time with AVX2 when the CPU has it. Same mathematics as torch's
// cross_entropy with mean reduction and ignore_index; rounding differs (tested against it: loss
// and gradient).
#pragma once

#include <torch/torch.h>

namespace sublab {

// logits [N, V] float32, contiguous, CPU; targets [N] int64, each in [0, V) or ignoreIndex.
// The mean over the rows whose target is not ignoreIndex of logsumexp(row) - row[target]
// (NaN when every row is ignored, as torch's). Differentiable with respect to logits.
torch::Tensor crossEntropy(const torch::Tensor& logits, const torch::Tensor& targets,
                           int64_t ignoreIndex = -100);

// Whether crossEntropy handles these inputs; otherwise use torch's cross_entropy.
bool crossEntropyApplies(const torch::Tensor& logits, const torch::Tensor& targets);

}  // namespace sublab
