// The Sweeps tab's x axis: how a swept value reads, whether values are log-spaced, and tickers
// that label with plain numbers (1000000, 0.001, never 1e+06).
#pragma once

#include <QList>
#include <QString>
#include <QVector>
#include <nlohmann/json.hpp>

#include "ui/qcp.h"

namespace sublab::ui {

// A swept value as a number (NaN for anything else) and as text.
double sweepNumber(const nlohmann::json& v);
QString sweepValueText(const nlohmann::json& v);
// Values (distinct) that are positive, span a factor of 2 or more and are more evenly spaced
// in log than in linear terms, within a tolerance that a log range rounded to integers (10, 13,
// 16, 20, 25, ...) still meets.
bool logSpaced(QList<double> xs);
// A number as a person writes it: 10, 1000, 0.001, 2.5, never 1e+02.
QString plainNumber(double x);
// Ticks at the swept values themselves when they are few and far enough apart for their labels.
QVector<double> ticksAtValues(QList<double> xs);

// Linear ticks, labelled as plain numbers (1000000, not 1·10^6); or ticks at given values (the
// few values a sweep ran: 24 and 40, not 25, 27.5, ..., 40).
class PlainTicker : public QCPAxisTicker {
 public:
  void setTicksAt(const QVector<double>& at) { m_at = at; }

 protected:
  QVector<double> createTickVector(double tickStep, const QCPRange& range) override;
  QString getTickLabel(double tick, const QLocale&, QChar, int) override;

 private:
  QVector<double> m_at;
};

// A log axis's ticks at 1 (or 1, 2, 5, or every digit, whichever first gives three ticks) times
// powers of ten, labelled as plain numbers; values within less than one such step get linear
// ticks instead. QCPAxisTickerLog labels with the axis's number format (1e+02 at a low
// precision) and leaves a sweep over less than a decade with one tick or none.
class PlainLogTicker : public PlainTicker {
 protected:
  QVector<double> createTickVector(double tickStep, const QCPRange& range) override;
};

}  // namespace sublab::ui
