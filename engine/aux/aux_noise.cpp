// Counter-based noise (see aux_noise.h). value = fmix32(fmix32(c * golden + k1) ^ k2) with
// c = image * pixels + pixel and (k1, k2) the two halves of the stream key; the top 24 bits
// become a float in [-1, 1) exactly, so the CPU loop and the tensor version agree bit for bit.
#include "engine/aux/aux_noise.h"

#include <ATen/Parallel.h>

#include "engine/core/model_pool.h"

namespace sublab::aux {
namespace {

constexpr uint32_t kGolden = 0x9E3779B9u;
constexpr uint32_t kMix1 = 0x85EBCA6Bu;
constexpr uint32_t kMix2 = 0xC2B2AE35u;
constexpr float kScale = 1.0f / 8388608.0f;  // 2^-23
constexpr int64_t kMask32 = 0xFFFFFFFF;

inline uint32_t fmix32(uint32_t x) {
  x ^= x >> 16;
  x *= kMix1;
  x ^= x >> 13;
  x *= kMix2;
  x ^= x >> 16;
  return x;
}

// (x >> 8) < 2^24 fits int32, whose conversion to float vectorizes (uint32 does not on AVX2).
inline float toUnit(uint32_t x) {
  return static_cast<float>(static_cast<int32_t>(x >> 8)) * kScale - 1.0f;
}

void checkIndex(const std::vector<uint64_t>& keys, const torch::Tensor& index) {
  TORCH_CHECK(index.dim() == 2 && index.scalar_type() == torch::kLong,
              "noise index must be a [K, B] int64 tensor");
  TORCH_CHECK(index.size(0) == static_cast<int64_t>(keys.size()), "noise index has ", index.size(0),
              " rows for ", keys.size(), " keys");
}

// 32-bit wrap-around product in int64 tensor ops without overflowing int64:
// x < 2^32 times a 32-bit constant, split into 16-bit halves of the constant.
torch::Tensor mul32(const torch::Tensor& x, uint32_t c) {
  const int64_t lo = c & 0xFFFF, hi = c >> 16;
  torch::Tensor a = x * lo;                                                     // < 2^48
  torch::Tensor b = at::bitwise_left_shift((x * hi).bitwise_and_(0xFFFF), 16);  // < 2^32
  return (a + b).bitwise_and_(kMask32);
}

torch::Tensor fmix32Tensor(torch::Tensor x) {
  x = x.bitwise_xor(at::bitwise_right_shift(x, 16));
  x = mul32(x, kMix1);
  x = x.bitwise_xor(at::bitwise_right_shift(x, 13));
  x = mul32(x, kMix2);
  return x.bitwise_xor(at::bitwise_right_shift(x, 16));
}

// One image row: pixels [0, pixels) of counter base `base`. Built for AVX2 too where the
// compiler can (vpmulld does the 32-bit multiplies 8 at a time); the result is identical.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void fillRow(float* row, uint32_t base, int64_t pixels, uint32_t k1, uint32_t k2) {
  for (int64_t p = 0; p < pixels; ++p) {
    const uint32_t c = base + static_cast<uint32_t>(p);
    row[p] = toUnit(fmix32(fmix32(c * kGolden + k1) ^ k2));
  }
}

}  // namespace

float noisePixel(uint64_t key, int64_t image, int64_t pixel, int64_t pixels) {
  const uint32_t k1 = static_cast<uint32_t>(key), k2 = static_cast<uint32_t>(key >> 32);
  const uint32_t c = static_cast<uint32_t>(image * pixels + pixel);
  return toUnit(fmix32(fmix32(c * kGolden + k1) ^ k2));
}

torch::Tensor noiseImagesCpuLoop(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                                 int64_t pixels, torch::Tensor out) {
  checkIndex(keys, index);
  const torch::Tensor idx = index.to(torch::kCPU).contiguous();
  const int64_t K = idx.size(0), B = idx.size(1);
  if (!out.defined() || !out.is_cpu() || !out.is_contiguous() ||
      out.scalar_type() != torch::kFloat || out.sizes() != at::IntArrayRef{K, B, pixels})
    out = torch::empty({K, B, pixels}, torch::kFloat);  // [K, B, pixels]
  const int64_t* ip = idx.data_ptr<int64_t>();
  float* op = out.data_ptr<float>();
  parallelFor(K * B, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint64_t key = keys[static_cast<size_t>(r / B)];
      const uint32_t k1 = static_cast<uint32_t>(key), k2 = static_cast<uint32_t>(key >> 32);
      fillRow(op + r * pixels, static_cast<uint32_t>(ip[r] * pixels), pixels, k1, k2);
    }
  });
  return out;
}

torch::Tensor noiseImagesTensorOps(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                                   int64_t pixels, const torch::Device& device) {
  checkIndex(keys, index);
  const int64_t K = index.size(0);
  std::vector<int64_t> k1(keys.size()), k2(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    k1[i] = static_cast<int64_t>(keys[i] & 0xFFFFFFFFu);
    k2[i] = static_cast<int64_t>(keys[i] >> 32);
  }
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(device);
  const torch::Tensor t1 = torch::tensor(k1, torch::kLong).to(device).view({K, 1, 1});
  const torch::Tensor t2 = torch::tensor(k2, torch::kLong).to(device).view({K, 1, 1});
  // c: [K, B, pixels] pixel counters, wrapped to 32 bits like the uint32 loop.
  torch::Tensor c =
      (index.to(device).unsqueeze(2) * pixels + torch::arange(pixels, opts)).bitwise_and_(kMask32);
  torch::Tensor x = (mul32(c, kGolden) + t1).bitwise_and_(kMask32);
  x = fmix32Tensor(fmix32Tensor(x).bitwise_xor(t2));
  return at::bitwise_right_shift(x, 8).to(torch::kFloat).mul_(kScale).sub_(1.0);
}

torch::Tensor noiseImages(const std::vector<uint64_t>& keys, const torch::Tensor& index,
                          int64_t pixels, const torch::Device& device, torch::Tensor out) {
  if (device.is_cpu()) return noiseImagesCpuLoop(keys, index, pixels, std::move(out));
  return noiseImagesTensorOps(keys, index, pixels, device);
}

}  // namespace sublab::aux
