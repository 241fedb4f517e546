// A small pool of worker threads for CPU work on whole models: the aux experiment's models (or
// ranges of elements) and the numbers experiment's independent trainings run in parallel, and
// idle workers sleep on a condition variable. Used instead of OpenMP because libgomp's idle
// threads spin: on a machine busy with other work that made 2-thread runs ten times slower than
// 1-thread ones. Inside the pool, torch runs single-threaded.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sublab {

using RangeFn = std::function<void(int64_t begin, int64_t end)>;

class ModelPool {
 public:
  // `threads` >= 1 in all: the caller plus threads - 1 workers.
  explicit ModelPool(int threads);
  ~ModelPool();
  ModelPool(const ModelPool&) = delete;
  ModelPool& operator=(const ModelPool&) = delete;

  int threads() const { return m_threads; }
  // fn over [0, count) in `threads` contiguous chunks, the caller taking the first; returns
  // when all are done and rethrows the first exception a chunk threw.
  void run(int64_t count, const RangeFn& fn);

 private:
  void worker(int index);
  void runChunk(int index);

  int m_threads;
  std::vector<std::thread> m_workers;
  std::mutex m_mutex;
  std::condition_variable m_wake, m_done;
  const RangeFn* m_fn = nullptr;
  int64_t m_count = 0;
  uint64_t m_generation = 0;
  int m_pending = 0;
  bool m_stop = false;
  std::exception_ptr m_error;
};

// While alive, parallelFor() on this thread uses `pool`, and torch's own intra-op threads are
// set to 1 (restored afterwards) so that nothing else competes with the pool's threads.
class PoolScope {
 public:
  explicit PoolScope(ModelPool& pool);
  ~PoolScope();
  PoolScope(const PoolScope&) = delete;
  PoolScope& operator=(const PoolScope&) = delete;

 private:
  ModelPool* m_previous;
  int m_torchThreads;
};

// The pool of the innermost PoolScope on this thread, or nullptr.
ModelPool* currentPool();

// fn over [0, count): on the current pool if there is one, else at::parallel_for with `grain`.
void parallelFor(int64_t count, int64_t grain, const RangeFn& fn);

// Runs job(i) for every i in [0, count), independent jobs such as trainings of separate models.
// With lanes > 1 and more than one job they run side by side, up to `lanes` at once (contiguous
// shares, in order within a share), each on one torch thread: a small model's training step
// keeps one core busy better than two (two side by side went 1.7-2x faster than one after the
// other on 2 threads), and a job's arithmetic is then the same whatever the lanes. Otherwise in
// order on this thread with its torch threads. Returns when all are done; rethrows the first
// exception a job threw (the other shares still finish; their jobs see the run's cancel flag).
void runSideBySide(int lanes, int64_t count, const std::function<void(int64_t)>& job);

}  // namespace sublab
