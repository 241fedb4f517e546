// Implementation of ExperimentDialog.
#include "ui/experiment_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include "engine/experiment.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"

namespace sublab::ui {

namespace {
const char* kView = "experiment";
// Marks the Preset box's item that names no preset: "(custom)", "loaded: a.json", "run #3".
const int kSourceItemRole = Qt::UserRole + 1;

// "models" -> "Models": the label of the repetition count's spin box.
QString capitalized(const std::string& key) {
  QString s = QString::fromStdString(key);
  if (!s.isEmpty()) s[0] = s[0].toUpper();
  return s;
}
}  // namespace

ExperimentDialog::ExperimentDialog(AppSettings* settings, QWidget* parent)
    : QDialog(parent), m_settings(settings) {
  setWindowTitle(tr("New experiment"));
  setObjectName(QStringLiteral("experimentDialog"));
  m_kind = new QComboBox(this);
  m_kind->setObjectName(QStringLiteral("kind"));
  for (const sublab::KindDescription& d : sublab::kindDescriptions())
    m_kind->addItem(QString::fromStdString(d.title), QString::fromStdString(d.name));
  m_preset = new QComboBox(this);
  m_preset->setObjectName(QStringLiteral("preset"));
  m_presetHelp = new QLabel(this);
  m_presetHelp->setWordWrap(true);
  m_presetHelp->setStyleSheet(QStringLiteral("color: #555;"));
  m_name = new QLineEdit(this);
  m_name->setObjectName(QStringLiteral("runName"));
  m_name->setPlaceholderText(tr("defaults to the preset name"));
  m_seeds = new QSpinBox(this);
  m_seeds->setObjectName(QStringLiteral("seeds"));
  m_seedsLabel = new QLabel(tr("Seeds"), this);
  m_baseSeed = new QSpinBox(this);
  m_baseSeed->setObjectName(QStringLiteral("baseSeed"));
  m_baseSeedLabel = new QLabel(tr("First seed"), this);
  m_device = new QComboBox(this);
  m_device->setObjectName(QStringLiteral("device"));
  m_device->addItems({QStringLiteral("cpu"), QStringLiteral("cuda")});
  m_device->setToolTip(tr("cuda needs a CUDA build of libtorch and a GPU; see the README"));
  m_threads = new QSpinBox(this);
  m_threads->setRange(0, 256);
  m_threads->setSpecialValueText(tr("all cores"));
  m_threads->setToolTip(
      tr("CPU threads for this run. \"all cores\": every core this program may use (its CPU "
         "affinity), or SLURM_CPUS_PER_TASK under Slurm. What the run used is shown by "
         "`sublab show` (and recorded with its results)."));
  m_tags = new QLineEdit(this);
  m_tags->setPlaceholderText(tr("comma-separated, e.g. baseline, lora"));

  auto* top = new QFormLayout;
  top->addRow(tr("Kind"), m_kind);
  top->addRow(tr("Preset"), m_preset);
  top->addRow(QString(), m_presetHelp);
  top->addRow(tr("Name"), m_name);
  auto* runRow = new QHBoxLayout;
  runRow->addWidget(m_seedsLabel);
  runRow->addWidget(m_seeds);
  runRow->addSpacing(12);
  runRow->addWidget(m_baseSeedLabel);
  runRow->addWidget(m_baseSeed);
  runRow->addSpacing(12);
  runRow->addWidget(new QLabel(tr("Device"), this));
  runRow->addWidget(m_device);
  runRow->addSpacing(12);
  runRow->addWidget(new QLabel(tr("Threads"), this));
  runRow->addWidget(m_threads);
  runRow->addStretch(1);
  top->addRow(tr("Run on"), runRow);
  top->addRow(tr("Tags"), m_tags);

  m_form = new ConfigForm(this);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(m_form);
  scroll->setMinimumHeight(260);

  m_messageLabel = new QLabel(this);
  m_messageLabel->setObjectName(QStringLiteral("validationMessage"));
  m_messageLabel->setWordWrap(true);
  m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_changesLabel = new QLabel(this);
  m_changesLabel->setObjectName(QStringLiteral("changesFromSource"));
  m_changesLabel->setWordWrap(true);
  m_changesLabel->setTextFormat(Qt::PlainText);
  m_changesLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_changesLabel->setStyleSheet(QStringLiteral("color: #555;"));
  m_jsonView = new QPlainTextEdit(this);
  m_jsonView->setReadOnly(true);
  m_jsonView->setVisible(false);
  m_jsonView->setMaximumHeight(180);
  m_jsonView->setFont(QFont(QStringLiteral("monospace")));
  auto* showJson = new QCheckBox(tr("Show the full config as JSON"), this);
  connect(showJson, &QCheckBox::toggled, m_jsonView, &QWidget::setVisible);

  auto* buttons = new QDialogButtonBox(this);
  m_run = buttons->addButton(tr("Run"), QDialogButtonBox::AcceptRole);
  m_run->setObjectName(QStringLiteral("runButton"));
  m_run->setDefault(true);
  buttons->addButton(QDialogButtonBox::Cancel);
  QPushButton* load = buttons->addButton(tr("Load JSON…"), QDialogButtonBox::ActionRole);
  QPushButton* save = buttons->addButton(tr("Save JSON…"), QDialogButtonBox::ActionRole);
  m_sweep = buttons->addButton(tr("Sweep…"), QDialogButtonBox::ActionRole);
  m_sweep->setObjectName(QStringLiteral("sweepButton"));
  m_sweep->setToolTip(tr("Run this config at several values of a knob, with seeds at each"));
  connect(m_sweep, &QPushButton::clicked, this, [this] {
    revalidate();
    if (!m_valid) return;
    saveSettings();
    Q_EMIT sweepRequested(spec());
  });
  connect(load, &QPushButton::clicked, this, &ExperimentDialog::loadJson);
  connect(save, &QPushButton::clicked, this, &ExperimentDialog::saveJson);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_run, &QPushButton::clicked, this, [this] {
    revalidate();
    if (!m_valid) return;
    saveSettings();
    Q_EMIT runRequested(spec());
    accept();
  });

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(scroll, 1);
  layout->addWidget(m_messageLabel);
  layout->addWidget(m_changesLabel);
  layout->addWidget(showJson);
  layout->addWidget(m_jsonView);
  layout->addWidget(buttons);
  resize(640, 760);

  connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
    if (m_loading) return;
    const QString kind = m_kind->currentData().toString();
    rebuildForm(kind);
    fillPresets(kind);
    onPresetChosen();
  });
  connect(m_preset, &QComboBox::currentIndexChanged, this, [this] {
    if (!m_loading) onPresetChosen();
  });
  connect(m_form, &ConfigForm::edited, this, &ExperimentDialog::revalidate);
  // A model folder's card estimates memory on the device the run will use.
  connect(m_device, &QComboBox::currentTextChanged, m_form, &ConfigForm::setDevice);
  connect(m_seeds, &QSpinBox::valueChanged, this, &ExperimentDialog::revalidate);
  connect(m_baseSeed, &QSpinBox::valueChanged, this, &ExperimentDialog::revalidate);

  // Start where the user left off.
  m_device->setCurrentText(m_settings ? m_settings->viewValue(kView, "device", "cpu").toString()
                                      : QStringLiteral("cpu"));
  m_threads->setValue(m_settings ? m_settings->viewValue(kView, "threads", 0).toInt() : 0);
  const QString lastPreset =
      m_settings ? m_settings->viewValue(kView, "preset").toString() : QString();
  if (lastPreset.isEmpty() || !setPreset(lastPreset)) {
    const QString first = QString::fromStdString(sublab::kindDescriptions().front().name);
    setKind(m_settings ? m_settings->viewValue(kView, "kind", first).toString() : first);
  }
}

void ExperimentDialog::setKind(const QString& kind) {
  const int i = m_kind->findData(kind);
  m_loading = true;
  m_kind->setCurrentIndex(i < 0 ? 0 : i);
  m_loading = false;
  rebuildForm(m_kind->currentData().toString());
  fillPresets(m_kind->currentData().toString());
  onPresetChosen();
}

bool ExperimentDialog::setPreset(const QString& name) {
  const sublab::Preset* p = sublab::findPreset(name.toStdString());
  if (!p) return false;
  const QString kind = QString::fromStdString(p->kind);
  if (kind != m_currentKind || m_preset->count() == 0) {
    m_loading = true;
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
    m_loading = false;
    rebuildForm(kind);
    fillPresets(kind);
  }
  const int i = m_preset->findData(name);
  if (i < 0) return false;
  if (m_preset->currentIndex() == i) {
    onPresetChosen();
  } else {
    m_preset->setCurrentIndex(i);  // onPresetChosen() through the signal
  }
  return true;
}

void ExperimentDialog::rebuildForm(const QString& kind) {
  m_currentKind = kind;
  m_seedsPath.clear();
  m_baseSeedPath.clear();
  std::vector<sublab::ConfigField> schema;
  try {
    schema = sublab::configSchema(kind.toStdString());
  } catch (const std::exception& e) {
    m_form->setSchema({});
    m_valid = false;
    m_message = QString::fromStdString(e.what());
    m_messageLabel->setText(
        QStringLiteral("<span style='color:#b00020'>%1</span>").arg(m_message.toHtmlEscaped()));
    m_run->setEnabled(false);
    return;
  }
  // The kind's description names its repetition count and base seed; both get spin boxes of
  // their own above the form.
  const sublab::KindDescription* description = sublab::findKind(kind.toStdString());
  QSet<QString> skip;
  for (const auto& f : schema) {
    const QString path = QString::fromStdString(f.path);
    if (f.type != "int" || !description) continue;
    if (f.path == description->repetitionKey) {
      m_seedsPath = path;
      m_seeds->setRange(static_cast<int>(std::max(-2e9, f.min)),
                        static_cast<int>(std::min(2e9, f.max)));
      m_seeds->setToolTip(QString::fromStdString(f.help));
      m_seedsLabel->setText(capitalized(description->repetitionKey));
      skip << path;
    } else if (f.path == description->seedKey) {
      m_baseSeedPath = path;
      m_baseSeed->setRange(static_cast<int>(std::max(-2e9, f.min)),
                           static_cast<int>(std::min(2e9, f.max)));
      m_baseSeed->setToolTip(QString::fromStdString(f.help));
      skip << path;
    }
  }
  m_seeds->setVisible(!m_seedsPath.isEmpty());
  m_seedsLabel->setVisible(!m_seedsPath.isEmpty());
  m_baseSeed->setVisible(!m_baseSeedPath.isEmpty());
  m_baseSeedLabel->setVisible(!m_baseSeedPath.isEmpty());
  m_form->setSchema(schema, skip);
}

void ExperimentDialog::fillPresets(const QString& kind) {
  const QSignalBlocker block(m_preset);
  m_preset->clear();
  m_preset->addItem(tr("(defaults)"), QString());
  for (const sublab::Preset& p : sublab::presets()) {
    if (QString::fromStdString(p.kind) != kind) continue;
    m_preset->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
    m_preset->setItemData(m_preset->count() - 1, QString::fromStdString(p.description),
                          Qt::ToolTipRole);
  }
}

void ExperimentDialog::onPresetChosen() {
  // Choosing "(custom)" or "loaded: …" again changes nothing: the form already holds it.
  if (m_preset->currentData(kSourceItemRole).toBool()) return;
  const QString name = m_preset->currentData().toString();
  nlohmann::json config = {{"kind", m_currentKind.toStdString()}};
  if (const sublab::Preset* p = sublab::findPreset(name.toStdString())) {
    config = p->config;
    config["kind"] = p->kind;
    m_presetHelp->setText(QString::fromStdString(p->description));
  } else {
    m_presetHelp->setText(tr("Every knob at its default value."));
  }
  m_sourceLabel = name.isEmpty() ? tr("the defaults") : tr("preset %1").arg(name);
  m_sourceItem.clear();
  m_sourcePreset = name;
  m_sourceName = name.isEmpty() ? m_currentKind : name;
  try {
    m_sourceConfig = sublab::normalizeConfig(config);
  } catch (const std::exception&) {
    m_sourceConfig = nullptr;
  }
  setConfig(config);
}

bool ExperimentDialog::setSourceRun(qint64 runId, const QString& runName,
                                    const nlohmann::json& config, bool moreSeeds, QString* error) {
  nlohmann::json normalized;
  try {
    normalized = sublab::normalizeConfig(config);
  } catch (const std::exception& e) {
    if (error) *error = tr("Run #%1's stored config no longer reads: %2").arg(runId).arg(e.what());
    return false;
  }
  const QString label = tr("run #%1").arg(runId);
  m_sourceLabel = runName.isEmpty() ? label : tr("%1 (%2)").arg(label, runName);
  m_sourceItem = label;
  m_sourcePreset.clear();
  m_sourceName = runName.isEmpty() ? label : runName;
  m_sourceConfig = normalized;
  m_presetHelp->setText(tr("The config of %1; change what you want to vary.").arg(m_sourceLabel));
  m_name->clear();
  setConfig(normalized);
  if (moreSeeds && m_seeds->isVisible()) {
    m_seeds->setValue(std::min(m_seeds->maximum(), m_seeds->value() + 1));
    m_seeds->setFocus();
    m_seeds->selectAll();
  }
  return true;
}

void ExperimentDialog::updateSource() {
  const bool same = m_valid && !m_sourceConfig.is_null() && m_normalized == m_sourceConfig;
  m_sameAsSource = same;
  {
    // The Preset box names a preset only while the form holds it.
    const QSignalBlocker block(m_preset);
    int item = -1;
    for (int i = 0; i < m_preset->count(); ++i)
      if (m_preset->itemData(i, kSourceItemRole).toBool()) item = i;
    if (same && m_sourceItem.isEmpty()) {
      if (item >= 0) m_preset->removeItem(item);
      m_preset->setCurrentIndex(std::max(0, m_preset->findData(m_sourcePreset)));
    } else {
      const QString text = same ? m_sourceItem : tr("(custom)");
      if (item < 0) {
        m_preset->addItem(text);
        item = m_preset->count() - 1;
        m_preset->setItemData(item, true, kSourceItemRole);
      }
      m_preset->setItemText(item, text);
      m_preset->setItemData(item, same ? m_sourcePreset : QString(), Qt::UserRole);
      m_preset->setItemData(item, tr("Edited from %1").arg(m_sourceLabel), Qt::ToolTipRole);
      m_preset->setCurrentIndex(item);
    }
  }
  // What differs from the source, key by key.
  if (m_sourceConfig.is_null()) {
    m_changesLabel->clear();
    return;
  }
  if (!m_valid) {
    m_changesLabel->setText(tr("Compared with %1 once the config is valid.").arg(m_sourceLabel));
    return;
  }
  std::vector<std::pair<QString, nlohmann::json>> before, after;
  flattenJson(m_sourceConfig, QString(), before);
  flattenJson(m_normalized, QString(), after);
  QMap<QString, nlohmann::json> old;
  for (const auto& [key, value] : before) old.insert(key, value);
  auto shown = [](const nlohmann::json& v) {
    const QString t = jsonText(v);
    return t.isEmpty() ? tr("(none)") : t;
  };
  QStringList changes;
  for (const auto& [key, value] : after) {
    const nlohmann::json was = old.take(key);
    if (was != value) changes << tr("%1 %2 → %3").arg(key, shown(was), shown(value));
  }
  for (auto it = old.cbegin(); it != old.cend(); ++it)
    changes << tr("%1 %2 → (none)").arg(it.key(), shown(it.value()));
  if (changes.isEmpty()) {
    m_changesLabel->setText(tr("Same config as %1.").arg(m_sourceLabel));
    return;
  }
  const int shownCount = 12;
  const int more = static_cast<int>(changes.size()) - shownCount;
  if (more > 0) changes = changes.mid(0, shownCount) << tr("and %1 more").arg(more);
  m_changesLabel->setText(
      tr("Changes from %1: %2").arg(m_sourceLabel, changes.join(QStringLiteral("; "))));
}

void ExperimentDialog::setConfig(const nlohmann::json& config) {
  const QString kind = QString::fromStdString(config.value("kind", m_currentKind.toStdString()));
  if (kind != m_currentKind) {
    m_loading = true;
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
    m_loading = false;
    rebuildForm(kind);
    fillPresets(kind);
  }
  nlohmann::json full = config;
  try {
    full = sublab::normalizeConfig(config);
  } catch (const std::exception&) {
    // Keep what was given; revalidate() shows why it is not valid.
  }
  m_loading = true;
  m_form->setValues(full);
  if (!m_seedsPath.isEmpty()) {
    const nlohmann::json v = jsonAt(full, m_seedsPath);
    if (v.is_number()) m_seeds->setValue(v.get<int>());
  }
  if (!m_baseSeedPath.isEmpty()) {
    const nlohmann::json v = jsonAt(full, m_baseSeedPath);
    if (v.is_number()) m_baseSeed->setValue(v.get<int>());
  }
  m_loading = false;
  revalidate();
}

void ExperimentDialog::revalidate() {
  if (m_loading) return;
  nlohmann::json config = {{"kind", m_currentKind.toStdString()}};
  if (!m_seedsPath.isEmpty()) setJsonAt(config, m_seedsPath, m_seeds->value());
  if (!m_baseSeedPath.isEmpty()) setJsonAt(config, m_baseSeedPath, m_baseSeed->value());
  QString error, errorPath;
  m_valid = false;
  if (m_form->fieldCount() == 0 && m_message.isEmpty()) {
    m_message = tr("No form for this kind.");
  } else if (m_form->fieldCount() == 0) {
    // rebuildForm() already explained why there is no form.
  } else if (!m_form->collect(config, &error, &errorPath)) {
    m_message = error;
  } else {
    try {
      m_normalized = sublab::normalizeConfig(config);
      m_valid = true;
      m_message.clear();
    } catch (const std::exception& e) {
      m_message = QString::fromStdString(e.what());
      // Messages name the key as "config.student.lr: …": outline that field.
      static const QRegularExpression re(QStringLiteral("^config\\.([A-Za-z0-9_.]+):"));
      const auto m = re.match(m_message);
      errorPath = m.hasMatch() ? m.captured(1) : QString();
    }
  }
  m_form->markInvalid(m_valid ? QString() : errorPath);
  m_run->setEnabled(m_valid);
  m_sweep->setEnabled(m_valid);
  m_run->setToolTip(m_valid ? tr("Queue this run") : m_message);
  if (m_valid) {
    m_messageLabel->setText(
        QStringLiteral("<span style='color:#2e7d32'>%1</span>").arg(tr("Config is valid.")));
    m_jsonView->setPlainText(QString::fromStdString(m_normalized.dump(2)));
  } else {
    m_messageLabel->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                                .arg(tr("Cannot run: %1").arg(m_message).toHtmlEscaped()));
  }
  updateSource();
}

JobSpec ExperimentDialog::spec() const {
  JobSpec s;
  const QString preset = m_preset->currentData().toString();
  s.preset = preset;
  s.name = m_name->text().trimmed();
  if (s.name.isEmpty())
    s.name = !preset.isEmpty()        ? preset
             : m_sourceName.isEmpty() ? m_currentKind
             : m_sameAsSource         ? m_sourceName
                                      : tr("%1 (edited)").arg(m_sourceName);
  s.config = m_normalized;
  s.device = m_device->currentText();
  s.threads = m_threads->value();
  for (const QString& t : m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
    if (!t.trimmed().isEmpty()) s.tags << t.trimmed();
  return s;
}

void ExperimentDialog::loadJson() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Load config"), QString(), tr("JSON config (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  if (!loadJsonFile(path, &error)) QMessageBox::warning(this, tr("Load config"), error);
}

bool ExperimentDialog::loadJsonFile(const QString& path, QString* error) {
  const QString file = QFileInfo(path).fileName();
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot read %1: %2.").arg(path, f.errorString());
    return false;
  }
  nlohmann::json cfg;
  try {
    cfg = nlohmann::json::parse(f.readAll().toStdString());
  } catch (const std::exception& e) {
    if (error) *error = tr("%1 is not valid JSON: %2").arg(path, QString::fromUtf8(e.what()));
    return false;
  }
  // The engine's reader, as the CLI uses it: unknown keys, wrong values and a missing kind are
  // rejected by name, and nothing of the file reaches the form.
  nlohmann::json normalized;
  try {
    if (!cfg.is_object())
      throw sublab::Error("the config must be a JSON object with a \"kind\" key");
    normalized = sublab::normalizeConfig(cfg);
  } catch (const std::exception& e) {
    if (error)
      *error = tr("Not loaded: invalid config (%1): %2").arg(file, QString::fromUtf8(e.what()));
    return false;
  }
  m_sourceLabel = tr("file %1").arg(file);
  m_sourceItem = tr("loaded: %1").arg(file);
  m_sourcePreset = file;  // what `sublab run --config` stores as the preset
  m_sourceName = file;
  m_sourceConfig = normalized;
  m_presetHelp->setText(tr("Loaded from %1.").arg(QDir::toNativeSeparators(path)));
  setConfig(normalized);
  return true;
}

void ExperimentDialog::saveJson() {
  if (!m_valid) return;
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Save config"), QString(), tr("JSON config (*.json)"));
  if (path.isEmpty()) return;
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly) ||
      f.write(QByteArray::fromStdString(m_normalized.dump(2) + "\n")) < 0 || !f.commit())
    QMessageBox::warning(this, tr("Save config"), tr("Cannot write %1.").arg(path));
}

void ExperimentDialog::saveSettings() {
  if (!m_settings) return;
  m_settings->setViewValue(kView, "kind", m_currentKind);
  m_settings->setViewValue(kView, "preset", m_preset->currentData().toString());
  m_settings->setViewValue(kView, "device", m_device->currentText());
  m_settings->setViewValue(kView, "threads", m_threads->value());
}

}  // namespace sublab::ui
