// What a view offers for export: named charts (PNG/PDF/SVG) and named tables or series (CSV).
// ExportButton turns it into a menu; the main window's File › Export uses the current view's.
#pragma once

#include <QDialog>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QToolButton>

#include "ui/export_util.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace sublab::ui {

class AppSettings;

class Exportable {
 public:
  virtual ~Exportable() = default;
  virtual QList<QPair<QString, QCustomPlot*>> exportCharts() const { return {}; }
  virtual QStringList exportTables() const { return {}; }
  virtual bool exportTable(int index, const QString& path, QString* error) { return false; }
};

// Figure options for papers: size in inches, resolution, title (from the run and chart name),
// whether to draw the title on the figure, and (for "all charts") the format. Remembers the
// last size, resolution and format in the settings.
class FigureDialog : public QDialog {
  Q_OBJECT

 public:
  // `title` prefills the title; `askFormat` shows the format box (exporting to a folder).
  FigureDialog(QWidget* parent, AppSettings* settings, const QString& title, bool askFormat);
  // The chosen options (sizes in logical pixels, 96 to the inch).
  ChartExport options() const;
  QString suffix() const;  // "png", "pdf" or "svg"
  void accept() override;

  QDoubleSpinBox* widthBox() const { return m_width; }
  QDoubleSpinBox* heightBox() const { return m_height; }
  QSpinBox* dpiBox() const { return m_dpi; }
  QLineEdit* titleEdit() const { return m_title; }
  QCheckBox* drawTitleBox() const { return m_drawTitle; }
  QComboBox* formatBox() const { return m_format; }

 private:
  AppSettings* m_settings;
  QDoubleSpinBox* m_width;
  QDoubleSpinBox* m_height;
  QSpinBox* m_dpi;
  QLineEdit* m_title;
  QCheckBox* m_drawTitle;
  QComboBox* m_format = nullptr;
};

// Writes every chart of `source` into `dir` as <chart name>.<suffix> (names made file-safe,
// "-2", "-3"… added where two would collide), each titled with its own chart name unless
// `options` names a title. Returns false with *error at the first failure; *written lists the
// files written.
bool exportAllCharts(const Exportable* source, const QString& dir, const QString& suffix,
                     const ChartExport& options, QStringList* written, QString* error);

// Asks for a file name (remembering the folder) and writes the chart or table; reports errors
// in a message box. Returns the path written, or "" when cancelled or failed.
QString exportChartInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                               const QString& name);
// The same after asking for figure options (size, DPI, title).
QString exportFigureInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                                const QString& name);
// Asks for figure options and a folder, then writes every chart of `source` there.
QStringList exportAllChartsInteractive(QWidget* parent, AppSettings* settings,
                                       const Exportable* source);
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
