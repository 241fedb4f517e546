// "New experiment": choose the kind, start from a preset, change any knob in the generated
// form, set seeds, device and threads, then Run. Every edit is validated by the engine's
// normalizeConfig(); while anything is invalid the Run button stays disabled and the reason is
// shown under the form, and the offending field is outlined.
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

  bool isValid() const { return m_valid; }
  QString validationMessage() const { return m_message; }
  // What Run would queue (meaningful while isValid()).
  JobSpec spec() const;

  ConfigForm* form() const { return m_form; }
  QPushButton* runButton() const { return m_run; }
  QComboBox* kindBox() const { return m_kind; }
  QComboBox* presetBox() const { return m_preset; }
  QSpinBox* seedsBox() const { return m_seeds; }
  QLabel* messageLabel() const { return m_messageLabel; }

 Q_SIGNALS:
  void runRequested(const sublab::ui::JobSpec& spec);

 private:
  void rebuildForm(const QString& kind);
  void fillPresets(const QString& kind);
  void onPresetChosen();
  void revalidate();
  void loadJson();
  void saveJson();
  void saveSettings();

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
  QString m_currentKind;
  QString m_seedsPath;     // schema path of the seed count ("" when the kind has none)
  QString m_baseSeedPath;  // schema path of the base seed ("" when none)
  nlohmann::json m_normalized;
  bool m_valid = false;
  QString m_message;
  bool m_loading = false;
};

}  // namespace sublab::ui
