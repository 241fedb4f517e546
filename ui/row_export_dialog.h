// Export rows (from the Sequences view): a run's rows as training data for other tools: OpenAI
// chat JSONL, Hugging Face messages JSONL or prompt/completion JSONL, chosen by condition, seed
// and verdict. Calls the lab's exportRows (app/lab/dataset_export.h), as `sublab export-rows`
// does, on a pool thread with its own database connection; a progress bar and Cancel while it
// writes. The lab writes beside the target and renames, so a cancelled export leaves no file.
#pragma once

#include <QDialog>
#include <QList>
#include <QStringList>
#include <QThreadPool>
#include <memory>
#include <optional>

#include "app/lab/dataset_export.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTimer;

namespace sublab::ui {

class AppSettings;
struct RowExportOutcome;
struct RowExportState;

class RowExportDialog : public QDialog {
  Q_OBJECT

 public:
  // What the Sequences view offers and has chosen.
  struct Choices {
    QStringList conditions;
    QList<int> seeds;
    QString condition;  // "" = every condition
    std::optional<int> seed;
    sublab::Verdict verdict = sublab::Verdict::Kept;
  };

  // `dbPath`: the project database (the export opens its own connection to it).
  RowExportDialog(const QString& dbPath, qint64 runId, const QString& runTitle,
                  const Choices& choices, AppSettings* settings, QWidget* parent = nullptr);
  ~RowExportDialog() override;

  // What Export writes.
  sublab::RowExportRequest request() const;
  void setPath(const QString& path);
  // Starts the export in the background (exportStarted, then exported or a message).
  void startExport();
  // Asks a running export to stop; it removes what it wrote.
  void cancelExport();
  bool isRunning() const { return m_state != nullptr; }

  QComboBox* formatBox() const { return m_format; }
  QComboBox* conditionBox() const { return m_condition; }
  QComboBox* seedBox() const { return m_seed; }
  QComboBox* verdictBox() const { return m_verdict; }
  QLineEdit* fileEdit() const { return m_file; }
  QProgressBar* progressBar() const { return m_progress; }
  QPushButton* exportButton() const { return m_export; }
  QPushButton* cancelButton() const { return m_cancel; }
  // What happened last: "Wrote 1,234 rows to …", "Cancelled: no file written", or the error.
  QLabel* statusLabel() const { return m_status; }

 Q_SIGNALS:
  // The export is handed to the worker (emitted before it starts).
  void exportStarted();
  // The file is written (the dialog then closes).
  void exported(const QString& path, qint64 rows);
  // Failed or cancelled: the status label says which and why.
  void exportStopped();

 public Q_SLOTS:
  void reject() override;

 private:
  void browse();
  void suggestPath();
  void onOutcome(const RowExportOutcome& outcome);
  void updateProgress();
  void setRunning(bool running);

  QString m_dbPath;
  qint64 m_runId;
  AppSettings* m_settings;
  QComboBox* m_format;
  QComboBox* m_condition;
  QComboBox* m_seed;
  QComboBox* m_verdict;
  QLineEdit* m_file;
  QProgressBar* m_progress;
  QLabel* m_status;
  QPushButton* m_export;
  QPushButton* m_cancel;
  QPushButton* m_close;
  QTimer* m_poll;
  QString m_suggested;  // the path suggestPath() put in (replaced when the format changes)
  std::shared_ptr<RowExportState> m_state;  // of the running export; null when none runs
  QThreadPool m_pool;
};

}  // namespace sublab::ui
