// Implementation of the interactive export helpers and ExportButton.
#include "ui/exportable.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSet>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "ui/app_settings.h"
#include "ui/export_util.h"
#include "ui/qcp.h"

namespace sublab::ui {

static QString safeName(const QString& name) { return safeFileName(name); }

namespace {
const QString kExportView = QStringLiteral("export");
constexpr double kLogicalDpi = 96.0;
}  // namespace

FigureDialog::FigureDialog(QWidget* parent, AppSettings* settings, const QString& title,
                           bool askFormat)
    : QDialog(parent), m_settings(settings) {
  setWindowTitle(askFormat ? tr("Export all charts as figures") : tr("Export figure"));
  const auto value = [settings](const QString& key, const QVariant& def) {
    return settings ? settings->viewValue(kExportView, key, def) : def;
  };
  m_width = new QDoubleSpinBox(this);
  m_width->setObjectName(QStringLiteral("figureWidth"));
  m_width->setRange(1.0, 40.0);
  m_width->setDecimals(2);
  m_width->setSingleStep(0.25);
  m_width->setSuffix(tr(" in"));
  m_width->setValue(value(QStringLiteral("widthIn"), 6.5).toDouble());
  m_width->setToolTip(
      tr("Printed width: 3.5 in is one column of a two-column paper, 7 in the "
         "full page width. Text keeps its size in points."));
  m_height = new QDoubleSpinBox(this);
  m_height->setObjectName(QStringLiteral("figureHeight"));
  m_height->setRange(1.0, 40.0);
  m_height->setDecimals(2);
  m_height->setSingleStep(0.25);
  m_height->setSuffix(tr(" in"));
  m_height->setValue(value(QStringLiteral("heightIn"), 4.0).toDouble());
  m_dpi = new QSpinBox(this);
  m_dpi->setObjectName(QStringLiteral("figureDpi"));
  m_dpi->setRange(72, 1200);
  m_dpi->setSingleStep(50);
  m_dpi->setSuffix(tr(" dpi"));
  m_dpi->setValue(value(QStringLiteral("dpi"), 300).toInt());
  m_dpi->setToolTip(tr("Resolution of PNG images (PDF and SVG are vectors and ignore it)"));
  m_title = new QLineEdit(title, this);
  m_title->setObjectName(QStringLiteral("figureTitle"));
  m_title->setToolTip(askFormat ? tr("Empty: each chart is titled with its own name")
                                : tr("The document title, drawn above the chart when ticked"));
  if (askFormat) {
    m_title->setPlaceholderText(tr("each chart's own name"));
    m_title->clear();
  }
  m_drawTitle = new QCheckBox(tr("Draw the title above the chart"), this);
  m_drawTitle->setObjectName(QStringLiteral("figureDrawTitle"));
  m_drawTitle->setChecked(value(QStringLiteral("drawTitle"), true).toBool());
  auto* form = new QFormLayout;
  form->addRow(tr("Width"), m_width);
  form->addRow(tr("Height"), m_height);
  form->addRow(tr("Resolution"), m_dpi);
  form->addRow(tr("Title"), m_title);
  form->addRow(QString(), m_drawTitle);
  if (askFormat) {
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("figureFormat"));
    m_format->addItem(tr("PNG image"), QStringLiteral("png"));
    m_format->addItem(tr("PDF document"), QStringLiteral("pdf"));
    m_format->addItem(tr("SVG drawing"), QStringLiteral("svg"));
    m_format->setCurrentIndex(
        std::max(0, m_format->findData(value(QStringLiteral("format"), "png").toString())));
    form->insertRow(0, tr("Format"), m_format);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &FigureDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &FigureDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

ChartExport FigureDialog::options() const {
  ChartExport o;
  o.width = static_cast<int>(std::lround(m_width->value() * kLogicalDpi));
  o.height = static_cast<int>(std::lround(m_height->value() * kLogicalDpi));
  o.dpi = m_dpi->value();
  o.title = m_title->text().trimmed();
  o.drawTitle = m_drawTitle->isChecked();
  return o;
}

QString FigureDialog::suffix() const {
  return m_format ? m_format->currentData().toString() : QStringLiteral("png");
}

void FigureDialog::accept() {
  if (m_settings) {
    m_settings->setViewValue(kExportView, QStringLiteral("widthIn"), m_width->value());
    m_settings->setViewValue(kExportView, QStringLiteral("heightIn"), m_height->value());
    m_settings->setViewValue(kExportView, QStringLiteral("dpi"), m_dpi->value());
    m_settings->setViewValue(kExportView, QStringLiteral("drawTitle"), m_drawTitle->isChecked());
    if (m_format) m_settings->setViewValue(kExportView, QStringLiteral("format"), suffix());
  }
  QDialog::accept();
}

bool exportAllCharts(const Exportable* source, const QString& dir, const QString& suffix,
                     const ChartExport& options, QStringList* written, QString* error) {
  const auto charts = source->exportCharts();
  if (charts.isEmpty()) {
    if (error) *error = QObject::tr("This view has no chart to export.");
    return false;
  }
  if (!QDir(dir).exists()) {
    if (error) *error = QObject::tr("The folder %1 does not exist: choose another.").arg(dir);
    return false;
  }
  QSet<QString> used;
  for (const auto& [name, plot] : charts) {
    const QString base = safeName(name);
    QString file = base;
    for (int k = 2; used.contains(file); ++k) file = base + QStringLiteral("-%1").arg(k);
    used.insert(file);
    const QString path = QDir(dir).filePath(file + QLatin1Char('.') + suffix);
    ChartExport o = options;
    if (o.title.isEmpty()) o.title = name;
    if (!exportPlot(plot, path, error, o)) return false;
    if (written) *written << path;
  }
  return true;
}

// Asks where to save a chart (PNG, PDF or SVG; the suffix follows the chosen filter when the
// name has none), starting in the last export folder.
static QString askChartPath(QWidget* parent, AppSettings* settings, const QString& name) {
  const QString dir = settings ? settings->lastExportDir() : QString();
  QString filter;
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export %1").arg(name),
                                              dir + QLatin1Char('/') + safeName(name) + ".png",
                                              chartFileFilter(), &filter);
  if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
    path += filter.contains("pdf") ? ".pdf" : filter.contains("svg") ? ".svg" : ".png";
  return path;
}

QString exportFigureInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                                const QString& name) {
  FigureDialog dialog(parent, settings, name, false);
  if (dialog.exec() != QDialog::Accepted) return {};
  const QString path = askChartPath(parent, settings, name);
  if (path.isEmpty()) return {};
  QString error;
  if (!exportPlot(plot, path, &error, dialog.options())) {
    QMessageBox::warning(parent, QObject::tr("Export figure"), error);
    return {};
  }
  if (settings) settings->setLastExportDir(QFileInfo(path).absolutePath());
  return path;
}

QStringList exportAllChartsInteractive(QWidget* parent, AppSettings* settings,
                                       const Exportable* source) {
  FigureDialog dialog(parent, settings, QString(), true);
  if (dialog.exec() != QDialog::Accepted) return {};
  const QString dir =
      QFileDialog::getExistingDirectory(parent, QObject::tr("Folder for the charts"),
                                        settings ? settings->lastExportDir() : QString());
  if (dir.isEmpty()) return {};
  QStringList written;
  QString error;
  if (!exportAllCharts(source, dir, dialog.suffix(), dialog.options(), &written, &error)) {
    QMessageBox::warning(parent, QObject::tr("Export all charts"), error);
    return written;
  }
  if (settings) settings->setLastExportDir(dir);
  return written;
}

QString exportChartInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                               const QString& name) {
  const QString path = askChartPath(parent, settings, name);
  if (path.isEmpty()) return {};
  QString error;
  // Titled with what the view calls the chart (views that know the run set the plot's window
  // title to run and chart name; any other chart keeps the name its menu shows).
  ChartExport options;
  options.title = plot->windowTitle().isEmpty() ? name : plot->windowTitle();
  if (!exportPlot(plot, path, &error, options)) {
    QMessageBox::warning(parent, QObject::tr("Export chart"), error);
    return {};
  }
  if (settings) settings->setLastExportDir(QFileInfo(path).absolutePath());
  return path;
}

QString exportTableInteractive(QWidget* parent, AppSettings* settings, Exportable* source,
                               int index, const QString& name) {
  const QString dir = settings ? settings->lastExportDir() : QString();
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export %1").arg(name),
                                              dir + QLatin1Char('/') + safeName(name) + ".csv",
                                              csvFileFilter());
  if (path.isEmpty()) return {};
  if (QFileInfo(path).suffix().isEmpty()) path += ".csv";
  QString error;
  if (!source->exportTable(index, path, &error)) {
    QMessageBox::warning(parent, QObject::tr("Export table"),
                         error.isEmpty() ? QObject::tr("Nothing to export.") : error);
    return {};
  }
  if (settings) settings->setLastExportDir(QFileInfo(path).absolutePath());
  return path;
}

void ExportButton::fillMenu(QMenu* menu, QWidget* parent, Exportable* source,
                            AppSettings* settings) {
  const auto charts = source->exportCharts();
  for (const auto& [name, plot] : charts) {
    QCustomPlot* p = plot;
    const QString n = name;
    menu->addAction(QObject::tr("Chart: %1 (PNG, PDF, SVG)…").arg(name), parent,
                    [parent, settings, p, n] { exportChartInteractive(parent, settings, p, n); });
    menu->addAction(QObject::tr("Figure: %1 (size, DPI, title)…").arg(name), parent,
                    [parent, settings, p, n] { exportFigureInteractive(parent, settings, p, n); });
  }
  if (!charts.isEmpty())
    menu->addAction(
        QObject::tr("All charts of this view to a folder (size, DPI, title)…"), parent,
        [parent, settings, source] { exportAllChartsInteractive(parent, settings, source); });
  const QStringList tables = source->exportTables();
  if (!charts.isEmpty() && !tables.isEmpty()) menu->addSeparator();
  for (int i = 0; i < tables.size(); ++i) {
    const QString n = tables[i];
    menu->addAction(QObject::tr("Table: %1 (CSV)…").arg(n), parent,
                    [parent, settings, source, i, n] {
                      exportTableInteractive(parent, settings, source, i, n);
                    });
  }
  if (menu->isEmpty()) menu->addAction(QObject::tr("Nothing to export here"))->setEnabled(false);
}

ExportButton::ExportButton(Exportable* source, AppSettings* settings, QWidget* parent)
    : QToolButton(parent), m_source(source), m_settings(settings) {
  setText(tr("Export"));
  setToolTip(tr("Export the chart as PNG, PDF or SVG, or the data as CSV"));
  setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(this);
  setMenu(menu);
  connect(menu, &QMenu::aboutToShow, this, [this, menu] {
    menu->clear();
    fillMenu(menu, parentWidget(), m_source, m_settings);
  });
}

}  // namespace sublab::ui
