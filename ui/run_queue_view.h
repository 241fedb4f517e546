// The run queue panel: one row per job (RunQueueModel) with its status, current stage and a
// progress bar; the selected job's stages each with their own progress beside it; Cancel and
// Clear finished.
#pragma once

#include <QWidget>

class QTableView;
class QTreeWidget;
class QPushButton;
class QLabel;

namespace sublab::ui {

class RunQueue;
class RunQueueModel;

class RunQueueView : public QWidget {
  Q_OBJECT

 public:
  explicit RunQueueView(RunQueue* queue, QWidget* parent = nullptr);

  QTableView* table() const { return m_table; }
  RunQueueModel* model() const { return m_model; }
  QPushButton* cancelButton() const { return m_cancel; }
  QTreeWidget* stageList() const { return m_stages; }

 Q_SIGNALS:
  // A click on a job's row (select its run in the views) / a double click (show its curves).
  void runClicked(qint64 runId);
  void runActivated(qint64 runId);

 private:
  int selectedJob() const;
  void updateStages();
  void updateButtons();

  RunQueue* m_queue;
  RunQueueModel* m_model;
  QTableView* m_table;
  QTreeWidget* m_stages;
  QPushButton* m_cancel;
  QPushButton* m_clear;
  QLabel* m_summary;
};

}  // namespace sublab::ui
