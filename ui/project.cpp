// Implementation of Project: open/close and the data_version poll.
#include "ui/project.h"

#include <QFileInfo>

#include "storage/database.h"
#include "storage/schema.h"

namespace sublab::ui {

Project::Project(QObject* parent) : QObject(parent) {
  m_poll.setInterval(1000);
  connect(&m_poll, &QTimer::timeout, this, &Project::poll);
}

Project::~Project() = default;

bool Project::open(const QString& path, QString* error) {
  std::unique_ptr<sublab::Database> db;
  try {
    db = std::make_unique<sublab::Database>(path.toStdString());
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  if (m_db) close();
  m_db = std::move(db);
  m_path = QFileInfo(path).absoluteFilePath();
  m_recovered.clear();
  for (int64_t id : m_db->recoveredRuns()) m_recovered << id;
  try {
    m_dataVersion = m_db->dataVersion();
  } catch (const std::exception&) {
    m_dataVersion = -1;
  }
  if (m_poll.interval() > 0) m_poll.start();
  Q_EMIT opened(m_path);
  return true;
}

void Project::close() {
  if (!m_db) return;
  m_poll.stop();
  m_db.reset();
  m_path.clear();
  m_recovered.clear();
  Q_EMIT closed();
}

QString Project::defaultPath() {
  try {
    return QString::fromStdString(sublab::defaultDatabasePath());
  } catch (const std::exception&) {
    return QStringLiteral("subliminal-lab.sqlite");
  }
}

void Project::setPollInterval(int ms) {
  m_poll.setInterval(ms);
  if (ms <= 0) {
    m_poll.stop();
  } else if (m_db) {
    m_poll.start();
  }
}

void Project::poll() {
  if (!m_db) return;
  qint64 v = -1;
  try {
    v = m_db->dataVersion();
  } catch (const std::exception&) {
    return;
  }
  if (v != m_dataVersion) {
    m_dataVersion = v;
    Q_EMIT externalChange();
  }
}

}  // namespace sublab::ui
