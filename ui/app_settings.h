// Typed access to the app's QSettings with namespaced keys ("window/…", "project/…", "runs/…").
// Only ui/ and app/ use settings; experiment data lives in SQLite. Tests pass an ini file path
// so they never touch the user's settings.
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <memory>

namespace sublab::ui {

class AppSettings {
 public:
  // Empty path: the user's settings (organization/application names set in main()).
  explicit AppSettings(const QString& iniPath = {});

  QString lastDatabase() const;
  void setLastDatabase(const QString& path);
  QStringList recentDatabases() const;  // most recent first, at most kMaxRecent

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& geometry);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& state);
  int currentView() const;
  void setCurrentView(int index);

  // Header state (column order, widths, hidden columns, sort) of a named table.
  QByteArray headerState(const QString& table) const;
  void setHeaderState(const QString& table, const QByteArray& state);

  // Free-form per-view values, stored under "<view>/<key>".
  QVariant viewValue(const QString& view, const QString& key, const QVariant& def = {}) const;
  void setViewValue(const QString& view, const QString& key, const QVariant& value);

  QString lastExportDir() const;
  void setLastExportDir(const QString& dir);

  void sync();
  QSettings& raw() { return *m_settings; }

  static constexpr int kMaxRecent = 8;

 private:
  std::unique_ptr<QSettings> m_settings;
};

}  // namespace sublab::ui
