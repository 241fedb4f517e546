// Summary figures of a stored run, read from storage's summary rows (falling back to the
// engine's summary JSON): the headline effect per kind (numbers: transfer = student − control;
// aux: aux-only student accuracy), its cross-init counterpart, and every condition.
// Also the run's "key settings" (config keys that differ from the kind's defaults).
#pragma once

#include <QList>
#include <QString>
#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace sublab::ui {

struct Figure {
  QString name;    // condition or contrast name
  QString metric;  // "trait_prob", "accuracy", …
  double mean = 0, lo = 0, hi = 0;
  int n = 0;
  bool valid = false;
};

// numbers: contrast "transfer"; aux: condition "student_aux".
Figure effectFigure(const sublab::RunInfo& run);
// numbers: contrast "cross_transfer"; aux: condition "cross_aux".
Figure crossFigure(const sublab::RunInfo& run);
// Every condition (then every contrast) with its interval.
QList<Figure> allFigures(const sublab::RunInfo& run);
// Tooltip text saying what the headline columns mean for this run's kind.
QString effectDescription(const QString& kind);
QString crossDescription(const QString& kind);

// "0.123 [0.101, 0.145]" (empty when invalid).
QString formatFigure(const Figure& f, int precision = 3);

// Config keys whose value differs from the kind's defaults, as "path=value" in path order.
// Keys named in `ignore` (last path component, e.g. "seed") are left out.
QStringList keySettings(const nlohmann::json& config, const QStringList& ignore = {});
// The kind's default config (cached; empty object when the kind is unknown).
const nlohmann::json& defaultConfig(const QString& kind);

// A config with every key named in `ignore` (last component) removed, serialized: equal
// strings mean "same config but the seed" (the runs table's group-by key).
QString groupKey(const nlohmann::json& config, const QStringList& ignore);

QString runStatusText(sublab::RunStatus s);
// "1 run" / "3 runs".
QString countText(qint64 n, const QString& one, const QString& many);

}  // namespace sublab::ui
