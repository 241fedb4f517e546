// Whole-run progress of the run the queue is executing, for the place the user watches a run
// (the main window's status bar): the current stage in the kind's words ("pretraining reference
// models (cached after the first run)"), "stage k/N", the share of the whole run done and an
// estimated time left. The share weighs each stage's own progress by its rough share of a run
// (the kind's description, engine/kinds.h); the time left extrapolates the time each stage
// has been the current one over the work it did, leaving out stages that finished in moments
// (references loaded from the cache), so a cold first run and a cached one both estimate well.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <functional>

#include "engine/kinds.h"

namespace sublab::ui {

class RunQueue;

// One stage as the tracker saw it.
struct StageClock {
  QString name;
  double fraction = 0;  // of this stage's own work, 0..1
  bool done = false;
  double activeSeconds = 0;  // time it was the stage the run reported last
};

struct RunEstimate {
  double fraction = 0;      // of the whole run, 0..1
  double secondsLeft = -1;  // -1: not known yet
  int stage = 0;            // 1-based position of the current stage in the kind's list; 0: unknown
  int stageCount = 0;
  QString text;  // "pretraining reference models (cached after the first run) — stage 1/4 · …"
};

// The estimate from what was seen so far (pure: the tests call it with made-up clocks).
RunEstimate estimateRun(const sublab::KindDescription& kind, const QList<StageClock>& stages,
                        const QString& current);
// "~40 s", "~3 min", "~1 h 20 min".
QString durationText(double seconds);

class RunProgressTracker : public QObject {
  Q_OBJECT

 public:
  explicit RunProgressTracker(RunQueue* queue, QObject* parent = nullptr);
  // Seconds since some fixed point (tests pass a fake clock; default: a monotonic timer).
  void setClock(std::function<double()> seconds);
  // The run followed (0: none) and its estimate ("" text when none runs).
  qint64 runId() const { return m_runId; }
  const RunEstimate& estimate() const { return m_estimate; }
  // Updates from the queue's state now (also called on every stage or progress update).
  void refresh();

 Q_SIGNALS:
  void changed(const QString& text);

 private:
  RunQueue* m_queue;
  std::function<double()> m_clock;
  QElapsedTimer m_timer;
  qint64 m_runId = 0;
  QString m_current;
  double m_lastSeconds = 0;
  QHash<QString, double> m_active;  // stage -> seconds it was current
  RunEstimate m_estimate;
};

}  // namespace sublab::ui
