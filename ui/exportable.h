// What a view offers for export: named charts (PNG/PDF/SVG) and named tables or series (CSV).
// ExportButton turns it into a menu; the main window's File › Export uses the current view's.
#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QToolButton>

class QCustomPlot;

namespace sublab::ui {

class AppSettings;

class Exportable {
 public:
  virtual ~Exportable() = default;
  virtual QList<QPair<QString, QCustomPlot*>> exportCharts() const { return {}; }
  virtual QStringList exportTables() const { return {}; }
  virtual bool exportTable(int index, const QString& path, QString* error) { return false; }
};

// Asks for a file name (remembering the folder) and writes the chart or table; reports errors
// in a message box. Returns the path written, or "" when cancelled or failed.
QString exportChartInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                               const QString& name);
QString exportTableInteractive(QWidget* parent, AppSettings* settings, Exportable* source,
                               int index, const QString& name);

// A tool button whose menu lists everything `source` can export.
class ExportButton : public QToolButton {
  Q_OBJECT

 public:
  ExportButton(Exportable* source, AppSettings* settings, QWidget* parent = nullptr);
  // Fills `menu` with the export actions of `source`.
  static void fillMenu(QMenu* menu, QWidget* parent, Exportable* source, AppSettings* settings);

 private:
  Exportable* m_source;
  AppSettings* m_settings;
};

}  // namespace sublab::ui
