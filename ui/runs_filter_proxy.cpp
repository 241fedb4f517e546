// Implementation of RunsFilterProxy.
#include "ui/runs_filter_proxy.h"

#include <QLocale>
#include <QRegularExpression>

#include "ui/runs_table_model.h"

namespace sublab::ui {

RunsFilterProxy::RunsFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(RunsTableModel::RawRole);
  setRecursiveFilteringEnabled(true);
  setDynamicSortFilter(true);
}

void RunsFilterProxy::setText(const QString& text) {
  m_text = text;
  m_words.clear();
  m_conditions.clear();
  m_parseError.clear();
  // KEY OP VALUE, spaces around OP optional; VALUE runs to the next space.
  static const QRegularExpression condition(
      QStringLiteral(R"(([A-Za-z_][\w.]*)?\s*(<=|>=|!=|==|=|<|>)\s*(\S*))"));
  QString rest = text;
  QStringList errors;
  auto it = condition.globalMatch(text);
  QList<QPair<qsizetype, qsizetype>> spans;
  while (it.hasNext()) {
    const QRegularExpressionMatch m = it.next();
    spans.append({m.capturedStart(), m.capturedLength()});
    const QString whole = m.captured(0).trimmed();
    Condition c;
    c.key = m.captured(1);
    c.op = m.captured(2) == QLatin1String("==") ? QStringLiteral("=") : m.captured(2);
    c.text = m.captured(3);
    if (c.key.isEmpty()) {
      errors << tr("\"%1\" has no figure or setting before \"%2\"; write e.g. transfer > 0")
                    .arg(whole, m.captured(2));
      continue;
    }
    if (c.text.isEmpty()) {
      errors << tr("\"%1\" has no value after \"%2\"; write e.g. %3 %2 0.5")
                    .arg(whole, m.captured(2), c.key);
      continue;
    }
    // C locale without group separators: "0,001" is not a number (not 1).
    QLocale c_locale = QLocale::c();
    c_locale.setNumberOptions(QLocale::RejectGroupSeparator);
    bool ok = false;
    c.value = c_locale.toDouble(c.text, &ok);
    c.numeric = ok;
    if (!ok && c.op != QLatin1String("=") && c.op != QLatin1String("!=")) {
      errors << tr("\"%1\" in \"%2\" is not a number; write one with a decimal point, e.g. "
                   "%3 %4 1e-3 or 0.001")
                    .arg(c.text, whole, c.key, c.op);
      continue;
    }
    m_conditions << c;
  }
  for (auto s = spans.crbegin(); s != spans.crend(); ++s) rest.remove(s->first, s->second);
  m_words = rest.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  m_parseError = errors.join(QLatin1Char('\n'));
  checkKeys();
  invalidateFilter();
}

void RunsFilterProxy::checkKeys() {
  m_error = m_parseError;
  if (!m_runs || m_runs->rowCount() == 0) return;
  QStringList unknown;
  for (const Condition& c : std::as_const(m_conditions)) {
    bool known = false;
    for (int r = 0; r < m_runs->rowCount() && !known; ++r)
      known = RunsTableModel::keyValue(*m_runs->rowAt(r), c.key).isValid();
    if (!known && !unknown.contains(c.key)) unknown << c.key;
  }
  if (unknown.isEmpty()) return;
  const QString msg =
      tr("No run has a figure or setting named %1. Figures: transfer, raw, cross or a stored "
         "one such as student; settings are config paths such as student.lr (Columns… lists "
         "them).")
          .arg(QStringLiteral("\"") + unknown.join(QStringLiteral("\", \"")) +
               QStringLiteral("\""));
  m_error = m_error.isEmpty() ? msg : m_error + QLatin1Char('\n') + msg;
}

void RunsFilterProxy::setKind(const QString& kind) {
  m_kind = kind;
  invalidateFilter();
}

void RunsFilterProxy::setStatus(const QString& status) {
  m_status = status;
  invalidateFilter();
}

bool RunsFilterProxy::matches(const Condition& c, qint64 runId) const {
  if (!m_runs) return false;
  const RunsTableModel::Row* row = m_runs->rowAt(m_runs->rowOfRun(runId));
  if (!row) return false;
  const QVariant v = RunsTableModel::keyValue(*row, c.key);
  if (!v.isValid()) return false;
  if (v.typeId() != QMetaType::Double) {
    // Text settings compare as text (= and != only).
    const bool same = v.toString().compare(c.text, Qt::CaseInsensitive) == 0;
    return c.op == QLatin1String("!=") ? !same : c.op == QLatin1String("=") && same;
  }
  if (!c.numeric) return c.op == QLatin1String("!=");
  const double x = v.toDouble();
  if (c.op == QLatin1String("<")) return x < c.value;
  if (c.op == QLatin1String("<=")) return x <= c.value;
  if (c.op == QLatin1String(">")) return x > c.value;
  if (c.op == QLatin1String(">=")) return x >= c.value;
  if (c.op == QLatin1String("=")) return x == c.value;
  return x != c.value;
}

bool RunsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
  // Group rows (in the grouped tree) have no run id: they show when one of their runs matches
  // (recursive filtering asks about the children too).
  const QVariant id = idx.data(RunsTableModel::RunIdRole);
  if (!id.isValid())
    return m_words.isEmpty() && m_conditions.isEmpty() && m_kind.isEmpty() && m_status.isEmpty();
  if (!m_kind.isEmpty() && idx.data(RunsTableModel::KindRole).toString() != m_kind) return false;
  if (!m_status.isEmpty() &&
      sourceModel()->index(sourceRow, RunsTableModel::ColStatus, sourceParent).data().toString() !=
          m_status)
    return false;
  for (const Condition& c : m_conditions)
    if (!matches(c, id.toLongLong())) return false;
  if (m_words.isEmpty()) return true;
  const QString hay = idx.data(RunsTableModel::SearchTextRole).toString();
  for (const QString& w : m_words)
    if (!hay.contains(w)) return false;
  return true;
}

}  // namespace sublab::ui
