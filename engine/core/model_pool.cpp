// The worker pool for whole models (see model_pool.h): a generation counter under a mutex wakes
// the workers, each takes its fixed chunk of the range, the last one done wakes the caller.
#include "engine/core/model_pool.h"

#include <ATen/Parallel.h>

#include <algorithm>

namespace sublab {
namespace {

thread_local ModelPool* t_current = nullptr;

}  // namespace

ModelPool::ModelPool(int threads) : m_threads(std::max(1, threads)) {
  for (int i = 1; i < m_threads; ++i) m_workers.emplace_back([this, i] { worker(i); });
}

ModelPool::~ModelPool() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  for (auto& w : m_workers) w.join();
}

void ModelPool::runChunk(int index) {
  const int64_t begin = m_count * index / m_threads, end = m_count * (index + 1) / m_threads;
  if (begin >= end) return;
  try {
    (*m_fn)(begin, end);
  } catch (...) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_error) m_error = std::current_exception();
  }
}

void ModelPool::worker(int index) {
  // BLAS and torch calls made from this thread stay on it.
  at::set_num_threads(1);
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
      if (m_stop) return;
      seen = m_generation;
    }
    runChunk(index);
    std::lock_guard<std::mutex> lock(m_mutex);
    if (--m_pending == 0) m_done.notify_one();
  }
}

void ModelPool::run(int64_t count, const RangeFn& fn) {
  if (count <= 0) return;
  if (m_threads == 1 || count == 1) {
    fn(0, count);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_fn = &fn;
    m_count = count;
    m_pending = m_threads - 1;
    m_error = nullptr;
    ++m_generation;
  }
  m_wake.notify_all();
  runChunk(0);
  std::unique_lock<std::mutex> lock(m_mutex);
  m_done.wait(lock, [&] { return m_pending == 0; });
  m_fn = nullptr;
  if (m_error) std::rethrow_exception(m_error);
}

PoolScope::PoolScope(ModelPool& pool)
    : m_previous(t_current), m_torchThreads(at::get_num_threads()) {
  t_current = &pool;
  at::set_num_threads(1);
}

PoolScope::~PoolScope() {
  t_current = m_previous;
  at::set_num_threads(m_torchThreads);
}

ModelPool* currentPool() { return t_current; }

void parallelFor(int64_t count, int64_t grain, const RangeFn& fn) {
  if (ModelPool* pool = currentPool()) {
    if (count >= 2 * grain) {
      pool->run(count, fn);
    } else if (count > 0) {
      fn(0, count);
    }
    return;
  }
  at::parallel_for(0, count, grain, fn);
}

void runSideBySide(int lanes, int64_t count, const std::function<void(int64_t)>& job) {
  if (lanes <= 1 || count <= 1) {
    for (int64_t i = 0; i < count; ++i) job(i);
    return;
  }
  ModelPool pool(static_cast<int>(std::min<int64_t>(lanes, count)));
  PoolScope scope(pool);
  pool.run(count, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) job(i);
  });
}

}  // namespace sublab
