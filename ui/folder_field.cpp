// Implementation of FolderField: the live checks, the chooser and the card.
#include "ui/folder_field.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "engine/chat/model_card.h"
#include "ui/model_card_widget.h"

namespace sublab::ui {

FolderField::FolderField(const sublab::ConfigField& field, QWidget* parent)
    : QWidget(parent), m_field(field) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* row = new QHBoxLayout;
  m_edit = new QLineEdit(this);
  m_edit->setObjectName(QStringLiteral("folderPath"));
  m_edit->setPlaceholderText(field.optional ? tr("none (optional)") : tr("choose a folder"));
  m_browse = new QPushButton(tr("Browse…"), this);
  m_browse->setObjectName(QStringLiteral("folderBrowse"));
  row->addWidget(m_edit, 1);
  row->addWidget(m_browse);
  layout->addLayout(row);
  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("folderStatus"));
  m_status->setWordWrap(true);
  layout->addWidget(m_status);
  if (field.modelCard) {
    m_card = new ModelCardWidget(this);
    layout->addWidget(m_card);
  }
  connect(m_edit, &QLineEdit::textChanged, this, [this] {
    recheck();
    Q_EMIT changed();
  });
  connect(m_browse, &QPushButton::clicked, this, &FolderField::browse);
  recheck();
}

QString FolderField::path() const { return m_edit->text().trimmed(); }

void FolderField::setPath(const QString& path) {
  m_edit->setText(path);
  recheck();  // also when the text did not change (a signal blocker may be active)
}

void FolderField::setDevice(const QString& device) {
  if (device == m_device) return;
  m_device = device;
  recheck();
  Q_EMIT changed();
}

void FolderField::browse() {
  const QString start = QFileInfo(path()).isDir() ? path() : QDir::homePath();
  QFileDialog dialog(this, tr("Choose a folder"), start);
  dialog.setObjectName(QStringLiteral("folderDialog"));
  dialog.setFileMode(QFileDialog::Directory);
  dialog.setOption(QFileDialog::ShowDirsOnly, true);
  if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return;
  m_edit->setText(QDir::toNativeSeparators(dialog.selectedFiles().first()));
}

void FolderField::recheck() {
  const QString p = path();
  const QString marker = QString::fromStdString(m_field.folderMarker);
  const QFileInfo info(p);
  m_problem.clear();
  QString ok;
  if (p.isEmpty()) {
    if (!m_field.optional) m_problem = tr("choose a folder");
  } else if (!info.exists()) {
    m_problem = tr("\"%1\" does not exist").arg(p);
  } else if (!info.isDir()) {
    m_problem = tr("\"%1\" is a file, not a folder").arg(p);
  } else if (!marker.isEmpty() && !QFileInfo(QDir(p).filePath(marker)).isFile()) {
    m_problem = tr("\"%1\" has no %2: choose the folder that holds it").arg(p, marker);
  } else {
    ok = marker.isEmpty() ? tr("folder found") : tr("%1 found").arg(marker);
  }
  const bool describe = m_card && m_problem.isEmpty() && !p.isEmpty();
  if (m_card) m_card->setVisible(describe);
  if (describe) {
    const sublab::ModelCard card =
        sublab::describeModelFolder(p.toStdString(), m_device.toStdString());
    m_card->setCard(card);
    if (!card.fits || !card.refusal.empty())
      m_problem =
          QString::fromStdString(card.refusal.empty() ? "the model cannot run here" : card.refusal);
  }
  // A refusal is said once, in red on the card; the status line speaks of the folder only.
  const bool folderOk = m_problem.isEmpty() || describe;
  m_status->setText(folderOk ? ok : m_problem);
  m_status->setVisible(!m_status->text().isEmpty());
  m_status->setStyleSheet(folderOk ? QStringLiteral("color:#2e7d32")
                                   : QStringLiteral("color:#b00020"));
}

}  // namespace sublab::ui
