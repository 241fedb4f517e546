// Implementation of CurveData: per-step aggregation across seeds with sublab::meanCi95.
#include "ui/curve_data.h"

#include <algorithm>

#include "engine/core/stats.h"
#include "engine/kinds.h"

namespace sublab::ui {

void CurveData::clear() {
  m_data.clear();
  m_points = 0;
  ++m_revision;
}

void CurveData::add(const sublab::MetricPoint& p) {
  auto& bySeed = m_data[p.metric][p.condition][p.step];
  if (bySeed.emplace(p.seed, p.value).second) {
    ++m_points;
  } else {
    bySeed[p.seed] = p.value;
  }
  ++m_revision;
}

void CurveData::add(const std::vector<sublab::MetricPoint>& points) {
  for (const auto& p : points) add(p);
}

QStringList CurveData::metrics() const {
  QStringList out;
  for (const auto& [metric, _] : m_data) out << QString::fromStdString(metric);
  return out;
}

QStringList CurveData::conditions(const QString& metric) const {
  QStringList out;
  auto it = m_data.find(metric.toStdString());
  if (it == m_data.end()) return out;
  for (const auto& [cond, _] : it->second) out << QString::fromStdString(cond);
  return sortedConditions(out);
}

SeriesStats CurveData::aggregate(const QString& metric, const QString& condition) const {
  SeriesStats s;
  s.condition = condition;
  auto mit = m_data.find(metric.toStdString());
  if (mit == m_data.end()) return s;
  auto cit = mit->second.find(condition.toStdString());
  if (cit == mit->second.end()) return s;
  std::vector<double> xs;
  for (const auto& [step, bySeed] : cit->second) {
    xs.clear();
    for (const auto& [seed, v] : bySeed) xs.push_back(v);
    const sublab::Interval ci = sublab::meanCi95(xs);
    s.steps << static_cast<double>(step);
    s.mean << ci.mean;
    s.lo << ci.lo;
    s.hi << ci.hi;
    s.n << ci.n;
  }
  return s;
}

QList<SeedSeries> CurveData::seeds(const QString& metric, const QString& condition) const {
  QList<SeedSeries> out;
  auto mit = m_data.find(metric.toStdString());
  if (mit == m_data.end()) return out;
  auto cit = mit->second.find(condition.toStdString());
  if (cit == mit->second.end()) return out;
  std::map<int, SeedSeries> bySeed;
  for (const auto& [step, seeds] : cit->second)
    for (const auto& [seed, v] : seeds) {
      SeedSeries& ss = bySeed[seed];
      ss.seed = seed;
      ss.steps << static_cast<double>(step);
      ss.values << v;
    }
  for (auto& [_, ss] : bySeed) out << ss;
  return out;
}

int conditionRank(const QString& c) {
  // Every kind's conditions in its description's order, kinds in registry order.
  static const QStringList order = [] {
    QStringList out;
    for (const sublab::KindDescription& d : sublab::kindDescriptions())
      for (const std::string& name : d.conditions)
        if (!out.contains(QString::fromStdString(name))) out << QString::fromStdString(name);
    return out;
  }();
  const int i = order.indexOf(c);
  return i < 0 ? int(order.size()) : i;
}

QStringList sortedConditions(QStringList conditions) {
  std::stable_sort(conditions.begin(), conditions.end(), [](const QString& a, const QString& b) {
    const int ra = conditionRank(a), rb = conditionRank(b);
    return ra != rb ? ra < rb : a < b;
  });
  return conditions;
}

}  // namespace sublab::ui
