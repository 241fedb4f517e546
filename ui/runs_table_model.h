// The runs of the open project as a table: name, kind, status, start, duration, seeds, key
// settings, headline figures with CIs, tags, notes and the sweep point a run is (if any). Name,
// tags and notes are editable (written through storage). The display role shows formatted text;
// RawRole holds the value to sort by. reload() diffs against the rows it has, so selections survive
// live refreshes.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <unordered_map>
#include <vector>

#include "storage/database.h"
#include "ui/run_figures.h"

namespace sublab::ui {

class Project;

class RunsTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    ColId,
    ColName,
    ColKind,
    ColStatus,
    ColPreset,
    ColStarted,
    ColDuration,
    ColSeeds,
    ColSettings,
    ColEffect,
    ColRaw,
    ColCross,
    ColTags,
    ColNotes,
    ColSweep,  // "#3 max_kept sweep · max_kept=400" (late, so saved header states stay valid)
    ColRows,   // "200 · 180 kept": the rows the run's filter judged and kept
    ColumnCount
  };
  enum Role {
    RawRole = Qt::UserRole + 1,
    RunIdRole,
    KindRole,
    GroupKeyRole,
    SearchTextRole,
    GroupLabelRole  // the group's title ("" = the grouped view's own)
  };
  // What "group by" puts together: runs of one config (but the ignored keys), or of one sweep.
  enum class GroupBy { Config, Sweep };

  struct Row {
    sublab::RunInfo info;
    QString settings;  // key settings, comma-separated
    Figure effect, raw, cross;
    RowCounts rows;
    QString searchText;  // lower-case name, preset, tags, notes, settings, sweep (the filter)
    qint64 sweepId = 0;  // 0: in no sweep
    int sweepPoint = -1;
    QString sweepTitle;  // "#3 max_kept sweep"
    QString sweep;       // sweepTitle · the point's values ("max_kept=400")
    QString sweepAxes;   // the swept keys ("filter.max_kept × teacher.rows")
  };

  explicit RunsTableModel(Project* project, QObject* parent = nullptr);

  // Re-reads every run from the database; rows are updated in place, added and removed.
  void reload();
  // Re-reads one run (e.g. when the worker reports a change).
  void refreshRun(qint64 runId);

  const Row* rowAt(int row) const;
  const sublab::RunInfo* run(qint64 runId) const;
  int rowOfRun(qint64 runId) const;
  // Extra columns after the fixed ones, each "figure:NAME" (a summary figure, see
  // namedFigure) or "config:PATH" (a config key, e.g. "config:student.lr").
  void setExtraColumns(const QStringList& keys);
  QStringList extraColumns() const { return m_extra; }
  // What the column chooser offers: figure names ("transfer", "raw", "cross", then every
  // stored condition and contrast) and config paths found in the loaded runs, sorted.
  QStringList figureNames() const;
  QStringList configPaths() const;
  // A run's value for a filter or column key: a figure's mean or a config value (by path), or
  // "id", "seeds", "duration" (seconds), "sweep" (its sweep's id). Invalid QVariant when the run
  // has no such value. `key` may carry a "figure:" or "config:" prefix; without one, figures are
  // tried first.
  static QVariant keyValue(const Row& row, const QString& key);

  void setGroupBy(GroupBy by);
  GroupBy groupBy() const { return m_groupBy; }
  // Keys left out of the group-by key (default: "seed").
  void setGroupIgnoredKeys(const QStringList& keys);
  QStringList groupIgnoredKeys() const { return m_groupIgnore; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

  // Cell text and raw value of a row (shared with the grouped view).
  static QVariant cell(const Row& row, int column, int role);
  // Why a column's figure does not apply to the row's kind (e.g. no transfer for an imported
  // dataset, which trains nothing; no seeds), from the kind's description; "" when it does.
  // Such a cell shows "—" with this as its tooltip, never 0.
  static QString notApplicable(const Row& row, int column);
  static inline const QString kNotApplicable = QStringLiteral("\u2014");
  static QString columnTitle(int column);

 Q_SIGNALS:
  void errorOccurred(const QString& message);

 private:
  Row makeRow(sublab::RunInfo info) const;
  // Reads which runs are sweep points (all, or only `runId`'s link) and the sweeps' titles.
  void readSweepLinks(qint64 runId = 0);

  struct SweepLink {
    qint64 sweepId = 0;
    int index = -1;
    QString text;  // the point's values, "max_kept=400, lr=0.001"
  };
  struct SweepMeta {
    QString title, axes;
    QStringList keys;
  };
  std::unordered_map<qint64, SweepLink> m_links;   // by run id
  std::unordered_map<qint64, SweepMeta> m_sweeps;  // by sweep id
  GroupBy m_groupBy = GroupBy::Config;

  Project* m_project;
  std::vector<Row> m_rows;
  QVariant extraCell(const Row& row, const QString& key, int role) const;

  QStringList m_groupIgnore{QStringLiteral("seed")};
  QStringList m_extra;
};

}  // namespace sublab::ui
