// Summary figures of a stored run, read from storage's summary rows (falling back to the
// engine's summary JSON): the headline effect and its cross-init counterpart that the kind's
// description names (run_kind.h), and every condition and contrast.
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
  bool contrast = false;  // a paired difference of two conditions, not a condition
  bool valid = false;
};

// The kind's headline effect (its description's `effect`); invalid for an unknown kind.
Figure effectFigure(const sublab::RunInfo& run);
// Its cross-init counterpart (the description's `cross`).
Figure crossFigure(const sublab::RunInfo& run);
// The student's own figure behind the transfer (the description's `raw`).
Figure rawFigure(const sublab::RunInfo& run);
// A figure by name: "transfer", "raw" and "cross" name the kind's headline figures (the same
// meaning for every kind); any other name is a stored condition or contrast, or a contrast of
// the kind computed from its two conditions' per-seed values. Invalid when the run has none.
Figure namedFigure(const sublab::RunInfo& run, const QString& name);
// Every condition (then every contrast) with its interval.
QList<Figure> allFigures(const sublab::RunInfo& run);
// Tooltip text saying what the headline columns mean for this run's kind (the description's
// one-liners; empty for an unknown kind).
QString effectDescription(const QString& kind);
QString crossDescription(const QString& kind);
QString rawDescription(const QString& kind);

// The rows a run's filter judged and kept, from its summary's "filter" counts ("total", or
// "kept" plus a "rejected" count), and what they were read from when the summary names a source
// file ("source": file, bytes, sha256, format, skipped). Invalid when the summary has no counts
// (a run that stores no rows, or one that has not finished).
struct RowCounts {
  qint64 total = 0, kept = 0;
  QString source;  // "owl.jsonl · 1.2 MB · JSONL · SHA-256 3f2a…" ("" when not an import)
  bool valid = false;
};
RowCounts rowCounts(const sublab::RunInfo& run);

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
