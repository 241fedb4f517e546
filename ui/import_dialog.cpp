// Implementation of ImportDialog: the preview is read by the engine's reader on a pool thread
// (a file on a slow disk never blocks the window); the import's config comes from the lab
// (importConfig), validated by the engine, and runs through the RunQueue.
#include "ui/import_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>

#include "app/lab/dataset_import.h"
#include "app/lab/run_stats.h"
#include "engine/datasets/dataset_reader.h"
#include "engine/experiment.h"
#include "ui/app_settings.h"
#include "ui/config_form.h"
#include "ui/later.h"

namespace sublab::ui {

// What a preview read gave: the rows and the detected mapping, or the reader's message.
struct PreviewOutcome {
  int generation = 0;
  sublab::DatasetPreview preview;
  QString error;
};

namespace {

constexpr int kPreviewRows = 20;
const QString kSettingsView = QStringLiteral("import");

// The format's name as the user reads it (the reader's names are the CLI's --format values).
QString formatLabel(const std::string& format) {
  if (format == "jsonl") return QObject::tr("JSONL (prompt/completion objects)");
  if (format == "chat-jsonl") return QObject::tr("Chat JSONL (OpenAI / Hugging Face messages)");
  if (format == "csv") return QObject::tr("CSV with a header");
  if (format == "tsv") return QObject::tr("TSV with a header");
  return QString::fromStdString(format);
}

// The kind an import creates, as the lab's import config names it.
std::string importKind() {
  return sublab::importConfig(sublab::ImportRequest{}).value("kind", std::string());
}

// The filter's knobs of the import kind (the rest of its config is the dialog's own fields).
std::vector<sublab::ConfigField> filterSchema(QSet<QString>* skip) {
  std::vector<sublab::ConfigField> schema = sublab::configSchema(importKind());
  for (const sublab::ConfigField& f : schema)
    if (f.path.rfind("filter.", 0) != 0) skip->insert(QString::fromStdString(f.path));
  return schema;
}

}  // namespace

ImportDialog::ImportDialog(RunQueue* queue, AppSettings* settings, QWidget* parent)
    : QDialog(parent), m_queue(queue), m_settings(settings) {
  setWindowTitle(tr("Import dataset"));
  setObjectName(QStringLiteral("importDialog"));
  m_pool.setMaxThreadCount(1);

  m_file = new QLineEdit(this);
  m_file->setObjectName(QStringLiteral("importFile"));
  m_file->setPlaceholderText(tr("A JSONL, chat JSONL, CSV or TSV file (gzip allowed)"));
  auto* browse = new QPushButton(tr("Browse…"), this);
  m_format = new QComboBox(this);
  m_format->setObjectName(QStringLiteral("importFormat"));
  m_format->addItem(tr("Detect"), QStringLiteral("auto"));
  for (const std::string& f : sublab::datasetFormats())
    if (f != "auto") m_format->addItem(formatLabel(f), QString::fromStdString(f));
  m_prompt = new QComboBox(this);
  m_prompt->setObjectName(QStringLiteral("importPromptField"));
  m_completion = new QComboBox(this);
  m_completion->setObjectName(QStringLiteral("importCompletionField"));
  for (QComboBox* box : {m_prompt, m_completion}) {
    box->addItem(tr("Detect"), QString());
    box->setMinimumContentsLength(14);
  }
  m_condition = new QComboBox(this);
  m_condition->setObjectName(QStringLiteral("importCondition"));
  m_condition->setEditable(true);
  const sublab::RunStatsOptions sides;
  for (const std::string& c : {sublab::ImportRequest{}.condition, sides.a, sides.b})
    if (m_condition->findText(QString::fromStdString(c)) < 0)
      m_condition->addItem(QString::fromStdString(c));
  m_condition->setToolTip(
      tr("The condition the rows are stored under: the Statistics view compares conditions "
         "(e.g. import an owl teacher's numbers as \"teacher\" and a control set as "
         "\"reference\")"));
  m_name = new QLineEdit(this);
  m_name->setObjectName(QStringLiteral("importName"));
  m_name->setPlaceholderText(tr("the file's name"));
  m_skip = new QCheckBox(tr("Skip bad rows"), this);
  m_skip->setObjectName(QStringLiteral("importSkipBadRows"));
  m_skip->setToolTip(
      tr("Skip rows that cannot be read (counted per reason in the run's summary) instead of "
         "stopping at the first one"));

  m_detected = new QLabel(this);
  m_detected->setObjectName(QStringLiteral("importDetected"));
  m_detected->setWordWrap(true);
  m_detected->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_table = new QTableWidget(0, 3, this);
  m_table->setObjectName(QStringLiteral("importPreview"));
  m_table->setHorizontalHeaderLabels({tr("Line"), tr("Prompt"), tr("Completion")});
  m_table->verticalHeader()->hide();
  m_table->verticalHeader()->setDefaultSectionSize(21);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setWordWrap(false);
  m_table->setAlternatingRowColors(true);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setColumnWidth(0, 48);
  m_table->setColumnWidth(1, 300);

  QSet<QString> skip;
  const std::vector<sublab::ConfigField> schema = filterSchema(&skip);
  m_filter = new ConfigForm(this);
  m_filter->setSchema(schema, skip);
  m_filter->setValues(sublab::normalizeConfig(sublab::importConfig(sublab::ImportRequest{})));
  auto* filterScroll = new QScrollArea(this);
  filterScroll->setWidget(m_filter);
  filterScroll->setWidgetResizable(true);
  filterScroll->setFrameShape(QFrame::NoFrame);
  auto* filterBox = new QGroupBox(tr("Filter (runs over every row)"), this);
  auto* filterLayout = new QVBoxLayout(filterBox);
  filterLayout->setContentsMargins(4, 4, 4, 4);
  filterLayout->addWidget(filterScroll);

  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("importMessage"));
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_message->setStyleSheet(QStringLiteral("color:#b00020"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_import = buttons->addButton(tr("Import"), QDialogButtonBox::AcceptRole);
  m_import->setObjectName(QStringLiteral("importButton"));
  m_import->setEnabled(false);

  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(m_file, 1);
  fileRow->addWidget(browse);
  auto* mapping = new QFormLayout;
  mapping->addRow(tr("Format"), m_format);
  mapping->addRow(tr("Prompt field"), m_prompt);
  mapping->addRow(tr("Completion field"), m_completion);
  auto* storing = new QFormLayout;
  storing->addRow(tr("Condition"), m_condition);
  storing->addRow(tr("Name"), m_name);
  storing->addRow(QString(), m_skip);
  auto* fields = new QHBoxLayout;
  fields->addLayout(mapping, 1);
  fields->addSpacing(16);
  fields->addLayout(storing, 1);
  auto* previewBox = new QGroupBox(tr("First rows"), this);
  auto* previewLayout = new QVBoxLayout(previewBox);
  previewLayout->setContentsMargins(4, 4, 4, 4);
  previewLayout->addWidget(m_detected);
  previewLayout->addWidget(m_table, 1);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(previewBox);
  split->addWidget(filterBox);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(fileRow);
  layout->addLayout(fields);
  layout->addWidget(split, 1);
  layout->addWidget(m_message);
  layout->addWidget(buttons);
  resize(1100, 640);

  connect(browse, &QPushButton::clicked, this, &ImportDialog::browse);
  connect(m_file, &QLineEdit::editingFinished, this, &ImportDialog::refreshPreview);
  for (QComboBox* box : {m_format, m_prompt, m_completion})
    connect(box, &QComboBox::currentIndexChanged, this, &ImportDialog::refreshPreview);
  connect(m_skip, &QCheckBox::toggled, this, &ImportDialog::refreshPreview);
  connect(m_condition, &QComboBox::currentTextChanged, this, &ImportDialog::revalidate);
  connect(m_filter, &ConfigForm::edited, this, &ImportDialog::revalidate);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_import, &QPushButton::clicked, this, [this] {
    if (startImport()) accept();
  });
  m_detected->setText(tr("Choose a file to see its first rows."));
  showMessage(QString());
}

ImportDialog::~ImportDialog() { m_pool.waitForDone(); }

QString ImportDialog::file() const { return m_file->text().trimmed(); }

void ImportDialog::setFile(const QString& path) {
  m_file->setText(path);
  // Another file: its own fields are detected again.
  for (QComboBox* box : {m_prompt, m_completion}) {
    const QSignalBlocker block(box);
    while (box->count() > 1) box->removeItem(1);
    box->setCurrentIndex(0);
  }
  refreshPreview();
}

void ImportDialog::browse() {
  const QString dir =
      m_settings
          ? m_settings->viewValue(kSettingsView, QStringLiteral("dir"), m_settings->lastExportDir())
                .toString()
          : QString();
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Import dataset"), dir,
                                   tr("Datasets (*.jsonl *.json *.csv *.tsv *.gz);;All files (*)"));
  if (path.isEmpty()) return;
  if (m_settings)
    m_settings->setViewValue(kSettingsView, QStringLiteral("dir"), QFileInfo(path).absolutePath());
  setFile(path);
}

void ImportDialog::refreshPreview() {
  const int generation = ++m_generation;
  m_previewOk = false;
  m_valid = false;
  m_import->setEnabled(false);
  if (file().isEmpty()) {
    m_table->setRowCount(0);
    m_detected->setText(tr("Choose a file to see its first rows."));
    showMessage(QString());
    Q_EMIT previewReady();
    return;
  }
  sublab::DatasetReadOptions options;
  options.path = file().toStdString();
  options.format = m_format->currentData().toString().toStdString();
  options.promptField = m_prompt->currentData().toString().toStdString();
  options.completionField = m_completion->currentData().toString().toStdString();
  options.skipBadRows = m_skip->isChecked();
  m_detected->setText(tr("Reading…"));
  auto work = QtConcurrent::run(&m_pool, [options, generation] {
    PreviewOutcome o;
    o.generation = generation;
    try {
      o.preview = sublab::previewDataset(options, kPreviewRows);
    } catch (const std::exception& e) {
      o.error = QString::fromStdString(e.what());
    }
    return o;
  });
  deliverLater(work, this, [this](const PreviewOutcome& o) { onPreview(o); });
}

void ImportDialog::onPreview(const PreviewOutcome& o) {
  if (o.generation != m_generation) return;  // the user changed something since
  if (!o.error.isEmpty()) {
    m_table->setRowCount(0);
    m_detected->clear();
    showMessage(o.error);
    m_valid = false;
    m_import->setEnabled(false);
    Q_EMIT previewReady();
    return;
  }
  const sublab::DatasetReport& r = o.preview.report;
  // Chat JSONL maps its messages by role; the field boxes apply to the other formats.
  const bool chat = r.fields.empty() && r.promptField.find('[') != std::string::npos;
  fillFieldBox(m_prompt, r.fields, r.promptField);
  fillFieldBox(m_completion, r.fields, r.completionField);
  for (QComboBox* box : {m_prompt, m_completion}) {
    box->setEnabled(!chat);
    box->setToolTip(chat ? tr("Chat JSONL: the first user message is the prompt, the next "
                              "assistant message the completion")
                         : tr("The JSON key or CSV column; Detect picks a usual name"));
  }
  const int auto_ = m_format->findData(QStringLiteral("auto"));
  m_format->setItemText(auto_, tr("Detect (%1)").arg(formatLabel(r.format)));
  QString text = tr("<b>%1</b>%2 · prompt ← <tt>%3</tt> · completion ← <tt>%4</tt> · %5")
                     .arg(formatLabel(r.format).toHtmlEscaped())
                     .arg(m_format->currentIndex() == auto_ ? tr(" (detected)") : QString())
                     .arg(QString::fromStdString(r.promptField).toHtmlEscaped())
                     .arg(QString::fromStdString(r.completionField).toHtmlEscaped())
                     .arg(QLocale().formattedDataSize(r.fileBytes));
  if (r.gzip) text += tr(" gzip");
  if (r.skipped > 0)
    text += tr(" · <span style='color:#b00020'>%1 bad rows skipped so far (first: %2)</span>")
                .arg(r.skipped)
                .arg(QString::fromStdString(r.firstSkipped).toHtmlEscaped());
  m_detected->setText(text);
  fillTable(o.preview);
  m_previewOk = true;
  showMessage(QString());
  revalidate();
  Q_EMIT previewReady();
}

void ImportDialog::fillFieldBox(QComboBox* box, const std::vector<std::string>& fields,
                                const std::string& used) {
  const QString chosen = box->currentData().toString();
  const QSignalBlocker block(box);
  while (box->count() > 1) box->removeItem(1);
  for (const std::string& f : fields)
    box->addItem(QString::fromStdString(f), QString::fromStdString(f));
  box->setItemText(
      0, used.empty() ? tr("Detect") : tr("Detect (%1)").arg(QString::fromStdString(used)));
  const int i = box->findData(chosen);
  box->setCurrentIndex(i < 0 ? 0 : i);
}

void ImportDialog::fillTable(const sublab::DatasetPreview& preview) {
  m_table->setRowCount(static_cast<int>(preview.rows.size()));
  int row = 0;
  for (const sublab::DatasetRow& r : preview.rows) {
    auto* line = new QTableWidgetItem(QString::number(r.line));
    line->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_table->setItem(row, 0, line);
    const QString prompt = QString::fromStdString(r.prompt);
    const QString completion = QString::fromStdString(r.completion);
    m_table->setItem(row, 1, new QTableWidgetItem(prompt.simplified()));
    m_table->setItem(row, 2, new QTableWidgetItem(completion.simplified()));
    m_table->item(row, 1)->setToolTip(prompt);
    m_table->item(row, 2)->setToolTip(completion);
    ++row;
  }
}

JobSpec ImportDialog::spec(QString* error) const {
  sublab::ImportRequest r;
  r.path = file().toStdString();
  r.name = m_name->text().trimmed().toStdString();
  r.condition = m_condition->currentText().trimmed().toStdString();
  r.format = m_format->currentData().toString().toStdString();
  r.promptField = m_prompt->currentData().toString().toStdString();
  r.completionField = m_completion->currentData().toString().toStdString();
  r.skipBadRows = m_skip->isChecked();
  nlohmann::json form = nlohmann::json::object();
  QString formError, path;
  if (!m_filter->collect(form, &formError, &path) && error)
    *error = tr("%1: %2").arg(path, formError);
  r.filter = form.value("filter", nlohmann::json::object());
  JobSpec spec;
  spec.name = m_name->text().trimmed();
  if (spec.name.isEmpty()) spec.name = QFileInfo(file()).fileName();
  spec.config = sublab::importConfig(r);
  return spec;
}

void ImportDialog::revalidate() {
  if (!m_previewOk) return;
  QString error;
  const JobSpec s = spec(&error);
  if (error.isEmpty()) {
    try {
      sublab::normalizeConfig(s.config);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
  }
  m_valid = error.isEmpty();
  m_import->setEnabled(m_valid);
  showMessage(error);
}

qint64 ImportDialog::startImport() {
  QString error;
  const JobSpec s = spec(&error);
  if (!m_queue && error.isEmpty()) error = tr("Open or create a project first (File menu).");
  const qint64 id = error.isEmpty() ? m_queue->enqueue(s, &error) : 0;
  if (!id) {
    showMessage(error);
    return 0;
  }
  Q_EMIT imported(id);
  return id;
}

void ImportDialog::showMessage(const QString& text) {
  m_messageText = text;
  m_message->setText(text);
  m_message->setVisible(!text.isEmpty());
}

}  // namespace sublab::ui
