// Observers for jobs that report side by side (see runSideBySide in model_pool.h): one that
// forwards every call under a mutex, and the progress of several jobs as one stage fraction.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

// Forwards every call to `next`, one at a time.
class SerialObserver : public RunObserver {
 public:
  explicit SerialObserver(RunObserver& next) : m_next(next) {}

  void stage(const std::string& name, StageStatus status, const std::string& message) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_next.stage(name, status, message);
  }
  void progress(const std::string& stage, double fraction, const std::string& message) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_next.progress(stage, fraction, message);
  }
  void metric(const MetricPoint& point) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_next.metric(point);
  }
  void sequences(const std::vector<SequenceRow>& rows) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_next.sequences(rows);
  }
  void analysis(const std::string& name, const nlohmann::json& data) override {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_next.analysis(name, data);
  }

 private:
  RunObserver& m_next;
  std::mutex m_mutex;
};

// The progress of `jobs` jobs as one fraction of `stage`: base + span x (the jobs' mean
// fraction), so it only grows however the jobs interleave. Thread-safe.
class JobsProgress {
 public:
  JobsProgress(RunObserver& obs, std::string stage, double base, double span, size_t jobs)
      : m_obs(obs), m_stage(std::move(stage)), m_base(base), m_span(span), m_done(jobs, 0.0) {}

  void report(size_t job, double fraction, const std::string& message) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_done[job] = std::max(m_done[job], fraction);
    double sum = 0;
    for (double f : m_done) sum += f;
    m_obs.progress(m_stage, m_base + m_span * sum / double(m_done.size()), message);
  }

 private:
  RunObserver& m_obs;
  std::string m_stage;
  double m_base, m_span;
  std::vector<double> m_done;
  std::mutex m_mutex;
};

}  // namespace sublab
