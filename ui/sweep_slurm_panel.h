// The Slurm part of the Sweeps tab, shown for a sweep submitted to Slurm (from the Sweep dialog
// or `sublab sweep --slurm`): where its files are, and per point its array task, Slurm state and
// exit code, its run and the failure's message (the lab's slurmPointStates: scontrol, sacct, the
// shard, the task's log). Refresh asks again; "Merge results" folds the shards that are there
// into the project (idempotent); "Resubmit failed" submits only the points that failed or never
// ran, and a merge job after them. Hidden for a sweep that ran here.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTableWidget;

namespace sublab {
class Database;
}

namespace sublab::ui {

class SweepSlurmPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SweepSlurmPanel(QWidget* parent = nullptr);

  // Shows sweep `sweepId` of `db` (hides the panel when it was never submitted to Slurm).
  void setSweep(sublab::Database* db, qint64 sweepId);
  // Asks Slurm and the shards again.
  void refresh();
  // Merges the shards there are; resubmits the points that need it (both report in the message).
  void mergeResults();
  void resubmitFailed();

  QTableWidget* table() const { return m_table; }
  QLabel* filesLabel() const { return m_files; }
  QLabel* messageLabel() const { return m_message; }
  QPushButton* refreshButton() const { return m_refresh; }
  QPushButton* mergeButton() const { return m_merge; }
  QPushButton* resubmitButton() const { return m_resubmit; }

 Q_SIGNALS:
  // The project's runs changed (a merge brought some in): the view reloads its points.
  void merged();

 private:
  sublab::Database* m_db = nullptr;
  qint64 m_sweepId = 0;
  QString m_manifest;
  QLabel* m_files;
  QTableWidget* m_table;
  QLabel* m_message;
  QPushButton* m_refresh;
  QPushButton* m_merge;
  QPushButton* m_resubmit;
};

}  // namespace sublab::ui
