// Stacked MLPs for the aux experiment (see aux_model.h): init, batched forward and backward
// with bmm/baddbmm, a fused CPU Adam, and chunked test accuracy.
#include "engine/aux/aux_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>

#include "engine/core/model_pool.h"
#include "engine/core/seeds.h"

namespace sublab::aux {

MlpStack MlpStack::fromTensors(const std::vector<torch::Tensor>& t) {
  TORCH_CHECK(t.size() == 6, "an MLP stack has six tensors");
  return {t[0], t[1], t[2], t[3], t[4], t[5]};
}

MlpStack MlpStack::clone() const {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors()) out.push_back(t.clone());
  return fromTensors(out);
}

MlpStack MlpStack::zerosLike() const {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors()) out.push_back(torch::zeros_like(t));
  return fromTensors(out);
}

MlpStack MlpStack::select(const std::vector<int64_t>& index) const {
  const torch::Tensor idx = torch::tensor(index, torch::kLong).to(w1.device());
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors()) out.push_back(t.index_select(0, idx).contiguous());
  return fromTensors(out);
}

MlpStack MlpStack::to(const torch::Device& device) const {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors()) out.push_back(t.to(device).contiguous());
  return fromTensors(out);
}

torch::Tensor Workspace::buffer(const std::string& name, at::IntArrayRef sizes,
                                const torch::TensorOptions& options) {
  torch::Tensor& t = m_buffers[name];
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  if (!t.defined() || t.numel() < numel || t.scalar_type() != options.dtype() ||
      t.device() != options.device()) {
    t = torch::Tensor();  // release before allocating the replacement
    t = torch::empty({numel}, options);
  }
  return t.narrow(0, 0, numel).view(sizes);
}

namespace {

torch::Tensor scratch(Workspace* ws, const std::string& name, at::IntArrayRef sizes,
                      const torch::TensorOptions& options) {
  return ws ? ws->buffer(name, sizes, options) : torch::empty(sizes, options);
}

}  // namespace

namespace {

torch::Tensor normal(int64_t rows, int64_t cols, at::Generator& gen) {
  return torch::randn({rows, cols}, gen, torch::kFloat);
}

}  // namespace

MlpStack initMlps(const MlpShape& s, const std::vector<uint64_t>& keys,
                  const torch::Device& device) {
  std::vector<torch::Tensor> w1, w2, w3;
  for (uint64_t key : keys) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(key);
    w1.push_back(normal(s.hidden, s.in, gen).div_(std::sqrt(double(s.in))));
    w2.push_back(normal(s.hidden, s.hidden, gen).div_(std::sqrt(double(s.hidden))));
    w3.push_back(normal(s.out(), s.hidden, gen).div_(std::sqrt(double(s.hidden))));
  }
  const int64_t G = static_cast<int64_t>(keys.size());
  MlpStack p{torch::stack(w1), torch::zeros({G, s.hidden, 1}),
             torch::stack(w2), torch::zeros({G, s.hidden, 1}),
             torch::stack(w3), torch::zeros({G, s.out(), 1})};
  return p.to(device);
}

void perturbWeights(MlpStack& p, double sigma, const std::vector<uint64_t>& keys) {
  TORCH_CHECK(static_cast<int64_t>(keys.size()) == p.count(), "one key per model");
  if (sigma == 0) return;
  for (int64_t g = 0; g < p.count(); ++g) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(keys[static_cast<size_t>(g)]);
    for (torch::Tensor* w : {&p.w1, &p.w2, &p.w3}) {
      const int64_t rows = w->size(1), cols = w->size(2);
      const torch::Tensor noise = normal(rows, cols, gen).mul_(sigma / std::sqrt(double(cols)));
      (*w)[g].add_(noise.to(w->device()));
    }
  }
}

bool perModelThreads(int64_t count, const torch::Device& device) {
  const int64_t t = at::get_num_threads();
  return device.is_cpu() && t > 1 && (count % t == 0 || count >= 4 * t);
}

namespace {

// fn(begin, end) over models [0, count): on the current ModelPool when there is one; else one
// OpenMP region with whole models per thread when perModelThreads() says so (one barrier
// instead of one per op, single-threaded BLAS inside), otherwise a plain loop whose ops use
// every thread.
template <class F>
void overModels(int64_t count, bool perModel, const F& fn) {
  if (ModelPool* pool = currentPool()) {
    pool->run(count, fn);
  } else if (perModel) {
    at::parallel_for(0, count, 1, fn);
  } else {
    fn(0, count);
  }
}

}  // namespace

Activations forward(const MlpStack& p, const torch::Tensor& x, int64_t share, Workspace* ws,
                    bool batched) {
  const int64_t K = x.size(0), B = x.size(1), in = x.size(2);
  const int64_t G = p.count(), h = p.w1.size(1), o = p.w3.size(1);
  TORCH_CHECK(K * share == G, "forward: ", K, " input sets x ", share, " != ", G, " models");
  Activations a;
  if (batched || !x.is_cpu()) {
    // Layer 1, wide: the `share` models reading x[k] form one [share*h, in] matrix.
    // [K, share*h, in] @ [K, in, B] -> [K, share*h, B] == [G, h, B]
    a.h1 = torch::baddbmm(p.b1.view({K, share * h, 1}), p.w1.view({K, share * h, in}),
                          x.transpose(1, 2))
               .view({G, h, B});
    a.h1.relu_();
    a.h2 = torch::baddbmm(p.b2, p.w2, a.h1);  // [G, h, h] @ [G, h, B] -> [G, h, B]
    a.h2.relu_();
    a.out = torch::baddbmm(p.b3, p.w3, a.h2);  // [G, o, h] @ [G, h, B] -> [G, o, B]
    return a;
  }
  // CPU: the same products model by model, written in place.
  a.h1 = scratch(ws, "h1", {G, h, B}, p.w1.options());
  a.h2 = scratch(ws, "h2", {G, h, B}, p.w1.options());
  a.out = scratch(ws, "out", {G, o, B}, p.w1.options());
  const torch::Tensor h1w = a.h1.view({K, share * h, B}), w1w = p.w1.view({K, share * h, in}),
                      b1w = p.b1.view({K, share * h, 1});
  overModels(K, perModelThreads(K, x.device()), [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      torch::Tensor out = h1w[k];  // [share*h, B] = W1 [share*h, in] @ x[k]^T [in, B] + b1
      at::addmm_out(out, b1w[k], w1w[k], x[k].t());
      out.relu_();
    }
  });
  overModels(G, perModelThreads(G, x.device()), [&](int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) {
      torch::Tensor h2 = a.h2[g], out = a.out[g];
      at::addmm_out(h2, p.b2[g], p.w2[g], a.h1[g]);  // [h, h] @ [h, B] -> [h, B]
      h2.relu_();
      at::addmm_out(out, p.b3[g], p.w3[g], h2);  // [o, h] @ [h, B] -> [o, B]
    }
  });
  return a;
}

MlpStack backward(const MlpStack& p, const Activations& a, const torch::Tensor& x,
                  const torch::Tensor& dOut, int64_t share, Workspace* ws, bool batched) {
  const int64_t K = x.size(0), B = x.size(1);
  const int64_t G = p.count(), h = p.w1.size(1), in = x.size(2);
  MlpStack g;
  if (batched || !x.is_cpu()) {
    g.w3 = torch::bmm(dOut, a.h2.transpose(1, 2));  // [G, o, B] @ [G, B, h] -> [G, o, h]
    g.b3 = dOut.sum({2}, true);                     // [G, o, 1]
    // dH2 = W3^T dOut, through the ReLU (h2 > 0 where the unit was active).
    torch::Tensor dH2 = at::threshold_backward(torch::bmm(p.w3.transpose(1, 2), dOut), a.h2, 0);
    g.w2 = torch::bmm(dH2, a.h1.transpose(1, 2));  // [G, h, B] @ [G, B, h] -> [G, h, h]
    g.b2 = dH2.sum({2}, true);
    torch::Tensor dH1 = at::threshold_backward(torch::bmm(p.w2.transpose(1, 2), dH2), a.h1, 0);
    dH2 = torch::Tensor();
    // Layer 1, wide again: [K, share*h, B] @ [K, B, in] -> [K, share*h, in] == [G, h, in]
    g.w1 = torch::bmm(dH1.view({K, share * h, B}), x).view({G, h, in});
    g.b1 = dH1.sum({2}, true);
    return g;
  }
  // CPU: model by model, each model's chain on one thread when the models split evenly.
  {
    const char* names[] = {"gw1", "gb1", "gw2", "gb2", "gw3", "gb3"};
    std::vector<torch::Tensor> t;
    for (const auto& x0 : p.tensors())  // all overwritten below
      t.push_back(scratch(ws, names[t.size()], x0.sizes(), x0.options()));
    g = MlpStack::fromTensors(t);
  }
  torch::Tensor dH1 = scratch(ws, "dH1", {G, h, B}, p.w1.options());
  overModels(G, perModelThreads(G, x.device()), [&](int64_t begin, int64_t end) {
    for (int64_t m = begin; m < end; ++m) {
      const torch::Tensor d = dOut[m], h1 = a.h1[m], h2 = a.h2[m];  // [o, B], [h, B], [h, B]
      torch::Tensor w3 = g.w3[m], w2 = g.w2[m], d1 = dH1[m];
      at::mm_out(w3, d, h2.t());  // [o, B] @ [B, h]
      g.b3[m].copy_(d.sum({1}, true));
      torch::Tensor d2 = torch::mm(p.w3[m].t(), d);  // [h, o] @ [o, B] -> [h, B]
      at::threshold_backward_out(d2, d2, h2, 0);
      at::mm_out(w2, d2, h1.t());  // [h, B] @ [B, h]
      g.b2[m].copy_(d2.sum({1}, true));
      at::mm_out(d1, p.w2[m].t(), d2);  // [h, h] @ [h, B]
      at::threshold_backward_out(d1, d1, h1, 0);
      g.b1[m].copy_(d1.sum({1}, true));
    }
  });
  const torch::Tensor dH1w = dH1.view({K, share * h, B}), gw1 = g.w1.view({K, share * h, in});
  overModels(K, perModelThreads(K, x.device()), [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      torch::Tensor w1 = gw1[k];
      at::mm_out(w1, dH1w[k], x[k]);  // [share*h, B] @ [B, in] -> [share*h, in]
    }
  });
  return g;
}

StackAdam::StackAdam(const MlpStack& params, double lr, double beta1, double beta2, double eps)
    : m_m(params.zerosLike()),
      m_v(params.zerosLike()),
      m_lr(lr),
      m_beta1(beta1),
      m_beta2(beta2),
      m_eps(eps) {}

void StackAdam::step(MlpStack& params, const MlpStack& grads) {
  ++m_t;
  const double bc1 = 1.0 - std::pow(m_beta1, double(m_t));
  const double bc2 = 1.0 - std::pow(m_beta2, double(m_t));
  const float b1 = float(m_beta1), b2 = float(m_beta2), eps = float(m_eps);
  const float stepSize = float(m_lr / bc1), invSqrtBc2 = float(1.0 / std::sqrt(bc2));
  std::vector<torch::Tensor> p = params.tensors(), g = grads.tensors(), m = m_m.tensors(),
                             v = m_v.tensors();
  struct Span {
    float *p, *m, *v;
    const float* g;
    int64_t begin, end;  // in the concatenation of all tensors
  };
  std::vector<Span> spans;
  int64_t total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const bool fused = p[i].is_cpu() && p[i].is_contiguous() && g[i].is_contiguous() &&
                       p[i].scalar_type() == torch::kFloat && g[i].scalar_type() == torch::kFloat;
    if (!fused) {
      m[i].mul_(m_beta1).add_(g[i], 1.0 - m_beta1);
      v[i].mul_(m_beta2).addcmul_(g[i], g[i], 1.0 - m_beta2);
      p[i].addcdiv_(m[i], v[i].sqrt().mul_(invSqrtBc2).add_(m_eps), -stepSize);
      continue;
    }
    spans.push_back({p[i].data_ptr<float>(), m[i].data_ptr<float>(), v[i].data_ptr<float>(),
                     g[i].data_ptr<float>(), total, total + p[i].numel()});
    total += p[i].numel();
  }
  // One pass over parameter, gradient and both moments of every tensor, in one parallel region.
  parallelFor(total, 1 << 14, [&](int64_t begin, int64_t end) {
    for (const Span& s : spans) {
      const int64_t lo = std::max(begin, s.begin), hi = std::min(end, s.end);
      for (int64_t j = lo - s.begin; j < hi - s.begin; ++j) {
        const float gj = s.g[j];
        const float mj = b1 * s.m[j] + (1.0f - b1) * gj;
        const float vj = b2 * s.v[j] + (1.0f - b2) * gj * gj;
        s.m[j] = mj;
        s.v[j] = vj;
        s.p[j] -= stepSize * mj / (std::sqrt(vj) * invSqrtBc2 + eps);
      }
    }
  });
}

std::vector<double> accuracy(const MlpStack& p, const torch::Tensor& images,
                             const torch::Tensor& labels, int64_t classes, Workspace* ws) {
  torch::NoGradGuard noGrad;
  const int64_t G = p.count(), h = p.w1.size(1), in = p.w1.size(2), T = images.size(0);
  const torch::Tensor w3 = p.w3.narrow(1, 0, classes), b3 = p.b3.narrow(1, 0, classes);
  if (p.w1.is_cpu() && currentPool()) {
    // Model by model on the pool, 2048 test images at a time (buffers stay small).
    std::vector<int64_t> correct(static_cast<size_t>(G), 0);
    const torch::Tensor labels64 = labels.to(torch::kLong).contiguous();
    currentPool()->run(G, [&](int64_t begin, int64_t end) {
      for (int64_t g = begin; g < end; ++g) {
        for (int64_t t0 = 0; t0 < T; t0 += 2048) {
          const int64_t n = std::min<int64_t>(2048, T - t0);
          const torch::Tensor x = images.narrow(0, t0, n);                   // [n, in]
          torch::Tensor h1 = torch::addmm(p.b1[g], p.w1[g], x.t()).relu_();  // [h, n]
          torch::Tensor h2 = torch::addmm(p.b2[g], p.w2[g], h1).relu_();     // [h, n]
          const torch::Tensor logits = torch::addmm(b3[g], w3[g], h2);       // [classes, n]
          correct[size_t(g)] +=
              logits.argmax(0).eq(labels64.narrow(0, t0, n)).sum().item<int64_t>();
        }
      }
    });
    std::vector<double> acc(static_cast<size_t>(G));
    for (int64_t g = 0; g < G; ++g) acc[size_t(g)] = double(correct[size_t(g)]) / double(T);
    return acc;
  }
  // Keep the [G, h, chunk] activations near 8M floats on CPU (64M on a GPU).
  const int64_t budget = p.w1.is_cpu() ? (int64_t(8) << 20) : (int64_t(64) << 20);
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(T, budget / (G * h)));
  const auto opts = p.w1.options();
  torch::Tensor correct = torch::zeros({G}, opts.dtype(torch::kLong));
  for (int64_t t0 = 0; t0 < T; t0 += chunk) {
    const int64_t n = std::min(chunk, T - t0);
    const torch::Tensor x = images.narrow(0, t0, n);  // [n, in], shared by every model
    // All models' layer 1 as one matmul: [G*h, in] @ [in, n] -> [G*h, n] == [G, h, n]
    torch::Tensor h1 = scratch(ws, "eval_h1", {G * h, n}, opts);
    at::mm_out(h1, p.w1.view({G * h, in}), x.t());
    h1 = h1.view({G, h, n});
    h1.add_(p.b1).relu_();
    torch::Tensor h2 = scratch(ws, "eval_h2", {G, h, n}, opts);
    at::bmm_out(h2, p.w2, h1);  // [G, h, h] @ [G, h, n]
    h2.add_(p.b2).relu_();
    const torch::Tensor logits = torch::baddbmm(b3, w3, h2);  // [G, classes, n]
    const torch::Tensor pred = logits.argmax(1);              // [G, n]
    correct += pred.eq(labels.narrow(0, t0, n).unsqueeze(0)).sum(1);
  }
  const torch::Tensor c = correct.to(torch::kCPU);
  std::vector<double> acc(static_cast<size_t>(G));
  for (int64_t g = 0; g < G; ++g) acc[size_t(g)] = double(c[g].item<int64_t>()) / double(T);
  return acc;
}

}  // namespace sublab::aux
