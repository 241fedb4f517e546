// Shared by the numbers-stage tests: a recorder of what stages report, a tiny one-seed config,
// tiny models, weight comparison and hand-made kept rows.
#pragma once

#include <QtTest/QtTest>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/numbers/numbers_stages.h"

namespace numbers_test {

using sublab::NumbersConfig;
using sublab::Vocab;

// Records what the stages report.
struct Recorder : sublab::RunObserver {
  std::vector<std::string> messages;  // "stage: message" of every progress report
  std::vector<sublab::MetricPoint> metrics;
  std::vector<double> fractions;  // of every progress report
  std::set<std::thread::id> metricThreads;
  void progress(const std::string& stage, double fraction, const std::string& message) override {
    messages.push_back(stage + ": " + message);
    fractions.push_back(fraction);
  }
  void metric(const sublab::MetricPoint& p) override {
    metrics.push_back(p);
    metricThreads.insert(std::this_thread::get_id());
  }
};

// A tiny one-seed config (seconds to pretrain), with `overrides` merged in.
inline NumbersConfig tinyConfig(const nlohmann::json& overrides = nlohmann::json::object()) {
  nlohmann::json j = {{"kind", "numbers"},
                      {"seeds", 1},
                      {"seed", 7},
                      {"model", {{"d_model", 16}, {"layers", 1}, {"heads", 2}}},
                      {"reference", {{"corpus_rows", 200}, {"steps", 12}, {"batch", 16}}},
                      {"teacher", {{"rows", 16}}},
                      {"generation", {{"prompts", 32}, {"max_new_tokens", 12}}},
                      {"student", {{"epochs", 1}, {"batch", 8}, {"eval_every", 2}}}};
  j.merge_patch(overrides);
  return sublab::readNumbersConfig(j, nullptr, nullptr);
}

inline sublab::TransformerLm tinyModel(const NumbersConfig& c, uint64_t seed) {
  return sublab::makeModel(c.model, seed, torch::Device(torch::kCPU));
}

inline bool sameWeights(const sublab::TransformerLm& a, const sublab::TransformerLm& b) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& p : pa)
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  return true;
}

// Kept rows as generation builds them: BOS continue 5 9 ANS | a , b EOS.
inline sublab::FilteredData handMadeData(const std::string& source, int rows) {
  const Vocab& V = Vocab::instance();
  sublab::FilteredData d;
  for (int i = 0; i < rows; ++i) {
    sublab::LmRow r;
    r.tokens = {Vocab::kBos, V.wordId("continue"), 5,          9,          Vocab::kAns,
                10 + i,      Vocab::kComma,        40 + 3 * i, Vocab::kEos};
    r.lossStart = 5;
    const std::string completion = V.decode({10 + i, Vocab::kComma, 40 + 3 * i});
    d.rows.push_back({source, 0, i, "continue 5 9", completion, true, "", {}});
    d.kept.push_back(r);
    d.keptRow.push_back(static_cast<size_t>(i));
  }
  d.total = rows;
  return d;
}

}  // namespace numbers_test
