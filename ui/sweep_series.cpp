// A stored sweep read for the Sweeps tab, and the rule for overlaying sweeps.
#include "ui/sweep_series.h"

#include <QCoreApplication>

namespace sublab::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("SweepSeries", text); }

// The stored plan is the normalised one (app/lab/sweep.h): the base is an inline config.
QString planKind(const nlohmann::json& plan) {
  const auto base = plan.find("base");
  if (base == plan.end() || !base->is_object()) return {};
  const auto config = base->find("config");
  if (config == base->end() || !config->is_object()) return {};
  return QString::fromStdString(config->value("kind", std::string()));
}

QString firstKey(const nlohmann::json& plan) {
  const auto axes = plan.find("axes");
  if (axes == plan.end() || !axes->is_array() || axes->empty() || !(*axes)[0].is_object())
    return {};
  return QString::fromStdString((*axes)[0].value("key", std::string()));
}

SweepViewPoint readPoint(sublab::Database& db, const sublab::SweepPointInfo& p) {
  SweepViewPoint v;
  v.index = p.index;
  v.values = p.values;
  v.runId = p.runId;
  if (!p.runId) return v;
  if (const auto run = db.findRun(p.runId)) {
    v.status = run->status;
    v.message = QString::fromStdString(run->error);
    v.effect = effectFigure(*run);
    v.cross = crossFigure(*run);
  } else {
    v.status = sublab::RunStatus::Cancelled;
    v.message = tr("its run #%1 was deleted").arg(p.runId);
  }
  return v;
}

}  // namespace

QString sweepLabel(const sublab::SweepInfo& sweep) {
  return QStringLiteral("#%1 %2").arg(sweep.id).arg(QString::fromStdString(sweep.name));
}

SweepSeries loadSweepSeries(sublab::Database& db, qint64 sweepId) {
  const sublab::SweepInfo sweep = db.sweep(sweepId);
  SweepSeries s;
  s.id = sweepId;
  s.label = sweepLabel(sweep);
  for (const auto& a : sweep.plan.value("axes", nlohmann::json::array())) {
    if (!a.is_object()) continue;
    s.keys << QString::fromStdString(a.value("key", std::string()));
    if (s.keys.size() == 1)
      s.xForm = a.contains("log")      ? QStringLiteral("log")
                : a.contains("linear") ? QStringLiteral("linear")
                                       : QString();
  }
  for (const sublab::SweepPointInfo& p : db.sweepPoints(sweepId)) s.points << readPoint(db, p);
  return s;
}

QList<OverlayChoice> overlayChoices(const std::vector<sublab::SweepInfo>& all,
                                    const sublab::SweepInfo& current) {
  const QString kind = planKind(current.plan), key = firstKey(current.plan);
  QList<OverlayChoice> out;
  for (const sublab::SweepInfo& s : all) {
    if (s.id == current.id) continue;  // a sweep over itself adds nothing
    OverlayChoice c;
    c.id = s.id;
    c.label = sweepLabel(s);
    const QString otherKind = planKind(s.plan), otherKey = firstKey(s.plan);
    if (otherKind != kind)
      c.whyNot = tr("kind %1, not %2").arg(otherKind, kind);
    else if (otherKey != key)
      c.whyNot = tr("sweeps %1, not %2").arg(otherKey, key);
    out << c;
  }
  return out;
}

}  // namespace sublab::ui
