// "Sweep…" from the New-experiment form: the form's config is the base; pick a numeric knob of
// the kind, give its values (a list, or a linear / log range with a count), seeds per point and
// optionally a second axis (every combination: a grid). The dialog builds a sweep plan (the
// format of `sublab sweep`, app/lab/sweep.h) and validates it with the sweep core's own
// parseSweepPlan on every edit, so it rejects with the CLI's messages and shows the number of
// points. "Run sweep" stores the sweep and queues every point as a normal run (queueSweep).
// Where `sbatch` is on the PATH, "Submit to Slurm" with the Slurm options (partition, time, CPUs
// per task, gres, memory, max parallel, extra sbatch lines, device) writes the same files as
// `sublab sweep --slurm` and submits them (submitSweepToSlurm, the lab's code path).
#pragma once

#include <QDialog>
#include <QList>
#include <nlohmann/json.hpp>

#include "app/lab/slurm.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace sublab {
class Database;
}

namespace sublab::ui {

class RunQueue;

// The widgets of one axis.
struct SweepAxisWidgets {
  QGroupBox* box = nullptr;
  QComboBox* key = nullptr;     // the kind's numeric knobs
  QComboBox* form = nullptr;    // "values", "linear", "log"
  QLineEdit* values = nullptr;  // "24, 40"
  QLineEdit* from = nullptr;
  QLineEdit* to = nullptr;
  QSpinBox* count = nullptr;
};

// Reads "24, 40, 1e-3" as C-locale numbers (whole numbers as integers). A decimal comma
// ("0,5", or a comma in a single number) is rejected: false with *error saying what to write.
bool parseSweepValues(const QString& text, nlohmann::json* values, QString* error);
// One C-locale number (a range end); a decimal comma is rejected the same way.
bool parseSweepNumber(const QString& text, double* value, QString* error);

class SweepDialog : public QDialog {
  Q_OBJECT

 public:
  // `baseConfig`: the New-experiment form's config (with its "kind"); `seeds`: its seed count.
  explicit SweepDialog(const nlohmann::json& baseConfig, int seeds, QWidget* parent = nullptr);

  // The plan the widgets describe (meaningful when isValid()).
  nlohmann::json plan() const { return m_plan; }
  bool isValid() const { return m_valid; }
  QString validationMessage() const { return m_message; }
  int pointCount() const { return m_points; }

  QLineEdit* nameEdit() const { return m_name; }
  QSpinBox* seedsBox() const { return m_seeds; }
  QCheckBox* secondAxisBox() const { return m_useSecond; }
  const SweepAxisWidgets& axis(int i) const { return i == 0 ? m_first : m_second; }
  QLabel* messageLabel() const { return m_messageLabel; }
  QPushButton* runButton() const { return m_run; }
  // The Slurm options and "Submit to Slurm" (null where sbatch is not on the PATH).
  QGroupBox* slurmBox() const { return m_slurmBox; }
  QPushButton* slurmButton() const { return m_submitSlurm; }
  QLineEdit* slurmEdit(const QString& name) const;  // "partition", "time", "gres", "mem",
                                                    // "args", "dir"
  QSpinBox* slurmCpus() const { return m_cpus; }
  QSpinBox* slurmMaxParallel() const { return m_maxParallel; }
  QComboBox* slurmDevice() const { return m_device; }
  // The options typed; false with *error saying which one is wrong.
  bool slurmOptions(sublab::SlurmOptions* options, QString* error) const;
  // Re-reads the widgets (every edit does).
  void revalidate();

 Q_SIGNALS:
  void sweepRequested(const nlohmann::json& plan);
  // `dir`: the folder for the Slurm files ("" = beside the project, slurm/NAME-HASH).
  void slurmRequested(const nlohmann::json& plan, const sublab::SlurmOptions& options,
                      const QString& dir);

 private:
  SweepAxisWidgets makeAxis(const QString& title, int keyIndex);
  bool axisJson(const SweepAxisWidgets& a, nlohmann::json* out, QString* error) const;
  QGroupBox* makeSlurmBox();

  nlohmann::json m_base;
  QLineEdit* m_name;
  QSpinBox* m_seeds;
  QCheckBox* m_useSecond;
  SweepAxisWidgets m_first, m_second;
  QLabel* m_messageLabel;
  QPushButton* m_run;
  QGroupBox* m_slurmBox = nullptr;
  QPushButton* m_submitSlurm = nullptr;
  QLineEdit *m_partition = nullptr, *m_time = nullptr, *m_gres = nullptr, *m_mem = nullptr,
            *m_args = nullptr, *m_dir = nullptr;
  QSpinBox *m_cpus = nullptr, *m_maxParallel = nullptr;
  QComboBox* m_device = nullptr;
  nlohmann::json m_plan;
  bool m_valid = false;
  QString m_message;
  int m_points = 0;
};

// Stores the sweep (or finds the one with the same plan: a resume) and queues each point that is
// not done or still active as a normal run through the queue, linked to its sweep point.
// Returns the sweep's id, or 0 with *error set (the sweep core's message for a bad plan).
// `queuedRuns` receives the runs queued now.
qint64 queueSweep(RunQueue* queue, sublab::Database* db, const nlohmann::json& plan, int threads,
                  QString* error, QList<qint64>* queuedRuns = nullptr);

// Writes the plan and the Slurm files (the lab's submitSlurmSweepPlan: the same files as
// `sublab sweep --slurm`, the `sublab` beside this program running the tasks), records the sweep
// with its manifest and submits it. Returns the sweep's id, or 0 with *error set; *where says
// where the script is and which jobs were submitted.
qint64 submitSweepToSlurm(sublab::Database* db, const nlohmann::json& plan,
                          const sublab::SlurmOptions& options, const QString& dir, QString* where,
                          QString* error);

}  // namespace sublab::ui
