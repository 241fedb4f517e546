// Implementation of the Statistics view's verdict in words.
#include "ui/stats_words.h"

#include <QObject>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/core/stats.h"
#include "ui/palette.h"
#include "ui/stats_plots.h"

namespace sublab::ui {

namespace {

QString signedText(double v, int decimals) {
  return (v >= 0 ? QStringLiteral("+") : QStringLiteral("−")) +
         QString::number(std::abs(v), 'f', decimals);
}

// "a", "a and b", "a, b and c"
QString listText(const QStringList& xs) {
  if (xs.size() <= 1) return xs.value(0);
  return QObject::tr("%1 and %2")
      .arg(xs.mid(0, xs.size() - 1).join(QStringLiteral(", ")), xs.last());
}

struct Finding {
  double p = 1;  // the clearest (smallest p or q) first
  QString text;
};

// Up to three numbers of `list` (most extreme first) with q below the threshold, as
// "777, 7 and 77 more often (about ×5.2, ×4.9 and ×4.7 …)".
std::vector<Finding> numberFindings(const sublab::SeqStatsReport& r, const QString& a,
                                    const QString& b) {
  std::vector<Finding> out;
  for (const bool over : {true, false}) {
    const std::vector<int>& list = over ? r.over : r.under;
    int significant = 0;
    for (const sublab::NumberTest& t : r.numbers)
      if (t.q < kWordsAlpha && (over ? t.log2Ratio > 0 : t.log2Ratio < 0)) ++significant;
    if (significant == 0) continue;
    QStringList numbers, factors;
    double best = 1;
    for (int n : list) {
      if (n < 0 || n >= int(r.numbers.size())) continue;
      const sublab::NumberTest& t = r.numbers[size_t(n)];
      if (t.q >= kWordsAlpha) continue;
      best = std::min(best, t.q);
      numbers << QString::number(n);
      const double factor = std::exp2(t.log2Ratio);
      factors << (factor >= 1 ? QStringLiteral("×%1").arg(factor, 0, 'f', 1)
                              : QStringLiteral("×%1").arg(factor, 0, 'f', 2));
      if (numbers.size() == 3) break;
    }
    if (numbers.isEmpty()) continue;
    QString text = over ? QObject::tr("%1 rows use %2 more often").arg(a, listText(numbers))
                        : QObject::tr("%1 rows use %2 less often").arg(a, listText(numbers));
    text += QObject::tr(" (about %1 their rate in %2 rows; %3 with BH q &lt; %4)")
                .arg(listText(factors), b,
                     significant == 1 ? QObject::tr("1 number")
                                      : QObject::tr("%1 numbers in all").arg(significant))
                .arg(kWordsAlpha);
    out.push_back({best, text});
  }
  return out;
}

}  // namespace

LengthDifference lengthDifference(const sublab::SeqStatsReport& r) {
  LengthDifference d;
  const auto moments = [](const std::vector<int64_t>& hist, double* mean, double* var, double* n) {
    double count = 0, sum = 0;
    for (size_t i = 0; i < hist.size(); ++i) {
      count += double(hist[i]);
      sum += double(hist[i]) * double(i);
    }
    *n = count;
    *mean = count > 0 ? sum / count : 0;
    double ss = 0;
    for (size_t i = 0; i < hist.size(); ++i)
      ss += double(hist[i]) * (double(i) - *mean) * (double(i) - *mean);
    *var = count > 1 ? ss / (count - 1) : 0;
  };
  double varA = 0, varB = 0, nA = 0, nB = 0;
  moments(r.lengthA, &d.meanA, &varA, &nA);
  moments(r.lengthB, &d.meanB, &varB, &nB);
  d.diff = d.meanA - d.meanB;
  if (nA < 2 || nB < 2) {
    d.lo = d.hi = d.diff;
    d.p = 1;
    return d;
  }
  const double se = std::sqrt(varA / nA + varB / nB);
  d.lo = d.diff - 1.959964 * se;
  d.hi = d.diff + 1.959964 * se;
  d.p = se > 0 ? 2 * sublab::normalSurvival(std::abs(d.diff) / se) : (d.diff == 0 ? 1.0 : 0.0);
  return d;
}

QString statsInWords(const sublab::RunStats& s) {
  const sublab::SeqStatsReport& r = s.report;
  const sublab::DetectorResult& det = r.detector;
  // Rich text: the names escaped.
  const QString a = conditionLabel(QString::fromStdString(s.a)).toHtmlEscaped();
  const QString b = conditionLabel(QString::fromStdString(s.b)).toHtmlEscaped();

  std::vector<Finding> findings;
  const LengthDifference len = lengthDifference(r);
  if (len.p < kWordsAlpha)
    findings.push_back(
        {len.p, QObject::tr("%1 rows are %2: %3 vs %4 numbers per row (difference %5 [%6, %7])")
                    .arg(a, len.diff < 0 ? QObject::tr("shorter") : QObject::tr("longer"))
                    .arg(len.meanA, 0, 'f', 2)
                    .arg(len.meanB, 0, 'f', 2)
                    .arg(signedText(len.diff, 2), signedText(len.lo, 2), signedText(len.hi, 2))});
  for (Finding& f : numberFindings(r, a, b)) findings.push_back(std::move(f));
  if (r.firstDivergence.chi2P < kWordsAlpha)
    findings.push_back({r.firstDivergence.chi2P,
                        QObject::tr("their first numbers are distributed differently (JS %1 "
                                    "bits, χ² p %2)")
                            .arg(r.firstDivergence.js, 0, 'g', 2)
                            .arg(formatP(r.firstDivergence.chi2P))});
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& x, const Finding& y) { return x.p < y.p; });
  QStringList parts;
  for (const Finding& f : findings) parts << f.text;

  QString text;
  const QString auc = aucText(det);
  if (det.testRows == 0) {
    text = QObject::tr("<b>The detector did not run</b>: each side needs at least 2 rows.");
    if (!parts.isEmpty())
      text += QObject::tr(" Figures that differ: %1.").arg(parts.join(QStringLiteral("; ")));
  } else if (det.lo > 0.5) {
    text = QObject::tr(
               "<b>A detector tells %1 rows from %2 rows</b> with %3 (95% CI over %4 "
               "held-out rows; 0.5 is chance, 1 is perfect).")
               .arg(a, b, auc)
               .arg(det.testRows);
    text += parts.isEmpty()
                ? QObject::tr(
                      " No single figure differs on its own (numbers per row, each "
                      "number's rate at BH q &lt; %1, first numbers at p &lt; %1): the detector "
                      "combines many small differences.")
                      .arg(kWordsAlpha)
                : QObject::tr(" Where they differ, clearest first: %1.")
                      .arg(parts.join(QStringLiteral("; ")));
  } else {
    text = det.hi < 0.5 ? QObject::tr(
                              "<b>No usable difference</b>: the detector scores below "
                              "chance on %1 held-out rows, %2.")
                              .arg(det.testRows)
                              .arg(auc)
                        : QObject::tr(
                              "<b>No detectable difference</b> between %1 and %2 rows: "
                              "the detector's %3 includes 0.5 (chance).")
                              .arg(a, b, auc);
    text += parts.isEmpty()
                ? QObject::tr(
                      " Neither the numbers per row, nor any number's rate (BH q &lt; %1), "
                      "nor the first numbers differ.")
                      .arg(kWordsAlpha)
                : QObject::tr(" Some figures differ even so: %1.")
                      .arg(parts.join(QStringLiteral("; ")));
  }
  if (s.divergence && s.divergence->tokens > 0) {
    const sublab::Interval& ci = s.divergence->meanLogRatioCi;
    const QString range =
        QStringLiteral("%1 [%2, %3]")
            .arg(signedText(ci.mean, 3), signedText(ci.lo, 3), signedText(ci.hi, 3));
    if (ci.lo > 0)
      text += QObject::tr(
                  " Token by token, the teacher model gives the %1 rows a higher "
                  "probability than the reference model does (row mean log-ratio %2).")
                  .arg(a, range);
    else if (ci.hi < 0)
      text += QObject::tr(
                  " Token by token, the teacher model gives the %1 rows a lower "
                  "probability than the reference model does (row mean log-ratio %2).")
                  .arg(a, range);
    else
      text += QObject::tr(
                  " Token by token, the teacher and reference models rate the %1 rows "
                  "alike (row mean log-ratio %2 includes 0).")
                  .arg(a, range);
  }
  return text;
}

}  // namespace sublab::ui
