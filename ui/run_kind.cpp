// Implementation of the kind helpers: lookups in the engine's kind registry, nothing more.
#include "ui/run_kind.h"

#include <QCheckBox>

namespace sublab::ui {

sublab::KindDescription describeKind(const std::string& kind) {
  if (const sublab::KindDescription* d = sublab::findKind(kind)) return *d;
  sublab::KindDescription generic;
  generic.name = kind;
  generic.title = kind;
  generic.stepLabel = "step";
  return generic;
}

sublab::KindDescription describeKind(const QString& kind) {
  return describeKind(kind.toStdString());
}

QString metricLabel(const sublab::KindDescription& kind, const QString& metric) {
  const QString headline = QString::fromStdString(kind.metric);
  const QString label = QString::fromStdString(kind.metricLabel);
  const auto spaced = [](QString s) { return s.replace(QLatin1Char('_'), QLatin1Char(' ')); };
  if (headline.isEmpty() || label.isEmpty()) return spaced(metric);
  if (metric == headline) return label;
  if (metric.startsWith(headline + QLatin1Char('_')))
    return QStringLiteral("%1 (%2)").arg(label, spaced(metric.mid(headline.size() + 1)));
  return spaced(metric);
}

QString defaultMetric(const sublab::KindDescription& kind, const QStringList& metrics) {
  const QString headline = QString::fromStdString(kind.metric);
  if (metrics.contains(headline)) return headline;
  return metrics.isEmpty() ? QString() : metrics.first();
}

QString stepLabel(const sublab::KindDescription& kind) {
  return QString::fromStdString(kind.stepLabel);
}

void labelMembersBox(QCheckBox* box, const sublab::KindDescription& kind) {
  const bool named = !kind.repetitionKey.empty() && !kind.repetitionNoun.empty();
  const QString many = named ? QString::fromStdString(kind.repetitionKey) : QObject::tr("seeds");
  const QString one = named ? QString::fromStdString(kind.repetitionNoun) : QObject::tr("seed");
  box->setText(QObject::tr("Show %1").arg(many));
  box->setToolTip(QObject::tr("Draw every %1's curve faintly behind the mean").arg(one));
}

}  // namespace sublab::ui
