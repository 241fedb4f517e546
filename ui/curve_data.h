// Metric points of one or more runs, indexed metric → condition → step → seed, aggregated on
// demand into a mean line with a 95% CI band across seeds (sublab::meanCi95). Filled from
// storage for finished runs and point by point while a run trains.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QVector>
#include <map>
#include <vector>

#include "engine/core/common.h"

namespace sublab::ui {

struct SeriesStats {
  QString condition;
  QVector<double> steps, mean, lo, hi;
  QVector<int> n;  // seeds contributing at each step
};

struct SeedSeries {
  int seed = 0;
  QVector<double> steps, values;
};

class CurveData {
 public:
  void clear();
  // A point with the same (metric, condition, seed, step) replaces the old value.
  void add(const sublab::MetricPoint& p);
  void add(const std::vector<sublab::MetricPoint>& points);

  bool isEmpty() const { return m_data.empty(); }
  QStringList metrics() const;
  // Conditions of a metric in display order (see conditionOrder()).
  QStringList conditions(const QString& metric) const;
  SeriesStats aggregate(const QString& metric, const QString& condition) const;
  QList<SeedSeries> seeds(const QString& metric, const QString& condition) const;
  // The last step's aggregate per condition (for summary read-outs of finished curves).
  int pointCount() const { return m_points; }
  // Bumped by every add(); views replot only when it changed.
  quint64 revision() const { return m_revision; }

 private:
  using Steps = std::map<int64_t, std::map<int, double>>;
  std::map<std::string, std::map<std::string, Steps>> m_data;
  int m_points = 0;
  quint64 m_revision = 0;
};

// Display order of experiment conditions: every kind's conditions in the order its description
// lists them (kinds in registry order); names no kind lists after, alphabetically.
int conditionRank(const QString& condition);
QStringList sortedConditions(QStringList conditions);

}  // namespace sublab::ui
