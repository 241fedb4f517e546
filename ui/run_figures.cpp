// Implementation of the summary-figure and key-settings helpers.
#include "ui/run_figures.h"

#include <QHash>
#include <QLocale>
#include <QObject>
#include <cmath>
#include <map>

#include "engine/core/stats.h"
#include "engine/experiment.h"
#include "ui/config_form.h"
#include "ui/run_kind.h"

namespace sublab::ui {

namespace {

Figure fromSummary(const sublab::ConditionSummary& cs, bool contrast) {
  Figure f;
  f.name = QString::fromStdString(cs.condition);
  f.metric = QString::fromStdString(cs.metric);
  f.mean = cs.value.mean;
  f.lo = cs.value.lo;
  f.hi = cs.value.hi;
  f.n = cs.value.n;
  f.contrast = contrast;
  f.valid = true;
  return f;
}

// {"mean": m, "ci95": [lo, hi]} (possibly nested under the metric's name) -> Figure.
Figure fromJson(const QString& name, const nlohmann::json& j, const QString& metric,
                bool contrast) {
  Figure f;
  f.name = name;
  f.metric = metric;
  f.contrast = contrast;
  const nlohmann::json* v = &j;
  if (v->is_object() && !metric.isEmpty() && v->contains(metric.toStdString()))
    v = &(*v)[metric.toStdString()];
  if (!v->is_object() || !v->contains("mean") || !(*v)["mean"].is_number()) return f;
  f.mean = (*v)["mean"].get<double>();
  f.lo = f.hi = f.mean;
  if (v->contains("ci95") && (*v)["ci95"].is_array() && (*v)["ci95"].size() == 2 &&
      (*v)["ci95"][0].is_number() && (*v)["ci95"][1].is_number()) {
    f.lo = (*v)["ci95"][0].get<double>();
    f.hi = (*v)["ci95"][1].get<double>();
  }
  if (v->contains("n") && (*v)["n"].is_number_integer()) f.n = (*v)["n"].get<int>();
  f.valid = true;
  return f;
}

// A figure in the engine's summary JSON (runs stored before summary rows existed): conditions
// under "conditions", contrasts at the top level or under "contrasts"; nullptr when absent.
const nlohmann::json* summaryEntry(const nlohmann::json& s, const std::string& name,
                                   bool contrast) {
  if (!s.is_object() || name.empty()) return nullptr;
  const auto group = s.find(contrast ? "contrasts" : "conditions");
  if (group != s.end() && group->is_object())
    if (const auto it = group->find(name); it != group->end()) return &*it;
  if (!contrast) return nullptr;
  const auto it = s.find(name);
  return it != s.end() ? &*it : nullptr;
}

// A contrast the run did not store, computed from its two conditions' stored per-seed values
// (a - b paired by seed, mean and 95% CI; mean alone when there is one pair). Invalid when a
// condition or its per-seed values are missing, or they do not pair up.
Figure contrastFromConditions(const sublab::RunInfo& run, const std::string& name) {
  const sublab::KindDescription kind = describeKind(run.kind);
  for (const sublab::ContrastSpec& c : kind.contrasts) {
    if (c.name != name) continue;
    const sublab::ConditionSummary *a = nullptr, *b = nullptr;
    for (const auto& cs : run.conditions) {
      if (cs.condition == c.a) a = &cs;
      if (cs.condition == c.b) b = &cs;
    }
    if (!a || !b || a->perSeed.empty() || a->perSeed.size() != b->perSeed.size()) return {};
    sublab::ConditionSummary d;
    d.condition = name;
    d.metric = a->metric;
    for (size_t i = 0; i < a->perSeed.size(); ++i)
      d.perSeed.push_back(a->perSeed[i] - b->perSeed[i]);
    d.value = sublab::pairedDifferenceCi95(a->perSeed, b->perSeed);
    if (!std::isfinite(d.value.mean)) return {};
    if (!std::isfinite(d.value.lo) || !std::isfinite(d.value.hi))
      d.value.lo = d.value.hi = d.value.mean;
    return fromSummary(d, true);
  }
  return {};
}

Figure findFigure(const sublab::RunInfo& run, const sublab::FigureRef& ref) {
  for (const auto& cs : ref.contrast ? run.contrasts : run.conditions)
    if (cs.condition == ref.name) return fromSummary(cs, ref.contrast);
  const nlohmann::json* entry = summaryEntry(run.summary, ref.name, ref.contrast);
  if (!entry) return ref.contrast ? contrastFromConditions(run, ref.name) : Figure{};
  return fromJson(QString::fromStdString(ref.name), *entry,
                  QString::fromStdString(describeKind(run.kind).metric), ref.contrast);
}

}  // namespace

Figure effectFigure(const sublab::RunInfo& run) {
  return findFigure(run, describeKind(run.kind).effect);
}

Figure crossFigure(const sublab::RunInfo& run) {
  return findFigure(run, describeKind(run.kind).cross);
}

Figure rawFigure(const sublab::RunInfo& run) { return findFigure(run, describeKind(run.kind).raw); }

Figure namedFigure(const sublab::RunInfo& run, const QString& name) {
  if (name.isEmpty()) return {};
  const sublab::KindDescription kind = describeKind(run.kind);
  // The headline names mean the same for every kind.
  if (name == QLatin1String("transfer") && !kind.effect.name.empty())
    return findFigure(run, kind.effect);
  if (name == QLatin1String("raw") && !kind.raw.name.empty()) return findFigure(run, kind.raw);
  if (name == QLatin1String("cross") && !kind.cross.name.empty())
    return findFigure(run, kind.cross);
  for (const Figure& f : allFigures(run))
    if (f.name == name) return f;
  for (const sublab::ContrastSpec& c : kind.contrasts)
    if (QString::fromStdString(c.name) == name) return contrastFromConditions(run, c.name);
  return {};
}

QString rawDescription(const QString& kind) {
  return QString::fromStdString(describeKind(kind).raw.description);
}

QList<Figure> allFigures(const sublab::RunInfo& run) {
  QList<Figure> out;
  if (!run.conditions.empty() || !run.contrasts.empty()) {
    for (const auto& cs : run.conditions) out << fromSummary(cs, false);
    for (const auto& cs : run.contrasts) out << fromSummary(cs, true);
    return out;
  }
  const nlohmann::json& s = run.summary;
  if (!s.is_object()) return out;
  const sublab::KindDescription kind = describeKind(run.kind);
  const QString metric = QString::fromStdString(kind.metric);
  if (s.contains("conditions") && s["conditions"].is_object())
    for (auto it = s["conditions"].begin(); it != s["conditions"].end(); ++it) {
      Figure f = fromJson(QString::fromStdString(it.key()), *it, metric, false);
      if (f.valid) out << f;
    }
  for (const sublab::ContrastSpec& c : kind.contrasts)
    if (const nlohmann::json* entry = summaryEntry(s, c.name, true)) {
      Figure f = fromJson(QString::fromStdString(c.name), *entry, metric, true);
      if (f.valid) out << f;
    }
  return out;
}

QString effectDescription(const QString& kind) {
  return QString::fromStdString(describeKind(kind).effect.description);
}

QString crossDescription(const QString& kind) {
  return QString::fromStdString(describeKind(kind).cross.description);
}

RowCounts rowCounts(const sublab::RunInfo& run) {
  RowCounts c;
  const nlohmann::json& s = run.summary;
  if (!s.is_object() || !s.contains("filter") || !s["filter"].is_object()) return c;
  const nlohmann::json& f = s["filter"];
  if (!f.contains("kept") || !f["kept"].is_number_integer()) return c;
  c.kept = f["kept"].get<qint64>();
  if (f.contains("total") && f["total"].is_number_integer())
    c.total = f["total"].get<qint64>();
  else if (f.contains("rejected") && f["rejected"].is_number_integer())
    c.total = c.kept + f["rejected"].get<qint64>();
  else
    return c;
  c.valid = true;
  const nlohmann::json src = s.value("source", nlohmann::json());
  if (src.is_object() && src.contains("file")) {
    QStringList parts{QString::fromStdString(src.value("file", std::string()))};
    if (src.value("bytes", int64_t{0}) > 0)
      parts << QLocale().formattedDataSize(src.value("bytes", int64_t{0}));
    if (!src.value("format", std::string()).empty())
      parts << QString::fromStdString(src.value("format", std::string()));
    if (src.value("skipped", int64_t{0}) > 0)
      parts << QObject::tr("%1 bad rows skipped").arg(src.value("skipped", int64_t{0}));
    const QString sha = QString::fromStdString(src.value("sha256", std::string()));
    if (!sha.isEmpty()) parts << QStringLiteral("SHA-256 %1").arg(sha);
    c.source = parts.join(QStringLiteral(" · "));
  }
  return c;
}

QString formatFigure(const Figure& f, int precision) {
  if (!f.valid) return {};
  if (f.lo == f.hi) return QString::number(f.mean, 'f', precision);
  return QStringLiteral("%1 [%2, %3]")
      .arg(f.mean, 0, 'f', precision)
      .arg(f.lo, 0, 'f', precision)
      .arg(f.hi, 0, 'f', precision);
}

const nlohmann::json& defaultConfig(const QString& kind) {
  static QHash<QString, nlohmann::json> cache;
  auto it = cache.find(kind);
  if (it != cache.end()) return *it;
  nlohmann::json def = nlohmann::json::object();
  try {
    def = sublab::normalizeConfig({{"kind", kind.toStdString()}});
  } catch (const std::exception&) {
  }
  return *cache.insert(kind, def);
}

QStringList keySettings(const nlohmann::json& config, const QStringList& ignore) {
  QStringList out;
  if (!config.is_object()) return out;
  const nlohmann::json& def = defaultConfig(QString::fromStdString(config.value("kind", "")));
  std::vector<std::pair<QString, nlohmann::json>> leaves;
  flattenJson(config, QString(), leaves);
  for (const auto& [path, value] : leaves) {
    if (path == QLatin1String("kind")) continue;
    if (ignore.contains(path.section(QLatin1Char('.'), -1))) continue;
    const nlohmann::json d = jsonAt(def, path);
    if (d == value) continue;
    if (d.is_number() && value.is_number() && d.get<double>() == value.get<double>()) continue;
    out << path + QLatin1Char('=') + jsonText(value);
  }
  return out;
}

static void stripKeys(nlohmann::json& j, const QStringList& ignore) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    if (ignore.contains(QString::fromStdString(it.key()))) {
      it = j.erase(it);
    } else {
      stripKeys(*it, ignore);
      ++it;
    }
  }
}

QString groupKey(const nlohmann::json& config, const QStringList& ignore) {
  nlohmann::json j = config;
  stripKeys(j, ignore);
  return QString::fromStdString(j.dump());
}

QString countText(qint64 n, const QString& one, const QString& many) {
  return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

QString runStatusText(sublab::RunStatus s) { return QString::fromStdString(sublab::toString(s)); }

}  // namespace sublab::ui
