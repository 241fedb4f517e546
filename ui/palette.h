// Colours used across views so a condition has the same colour in every chart, and series
// colours for overlays of several runs.
#pragma once

#include <QColor>
#include <QString>

namespace sublab::ui {

QColor conditionColor(const QString& condition);
QColor seriesColor(int index);
// Fill colour for a CI band drawn under a line of colour `c`.
QColor bandColor(const QColor& c);
// Human label: "cross_student" -> "cross student".
QString conditionLabel(const QString& condition);

}  // namespace sublab::ui
