// Training loops for the aux experiment (see aux_train.h). Per batch: gather each model's images
// in its own order, one batched forward, the loss gradient on the logits by hand (softmax minus
// target), one batched backward, one fused Adam step.
#include "engine/aux/aux_train.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cstring>

#include "engine/aux/aux_noise.h"
#include "engine/core/model_pool.h"
#include "engine/core/seeds.h"

namespace sublab::aux {
namespace {

// rows[index[k]] for each k: [M, in]. On CPU a parallel memcpy per row into a workspace buffer
// (index_select is several times slower there for wide rows); elsewhere index_select.
torch::Tensor gatherRows(const torch::Tensor& rows, const torch::Tensor& index, Workspace* ws) {
  if (!rows.is_cpu() || !rows.is_contiguous() || rows.scalar_type() != torch::kFloat)
    return rows.index_select(0, index.to(rows.device()));
  const torch::Tensor idx = index.to(torch::kCPU).contiguous();
  const int64_t M = idx.numel(), width = rows.size(1), n = rows.size(0);
  torch::Tensor out = ws ? ws->buffer("images", {M, width}, rows.options())
                         : torch::empty({M, width}, rows.options());
  const int64_t* ip = idx.data_ptr<int64_t>();
  const float* src = rows.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  parallelFor(M, 64, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      TORCH_CHECK(ip[k] >= 0 && ip[k] < n, "row index ", ip[k], " out of range");
      std::memcpy(dst + k * width, src + ip[k] * width, size_t(width) * sizeof(float));
    }
  });
  return out;
}

}  // namespace

NoiseInputs::NoiseInputs(std::vector<uint64_t> keys, int64_t count, int64_t pixels,
                         torch::Device device)
    : m_keys(std::move(keys)), m_count(count), m_pixels(pixels), m_device(device) {}

torch::Tensor NoiseInputs::batch(const torch::Tensor& index, Workspace* ws) const {
  torch::Tensor out;
  if (ws && m_device.is_cpu())
    out = ws->buffer("images", {index.size(0), index.size(1), m_pixels}, torch::kFloat);
  return noiseImages(m_keys, index, m_pixels, m_device, out);
}

ImageInputs::ImageInputs(torch::Tensor images, int64_t count)
    : m_images(std::move(images)), m_count(count) {}

torch::Tensor ImageInputs::batch(const torch::Tensor& index, Workspace* ws) const {
  const int64_t K = index.size(0), B = index.size(1);
  return gatherRows(m_images, index.reshape({-1}), ws).view({K, B, m_images.size(1)});
}

torch::Tensor epochPermutations(const std::vector<uint64_t>& keys, int epoch, int64_t n) {
  std::vector<torch::Tensor> perms;
  for (uint64_t key : keys) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seeds::mix(key, uint64_t(epoch)));
    perms.push_back(torch::randperm(n, gen, torch::kLong));
  }
  return torch::stack(perms);  // [K, n]
}

std::vector<double> trainTeacherEpoch(MlpStack& teachers, StackAdam& adam,
                                      const torch::Tensor& images, const torch::Tensor& labels,
                                      int64_t classes, const std::vector<uint64_t>& shuffleKeys,
                                      int epoch, int64_t batchSize, const BatchHook& hook,
                                      Workspace* ws) {
  torch::NoGradGuard noGrad;
  const int64_t N = teachers.count(), n = images.size(0), in = images.size(1);
  const auto device = images.device();
  const torch::Tensor perms = epochPermutations(shuffleKeys, epoch, n);  // [N, n]
  const int64_t batches = (n + batchSize - 1) / batchSize;
  torch::Tensor lossSum = torch::zeros({N}, torch::TensorOptions().device(device));
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t b0 = b * batchSize, len = std::min(batchSize, n - b0);
    const torch::Tensor flat = perms.narrow(1, b0, len).reshape({-1});
    const torch::Tensor x = gatherRows(images, flat, ws).view({N, len, in});  // [N, len, in]
    const torch::Tensor y = labels.index_select(0, flat.to(device)).view({N, 1, len});
    const Activations a = forward(teachers, x, 1, ws);
    // Cross-entropy on the class logits [N, C, len]; d/dlogits = softmax - onehot.
    const torch::Tensor logp = torch::log_softmax(a.out.narrow(1, 0, classes), 1);
    lossSum -= logp.gather(1, y).sum({1, 2});
    torch::Tensor grad = logp.exp();
    grad.scatter_add_(1, y, torch::full({N, 1, len}, -1.0f, grad.options()));
    grad.div_(double(len));
    torch::Tensor dOut = torch::zeros_like(a.out);  // aux rows get no gradient
    dOut.narrow(1, 0, classes).copy_(grad);
    const MlpStack g = backward(teachers, a, x, dOut, 1, ws);
    adam.step(teachers, g);
    hook(double(b + 1) / double(batches));
  }
  lossSum = lossSum.div(double(n)).to(torch::kCPU).to(torch::kDouble);
  return std::vector<double>(lossSum.data_ptr<double>(), lossSum.data_ptr<double>() + N);
}

torch::Tensor teacherLogits(const MlpStack& teachers, const DistillInputs& inputs,
                            int64_t batchSize, const BatchHook& hook, Workspace* ws) {
  torch::NoGradGuard noGrad;
  const int64_t N = teachers.count(), n = inputs.size(), o = teachers.w3.size(1);
  torch::Tensor cache = torch::empty({N, n, o}, teachers.w1.options());  // [N, n, o]
  const int64_t batches = (n + batchSize - 1) / batchSize;
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t b0 = b * batchSize, len = std::min(batchSize, n - b0);
    const torch::Tensor idx =
        torch::arange(b0, b0 + len, torch::kLong).unsqueeze(0).expand({N, len});
    const torch::Tensor x = inputs.batch(idx.contiguous(), ws);  // [N, len, in]
    const Activations a = forward(teachers, x, 1, ws);
    cache.narrow(1, b0, len).copy_(a.out.transpose(1, 2));
    hook(double(b + 1) / double(batches));
  }
  return cache;
}

std::vector<double> trainStudentsEpoch(MlpStack& students, StackAdam& adam,
                                       const torch::Tensor& cache, const DistillInputs& inputs,
                                       const std::vector<LogitRows>& rows, DistillLoss loss,
                                       const std::vector<uint64_t>& shuffleKeys, int epoch,
                                       int64_t batchSize, const BatchHook& hook, Workspace* ws) {
  torch::NoGradGuard noGrad;
  const int64_t N = cache.size(0), n = cache.size(1), o = cache.size(2);
  const int64_t S = static_cast<int64_t>(rows.size());
  TORCH_CHECK(students.count() == N * S, "students: ", students.count(), " models for ", N,
              " teachers x ", S, " conditions");
  TORCH_CHECK(inputs.size() == n, "teacher cache and inputs disagree on the image count");
  const auto device = cache.device();
  const torch::Tensor perms = epochPermutations(shuffleKeys, epoch, n);  // [N, n]
  const torch::Tensor offsets =
      (torch::arange(N, torch::kLong) * n).unsqueeze(1).to(device);  // [N, 1]
  const torch::Tensor flatCache = cache.view({N * n, o});
  const int64_t batches = (n + batchSize - 1) / batchSize;
  torch::Tensor lossSum = torch::zeros({N, S}, cache.options());
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t b0 = b * batchSize, len = std::min(batchSize, n - b0);
    const torch::Tensor idx = perms.narrow(1, b0, len).contiguous();  // [N, len]
    const torch::Tensor x = inputs.batch(idx, ws);                    // [N, len, in]
    // The teacher's logits on these images, from the cache: [N, o, len]
    const torch::Tensor target = flatCache.index_select(0, (idx.to(device) + offsets).view({-1}))
                                     .view({N, len, o})
                                     .transpose(1, 2);
    const Activations a = forward(students, x, S, ws);  // a.out: [N*S, o, len]
    const torch::Tensor out = a.out.view({N, S, o, len});
    torch::Tensor dOut = torch::zeros_like(a.out);
    const torch::Tensor dView = dOut.view({N, S, o, len});
    // Teacher probabilities are shared by every condition imitating the same rows.
    std::vector<std::pair<LogitRows, std::pair<torch::Tensor, torch::Tensor>>> probs;
    for (int64_t s = 0; s < S; ++s) {
      const LogitRows r = rows[size_t(s)];
      const int64_t width = r.end - r.begin;
      const torch::Tensor so = out.select(1, s).narrow(1, r.begin, width);  // [N, width, len]
      const torch::Tensor tt = target.narrow(1, r.begin, width);            // [N, width, len]
      torch::Tensor grad;
      if (loss == DistillLoss::Kl) {
        torch::Tensor pT, logpT;
        for (const auto& [key, val] : probs)
          if (key.begin == r.begin && key.end == r.end) std::tie(logpT, pT) = val;
        if (!pT.defined()) {
          logpT = torch::log_softmax(tt, 1);
          pT = logpT.exp();
          probs.push_back({r, {logpT, pT}});
        }
        // KL(pT || pS) summed over the block, mean over the batch; d/dlogits = pS - pT.
        const torch::Tensor logpS = torch::log_softmax(so, 1);
        lossSum.select(1, s).add_((pT * (logpT - logpS)).sum({1, 2}));
        grad = logpS.exp().sub_(pT).div_(double(len));
      } else {
        // Mean squared error on raw logits, mean over the block and the batch.
        const torch::Tensor diff = so - tt;
        lossSum.select(1, s).add_(diff.pow(2).sum({1, 2}).div_(double(width)));
        grad = diff.mul(2.0 / double(width * len));
      }
      dView.select(1, s).narrow(1, r.begin, width).copy_(grad);
    }
    const MlpStack g = backward(students, a, x, dOut, S, ws);
    adam.step(students, g);
    hook(double(b + 1) / double(batches));
  }
  lossSum = lossSum.div(double(n)).reshape({-1}).to(torch::kCPU).to(torch::kDouble);
  return std::vector<double>(lossSum.data_ptr<double>(), lossSum.data_ptr<double>() + N * S);
}

}  // namespace sublab::aux
