// Implementation of the summary-figure and key-settings helpers.
#include "ui/run_figures.h"

#include <QHash>
#include <map>

#include "ui/config_form.h"
#include "engine/experiment.h"

namespace sublab::ui {

namespace {

Figure fromSummary(const sublab::ConditionSummary& cs) {
  Figure f;
  f.name = QString::fromStdString(cs.condition);
  f.metric = QString::fromStdString(cs.metric);
  f.mean = cs.value.mean;
  f.lo = cs.value.lo;
  f.hi = cs.value.hi;
  f.n = cs.value.n;
  f.valid = true;
  return f;
}

// {"mean": m, "ci95": [lo, hi]} (possibly nested under "accuracy") -> Figure.
Figure fromJson(const QString& name, const nlohmann::json& j, const QString& metric) {
  Figure f;
  f.name = name;
  f.metric = metric;
  const nlohmann::json* v = &j;
  if (v->is_object() && v->contains("accuracy")) v = &(*v)["accuracy"];
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

Figure findFigure(const sublab::RunInfo& run, const std::string& name, bool contrast) {
  for (const auto& cs : contrast ? run.contrasts : run.conditions)
    if (cs.condition == name) return fromSummary(cs);
  const nlohmann::json& s = run.summary;
  if (!s.is_object()) return {};
  const QString metric = run.kind == "aux" ? "accuracy" : "trait_prob";
  if (contrast && s.contains(name)) return fromJson(QString::fromStdString(name), s[name], metric);
  if (!contrast && s.contains("conditions") && s["conditions"].contains(name))
    return fromJson(QString::fromStdString(name), s["conditions"][name], metric);
  return {};
}

}  // namespace

Figure effectFigure(const sublab::RunInfo& run) {
  return run.kind == "aux" ? findFigure(run, "student_aux", false)
                           : findFigure(run, "transfer", true);
}

Figure crossFigure(const sublab::RunInfo& run) {
  return run.kind == "aux" ? findFigure(run, "cross_aux", false)
                           : findFigure(run, "cross_transfer", true);
}

QList<Figure> allFigures(const sublab::RunInfo& run) {
  QList<Figure> out;
  if (!run.conditions.empty() || !run.contrasts.empty()) {
    for (const auto& cs : run.conditions) out << fromSummary(cs);
    for (const auto& cs : run.contrasts) out << fromSummary(cs);
    return out;
  }
  const nlohmann::json& s = run.summary;
  if (!s.is_object()) return out;
  const QString metric = run.kind == "aux" ? "accuracy" : "trait_prob";
  if (s.contains("conditions") && s["conditions"].is_object())
    for (auto it = s["conditions"].begin(); it != s["conditions"].end(); ++it) {
      Figure f = fromJson(QString::fromStdString(it.key()), *it, metric);
      if (f.valid) out << f;
    }
  for (const char* c : {"transfer", "cross_transfer"})
    if (s.contains(c)) {
      Figure f = fromJson(QString::fromLatin1(c), s[c], metric);
      if (f.valid) out << f;
    }
  return out;
}

QString effectDescription(const QString& kind) {
  return kind == "aux" ? QObject::tr("Accuracy of the aux-only student (same init), mean [95% CI]")
                       : QObject::tr("Transfer = student − control trait probability, paired by "
                                     "seed, mean [95% CI]");
}

QString crossDescription(const QString& kind) {
  return kind == "aux" ? QObject::tr("Accuracy of the cross-init aux-only student, mean [95% CI]")
                       : QObject::tr("Cross-init transfer = cross student − cross control, "
                                     "mean [95% CI]");
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
