// Implementation of ConfigForm and the small JSON path helpers shared by the views.
#include "ui/config_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMap>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QVBoxLayout>
#include <cmath>

#include "ui/folder_field.h"

namespace sublab::ui {

nlohmann::json jsonAt(const nlohmann::json& obj, const QString& path) {
  const nlohmann::json* cur = &obj;
  for (const QString& part : path.split(QLatin1Char('.'))) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part.toStdString());
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return *cur;
}

void setJsonAt(nlohmann::json& obj, const QString& path, const nlohmann::json& value) {
  nlohmann::json* cur = &obj;
  const QStringList parts = path.split(QLatin1Char('.'));
  for (int i = 0; i + 1 < parts.size(); ++i) {
    nlohmann::json& next = (*cur)[parts[i].toStdString()];
    if (!next.is_object()) next = nlohmann::json::object();
    cur = &next;
  }
  (*cur)[parts.last().toStdString()] = value;
}

void flattenJson(const nlohmann::json& obj, const QString& prefix,
                 std::vector<std::pair<QString, nlohmann::json>>& out) {
  if (!obj.is_object()) {
    out.emplace_back(prefix, obj);
    return;
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const QString key = prefix.isEmpty()
                            ? QString::fromStdString(it.key())
                            : prefix + QLatin1Char('.') + QString::fromStdString(it.key());
    if (it->is_object() && !it->empty()) {
      flattenJson(*it, key, out);
    } else {
      out.emplace_back(key, *it);
    }
  }
}

QString jsonText(const nlohmann::json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
  if (v.is_number_float()) return QString::number(v.get<double>(), 'g', 6);
  if (v.is_array()) {
    QStringList parts;
    for (const auto& e : v) parts << jsonText(e);
    return parts.join(QStringLiteral(", "));
  }
  return QString::fromStdString(v.dump());
}

ConfigForm::ConfigForm(QWidget* parent) : QWidget(parent) {
  m_layout = new QVBoxLayout(this);
  m_layout->setContentsMargins(0, 0, 0, 0);
}

QStringList ConfigForm::fieldPaths() const {
  QStringList out;
  for (const auto& f : m_fields) out << QString::fromStdString(f.path);
  return out;
}

void ConfigForm::setSchema(const std::vector<sublab::ConfigField>& schema,
                           const QSet<QString>& skip) {
  while (QLayoutItem* item = m_layout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  m_widgets.clear();
  m_labels.clear();
  m_fields.clear();
  m_invalid.clear();
  m_devicePath.clear();
  // Group by the first path component, groups in order of first appearance.
  QStringList groupOrder;
  QMap<QString, QFormLayout*> groups;
  for (const auto& f : schema) {
    const QString path = QString::fromStdString(f.path);
    if (path == QLatin1String("kind") || skip.contains(path)) continue;
    m_fields.push_back(f);
    const int dot = path.indexOf(QLatin1Char('.'));
    const QString group = dot < 0 ? tr("general") : path.left(dot);
    if (!groups.contains(group)) {
      auto* box = new QGroupBox(group, this);
      box->setObjectName(QStringLiteral("group_") + group);
      auto* form = new QFormLayout(box);
      form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
      groups.insert(group, form);
      groupOrder << group;
      m_layout->addWidget(box);
    }
    QWidget* w = makeWidget(f);
    QString labelText = dot < 0 ? path : path.mid(dot + 1);
    labelText.replace(QLatin1Char('_'), QLatin1Char(' '));
    auto* label = new QLabel(labelText, this);
    QString tip = QString::fromStdString(f.help);
    if (f.type == "int" || f.type == "number" || f.type == "ints")
      tip += (tip.isEmpty() ? "" : "\n") + tr("Range: %1 to %2").arg(f.min).arg(f.max);
    if (f.type == "positive")
      tip += (tip.isEmpty() ? "" : "\n") + tr("Greater than 0, at most %1").arg(f.max);
    tip += (tip.isEmpty() ? "" : "\n") + tr("Default: %1").arg(jsonText(f.def));
    tip += QStringLiteral("\n(") + path + QLatin1Char(')');
    label->setToolTip(tip);
    w->setToolTip(tip);
    w->setObjectName(QStringLiteral("field_") + path);
    label->setBuddy(w);
    groups[group]->addRow(label, w);
    m_widgets.insert(path, w);
    m_labels.insert(path, label);
    setWidgetValue(f, f.def);
    if (f.role == sublab::ConfigRole::Device) {
      m_devicePath = path;
      if (auto* combo = qobject_cast<QComboBox*>(w))
        connect(combo, &QComboBox::currentTextChanged, this, &ConfigForm::applyDevice);
    }
  }
  m_layout->addStretch(1);
  applyDevice();
}

void ConfigForm::setDevice(const QString& device) {
  m_device = device;
  applyDevice();
}

void ConfigForm::applyDevice() {
  QString device = m_device;
  if (auto* combo = qobject_cast<QComboBox*>(m_widgets.value(m_devicePath)))
    device = combo->currentText();
  for (QWidget* w : std::as_const(m_widgets))
    if (auto* folder = qobject_cast<FolderField*>(w)) folder->setDevice(device);
}

QWidget* ConfigForm::makeWidget(const sublab::ConfigField& f) {
  const QString path = QString::fromStdString(f.path);
  if (f.type == "bool") {
    auto* cb = new QCheckBox(this);
    connect(cb, &QCheckBox::toggled, this, [this, path] {
      updateChangedMark(path);
      Q_EMIT edited();
    });
    return cb;
  }
  if (f.type == "choice") {
    auto* combo = new QComboBox(this);
    for (const auto& c : f.choices) combo->addItem(QString::fromStdString(c));
    connect(combo, &QComboBox::currentIndexChanged, this, [this, path] {
      updateChangedMark(path);
      Q_EMIT edited();
    });
    return combo;
  }
  if (f.type == "folder") {
    auto* folder = new FolderField(f, this);
    connect(folder, &FolderField::changed, this, [this, path] {
      updateChangedMark(path);
      Q_EMIT edited();
    });
    return folder;
  }
  if (f.type == "strings") {
    // One entry per line: entries (e.g. regexes) may contain commas.
    auto* text = new QPlainTextEdit(this);
    text->setPlaceholderText(tr("one per line (empty: none)"));
    text->setMaximumHeight(56);
    text->setTabChangesFocus(true);
    connect(text, &QPlainTextEdit::textChanged, this, [this, path] {
      updateChangedMark(path);
      Q_EMIT edited();
    });
    return text;
  }
  auto* edit = new QLineEdit(this);
  if (f.type == "ints") edit->setPlaceholderText(tr("e.g. 4, 13, 666 (empty: none)"));
  connect(edit, &QLineEdit::textChanged, this, [this, path] {
    updateChangedMark(path);
    Q_EMIT edited();
  });
  return edit;
}

void ConfigForm::setWidgetValue(const sublab::ConfigField& f, const nlohmann::json& v) {
  QWidget* w = m_widgets.value(QString::fromStdString(f.path));
  if (!w) return;
  const nlohmann::json& value = v.is_null() ? f.def : v;
  const QSignalBlocker block(w);
  if (auto* cb = qobject_cast<QCheckBox*>(w)) {
    cb->setChecked(value.is_boolean() && value.get<bool>());
  } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
    const int i = combo->findText(jsonText(value));
    combo->setCurrentIndex(i < 0 ? 0 : i);
  } else if (auto* folder = qobject_cast<FolderField*>(w)) {
    folder->setPath(jsonText(value));
  } else if (auto* edit = qobject_cast<QLineEdit*>(w)) {
    edit->setText(jsonText(value));
  } else if (auto* text = qobject_cast<QPlainTextEdit*>(w)) {
    QStringList lines;
    if (value.is_array())
      for (const auto& e : value)
        lines << (e.is_string() ? QString::fromStdString(e.get<std::string>())
                                : QString::fromStdString(e.dump()));
    text->setPlainText(lines.join(QLatin1Char('\n')));
  }
  updateChangedMark(QString::fromStdString(f.path));
}

void ConfigForm::setValues(const nlohmann::json& config) {
  for (const auto& f : m_fields) setWidgetValue(f, jsonAt(config, QString::fromStdString(f.path)));
  applyDevice();  // the device knob's signals were blocked while it was set
  Q_EMIT edited();
}

nlohmann::json ConfigForm::widgetValue(const sublab::ConfigField& f, QString* error) const {
  QWidget* w = m_widgets.value(QString::fromStdString(f.path));
  if (auto* cb = qobject_cast<QCheckBox*>(w)) return cb->isChecked();
  if (auto* combo = qobject_cast<QComboBox*>(w)) return combo->currentText().toStdString();
  if (auto* folder = qobject_cast<FolderField*>(w)) {
    // A folder that cannot be used stops the run here, with the field's own reason.
    if (!folder->problem().isEmpty()) {
      *error = folder->problem();
      return nullptr;
    }
    return folder->path().toStdString();
  }
  if (auto* plain = qobject_cast<QPlainTextEdit*>(w)) {
    nlohmann::json list = nlohmann::json::array();
    for (const QString& line : plain->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
      if (!line.trimmed().isEmpty()) list.push_back(line.trimmed().toStdString());
    return list;
  }
  const QString text = qobject_cast<QLineEdit*>(w)->text().trimmed();
  // Numbers are read one way, as the C locale writes them (JSON and the CLI agree). A comma is
  // never read: it is a decimal point in many locales and a thousands separator in others, so
  // "0,001" could be 0.001 or 1 — say what to write instead.
  QLocale c = QLocale::c();
  c.setNumberOptions(QLocale::RejectGroupSeparator);
  bool ok = false;
  if ((f.type == "int" || f.type == "number" || f.type == "positive") &&
      text.contains(QLatin1Char(','))) {
    QString instead = text;
    if (f.type != "int" && text.count(QLatin1Char(',')) == 1 && !text.contains(QLatin1Char('.')))
      *error = tr("\"%1\" has a comma: use a decimal point: %2")
                   .arg(text, instead.replace(QLatin1Char(','), QLatin1Char('.')));
    else
      *error = tr("\"%1\" has a comma: write the number without separators, with a decimal "
                  "point if it has a fraction (e.g. 0.001 or 1000)")
                   .arg(text);
    return nullptr;
  }
  if (f.type == "int") {
    const qlonglong x = c.toLongLong(text, &ok);
    if (!ok) {
      const double d = c.toDouble(text, &ok);  // "1e3" is a whole number too
      if (ok && std::floor(d) == d && std::abs(d) < 9e15) return static_cast<int64_t>(d);
      *error = tr("must be a whole number, got \"%1\"").arg(text);
      return nullptr;
    }
    return static_cast<int64_t>(x);
  }
  if (f.type == "number" || f.type == "positive") {
    const double x = c.toDouble(text, &ok);
    if (!ok) {
      *error = tr("must be a number, got \"%1\"").arg(text);
      return nullptr;
    }
    return x;
  }
  if (f.type == "ints") {
    nlohmann::json list = nlohmann::json::array();
    const QStringList parts =
        QString(text)
            .replace(QLatin1Char(';'), QLatin1Char(','))
            .split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    for (const QString& p : parts) {
      const qlonglong x = c.toLongLong(p, &ok);
      if (!ok) {
        *error = tr("must be a list of whole numbers, got \"%1\"").arg(p);
        return nullptr;
      }
      list.push_back(static_cast<int64_t>(x));
    }
    return list;
  }
  return text.toStdString();
}

bool ConfigForm::collect(nlohmann::json& out, QString* error, QString* errorPath) const {
  for (const auto& f : m_fields) {
    QString why;
    nlohmann::json v = widgetValue(f, &why);
    if (!why.isEmpty()) {
      if (error) *error = QString::fromStdString(f.path) + QStringLiteral(": ") + why;
      if (errorPath) *errorPath = QString::fromStdString(f.path);
      return false;
    }
    setJsonAt(out, QString::fromStdString(f.path), v);
  }
  return true;
}

void ConfigForm::markInvalid(const QString& path) {
  if (path == m_invalid) return;
  // A folder field outlines its line edit, not the card and buttons under it.
  auto target = [this](const QString& p) -> QWidget* {
    QWidget* w = m_widgets.value(p);
    if (auto* folder = qobject_cast<FolderField*>(w)) return folder->lineEdit();
    return w;
  };
  if (QWidget* old = target(m_invalid)) old->setStyleSheet({});
  m_invalid = path;
  if (QWidget* w = target(path)) {
    w->setStyleSheet(QStringLiteral("border: 1px solid #d03030; background: #fff0f0;"));
  }
}

void ConfigForm::updateChangedMark(const QString& path) {
  QLabel* label = m_labels.value(path);
  if (!label) return;
  for (const auto& f : m_fields) {
    if (QString::fromStdString(f.path) != path) continue;
    QString why;
    const nlohmann::json v = widgetValue(f, &why);
    bool changed = !why.isEmpty() || v != f.def;
    // Integral defaults read back from a line edit as doubles would compare unequal.
    if (changed && v.is_number() && f.def.is_number())
      changed = v.get<double>() != f.def.get<double>();
    QFont font = label->font();
    font.setBold(changed);
    label->setFont(font);
    return;
  }
}

}  // namespace sublab::ui
