// "New experiment": choose the kind, start from a preset, a loaded JSON file or a stored run
// ("Duplicate and edit"), change any knob in the generated form, set seeds, device and threads,
// then Run. Every edit is validated by the engine's normalizeConfig(); while anything is invalid
// the Run button stays disabled and the reason is shown under the form, and the offending field
// is outlined. Under the form, "Changes from …" lists, live, what differs from the preset, file
// or run the form started from, and the Preset box names a preset only while the form holds it.
#pragma once

#include <QDialog>
#include <nlohmann/json.hpp>

#include "ui/run_queue.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sublab::ui {

class AppSettings;
class ConfigForm;

class ExperimentDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ExperimentDialog(AppSettings* settings, QWidget* parent = nullptr);

  void setKind(const QString& kind);
  // Loads a preset by name (switching the kind); false when unknown.
  bool setPreset(const QString& name);
  // Loads a full or partial config (its "kind" picks the kind).
  void setConfig(const nlohmann::json& config);
  // What Load JSON… does with the chosen file: the file is read by the engine's config reader
  // first, as `sublab run --config` reads it, so a file the CLI rejects (an unknown key, a wrong
  // value, no "kind") is rejected with the same message and the form keeps what it had. On
  // success the form holds the file's config and the Preset box says "loaded: FILE".
  bool loadJsonFile(const QString& path, QString* error);
  // "Duplicate and edit": the form holds a stored run's config, and lists what differs from it.
  // `moreSeeds` ("Re-run with more seeds") puts the cursor in the seed count, raised by one.
  bool setSourceRun(qint64 runId, const QString& runName, const nlohmann::json& config,
                    bool moreSeeds, QString* error);

  bool isValid() const { return m_valid; }
  QString validationMessage() const { return m_message; }
  // What Run would queue (meaningful while isValid()).
  JobSpec spec() const;

  ConfigForm* form() const { return m_form; }
  QPushButton* runButton() const { return m_run; }
  // "Sweep…": asks for a sweep over the form's config (enabled while the form is valid).
  QPushButton* sweepButton() const { return m_sweep; }
  QComboBox* kindBox() const { return m_kind; }
  QComboBox* presetBox() const { return m_preset; }
  QSpinBox* seedsBox() const { return m_seeds; }
  QLabel* messageLabel() const { return m_messageLabel; }
  // "Changes from run #3: seeds 3 → 5, …" (empty before the form holds anything).
  QLabel* changesLabel() const { return m_changesLabel; }

 Q_SIGNALS:
  void runRequested(const sublab::ui::JobSpec& spec);
  // The form's config (normalised) as a sweep's base; the receiver opens the Sweep dialog.
  void sweepRequested(const sublab::ui::JobSpec& spec);

 private:
  void rebuildForm(const QString& kind);
  void fillPresets(const QString& kind);
  void onPresetChosen();
  void revalidate();
  void loadJson();
  void saveJson();
  void saveSettings();
  // The Preset box and the changes list after an edit: the source's name while the form holds
  // its config, "(custom)" once it does not.
  void updateSource();

  AppSettings* m_settings;
  QComboBox* m_kind;
  QComboBox* m_preset;
  QLabel* m_presetHelp;
  QLineEdit* m_name;
  QSpinBox* m_seeds;
  QLabel* m_seedsLabel;
  QSpinBox* m_baseSeed;
  QLabel* m_baseSeedLabel;
  QComboBox* m_device;
  QSpinBox* m_threads;
  QLineEdit* m_tags;
  ConfigForm* m_form;
  QLabel* m_messageLabel;
  QPlainTextEdit* m_jsonView;
  QPushButton* m_run;
  QPushButton* m_sweep;
  QString m_currentKind;
  QString m_seedsPath;     // schema path of the seed count ("" when the kind has none)
  QString m_baseSeedPath;  // schema path of the base seed ("" when none)
  nlohmann::json m_normalized;
  bool m_valid = false;
  QString m_message;
  bool m_loading = false;
  QLabel* m_changesLabel;
  // What the form started from: a preset ("" = defaults), a loaded file or a stored run.
  QString m_sourceLabel;   // "preset owl-numbers-tiny", "file a.json", "run #3"
  QString m_sourceItem;    // the Preset box's text while unchanged ("" for a preset: its item)
  QString m_sourcePreset;  // what a run stores as its preset while unchanged
  QString m_sourceName;    // a name for a run when the Name box is empty, once changed
  nlohmann::json m_sourceConfig;  // normalised; null when unknown
  bool m_sameAsSource = false;    // the form holds exactly m_sourceConfig
};

}  // namespace sublab::ui
