// Tensor helpers for the Hugging Face model and LoRA tests (these need libtorch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "tests/engine/hf_test_util.h"

namespace hftest {

// One row of token ids as a [1, T] int64 tensor.
inline torch::Tensor row(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kInt64).view({1, int64_t(ids.size())});
}

}  // namespace hftest
