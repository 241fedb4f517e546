// Implementation of RunsTableModel.
#include "ui/runs_table_model.h"

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <limits>
#include <unordered_map>

#include "engine/core/thread_policy.h"
#include "engine/kinds.h"
#include "ui/config_form.h"
#include "ui/project.h"
#include "ui/run_kind.h"

namespace sublab::ui {

RunsTableModel::RunsTableModel(Project* project, QObject* parent)
    : QAbstractTableModel(parent), m_project(project) {}

RunsTableModel::Row RunsTableModel::makeRow(sublab::RunInfo info) const {
  Row r;
  r.settings = keySettings(info.config, {QStringLiteral("seed")}).join(QStringLiteral(", "));
  r.effect = effectFigure(info);
  r.raw = rawFigure(info);
  r.cross = crossFigure(info);
  r.rows = rowCounts(info);
  QStringList tags;
  for (const auto& t : info.tags) tags << QString::fromStdString(t);
  const auto link = m_links.find(info.id);
  if (link != m_links.end()) {
    const auto meta = m_sweeps.find(link->second.sweepId);
    r.sweepId = link->second.sweepId;
    r.sweepPoint = link->second.index;
    r.sweepTitle = meta != m_sweeps.end() ? meta->second.title : tr("#%1").arg(r.sweepId);
    r.sweepAxes = meta != m_sweeps.end() ? meta->second.axes : QString();
    r.sweep = r.sweepTitle + QStringLiteral(" · ") + link->second.text;
  }
  r.searchText = (QString::fromStdString(info.name) + ' ' + QString::fromStdString(info.preset) +
                  ' ' + tags.join(' ') + ' ' + QString::fromStdString(info.notes) + ' ' +
                  r.settings + ' ' + QString::fromStdString(info.kind) + ' ' +
                  QString::fromStdString(describeKind(info.kind).title) + ' ' + r.sweep)
                     .toLower();
  r.info = std::move(info);
  return r;
}

namespace {

// A point's values as its sweep's table cell shows them: each key by its last component
// ("max_kept=400"), by its whole path where two keys of the sweep share that component.
QString pointText(const nlohmann::json& values, const QStringList& keys) {
  QStringList order = keys;
  if (values.is_object())
    for (auto it = values.begin(); it != values.end(); ++it)
      if (!order.contains(QString::fromStdString(it.key())))
        order << QString::fromStdString(it.key());
  QStringList shortNames;
  for (const QString& k : order) shortNames << k.section(QLatin1Char('.'), -1);
  QStringList parts;
  for (int i = 0; i < order.size(); ++i) {
    if (!values.is_object() || !values.contains(order[i].toStdString())) continue;
    const nlohmann::json& v = values[order[i].toStdString()];
    const QString name = shortNames.count(shortNames[i]) > 1 ? order[i] : shortNames[i];
    const QString text = v.is_number_integer() ? QString::number(v.get<int64_t>())
                         : v.is_number()       ? QString::number(v.get<double>(), 'g', 6)
                         : v.is_string()       ? QString::fromStdString(v.get<std::string>())
                                               : QString::fromStdString(v.dump());
    parts << name + QLatin1Char('=') + text;
  }
  return parts.join(QStringLiteral(", "));
}

}  // namespace

void RunsTableModel::readSweepLinks(qint64 runId) {
  sublab::Database* db = m_project ? m_project->db() : nullptr;
  if (!db) return;
  const std::vector<sublab::SweepPointInfo> points = db->linkedSweepPoints(runId);
  bool unknownSweep = runId == 0;  // a full reload re-reads the titles (a sweep may be new)
  for (const auto& p : points) unknownSweep = unknownSweep || !m_sweeps.count(p.sweepId);
  if (unknownSweep) {
    m_sweeps.clear();
    for (const sublab::SweepInfo& sw : db->sweeps()) {
      SweepMeta meta;
      meta.title = tr("#%1 %2").arg(sw.id).arg(QString::fromStdString(sw.name));
      QStringList keys;
      for (const auto& a : sw.plan.value("axes", nlohmann::json::array()))
        if (a.is_object()) keys << QString::fromStdString(a.value("key", std::string()));
      meta.keys = keys;
      meta.axes = keys.join(QStringLiteral(" × "));
      m_sweeps[sw.id] = meta;
    }
  }
  if (runId == 0)
    m_links.clear();
  else
    m_links.erase(runId);
  for (const auto& p : points) {
    const auto meta = m_sweeps.find(p.sweepId);
    m_links[p.runId] = {
        p.sweepId, p.index,
        pointText(p.values, meta != m_sweeps.end() ? meta->second.keys : QStringList())};
  }
}

void RunsTableModel::reload() {
  std::vector<sublab::RunInfo> runs;
  if (m_project && m_project->db()) {
    try {
      runs = m_project->db()->listRuns();
      readSweepLinks();
    } catch (const std::exception& e) {
      Q_EMIT errorOccurred(QString::fromStdString(e.what()));
      return;
    }
  }
  std::unordered_map<int64_t, size_t> incoming;
  for (size_t i = 0; i < runs.size(); ++i) incoming[runs[i].id] = i;
  // Remove rows whose run is gone (from the bottom so indices stay valid).
  for (int r = static_cast<int>(m_rows.size()) - 1; r >= 0; --r) {
    if (incoming.count(m_rows[r].info.id)) continue;
    beginRemoveRows({}, r, r);
    m_rows.erase(m_rows.begin() + r);
    endRemoveRows();
  }
  std::unordered_map<int64_t, int> present;
  for (int r = 0; r < static_cast<int>(m_rows.size()); ++r) present[m_rows[r].info.id] = r;
  std::vector<Row> added;
  for (auto& info : runs) {
    auto it = present.find(info.id);
    if (it == present.end()) {
      added.push_back(makeRow(std::move(info)));
      continue;
    }
    Row& row = m_rows[it->second];
    const auto link = m_links.find(info.id);
    const qint64 sweepId = link == m_links.end() ? 0 : link->second.sweepId;
    const int sweepPoint = link == m_links.end() ? -1 : link->second.index;
    // Only touch rows that changed, so views keep their state and repaint little.
    if (row.sweepId == sweepId && row.sweepPoint == sweepPoint && row.info.status == info.status &&
        row.info.finishedAt == info.finishedAt && row.info.name == info.name &&
        row.info.tags == info.tags && row.info.notes == info.notes &&
        row.info.startedAt == info.startedAt && row.info.summary == info.summary)
      continue;
    row = makeRow(std::move(info));
    Q_EMIT dataChanged(index(it->second, 0), index(it->second, columnCount() - 1));
  }
  if (!added.empty()) {
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
    for (auto& r : added) m_rows.push_back(std::move(r));
    endInsertRows();
  }
}

void RunsTableModel::refreshRun(qint64 runId) {
  if (!m_project || !m_project->db()) return;
  std::optional<sublab::RunInfo> info;
  try {
    info = m_project->db()->findRun(runId);
    readSweepLinks(runId);  // a run the GUI just queued for a sweep is linked after it is made
  } catch (const std::exception& e) {
    Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    return;
  }
  const int r = rowOfRun(runId);
  if (!info) {
    if (r >= 0) {
      beginRemoveRows({}, r, r);
      m_rows.erase(m_rows.begin() + r);
      endRemoveRows();
    }
    return;
  }
  if (r >= 0) {
    m_rows[r] = makeRow(std::move(*info));
    Q_EMIT dataChanged(index(r, 0), index(r, columnCount() - 1));
  } else {
    const int n = static_cast<int>(m_rows.size());
    beginInsertRows({}, n, n);
    m_rows.push_back(makeRow(std::move(*info)));
    endInsertRows();
  }
}

const RunsTableModel::Row* RunsTableModel::rowAt(int row) const {
  return row >= 0 && row < static_cast<int>(m_rows.size()) ? &m_rows[row] : nullptr;
}

const sublab::RunInfo* RunsTableModel::run(qint64 runId) const {
  const int r = rowOfRun(runId);
  return r < 0 ? nullptr : &m_rows[r].info;
}

int RunsTableModel::rowOfRun(qint64 runId) const {
  for (int r = 0; r < static_cast<int>(m_rows.size()); ++r)
    if (m_rows[r].info.id == runId) return r;
  return -1;
}

void RunsTableModel::setGroupBy(GroupBy by) {
  m_groupBy = by;
  if (!m_rows.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void RunsTableModel::setGroupIgnoredKeys(const QStringList& keys) {
  m_groupIgnore = keys;
  if (!m_rows.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount + static_cast<int>(m_extra.size());
}

QString RunsTableModel::columnTitle(int column) {
  switch (column) {
    case ColId:
      return tr("#");
    case ColName:
      return tr("Name");
    case ColKind:
      return tr("Kind");
    case ColStatus:
      return tr("Status");
    case ColPreset:
      return tr("Preset");
    case ColStarted:
      return tr("Started");
    case ColDuration:
      return tr("Duration");
    case ColSeeds:
      return tr("Seeds");
    case ColSettings:
      return tr("Key settings");
    case ColEffect:
      return tr("Transfer [95% CI]");
    case ColRaw:
      return tr("Student [95% CI]");
    case ColCross:
      return tr("Cross-init [95% CI]");
    case ColTags:
      return tr("Tags");
    case ColNotes:
      return tr("Notes");
    case ColSweep:
      return tr("Sweep");
    case ColRows:
      return tr("Rows");
  }
  return {};
}

static QString durationText(double seconds) {
  if (seconds <= 0) return {};
  const qint64 s = qRound64(seconds);
  if (s < 60) return QStringLiteral("%1 s").arg(seconds, 0, 'f', s < 10 ? 1 : 0);
  if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

static double runSeconds(const sublab::RunInfo& info) {
  if (info.wallSeconds > 0) return info.wallSeconds;
  if (info.startedAt > 0 && info.finishedAt > info.startedAt)
    return (info.finishedAt - info.startedAt) / 1000.0;
  if (info.startedAt > 0 && info.status == sublab::RunStatus::Running)
    return (sublab::nowMs() - info.startedAt) / 1000.0;
  return 0;
}

QString RunsTableModel::notApplicable(const Row& row, int column) {
  const sublab::KindDescription* kind = sublab::findKind(row.info.kind);
  if (!kind) return {};  // a kind this build does not know: nothing is known not to apply
  const auto figure = [](const sublab::FigureRef& f, const QString& what) {
    if (!f.name.empty()) return QString();
    return f.description.empty() ? tr("Runs of this kind have no %1").arg(what)
                                 : QString::fromStdString(f.description);
  };
  switch (column) {
    case ColEffect:
      return figure(kind->effect, tr("transfer"));
    case ColRaw:
      return figure(kind->raw, tr("student figure"));
    case ColCross:
      return figure(kind->cross, tr("cross-init figure"));
    case ColSeeds:
      return kind->repetitionKey.empty() ? tr("%1 runs repeat nothing: no seeds or models")
                                               .arg(QString::fromStdString(kind->title))
                                         : QString();
    case ColRows:
      return kind->hasSequences ? QString() : QString::fromStdString(kind->noSequencesReason);
  }
  return {};
}

static QString rowsText(const RowCounts& c) {
  if (!c.valid) return {};
  const QLocale loc;
  return RunsTableModel::tr("%1 · %2 kept").arg(loc.toString(c.total), loc.toString(c.kept));
}

QVariant RunsTableModel::cell(const Row& row, int column, int role) {
  const sublab::RunInfo& r = row.info;
  const bool raw = role == RawRole;
  if (!raw && !notApplicable(row, column).isEmpty()) return kNotApplicable;
  switch (column) {
    case ColId:
      return QVariant::fromValue<qint64>(r.id);
    case ColName:
      return QString::fromStdString(r.name);
    case ColKind:
      return QString::fromStdString(describeKind(r.kind).title);
    case ColStatus:
      return raw ? QVariant(static_cast<int>(r.status)) : QVariant(runStatusText(r.status));
    case ColPreset:
      return QString::fromStdString(r.preset);
    case ColStarted: {
      const int64_t t = r.startedAt ? r.startedAt : r.createdAt;
      if (raw) return QVariant::fromValue<qint64>(t);
      return QString::fromStdString(sublab::formatTimestamp(t));
    }
    case ColDuration: {
      const double s = runSeconds(r);
      return raw ? QVariant(s) : QVariant(durationText(s));
    }
    case ColSeeds:
      return r.seeds;
    case ColSettings:
      return row.settings;
    case ColEffect:
      if (raw) return row.effect.valid ? QVariant(row.effect.mean) : QVariant(-1e300);
      return formatFigure(row.effect);
    case ColRaw:
      if (raw) return row.raw.valid ? QVariant(row.raw.mean) : QVariant(-1e300);
      return formatFigure(row.raw);
    case ColCross:
      if (raw) return row.cross.valid ? QVariant(row.cross.mean) : QVariant(-1e300);
      return formatFigure(row.cross);
    case ColTags: {
      QStringList tags;
      for (const auto& t : r.tags) tags << QString::fromStdString(t);
      return tags.join(QStringLiteral(", "));
    }
    case ColNotes:
      return QString::fromStdString(r.notes);
    case ColSweep:
      // Sorted by sweep, then by point; runs in no sweep last in ascending order.
      if (raw)
        return row.sweepId ? QVariant::fromValue<qint64>(row.sweepId * 1000000 + row.sweepPoint)
                           : QVariant::fromValue<qint64>(std::numeric_limits<qint64>::max());
      return row.sweep;
    case ColRows:
      if (raw) return row.rows.valid ? QVariant::fromValue<qint64>(row.rows.total) : QVariant(-1);
      return rowsText(row.rows);
  }
  return {};
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  const Row* row = rowAt(index.row());
  if (!row || !index.isValid()) return {};
  if (index.column() >= ColumnCount) {
    switch (role) {
      case RunIdRole:
      case KindRole:
      case GroupKeyRole:
      case GroupLabelRole:
      case SearchTextRole:
        break;  // as for any column, below
      default:
        return extraCell(*row, m_extra.value(index.column() - ColumnCount), role);
    }
  }
  switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
    case RawRole:
      return cell(*row, index.column(), role);
    case RunIdRole:
      return QVariant::fromValue<qint64>(row->info.id);
    case KindRole:
      return QString::fromStdString(row->info.kind);
    case GroupKeyRole:
      if (m_groupBy == GroupBy::Sweep)
        return row->sweepId ? QStringLiteral("sweep:%1").arg(row->sweepId) : QString();
      return groupKey(row->info.config, m_groupIgnore);
    case GroupLabelRole:
      if (m_groupBy != GroupBy::Sweep) return QString();
      return row->sweepId ? tr("Sweep %1").arg(row->sweepTitle) : tr("Not in a sweep");
    case SearchTextRole:
      return row->searchText;
    case Qt::ToolTipRole:
      if (const QString why = notApplicable(*row, index.column()); !why.isEmpty()) return why;
      if (index.column() == ColKind)
        return tr("Kind \"%1\"").arg(QString::fromStdString(row->info.kind));
      if (index.column() == ColRows && row->rows.valid)
        return tr("%1 rows judged by the filter, %2 kept, %3 rejected%4")
            .arg(row->rows.total)
            .arg(row->rows.kept)
            .arg(row->rows.total - row->rows.kept)
            .arg(row->rows.source.isEmpty() ? QString()
                                            : tr("\nImported from %1").arg(row->rows.source));
      if (index.column() == ColStatus && !row->info.error.empty())
        return QString::fromStdString(row->info.error);
      if (index.column() == ColSettings)
        return row->settings.isEmpty() ? tr("All settings at the kind's defaults")
                                       : QString(row->settings).replace(", ", "\n");
      if (index.column() == ColEffect) {
        const QString kind = QString::fromStdString(row->info.kind);
        return row->effect.valid || describeKind(kind).effect.name.empty()
                   ? effectDescription(kind)
                   : tr("%1\nThis run stores no figure to compute it from (e.g. it has no "
                        "cross-init students, or it did not finish).")
                         .arg(effectDescription(kind));
      }
      if (index.column() == ColRaw) return rawDescription(QString::fromStdString(row->info.kind));
      if (index.column() == ColCross)
        return crossDescription(QString::fromStdString(row->info.kind));
      if (index.column() == ColNotes) return QString::fromStdString(row->info.notes);
      if (index.column() == ColDuration)
        return QString::fromStdString(describeRuntime(row->info.summary));
      if (index.column() == ColSweep && row->sweepId)
        return tr("Point %1 of sweep %2, sweeping %3 (the Sweeps tab draws it)")
            .arg(row->sweepPoint + 1)
            .arg(row->sweepTitle, row->sweepAxes);
      return {};
    case Qt::ForegroundRole:
      if (index.column() == ColStatus) {
        switch (row->info.status) {
          case sublab::RunStatus::Failed:
            return QColor(0xb0, 0x00, 0x20);
          case sublab::RunStatus::Running:
            return QColor(0x00, 0x60, 0xc0);
          case sublab::RunStatus::Cancelled:
          case sublab::RunStatus::Interrupted:
            return QColor(0x90, 0x60, 0x00);
          default:
            return {};
        }
      }
      return {};
    case Qt::TextAlignmentRole:
      if (index.column() == ColId || index.column() == ColSeeds || index.column() == ColDuration ||
          index.column() == ColRows)
        return int(Qt::AlignRight | Qt::AlignVCenter);
      if (index.column() >= ColumnCount) return int(Qt::AlignRight | Qt::AlignVCenter);
      return {};
  }
  return {};
}

// "kind: what the figure means", one line per kind (a headline column's header tooltip).
static QString perKind(sublab::FigureRef sublab::KindDescription::*figure) {
  QStringList lines;
  for (const sublab::KindDescription& d : sublab::kindDescriptions())
    lines << QString::fromStdString(d.name + ": " + (d.*figure).description);
  return lines.join(QLatin1Char('\n'));
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal) return {};
  if (section >= ColumnCount) {
    const QString key = m_extra.value(section - ColumnCount);
    const QString name = key.section(QLatin1Char(':'), 1);
    if (role == Qt::DisplayRole)
      return key.startsWith(QLatin1String("figure:")) ? tr("%1 [95% CI]").arg(name) : name;
    if (role == Qt::ToolTipRole)
      return key.startsWith(QLatin1String("figure:"))
                 ? tr("Summary figure \"%1\" of each run, mean [95% CI]").arg(name)
                 : tr("Config key %1 of each run").arg(name);
    return {};
  }
  if (role == Qt::DisplayRole) return columnTitle(section);
  if (role == Qt::ToolTipRole) {
    if (section == ColEffect)
      return tr("Transfer: how far the student moved towards the teacher's trait beyond a "
                "student that could not pick it up; the same meaning for every kind.\n") +
             perKind(&sublab::KindDescription::effect);
    if (section == ColRaw) return perKind(&sublab::KindDescription::raw);
    if (section == ColCross) return perKind(&sublab::KindDescription::cross);
    if (section == ColName || section == ColTags || section == ColNotes)
      return tr("Double-click to edit");
  }
  return {};
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.column() == ColName || index.column() == ColTags || index.column() == ColNotes)
    f |= Qt::ItemIsEditable;
  return f;
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || !m_project || !m_project->db()) return false;
  if (index.row() < 0 || index.row() >= rowCount()) return false;
  Row& row = m_rows[index.row()];
  const QString text = value.toString().trimmed();
  try {
    switch (index.column()) {
      case ColName:
        if (text.isEmpty()) return false;
        m_project->db()->setRunName(row.info.id, text.toStdString());
        row.info.name = text.toStdString();
        break;
      case ColTags: {
        std::vector<std::string> tags;
        for (const QString& t : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
          if (!t.trimmed().isEmpty()) tags.push_back(t.trimmed().toStdString());
        m_project->db()->setRunTags(row.info.id, tags);
        row.info.tags = tags;
        break;
      }
      case ColNotes:
        m_project->db()->setRunNotes(row.info.id, value.toString().toStdString());
        row.info.notes = value.toString().toStdString();
        break;
      default:
        return false;
    }
  } catch (const std::exception& e) {
    Q_EMIT errorOccurred(QString::fromStdString(e.what()));
    return false;
  }
  row = makeRow(std::move(row.info));
  Q_EMIT dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(columnCount() - 1));
  return true;
}

void RunsTableModel::setExtraColumns(const QStringList& keys) {
  QStringList wanted;
  for (const QString& k : keys)
    if ((k.startsWith(QLatin1String("figure:")) || k.startsWith(QLatin1String("config:"))) &&
        k.size() > 7 && !wanted.contains(k))
      wanted << k;
  if (wanted == m_extra) return;
  if (!m_extra.isEmpty()) {
    beginRemoveColumns({}, ColumnCount, ColumnCount + int(m_extra.size()) - 1);
    m_extra.clear();
    endRemoveColumns();
  }
  if (!wanted.isEmpty()) {
    beginInsertColumns({}, ColumnCount, ColumnCount + int(wanted.size()) - 1);
    m_extra = wanted;
    endInsertColumns();
  }
}

QStringList RunsTableModel::figureNames() const {
  QStringList out{QStringLiteral("transfer"), QStringLiteral("raw"), QStringLiteral("cross")};
  QStringList more;
  for (const Row& r : m_rows)
    for (const Figure& f : allFigures(r.info))
      if (!out.contains(f.name) && !more.contains(f.name)) more << f.name;
  more.sort();
  return out + more;
}

QStringList RunsTableModel::configPaths() const {
  QStringList out;
  for (const Row& r : m_rows) {
    std::vector<std::pair<QString, nlohmann::json>> leaves;
    flattenJson(r.info.config, QString(), leaves);
    for (const auto& leaf : leaves)
      if (leaf.first != QLatin1String("kind") && !out.contains(leaf.first)) out << leaf.first;
  }
  out.sort();
  return out;
}

QVariant RunsTableModel::keyValue(const Row& row, const QString& key) {
  const bool figureOnly = key.startsWith(QLatin1String("figure:"));
  const bool configOnly = key.startsWith(QLatin1String("config:"));
  const QString name = figureOnly || configOnly ? key.mid(7) : key;
  if (name.isEmpty()) return {};
  if (!configOnly) {
    const Figure f = name == QLatin1String("transfer") ? row.effect
                     : name == QLatin1String("raw")    ? row.raw
                     : name == QLatin1String("cross")  ? row.cross
                                                       : namedFigure(row.info, name);
    if (f.valid) return f.mean;
    if (figureOnly) return {};
    if (name == QLatin1String("id")) return double(row.info.id);
    if (name == QLatin1String("seeds")) return double(row.info.seeds);
    if (name == QLatin1String("duration")) return runSeconds(row.info);
    if (name == QLatin1String("sweep"))
      return row.sweepId ? QVariant(double(row.sweepId)) : QVariant();
  }
  const nlohmann::json v = jsonAt(row.info.config, name);
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  if (v.is_null()) return {};
  return jsonText(v);
}

QVariant RunsTableModel::extraCell(const Row& row, const QString& key, int role) const {
  if (key.startsWith(QLatin1String("figure:"))) {
    const QString name = key.mid(7);
    const Figure f = name == QLatin1String("transfer") ? row.effect
                     : name == QLatin1String("raw")    ? row.raw
                     : name == QLatin1String("cross")  ? row.cross
                                                       : namedFigure(row.info, name);
    if (role == RawRole) return f.valid ? QVariant(f.mean) : QVariant(-1e300);
    if (role == Qt::DisplayRole) return formatFigure(f);
    if (role == Qt::ToolTipRole && f.valid && f.n)
      return tr("%1 (%2), n = %3").arg(f.name, f.metric).arg(f.n);
    return {};
  }
  const QVariant v = keyValue(row, key);
  if (role == RawRole) {
    if (!v.isValid()) return QVariant(-1e300);
    return v;
  }
  if (role == Qt::DisplayRole) {
    if (!v.isValid()) return QString();
    if (v.typeId() == QMetaType::Double) return QString::number(v.toDouble(), 'g', 6);
    return v.toString();
  }
  return {};
}

}  // namespace sublab::ui
