// Uniform noise images in [-1, 1) addressed by (stream key, image index, pixel): a counter-based
// hash, so any batch of "the 60,000 noise images" is regenerated bit-identically whenever it is
// needed, in any order and on any device, and nothing of the noise set is ever stored.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace sublab::aux {

// Largest image index supported (the pixel counter is 32 bits).
constexpr int64_t kMaxNoiseImages = 1'000'000;

// One pixel value; the reference definition the two implementations below follow exactly.
float noisePixel(uint64_t key, int64_t image, int64_t pixel, int64_t pixels);

// index: [K, B] int64 image indices (any device); keys.size() == K. Returns [K, B, pixels]
// float on `device`: row (k, b) is image index[k][b] of stream keys[k]. On CPU it is written
// into `out` when that is a contiguous float tensor of that size.
torch::Tensor noiseImages(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                          int64_t pixels, const torch::Device& device, torch::Tensor out = {});

// The two implementations noiseImages() picks from (exposed for the test that they agree):
// a multi-threaded CPU loop, and the same hash in integer tensor ops for any device.
torch::Tensor noiseImagesCpuLoop(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                                 int64_t pixels, torch::Tensor out = {});
torch::Tensor noiseImagesTensorOps(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                                   int64_t pixels, const torch::Device& device);

}  // namespace sublab::aux
