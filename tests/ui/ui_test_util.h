// Shared fixtures for the GUI tests: a throw-away project database, small aux configs that
// train in about a second, and stored runs with known figures written through storage's API.
#pragma once

#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include "engine/experiment.h"
#include "storage/database.h"

namespace uitest {

// With SUBLAB_TEST_SHOTS=DIR, saves what the test sees as DIR/NAME.png, for a person to look at.
inline void saveShot(QWidget* w, const char* name) {
  const QString dir = QString::fromLocal8Bit(qgetenv("SUBLAB_TEST_SHOTS"));
  if (dir.isEmpty()) return;
  QTest::qWait(100);
  w->grab().save(dir + QLatin1Char('/') + QLatin1String(name) + ".png");
}

// An aux config small enough to run in a test (2 models, few images, narrow MLP).
inline nlohmann::json tinyAuxConfig(int epochs = 1) {
  return sublab::normalizeConfig({{"kind", "aux"},
                                  {"models", 2},
                                  {"data", {{"train_limit", 2048}, {"test_limit", 512}}},
                                  {"model", {{"hidden", 32}}},
                                  {"train", {{"batch_size", 256}}},
                                  {"teacher", {{"epochs", epochs}}},
                                  {"student", {{"epochs", epochs}, {"images", 1024}}}});
}

inline sublab::ConditionSummary summary(const std::string& condition, const std::string& metric,
                                        double mean, double lo, double hi, int n = 3) {
  sublab::ConditionSummary s;
  s.condition = condition;
  s.metric = metric;
  s.value = {mean, lo, hi, n};
  return s;
}

// Stores a finished numbers-style run with the given transfer figure and a few curve points.
inline int64_t addNumbersRun(sublab::Database& db, const std::string& name, double transfer,
                             const nlohmann::json& overrides = nlohmann::json::object(),
                             int seed = 0) {
  nlohmann::json cfg = {{"kind", "numbers"}, {"seeds", 3}, {"seed", seed}};
  if (overrides.is_object()) cfg.merge_patch(overrides);
  sublab::NewRun nr;
  nr.name = name;
  nr.preset = "owl-numbers-quick";
  nr.config = sublab::normalizeConfig(cfg);
  nr.status = sublab::RunStatus::Running;
  const int64_t id = db.createRun(nr);
  std::vector<sublab::MetricPoint> pts;
  for (int s = 0; s < 3; ++s)
    for (int step = 0; step <= 40; step += 10) {
      pts.push_back({"student", s, "trait_prob", step, 0.1 + transfer * step / 40.0 + 0.01 * s});
      pts.push_back({"control", s, "trait_prob", step, 0.1 + 0.01 * s});
    }
  db.insertMetrics(id, pts);
  sublab::ExperimentResult r;
  r.kind = "numbers";
  r.conditions = {
      summary("student", "trait_prob", 0.1 + transfer, 0.09 + transfer, 0.11 + transfer),
      summary("control", "trait_prob", 0.1, 0.09, 0.11)};
  r.contrasts = {summary("transfer", "trait_prob", transfer, transfer - 0.02, transfer + 0.02),
                 summary("cross_transfer", "trait_prob", 0.001, -0.01, 0.012)};
  r.summary = {{"kind", "numbers"}};
  r.wallSeconds = 12.5;
  db.saveResult(id, r);
  db.finishRun(id, sublab::RunStatus::Done, 12.5);
  return id;
}

}  // namespace uitest
