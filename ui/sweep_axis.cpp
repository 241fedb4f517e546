// The Sweeps tab's x axis: log spacing and plain-number ticks.
#include "ui/sweep_axis.h"

#include <algorithm>
#include <cmath>

namespace sublab::ui {

namespace {

// How uneven a list of steps is: their standard deviation over their mean.
double unevenness(const QList<double>& steps) {
  double mean = 0, sq = 0;
  for (double d : steps) mean += d / steps.size();
  for (double d : steps) sq += (d - mean) * (d - mean) / steps.size();
  return mean > 0 ? std::sqrt(sq) / mean : 1e9;
}

}  // namespace

double sweepNumber(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::nan("");
}

QString sweepValueText(const nlohmann::json& v) {
  if (v.is_number_integer()) return QString::number(v.get<int64_t>());
  if (v.is_number()) return QString::number(v.get<double>(), 'g', 6);
  return QString::fromStdString(v.dump());
}

bool logSpaced(QList<double> xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  if (xs.size() < 3 || !(xs.first() > 0) || xs.last() / xs.first() < 2) return false;
  QList<double> logSteps, steps;
  for (int i = 1; i < xs.size(); ++i) {
    logSteps << std::log(xs[i] / xs[i - 1]);
    steps << xs[i] - xs[i - 1];
  }
  const double log = unevenness(logSteps);
  return log < 0.25 && log < unevenness(steps);
}

QString plainNumber(double x) {
  if (x == 0 || !std::isfinite(x)) return QString::number(x == 0 ? 0.0 : x);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(x))));
  if (magnitude >= 15 || magnitude < -12) return QString::number(x, 'g', 6);
  QString text = QString::number(x, 'f', std::max(0, 5 - magnitude));  // 6 significant digits
  if (text.contains(QLatin1Char('.'))) {
    while (text.endsWith(QLatin1Char('0'))) text.chop(1);
    if (text.endsWith(QLatin1Char('.'))) text.chop(1);
  }
  return text;
}

QVector<double> ticksAtValues(QList<double> xs) {
  xs.removeIf([](double x) { return !std::isfinite(x); });
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  if (xs.size() < 2 || xs.size() > 8) return {};
  const double span = xs.last() - xs.first();
  for (int i = 1; i < xs.size(); ++i)
    if (xs[i] - xs[i - 1] < 0.08 * span) return {};
  return QVector<double>(xs.begin(), xs.end());
}

QVector<double> PlainTicker::createTickVector(double tickStep, const QCPRange& range) {
  if (m_at.isEmpty()) return QCPAxisTicker::createTickVector(tickStep, range);
  QVector<double> ticks;
  for (double x : m_at)
    if (range.contains(x)) ticks << x;
  return ticks;
}

QString PlainTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
  return plainNumber(std::abs(tick) < 1e-12 ? 0.0 : tick);
}

QVector<double> PlainLogTicker::createTickVector(double tickStep, const QCPRange& range) {
  const double lo = std::max(range.lower, 1e-300), hi = range.upper;
  if (!(hi > lo)) return QCPAxisTicker::createTickVector(tickStep, range);
  const QList<QList<int>> sets = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
  for (const QList<int>& mantissas : sets) {
    QVector<double> ticks;
    for (int e = int(std::floor(std::log10(lo))); e <= int(std::ceil(std::log10(hi))); ++e)
      for (int m : mantissas) {
        const double t = m * std::pow(10.0, e);
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks << t;
      }
    if (ticks.size() > 10 && mantissas.size() == 1) {  // many decades: every other one
      QVector<double> thinned;
      for (int i = 0; i < ticks.size(); i += 2) thinned << ticks[i];
      ticks = thinned;
    }
    if (ticks.size() >= 3) return ticks;
  }
  return QCPAxisTicker::createTickVector(tickStep, range);  // linear steps in a narrow span
}

}  // namespace sublab::ui
