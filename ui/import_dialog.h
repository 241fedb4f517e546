// File › Import dataset: pick a file of prompt/completion rows (JSONL, chat JSONL, CSV/TSV, gzip),
// see its first rows with the format and field mapping the engine's reader detected, change the
// format, the fields and the condition the rows are stored under, set the number filter's knobs
// (the kind's own declaration, as the New-experiment form shows them), then Import: the lab's
// import config becomes a run queued through the RunQueue, like New experiment › Run.
#pragma once

#include <QDialog>
#include <QThreadPool>

#include "ui/run_queue.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace sublab {
struct DatasetPreview;
}

namespace sublab::ui {

class AppSettings;
class ConfigForm;
struct PreviewOutcome;

class ImportDialog : public QDialog {
  Q_OBJECT

 public:
  // `queue` stores and runs the import; `settings` (may be null) remembers the last folder.
  ImportDialog(RunQueue* queue, AppSettings* settings, QWidget* parent = nullptr);
  ~ImportDialog() override;

  // Shows `path` and reads its first rows in the background (previewReady when shown).
  void setFile(const QString& path);
  QString file() const;
  // Whether the preview has been read without error (Import is enabled then).
  bool isValid() const { return m_valid; }
  // The engine's message when the file cannot be read or the mapping is invalid, else "".
  QString message() const { return m_messageText; }
  // What Import queues.
  JobSpec spec(QString* error = nullptr) const;
  // Queues the import; returns the run id, or 0 with the message shown in the dialog.
  qint64 startImport();

  QLineEdit* fileEdit() const { return m_file; }
  QComboBox* formatBox() const { return m_format; }
  QComboBox* promptBox() const { return m_prompt; }
  QComboBox* completionBox() const { return m_completion; }
  QComboBox* conditionBox() const { return m_condition; }
  QLineEdit* nameEdit() const { return m_name; }
  QCheckBox* skipBadRowsBox() const { return m_skip; }
  QTableWidget* previewTable() const { return m_table; }
  // "JSONL · prompt ← "prompt" · completion ← "completion" · 12 kB"
  QLabel* detectedLabel() const { return m_detected; }
  QLabel* messageLabel() const { return m_message; }
  ConfigForm* filterForm() const { return m_filter; }
  QPushButton* importButton() const { return m_import; }

 Q_SIGNALS:
  // A preview (or its error) is shown.
  void previewReady();
  // The import is queued as run `runId`.
  void imported(qint64 runId);

 private:
  void browse();
  void refreshPreview();
  void onPreview(const PreviewOutcome& outcome);
  void fillTable(const sublab::DatasetPreview& preview);
  void fillFieldBox(QComboBox* box, const std::vector<std::string>& fields,
                    const std::string& used);
  void showMessage(const QString& text);
  void revalidate();

  RunQueue* m_queue;
  AppSettings* m_settings;
  QLineEdit* m_file;
  QComboBox* m_format;
  QComboBox* m_prompt;
  QComboBox* m_completion;
  QComboBox* m_condition;
  QLineEdit* m_name;
  QCheckBox* m_skip;
  QLabel* m_detected;
  QTableWidget* m_table;
  ConfigForm* m_filter;
  QLabel* m_message;
  QPushButton* m_import;
  QString m_messageText;
  bool m_valid = false;
  bool m_previewOk = false;
  int m_generation = 0;  // of the preview asked for last; older answers are dropped
  QThreadPool m_pool;
};

}  // namespace sublab::ui
