// Implementation of RowExportDialog: the worker reports rows written through atomics that a
// timer shows, and reads the cancel flag the GUI sets directly (no queued signal per page).
#include "ui/row_export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>
#include <atomic>

#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/later.h"

namespace sublab::ui {

// Shared by the GUI and the worker while an export runs.
struct RowExportState {
  std::atomic<qint64> rows{0}, total{0};
  std::atomic<bool> cancel{false};
};

struct RowExportOutcome {
  QString path;
  qint64 rows = 0;
  bool cancelled = false;
  QString error;
};

namespace {

// The format as the user reads it (the lab's names are the CLI's --format values).
QString formatLabel(const std::string& format) {
  if (format == "openai") return QObject::tr("OpenAI chat JSONL (fine-tuning API)");
  if (format == "hf") return QObject::tr("Hugging Face messages JSONL (TRL, Unsloth)");
  if (format == "prompt-completion") return QObject::tr("Prompt/completion JSONL");
  return QString::fromStdString(format);
}

RowExportOutcome runExport(const QString& dbPath, const sublab::RowExportRequest& request,
                           const std::shared_ptr<RowExportState>& state) {
  RowExportOutcome o;
  o.path = QString::fromStdString(request.path);
  try {
    sublab::OpenOptions opts;
    opts.create = false;
    opts.readOnly = true;
    opts.markInterrupted = false;
    sublab::Database db(dbPath.toStdString(), opts);
    const sublab::RowExportResult r =
        sublab::exportRows(db, request, [&state](int64_t rows, int64_t total) {
          state->rows = rows;
          state->total = total;
          return !state->cancel.load();
        });
    o.rows = r.rows;
    o.cancelled = r.cancelled;
  } catch (const std::exception& e) {
    o.error = QString::fromStdString(e.what());
  }
  return o;
}

}  // namespace

RowExportDialog::RowExportDialog(const QString& dbPath, qint64 runId, const QString& runTitle,
                                 const Choices& choices, AppSettings* settings, QWidget* parent)
    : QDialog(parent), m_dbPath(dbPath), m_runId(runId), m_settings(settings) {
  setWindowTitle(tr("Export rows"));
  setObjectName(QStringLiteral("rowExportDialog"));
  m_pool.setMaxThreadCount(1);

  m_format = new QComboBox(this);
  m_format->setObjectName(QStringLiteral("rowExportFormat"));
  for (const std::string& f : sublab::rowExportFormats())
    m_format->addItem(formatLabel(f), QString::fromStdString(f));
  m_condition = new QComboBox(this);
  m_condition->setObjectName(QStringLiteral("rowExportCondition"));
  m_condition->addItem(tr("All conditions"), QString());
  for (const QString& c : choices.conditions) m_condition->addItem(c, c);
  m_condition->setCurrentIndex(std::max(0, m_condition->findData(choices.condition)));
  m_seed = new QComboBox(this);
  m_seed->setObjectName(QStringLiteral("rowExportSeed"));
  m_seed->addItem(tr("All seeds"), QVariant());
  for (int s : choices.seeds) m_seed->addItem(tr("seed %1").arg(s), s);
  if (choices.seed) m_seed->setCurrentIndex(std::max(0, m_seed->findData(*choices.seed)));
  m_verdict = new QComboBox(this);
  m_verdict->setObjectName(QStringLiteral("rowExportVerdict"));
  m_verdict->addItem(tr("Kept rows (what a student trains on)"), int(sublab::Verdict::Kept));
  m_verdict->addItem(tr("Rejected rows"), int(sublab::Verdict::Rejected));
  m_verdict->addItem(tr("Kept and rejected"), int(sublab::Verdict::Any));
  m_verdict->setCurrentIndex(std::max(0, m_verdict->findData(int(choices.verdict))));
  m_file = new QLineEdit(this);
  m_file->setObjectName(QStringLiteral("rowExportFile"));
  auto* browse = new QPushButton(tr("Choose…"), this);
  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(m_file, 1);
  fileRow->addWidget(browse);

  m_progress = new QProgressBar(this);
  m_progress->setObjectName(QStringLiteral("rowExportProgress"));
  m_progress->setFormat(tr("%v of %m rows"));
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_progress->setVisible(false);
  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("rowExportStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* buttons = new QDialogButtonBox(this);
  m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
  m_export->setObjectName(QStringLiteral("rowExportButton"));
  m_export->setDefault(true);
  m_cancel = buttons->addButton(tr("Cancel export"), QDialogButtonBox::ActionRole);
  m_cancel->setObjectName(QStringLiteral("rowExportCancel"));
  m_cancel->setEnabled(false);
  m_close = buttons->addButton(QDialogButtonBox::Close);

  auto* title = new QLabel(runTitle, this);
  QFont f = title->font();
  f.setBold(true);
  title->setFont(f);
  auto* form = new QFormLayout;
  form->addRow(tr("Format"), m_format);
  form->addRow(tr("Condition"), m_condition);
  form->addRow(tr("Seed"), m_seed);
  form->addRow(tr("Rows"), m_verdict);
  form->addRow(tr("File"), fileRow);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(title);
  layout->addLayout(form);
  layout->addWidget(m_progress);
  layout->addWidget(m_status);
  layout->addStretch(1);
  layout->addWidget(buttons);
  resize(620, 300);

  m_poll = new QTimer(this);
  m_poll->setInterval(100);
  connect(m_poll, &QTimer::timeout, this, &RowExportDialog::updateProgress);
  connect(browse, &QPushButton::clicked, this, &RowExportDialog::browse);
  connect(m_format, &QComboBox::currentIndexChanged, this, &RowExportDialog::suggestPath);
  connect(m_condition, &QComboBox::currentIndexChanged, this, &RowExportDialog::suggestPath);
  connect(m_export, &QPushButton::clicked, this, &RowExportDialog::startExport);
  connect(m_cancel, &QPushButton::clicked, this, &RowExportDialog::cancelExport);
  connect(m_close, &QPushButton::clicked, this, &RowExportDialog::reject);
  suggestPath();
}

RowExportDialog::~RowExportDialog() {
  if (m_state) m_state->cancel = true;
  m_pool.waitForDone();
}

sublab::RowExportRequest RowExportDialog::request() const {
  sublab::RowExportRequest r;
  r.runId = m_runId;
  r.format = m_format->currentData().toString().toStdString();
  r.condition = m_condition->currentData().toString().toStdString();
  if (m_seed->currentData().isValid()) r.seed = m_seed->currentData().toInt();
  r.verdict = static_cast<sublab::Verdict>(m_verdict->currentData().toInt());
  r.path = QDir::cleanPath(m_file->text().trimmed()).toStdString();
  if (m_file->text().trimmed().isEmpty()) r.path.clear();
  return r;
}

void RowExportDialog::setPath(const QString& path) { m_file->setText(path); }

// A file name from the run, the condition and the format in the last export folder, unless the
// user typed or chose another.
void RowExportDialog::suggestPath() {
  if (!m_file->text().isEmpty() && m_file->text() != m_suggested) return;
  const QString dir = m_settings ? m_settings->lastExportDir() : QDir::homePath();
  QString name = QStringLiteral("run-%1").arg(m_runId);
  if (!m_condition->currentData().toString().isEmpty())
    name += QLatin1Char('-') + m_condition->currentData().toString();
  name += QLatin1Char('-') + m_format->currentData().toString() + QStringLiteral(".jsonl");
  m_suggested = QDir(dir).filePath(name);
  m_file->setText(m_suggested);
}

void RowExportDialog::browse() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export rows"), m_file->text(),
                                                    tr("JSON Lines (*.jsonl);;All files (*)"));
  if (!path.isEmpty()) m_file->setText(path);
}

void RowExportDialog::startExport() {
  if (m_state) return;
  const sublab::RowExportRequest r = request();
  if (r.path.empty()) {
    m_status->setText(tr("Name the file to write (Choose…)."));
    return;
  }
  if (m_settings) m_settings->setLastExportDir(QFileInfo(m_file->text()).absolutePath());
  m_state = std::make_shared<RowExportState>();
  setRunning(true);
  m_status->setText(tr("Exporting to %1…").arg(m_file->text()));
  Q_EMIT exportStarted();
  auto work = QtConcurrent::run(
      &m_pool, [db = m_dbPath, r, state = m_state] { return runExport(db, r, state); });
  deliverLater(work, this, [this](const RowExportOutcome& o) { onOutcome(o); });
}

void RowExportDialog::cancelExport() {
  if (!m_state) return;
  m_state->cancel = true;
  m_cancel->setEnabled(false);
  m_status->setText(tr("Cancelling…"));
}

void RowExportDialog::reject() {
  // Closing stops a running export (it removes what it wrote) before the dialog goes.
  if (m_state) {
    m_state->cancel = true;
    m_pool.waitForDone();
  }
  QDialog::reject();
}

void RowExportDialog::updateProgress() {
  if (!m_state) return;
  const qint64 total = m_state->total;
  if (total <= 0) return;
  // QProgressBar counts in int: scale a very large export down.
  const int scale = total > 1000000000 ? 1000 : 1;
  m_progress->setRange(0, int(total / scale));
  m_progress->setValue(int(m_state->rows / scale));
}

void RowExportDialog::onOutcome(const RowExportOutcome& o) {
  updateProgress();
  m_state.reset();
  setRunning(false);
  const QLocale loc;
  if (!o.error.isEmpty()) {
    m_status->setText(
        QStringLiteral("<span style='color:#b00020'>%1</span>").arg(o.error.toHtmlEscaped()));
    Q_EMIT exportStopped();
    return;
  }
  if (o.cancelled) {
    m_status->setText(tr("Cancelled: no file written."));
    Q_EMIT exportStopped();
    return;
  }
  m_status->setText(tr("Wrote %1 rows to %2").arg(loc.toString(o.rows), o.path));
  Q_EMIT exported(o.path, o.rows);
  accept();
}

void RowExportDialog::setRunning(bool running) {
  m_export->setEnabled(!running);
  m_cancel->setEnabled(running);
  for (QWidget* w : {static_cast<QWidget*>(m_format), static_cast<QWidget*>(m_condition),
                     static_cast<QWidget*>(m_seed), static_cast<QWidget*>(m_verdict),
                     static_cast<QWidget*>(m_file)})
    w->setEnabled(!running);
  if (running) {
    m_progress->setRange(0, 0);  // busy until the first page reports the total
    m_progress->setVisible(true);
    m_poll->start();
  } else {
    m_poll->stop();
  }
}

}  // namespace sublab::ui
