// Implementation of computeStats: every failure becomes the outcome's message, never an
// exception, because it runs on a pool thread.
#include "ui/stats_compute.h"

#include <QObject>

#include "storage/database.h"
#include "ui/run_kind.h"

namespace sublab::ui {

namespace {

// Why a run has no sequences: its kind never writes them (the description says why), or its
// generation stage has not run yet.
QString noSequencesMessage(const sublab::RunInfo& info) {
  const sublab::KindDescription kind = describeKind(info.kind);
  if (!kind.hasSequences && !kind.noSequencesReason.empty())
    return QObject::tr("Run #%1 is %2")
        .arg(info.id)
        .arg(QString::fromStdString(kind.noSequencesReason));
  return QObject::tr(
             "Run #%1 has no generated sequences yet (%2). Statistics appear once its "
             "generation stage has written rows.")
      .arg(info.id)
      .arg(QString::fromStdString(sublab::toString(info.status)));
}

// Fills o.a and o.b from the request (when the side's run has it), else from app/lab's
// default sides when the runs have them, else from the runs' first conditions. False (with
// o.error) when there are not two sides.
bool resolveSides(StatsOutcome& o, const QString& a, const QString& b) {
  const sublab::RunStatsOptions defaults;
  const QString defaultA = QString::fromStdString(defaults.a);
  const QString defaultB = QString::fromStdString(defaults.b);
  const bool sameRun = o.runB == o.runId;
  o.a = o.conditions.contains(a)          ? a
        : o.conditions.contains(defaultA) ? defaultA
                                          : o.conditions.first();
  o.b = o.conditionsB.contains(b) ? b : QString();
  if (o.b.isEmpty()) {
    if (o.conditionsB.contains(defaultB) && (o.a != defaultB || !sameRun)) o.b = defaultB;
    for (const QString& c : o.conditionsB)
      if (o.b.isEmpty() && (c != o.a || !sameRun)) o.b = c;
  }
  if (!o.b.isEmpty() && (o.a != o.b || !sameRun)) return true;
  o.error = o.conditions.size() < 2
                ? QObject::tr(
                      "Run #%1 has sequences of one condition only (%2): there is "
                      "nothing to compare them with.")
                      .arg(o.runId)
                      .arg(o.conditions.join(", "))
                : QObject::tr("Side A and side B are both \"%1\": pick two different conditions.")
                      .arg(o.a);
  return false;
}

}  // namespace

StatsOutcome computeStats(const StatsRequest& request) {
  StatsOutcome o;
  o.generation = request.generation;
  o.runId = request.runId;
  try {
    sublab::OpenOptions opts;
    opts.create = false;
    opts.readOnly = true;
    opts.markInterrupted = false;
    sublab::Database db(request.path.toStdString(), opts);
    const std::optional<sublab::RunInfo> info = db.findRun(request.runId);
    if (!info) {
      o.error = QObject::tr("Run #%1 is not in this project.").arg(request.runId);
      return o;
    }
    o.runName = QString::fromStdString(info->name);
    o.kind = QString::fromStdString(info->kind);
    for (const sublab::RunInfo& r : db.listRuns())
      if (describeKind(r.kind).hasSequences) o.runs.append({r.id, QString::fromStdString(r.name)});
    for (const std::string& c : db.sequenceConditions(request.runId))
      o.conditions << QString::fromStdString(c);
    if (o.conditions.isEmpty()) {
      o.error = noSequencesMessage(*info);
      return o;
    }
    o.runB = request.runB > 0 ? request.runB : request.runId;
    if (o.runB == o.runId) {
      o.conditionsB = o.conditions;
    } else {
      const std::optional<sublab::RunInfo> infoB = db.findRun(o.runB);
      if (!infoB) {
        o.error = QObject::tr("Run #%1 (side B) is not in this project.").arg(o.runB);
        return o;
      }
      for (const std::string& c : db.sequenceConditions(o.runB))
        o.conditionsB << QString::fromStdString(c);
      if (o.conditionsB.isEmpty()) {
        o.error = noSequencesMessage(*infoB);
        return o;
      }
    }
    if (!resolveSides(o, request.a, request.b)) return o;
    sublab::CompareOptions options;
    options.variants = request.variants;
    o.stats = std::make_shared<const sublab::RunStats>(
        sublab::compareSets(db, {o.runId, o.a.toStdString(), request.verdict, std::nullopt},
                            {o.runB, o.b.toStdString(), request.verdict, std::nullopt}, options));
  } catch (const std::exception& e) {
    o.error = QString::fromStdString(e.what());
  }
  return o;
}

}  // namespace sublab::ui
