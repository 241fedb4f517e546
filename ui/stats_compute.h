// The Statistics view's computation, run off the GUI thread: it opens the project on its own
// read-only connection, lists the runs whose kinds store sequences (the run pickers), resolves
// the default sides (app/lab's defaults, the teacher against the reference, when the runs have
// them), explains a run without sequences in its kind's words and calls app/lab's compareSets
// with the hidden-signal variants. Plain input and output structs, so it can be tested alone.
#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <memory>

#include "app/lab/run_stats.h"

namespace sublab::ui {

struct StatsRequest {
  quint64 generation = 0;  // handed back, so the view can drop stale outcomes
  QString path;            // the project database
  qint64 runId = 0;        // side A's run
  qint64 runB = 0;         // side B's run; 0: runId
  QString a, b;            // the sides asked for; empty: the defaults
  sublab::Verdict verdict = sublab::Verdict::Kept;
  bool variants = true;  // the hidden-signal variants (RunStats::hidden)
};

struct StatsOutcome {
  quint64 generation = 0;
  qint64 runId = 0;
  QString runName;
  QString kind;                        // the run's kind
  QStringList conditions;              // the run's sequence conditions (side A's picker items)
  qint64 runB = 0;                     // side B's run (resolved: never 0 when runId is not)
  QStringList conditionsB;             // its conditions (side B's picker items)
  QList<QPair<qint64, QString>> runs;  // (id, name) of every run whose kind stores sequences
  QString a, b;                        // the sides computed (the defaults resolved)
  std::shared_ptr<const sublab::RunStats> stats;
  QString error;  // why there are no statistics (then stats is null)
};

StatsOutcome computeStats(const StatsRequest& request);

}  // namespace sublab::ui
