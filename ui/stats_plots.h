// Drawing of the Statistics view's charts from a run's RunStats: number frequencies of both
// sides, the volcano plot, count distributions, the detector's ROC curve, the entanglement
// ranking and the per-token log-ratio histogram. Free functions so the view file stays about
// wiring; each returns what a click on a point needs (the numbers behind the points).
#pragma once

#include <QHash>
#include <QString>
#include <QVector>
#include <optional>

#include "engine/seqstats/seq_stats.h"
#include "ui/qcp.h"

namespace sublab::ui {

// Property on a chart item (a point's label) naming the number it stands for.
inline constexpr char kNumberProperty[] = "statsNumber";

// A title row above the axis rect (created on first use).
void setPlotTitle(QCustomPlot* plot, const QString& title);
QString plotTitle(QCustomPlot* plot);
// Clears the plot and shows `text` in the middle of the axis rect.
void showPlotMessage(QCustomPlot* plot, const QString& title, const QString& text);

// "0.0123", "3.2e-08": p- and q-values as people read them.
QString formatP(double p);
// "AUC 0.93 [0.90, 0.96]"
QString aucText(const sublab::DetectorResult& d);

// Share of all numbers (%) per number 0..999, one step line per side. In log scale, numbers a
// side never wrote leave a gap.
void drawFrequency(QCustomPlot* plot, const sublab::SeqStatsReport& r, const QString& a,
                   const QString& b, bool logScale);

// x = log2 ratio A/B, y = -log10 q; significant (q < 0.05) over- and under-represented numbers
// in colour, the rest grey; the top few of each side labelled. Returns, per scatter graph, the
// number behind each of its points (in data order).
QHash<QCPAbstractPlottable*, QVector<int>> drawVolcano(QCustomPlot* plot,
                                                       const sublab::SeqStatsReport& r,
                                                       const QString& a, const QString& b);

enum class Distribution { FirstNumber, Length, Digits, LastDigit, DigitsPerNumber };
QString distributionName(Distribution d);
// Both sides' shares of rows (or of digits) per value; bars for few values, steps for many.
void drawDistribution(QCustomPlot* plot, const sublab::SeqStatsReport& r, Distribution d,
                      const QString& a, const QString& b);

// ROC curve with the chance diagonal; the AUC with its bootstrap CI in the title and legend.
void drawRoc(QCustomPlot* plot, const sublab::DetectorResult& d, const QString& a,
             const QString& b);

// The `topN` entries with the largest change of the trait's probability as bars (numbers the
// frequency test finds significantly over-represented in A drawn in A's colour), with the
// baseline and the correlation with the log2 ratio in the title. Returns the number per bar
// (bar key i + 1 -> numbers[i]).
QVector<int> drawEntanglement(QCustomPlot* plot, const sublab::EntanglementResult* e,
                              const sublab::SeqStatsReport& r, std::optional<double> correlation,
                              const QString& a, int topN = 20);

// Histogram of per-token teacher - reference log-probabilities (shares of tokens), of the
// teacher rows and, when present, of the defended rows; the means with their CI in the title.
void drawTokenHistogram(QCustomPlot* plot, const sublab::DivergenceSummary* teacher,
                        const sublab::DivergenceSummary* defended);

}  // namespace sublab::ui
