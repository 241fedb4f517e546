// Implementation of AppSettings: every key the app persists is spelled out here.
#include "ui/app_settings.h"

#include <QDir>

namespace sublab::ui {

AppSettings::AppSettings(const QString& iniPath)
    : m_settings(iniPath.isEmpty() ? std::make_unique<QSettings>()
                                   : std::make_unique<QSettings>(iniPath, QSettings::IniFormat)) {}

QString AppSettings::lastDatabase() const {
  return m_settings->value("project/lastDatabase").toString();
}

void AppSettings::setLastDatabase(const QString& path) {
  m_settings->setValue("project/lastDatabase", path);
  QStringList recent = recentDatabases();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  m_settings->setValue("project/recentDatabases", recent);
}

QStringList AppSettings::recentDatabases() const {
  return m_settings->value("project/recentDatabases").toStringList();
}

QByteArray AppSettings::windowGeometry() const {
  return m_settings->value("window/geometry").toByteArray();
}
void AppSettings::setWindowGeometry(const QByteArray& g) {
  m_settings->setValue("window/geometry", g);
}
QByteArray AppSettings::windowState() const {
  return m_settings->value("window/state").toByteArray();
}
void AppSettings::setWindowState(const QByteArray& s) { m_settings->setValue("window/state", s); }
int AppSettings::currentView() const { return m_settings->value("window/currentView", 0).toInt(); }
void AppSettings::setCurrentView(int index) { m_settings->setValue("window/currentView", index); }

QByteArray AppSettings::headerState(const QString& table) const {
  return m_settings->value("tables/" + table + "/header").toByteArray();
}
void AppSettings::setHeaderState(const QString& table, const QByteArray& state) {
  m_settings->setValue("tables/" + table + "/header", state);
}

QVariant AppSettings::viewValue(const QString& view, const QString& key,
                                const QVariant& def) const {
  return m_settings->value(view + "/" + key, def);
}
void AppSettings::setViewValue(const QString& view, const QString& key, const QVariant& value) {
  m_settings->setValue(view + "/" + key, value);
}

QString AppSettings::lastExportDir() const {
  return m_settings->value("export/lastDir", QDir::homePath()).toString();
}
void AppSettings::setLastExportDir(const QString& dir) {
  m_settings->setValue("export/lastDir", dir);
}

void AppSettings::sync() { m_settings->sync(); }

}  // namespace sublab::ui
