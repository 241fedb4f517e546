// Implementation of the whole-run progress estimate and its tracker.
#include "ui/run_progress.h"

#include <algorithm>
#include <cmath>

#include "ui/run_kind.h"
#include "ui/run_queue.h"

namespace sublab::ui {

namespace {
// A stage done in less than this was skipped in effect (e.g. loaded from the cache): its time
// says nothing about the rate of the rest.
constexpr double kSkippedSeconds = 2.0;
// Too little seen to extrapolate from: less work than this share of the run, or less time.
constexpr double kMinWork = 0.002;
constexpr double kMinSeconds = 2.0;
}  // namespace

QString durationText(double seconds) {
  if (seconds < 0) return {};
  if (seconds < 55) return QObject::tr("~%1 s").arg(std::max(5, int(std::lround(seconds / 5)) * 5));
  const int minutes = int(std::lround(seconds / 60));
  if (minutes < 60) return QObject::tr("~%1 min").arg(std::max(1, minutes));
  return QObject::tr("~%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
}

RunEstimate estimateRun(const sublab::KindDescription& kind, const QList<StageClock>& stages,
                        const QString& current) {
  RunEstimate e;
  // The kind's stages in order with their shares; stages it does not list (an unknown kind)
  // share what is left equally.
  struct Row {
    QString name, description;
    double share = 0;
    const StageClock* clock = nullptr;
  };
  QList<Row> rows;
  for (const sublab::StageSpec& s : kind.stages)
    rows << Row{QString::fromStdString(s.name), QString::fromStdString(s.description), s.share};
  QList<const StageClock*> extra;
  for (const StageClock& c : stages) {
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.name == c.name; });
    if (it != rows.end())
      it->clock = &c;
    else
      extra << &c;
  }
  double listed = 0;
  for (const Row& r : rows) listed += r.share;
  const double pool = rows.isEmpty() ? 1.0 : std::max(0.0, 1.0 - listed);
  for (const StageClock* c : extra) rows << Row{c->name, c->name, pool / extra.size(), c};
  double total = 0;
  for (const Row& r : rows) total += r.share;
  if (rows.isEmpty() || total <= 0) return e;

  double done = 0, basisWork = 0, basisSeconds = 0, left = 0;
  for (const Row& r : rows) {
    const double share = r.share / total;
    const double f = r.clock ? (r.clock->done ? 1.0 : std::clamp(r.clock->fraction, 0.0, 1.0)) : 0;
    done += share * f;
    left += share * (1 - f);
    if (!r.clock) continue;
    const bool skipped = r.clock->done && r.clock->activeSeconds < kSkippedSeconds;
    if (!skipped && f > 0) {
      basisWork += share * f;
      basisSeconds += r.clock->activeSeconds;
    }
  }
  e.fraction = std::clamp(done, 0.0, 1.0);
  e.stageCount = rows.size();
  QString what = current;
  for (int i = 0; i < rows.size(); ++i)
    if (rows[i].name == current) {
      e.stage = i + 1;
      what = rows[i].description;
    }
  if (basisWork >= kMinWork && basisSeconds >= kMinSeconds)
    e.secondsLeft = left * basisSeconds / basisWork;
  QStringList parts;
  if (e.stage > 0) parts << QObject::tr("stage %1/%2").arg(e.stage).arg(e.stageCount);
  parts << QObject::tr("%1% of the run").arg(int(std::floor(e.fraction * 100)));
  parts << (e.secondsLeft >= 0 ? QObject::tr("%1 left").arg(durationText(e.secondsLeft))
                               : QObject::tr("estimating time left…"));
  e.text = QStringLiteral("%1 — %2").arg(what, parts.join(QStringLiteral(" · ")));
  return e;
}

RunProgressTracker::RunProgressTracker(RunQueue* queue, QObject* parent)
    : QObject(parent), m_queue(queue) {
  m_timer.start();
  m_clock = [this] { return m_timer.elapsed() / 1000.0; };
  connect(queue, &RunQueue::stageUpdated, this, &RunProgressTracker::refresh);
  connect(queue, &RunQueue::runFinished, this, &RunProgressTracker::refresh);
  connect(queue, &RunQueue::runStarted, this, &RunProgressTracker::refresh);
}

void RunProgressTracker::setClock(std::function<double()> seconds) {
  m_clock = std::move(seconds);
  m_lastSeconds = m_clock();
}

void RunProgressTracker::refresh() {
  const double now = m_clock();
  const Job* job = m_queue->activeJobId() ? m_queue->job(m_queue->activeJobId()) : nullptr;
  if (!job || job->status != sublab::RunStatus::Running) {
    const bool had = m_runId != 0;
    m_runId = 0;
    m_current.clear();
    m_active.clear();
    m_estimate = RunEstimate();
    if (had) Q_EMIT changed(QString());
    return;
  }
  if (job->runId != m_runId) {
    m_runId = job->runId;
    m_active.clear();
    m_current.clear();
    m_lastSeconds = now;
  }
  // The time since the last update belongs to the stage that was current during it.
  if (!m_current.isEmpty()) m_active[m_current] += std::max(0.0, now - m_lastSeconds);
  m_lastSeconds = now;
  m_current = job->currentStage;
  QList<StageClock> clocks;
  for (const StageProgress& s : job->stages)
    clocks << StageClock{s.name, s.fraction, s.status == sublab::StageStatus::Done,
                         m_active.value(s.name)};
  const sublab::KindDescription kind =
      describeKind(std::string(job->spec.config.value("kind", std::string())));
  m_estimate = estimateRun(kind, clocks, m_current);
  m_estimate.text = tr("Run #%1: %2").arg(m_runId).arg(m_estimate.text);
  Q_EMIT changed(m_estimate.text);
}

}  // namespace sublab::ui
