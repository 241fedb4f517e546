// The run queue as a table model for the queue view: one row per job with its name, kind,
// status, current stage, progress and elapsed time, following RunQueue's job-list signals.
// A raw-value role gives numbers for sorting; the display role shows formatted text.
#pragma once

#include <QAbstractTableModel>

namespace sublab::ui {

class RunQueue;

class RunQueueModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { ColName, ColKind, ColStatus, ColStage, ColProgress, ColElapsed, ColumnCount };
  enum Role { JobIdRole = Qt::UserRole + 1, RunIdRole, FractionRole, RawRole };

  explicit RunQueueModel(RunQueue* queue, QObject* parent = nullptr);

  RunQueue* queue() const { return m_queue; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

 private:
  RunQueue* m_queue;
};

}  // namespace sublab::ui
