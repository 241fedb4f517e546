// Implementation of the summary statistics in stats.h.
#include "engine/core/stats.h"

#include <cmath>
#include <stdexcept>

namespace sublab {

double tQuantile975(int df) {
  // Exact table for small df; beyond it the Cornish-Fisher expansion is accurate to ~1e-4.
  static const double kTable[] = {0.0,    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469,
                                  2.3646, 2.3060,  2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
                                  2.1448, 2.1314,  2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                                  2.0796, 2.0739,  2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
                                  2.0484, 2.0452,  2.0423};
  if (df < 1) throw std::invalid_argument("tQuantile975: df must be >= 1");
  if (df <= 30) return kTable[df];
  const double z = 1.959964;
  const double v = df;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

Interval meanCi95(const std::vector<double>& xs) {
  Interval r;
  r.n = static_cast<int>(xs.size());
  if (xs.empty()) return r;
  double sum = 0;
  for (double x : xs) sum += x;
  r.mean = sum / r.n;
  if (r.n == 1) {
    r.lo = r.hi = r.mean;
    return r;
  }
  double ss = 0;
  for (double x : xs) ss += (x - r.mean) * (x - r.mean);
  const double sd = std::sqrt(ss / (r.n - 1));
  const double half = tQuantile975(r.n - 1) * sd / std::sqrt(static_cast<double>(r.n));
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

Interval pairedDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("pairedDifferenceCi95: sizes differ");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return meanCi95(d);
}

}  // namespace sublab
