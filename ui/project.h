// The open project database as the GUI sees it: one read/write SQLite connection for the GUI
// thread (the run worker and background readers open their own), a poll of SQLite's
// data_version so views notice commits from the worker or the CLI, and error reporting.
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <memory>

namespace sublab {
class Database;
}

namespace sublab::ui {

class Project : public QObject {
  Q_OBJECT

 public:
  explicit Project(QObject* parent = nullptr);
  ~Project() override;

  // Opens (creating when missing) the database file. On failure keeps the previous one open,
  // returns false and sets *error to storage's message (what is wrong, what to do).
  bool open(const QString& path, QString* error);
  void close();
  bool isOpen() const { return m_db != nullptr; }
  QString path() const { return m_path; }
  // The GUI thread's connection; nullptr when closed.
  sublab::Database* db() const { return m_db.get(); }
  // Runs that this open found left running by a dead process (now marked interrupted).
  QList<qint64> recoveredRuns() const { return m_recovered; }

  // The user's default project: storage's defaultDatabasePath() (XDG data folder).
  static QString defaultPath();

  // Poll interval for commits by other connections; 0 stops polling.
  void setPollInterval(int ms);
  // Checks data_version now; emits externalChange() when another connection committed.
  void poll();

 Q_SIGNALS:
  void opened(const QString& path);
  void closed();
  void externalChange();

 private:
  std::unique_ptr<sublab::Database> m_db;
  QString m_path;
  QList<qint64> m_recovered;
  QTimer m_poll;
  qint64 m_dataVersion = -1;
};

}  // namespace sublab::ui
