// Implementation of SequenceTableModel. Every query captures the generation it was started
// for; results of an older generation (the filter changed meanwhile) are dropped.
#include "ui/sequence_table_model.h"

#include <QColor>
#include <QtConcurrent/QtConcurrent>

#include "ui/export_util.h"
#include "ui/later.h"

namespace sublab::ui {

namespace {
struct Page {
  std::vector<sublab::SequenceRecord> rows;
  QString error;
};
struct Facets {
  QStringList conditions;
  QList<int> seeds;
  QList<QPair<QString, qint64>> reasons;
  QString error;
};
struct Count {
  qint64 total = -1;
  qint64 occurrences = -1;  // of the filter's number, when it has one
  QString error;
};
}  // namespace

SequenceTableModel::SequenceTableModel(QObject* parent) : QAbstractTableModel(parent) {
  // Two reader threads, each with its own connection kept alive: pages on one, and on the other
  // what scans the whole run (the exact count, the facets, the CSV export), so that a page never
  // waits behind a scan (one "next page" took 200 ms queued behind the facets of 1M rows).
  for (QThreadPool* pool : {&m_pool, &m_scanPool}) {
    pool->setMaxThreadCount(1);
    pool->setExpiryTimeout(-1);
  }
}

SequenceTableModel::~SequenceTableModel() {
  ++m_generation;
  m_liveGeneration->store(~quint64(0));
  for (QThreadPool* pool : {&m_pool, &m_scanPool}) {
    pool->clear();
    pool->waitForDone();
  }
}

std::shared_ptr<sublab::Database> SequenceTableModel::Reader::get(const QString& path) {
  // Called on its pool's thread only; opens the read-only connection on first use.
  if (!db || this->path != path) {
    db.reset();
    sublab::OpenOptions o;
    o.create = false;
    o.readOnly = true;
    o.markInterrupted = false;
    db = std::make_shared<sublab::Database>(path.toStdString(), o);
    this->path = path;
  }
  return db;
}

void SequenceTableModel::setSource(const QString& dbPath, qint64 runId) {
  m_dbPath = dbPath;
  m_runId = runId;
  restart();
}

void SequenceTableModel::setSource(const QString& dbPath, qint64 runId,
                                   const sublab::SequenceFilter& filter) {
  m_dbPath = dbPath;
  m_runId = runId;
  m_filter = filter;
  restart();
}

void SequenceTableModel::setFilter(const sublab::SequenceFilter& filter) {
  m_filter = filter;
  restart();
}

void SequenceTableModel::refresh() { restart(); }

void SequenceTableModel::restart() {
  ++m_generation;
  m_liveGeneration->store(m_generation);
  beginResetModel();
  m_rows.clear();
  m_total = -1;
  m_occurrences = -1;
  m_fetching = false;
  m_atEnd = m_runId == 0 || m_dbPath.isEmpty();
  endResetModel();
  Q_EMIT countChanged(m_total);
  if (m_atEnd) {
    m_total = 0;
    Q_EMIT countChanged(0);
    return;
  }
  // The first page first (the pool runs one query at a time), then the exact count.
  fetchMore({});
  const quint64 gen = m_generation;
  const qint64 run = m_runId;
  const QString path = m_dbPath;
  const sublab::SequenceFilter filter = m_filter;
  auto live = m_liveGeneration;
  auto work = QtConcurrent::run(&m_scanPool, [this, path, run, filter, gen, live]() -> Count {
    Count c;
    if (live->load() != gen) return c;  // the filter changed while this waited
    try {
      auto db = m_scanReader.get(path);
      c.total = db->countSequences(run, filter);
      if (filter.number) c.occurrences = db->countNumberOccurrences(run, filter);
    } catch (const std::exception& e) {
      c.error = QString::fromStdString(e.what());
    }
    return c;
  });
  deliverLater(work, this, [this, gen](Count c) {
    if (gen != m_generation) return;
    if (!c.error.isEmpty()) {
      Q_EMIT errorOccurred(c.error);
      c.total = 0;
    }
    m_total = c.total;
    m_occurrences = c.occurrences;
    Q_EMIT countChanged(m_total);
  });
}

bool SequenceTableModel::canFetchMore(const QModelIndex& parent) const {
  return !parent.isValid() && !m_atEnd && !m_fetching;
}

void SequenceTableModel::fetchMore(const QModelIndex& parent) {
  if (!canFetchMore(parent)) return;
  m_fetching = true;
  const quint64 gen = m_generation;
  const qint64 run = m_runId;
  const sublab::SequenceFilter filter = m_filter;
  const int64_t after = m_rows.empty() ? 0 : m_rows.back().id;
  const int limit = m_pageSize;
  const QString path = m_dbPath;
  auto live = m_liveGeneration;
  auto work =
      QtConcurrent::run(&m_pool, [this, path, run, filter, after, limit, gen, live]() -> Page {
        Page p;
        if (live->load() != gen) return p;
        try {
          p.rows = m_pageReader.get(path)->sequencesAfter(run, filter, after, limit);
        } catch (const std::exception& e) {
          p.error = QString::fromStdString(e.what());
        }
        return p;
      });
  deliverLater(work, this, [this, gen, limit](Page p) {
    if (gen != m_generation) return;
    m_fetching = false;
    if (!p.error.isEmpty()) {
      m_atEnd = true;
      Q_EMIT errorOccurred(p.error);
      return;
    }
    if (static_cast<int>(p.rows.size()) < limit) m_atEnd = true;
    if (!p.rows.empty()) {
      const int first = static_cast<int>(m_rows.size());
      beginInsertRows({}, first, first + static_cast<int>(p.rows.size()) - 1);
      m_rows.insert(m_rows.end(), std::make_move_iterator(p.rows.begin()),
                    std::make_move_iterator(p.rows.end()));
      endInsertRows();
    }
    Q_EMIT pageLoaded(static_cast<int>(p.rows.size()));
  });
}

const sublab::SequenceRecord* SequenceTableModel::record(int row) const {
  return row >= 0 && row < static_cast<int>(m_rows.size()) ? &m_rows[row] : nullptr;
}

int SequenceTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SequenceTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant SequenceTableModel::data(const QModelIndex& index, int role) const {
  const sublab::SequenceRecord* r = record(index.row());
  if (!r) return {};
  if (role == RecordIdRole) return QVariant::fromValue<qint64>(r->id);
  if (role == KeptRole) return r->kept;
  if (role == Qt::ForegroundRole && index.column() == ColVerdict)
    return r->kept ? QColor(0x2e, 0x7d, 0x32) : QColor(0xb0, 0x00, 0x20);
  if (role == Qt::ToolTipRole && (index.column() == ColPrompt || index.column() == ColCompletion ||
                                  index.column() == ColReason))
    return data(index, Qt::DisplayRole);
  if (role != Qt::DisplayRole && role != RawRole) return {};
  switch (index.column()) {
    case ColIndex:
      return QVariant::fromValue<qint64>(r->index);
    case ColCondition:
      return QString::fromStdString(r->condition);
    case ColSeed:
      return r->seed;
    case ColPrompt:
      return QString::fromStdString(r->prompt);
    case ColCompletion:
      return QString::fromStdString(r->completion);
    case ColVerdict:
      return role == RawRole ? QVariant(r->kept) : QVariant(r->kept ? tr("kept") : tr("rejected"));
    case ColReason:
      return QString::fromStdString(r->reason);
  }
  return {};
}

QVariant SequenceTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColIndex:
      return tr("#");
    case ColCondition:
      return tr("Condition");
    case ColSeed:
      return tr("Seed");
    case ColPrompt:
      return tr("Prompt");
    case ColCompletion:
      return tr("Completion");
    case ColVerdict:
      return tr("Verdict");
    case ColReason:
      return tr("Reject reason");
  }
  return {};
}

void SequenceTableModel::loadFacets() {
  if (m_runId == 0 || m_dbPath.isEmpty()) return;
  const quint64 gen = m_generation;
  const qint64 run = m_runId;
  const QString path = m_dbPath;
  auto work = QtConcurrent::run(&m_scanPool, [this, path, run]() -> Facets {
    Facets f;
    try {
      auto db = m_scanReader.get(path);
      for (const auto& c : db->sequenceConditions(run)) f.conditions << QString::fromStdString(c);
      for (int s : db->sequenceSeeds(run)) f.seeds << s;
      for (const auto& [reason, n] : db->rejectReasons(run))
        f.reasons << qMakePair(QString::fromStdString(reason), qint64(n));
    } catch (const std::exception& e) {
      f.error = QString::fromStdString(e.what());
    }
    return f;
  });
  deliverLater(work, this, [this, gen, run](Facets f) {
    if (run != m_runId) return;
    Q_UNUSED(gen);
    if (!f.error.isEmpty()) Q_EMIT errorOccurred(f.error);
    Q_EMIT facetsLoaded(f.conditions, f.seeds, f.reasons);
  });
}

void SequenceTableModel::exportCsv(const QString& path) {
  const qint64 run = m_runId;
  const sublab::SequenceFilter filter = m_filter;
  const QString dbPath = m_dbPath;
  auto work = QtConcurrent::run(
      &m_scanPool, [this, run, filter, path, dbPath]() -> std::pair<qint64, QString> {
        QString error;
        qint64 n = 0;
        try {
          CsvWriter csv(path);
          if (!csv.open(&error)) return {0, error};
          csv.writeRow({"run", "id", "condition", "seed", "index", "prompt", "completion", "kept",
                        "reason"});
          int64_t after = 0;
          for (;;) {
            const auto page = m_scanReader.get(dbPath)->sequencesAfter(run, filter, after, 5000);
            for (const auto& r : page)
              csv.writeRow({QString::number(run), QString::number(r.id),
                            QString::fromStdString(r.condition), QString::number(r.seed),
                            QString::number(r.index), QString::fromStdString(r.prompt),
                            QString::fromStdString(r.completion), r.kept ? "1" : "0",
                            QString::fromStdString(r.reason)});
            n += static_cast<qint64>(page.size());
            if (page.size() < 5000) break;
            after = page.back().id;
          }
          if (!csv.commit(&error)) return {0, error};
        } catch (const std::exception& e) {
          return {0, QString::fromStdString(e.what())};
        }
        return {n, QString()};
      });
  deliverLater(work, this, [this, path](std::pair<qint64, QString> r) {
    Q_EMIT exportFinished(path, r.first, r.second);
  });
}

}  // namespace sublab::ui
