// Generated sequences of one run, read lazily from SQLite: the first page on setFilter(), more
// pages as the view scrolls (canFetchMore/fetchMore), always by keyset paging (id > last id)
// so page 2,000 costs what page 1 does. Queries and the matching-row count run on a private
// one-thread pool with its own read-only connection, so a regex scan never blocks the GUI.
#pragma once

#include <QAbstractTableModel>
#include <QFuture>
#include <QThreadPool>
#include <atomic>
#include <memory>
#include <vector>

#include "storage/database.h"

namespace sublab::ui {

class SequenceTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    ColIndex,
    ColCondition,
    ColSeed,
    ColPrompt,
    ColCompletion,
    ColVerdict,
    ColReason,
    ColumnCount
  };
  enum Role { RawRole = Qt::UserRole + 1, RecordIdRole, KeptRole };

  explicit SequenceTableModel(QObject* parent = nullptr);
  ~SequenceTableModel() override;

  // Which database and run to read (0 clears). Resets the rows and starts the first page.
  void setSource(const QString& dbPath, qint64 runId);
  // Both at once (one query instead of two).
  void setSource(const QString& dbPath, qint64 runId, const sublab::SequenceFilter& filter);
  void setFilter(const sublab::SequenceFilter& filter);
  const sublab::SequenceFilter& filter() const { return m_filter; }
  qint64 runId() const { return m_runId; }
  // Re-runs the current query (e.g. when a live run wrote more rows).
  void refresh();

  void setPageSize(int rows) { m_pageSize = rows; }
  int pageSize() const { return m_pageSize; }
  // Matching rows in the database; -1 while counting.
  qint64 totalCount() const { return m_total; }
  // With a number in the filter: how often it occurs in the matching rows' completions (the
  // statistics' count); -1 while counting or without a number.
  qint64 numberOccurrences() const { return m_occurrences; }
  bool isFetching() const { return m_fetching; }
  bool atEnd() const { return m_atEnd; }
  const sublab::SequenceRecord* record(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;

  // Distinct conditions, seeds and reject reasons (with counts) of the run, read in the
  // background; emits facetsLoaded.
  void loadFacets();

  // Writes every matching row (not only those loaded) to CSV on the scan thread; emits
  // exportFinished when done.
  void exportCsv(const QString& path);

 Q_SIGNALS:
  void countChanged(qint64 total);
  void facetsLoaded(const QStringList& conditions, const QList<int>& seeds,
                    const QList<QPair<QString, qint64>>& reasons);
  void pageLoaded(int rows);  // rows appended by the last fetch
  void exportFinished(const QString& path, qint64 rows, const QString& error);
  void errorOccurred(const QString& message);

 private:
  void restart();

  // A read-only connection owned by one pool's thread, opened on first use.
  struct Reader {
    std::shared_ptr<sublab::Database> get(const QString& path);
    std::shared_ptr<sublab::Database> db;
    QString path;
  };

  QThreadPool m_pool;      // pages
  QThreadPool m_scanPool;  // whole-run scans: exact count, facets, CSV export
  Reader m_pageReader;     // used only on m_pool's thread
  Reader m_scanReader;     // used only on m_scanPool's thread
  QString m_dbPath;
  qint64 m_runId = 0;
  sublab::SequenceFilter m_filter;
  std::vector<sublab::SequenceRecord> m_rows;
  qint64 m_total = -1;
  qint64 m_occurrences = -1;
  int m_pageSize = 500;
  bool m_fetching = false;
  bool m_atEnd = true;
  quint64 m_generation = 0;
  // The same, readable by queued queries so stale ones skip their work.
  std::shared_ptr<std::atomic<quint64>> m_liveGeneration =
      std::make_shared<std::atomic<quint64>>(0);
};

}  // namespace sublab::ui
