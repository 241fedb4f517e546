// What the views know about a run's kind, all of it asked of the engine's description
// (engine/kinds.h), so no view compares a kind's name: the description of a kind with a
// generic stand-in for a kind this build does not know (a database written by a newer
// version), and the labels, default metric and condition order derived from the descriptions.
#pragma once

#include <QString>
#include <QStringList>
#include <string>

#include "engine/kinds.h"

class QCheckBox;

namespace sublab::ui {

// The engine's description of `kind`; for an unknown kind (or none, e.g. a mix of kinds) a
// generic one: its name as title, "step" on the x axis, no headline figure, no sequences.
sublab::KindDescription describeKind(const std::string& kind);
sublab::KindDescription describeKind(const QString& kind);

// Axis label of a metric: the kind's label for its headline metric (a variant of it such as
// "trait_prob_raw" becomes "trait probability (raw)"), else the name with spaces.
QString metricLabel(const sublab::KindDescription& kind, const QString& metric);
// The metric to show when the user has not chosen one: the kind's headline metric when the run
// has it, else the first (empty when there are none).
QString defaultMetric(const sublab::KindDescription& kind, const QStringList& metrics);
// The x-axis label of the kind's curves.
QString stepLabel(const sublab::KindDescription& kind);
// The check box that draws every repetition's curve behind the mean, in the kind's words
// ("Show models"; "Show seeds" when the kind names none).
void labelMembersBox(QCheckBox* box, const sublab::KindDescription& kind);

}  // namespace sublab::ui
