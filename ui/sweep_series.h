// A stored sweep as the Sweeps tab draws it (its axes and each point's run and figures), and
// which other sweeps of the project may be overlaid on it: those of the same kind that sweep
// the same knob first. Reads through storage only.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>

#include "storage/database.h"
#include "ui/run_figures.h"

namespace sublab::ui {

struct SweepViewPoint {
  int index = 0;
  nlohmann::json values;  // axis key -> value
  qint64 runId = 0;       // 0: not queued yet
  sublab::RunStatus status = sublab::RunStatus::Queued;
  QString message;  // a failed run's error
  Figure effect, cross;
};

struct SweepSeries {
  qint64 id = 0;
  QString label;     // "#3 max_kept from the CLI"
  QStringList keys;  // axis keys in plan order
  QString xForm;     // how the plan made the first axis: "log", "linear" or "" (a list)
  QList<SweepViewPoint> points;
};

// Reads the sweep, its points and their runs' figures. Throws sublab::Error (no such sweep).
SweepSeries loadSweepSeries(sublab::Database& db, qint64 sweepId);

// "#ID name", as the sweep list and the legend name a sweep.
QString sweepLabel(const sublab::SweepInfo& sweep);

// Another sweep of the project and whether it may be drawn over `current`: `whyNot` is empty
// when it may, else says why not ("sweeps student.lr, not filter.max_kept").
struct OverlayChoice {
  qint64 id = 0;
  QString label;
  QString whyNot;
};
// Every sweep but `current` itself, in `all`'s order.
QList<OverlayChoice> overlayChoices(const std::vector<sublab::SweepInfo>& all,
                                    const sublab::SweepInfo& current);

}  // namespace sublab::ui
