// Implementation of the interactive export helpers and ExportButton.
#include "ui/exportable.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>

#include "ui/app_settings.h"
#include "ui/export_util.h"
#include "ui/qcp.h"

namespace sublab::ui {

static QString safeName(QString name) {
  name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]+")), QStringLiteral("-"));
  return name.toLower();
}

QString exportChartInteractive(QWidget* parent, AppSettings* settings, QCustomPlot* plot,
                               const QString& name) {
  const QString dir = settings ? settings->lastExportDir() : QString();
  QString filter;
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export %1").arg(name),
                                              dir + QLatin1Char('/') + safeName(name) + ".png",
                                              chartFileFilter(), &filter);
  if (path.isEmpty()) return {};
  if (QFileInfo(path).suffix().isEmpty())
    path += filter.contains("pdf") ? ".pdf" : filter.contains("svg") ? ".svg" : ".png";
  QString error;
  if (!exportPlot(plot, path, &error)) {
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
  }
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
