// A form generated from an experiment kind's config schema (sublab::configSchema): one widget
// per knob — check box for bools, combo box for choices, a line edit for numbers, lists and
// strings, a FolderField (path, Browse…, live checks, model card) for folders — grouped by the
// first component of the knob's path. Reads and writes config JSON.
// Validation is the engine's (normalizeConfig); the form only parses what was typed.
#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/core/config_util.h"

class QVBoxLayout;
class QLabel;

namespace sublab::ui {

class ConfigForm : public QWidget {
  Q_OBJECT

 public:
  explicit ConfigForm(QWidget* parent = nullptr);

  // Rebuilds the widgets. Fields whose path is in `skip` are left out (shown elsewhere).
  void setSchema(const std::vector<sublab::ConfigField>& schema, const QSet<QString>& skip = {});
  // Sets every field present in `config` (nested JSON); fields missing from it get defaults.
  void setValues(const nlohmann::json& config);
  // Writes every field into `out` (nested by path). Returns false with the field's path and
  // what is wrong when a value does not parse (e.g. letters in a number field).
  bool collect(nlohmann::json& out, QString* error, QString* errorPath) const;

  QWidget* fieldWidget(const QString& path) const { return m_widgets.value(path); }
  QStringList fieldPaths() const;
  // Outlines the field in red (empty path clears every mark).
  void markInvalid(const QString& path);
  int fieldCount() const { return static_cast<int>(m_fields.size()); }
  // The device folder cards estimate for when the schema has no knob with the Device role (the
  // dialog's run device); with such a knob, its value is used.
  void setDevice(const QString& device);

 Q_SIGNALS:
  void edited();

 private:
  QWidget* makeWidget(const sublab::ConfigField& f);
  void setWidgetValue(const sublab::ConfigField& f, const nlohmann::json& v);
  void updateChangedMark(const QString& path);
  nlohmann::json widgetValue(const sublab::ConfigField& f, QString* error) const;
  void applyDevice();

  std::vector<sublab::ConfigField> m_fields;
  QHash<QString, QWidget*> m_widgets;
  QHash<QString, QLabel*> m_labels;
  QVBoxLayout* m_layout;
  QString m_invalid;
  QString m_device = QStringLiteral("cpu");
  QString m_devicePath;  // the knob with the Device role ("" if none)
};

// Value at a dotted path of a JSON object, or null.
nlohmann::json jsonAt(const nlohmann::json& obj, const QString& path);
// Sets the value at a dotted path, creating objects on the way.
void setJsonAt(nlohmann::json& obj, const QString& path, const nlohmann::json& value);
// Every leaf of a JSON object as dotted path → value (arrays are leaves).
void flattenJson(const nlohmann::json& obj, const QString& prefix,
                 std::vector<std::pair<QString, nlohmann::json>>& out);
// Compact text of a JSON value for tables: strings unquoted, lists "1, 2, 3".
QString jsonText(const nlohmann::json& v);

}  // namespace sublab::ui
