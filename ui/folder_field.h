// A folder knob of the generated form: a line edit and a "Browse…" button that opens a directory
// chooser, checked live (the folder exists, is a folder and holds the declared marker file, e.g.
// config.json), with a status line under it and, when the knob asks for it, the folder's model
// card for the chosen device (engine/chat/model_card.h). Driven by the knob's declaration only.
#pragma once

#include <QWidget>

#include "engine/core/config_util.h"

class QLabel;
class QLineEdit;
class QPushButton;

namespace sublab::ui {

class ModelCardWidget;

class FolderField : public QWidget {
  Q_OBJECT

 public:
  FolderField(const sublab::ConfigField& field, QWidget* parent = nullptr);

  QString path() const;
  void setPath(const QString& path);
  // The device the model card estimates for ("cpu" / "cuda").
  void setDevice(const QString& device);
  // What keeps the run from starting (empty: nothing): a missing folder or marker, or the
  // card's refusal.
  QString problem() const { return m_problem; }
  QLineEdit* lineEdit() const { return m_edit; }
  QPushButton* browseButton() const { return m_browse; }
  ModelCardWidget* card() const { return m_card; }

 Q_SIGNALS:
  void changed();

 private:
  void browse();
  void recheck();

  sublab::ConfigField m_field;
  QString m_device = QStringLiteral("cpu");
  QLineEdit* m_edit;
  QPushButton* m_browse;
  QLabel* m_status;
  ModelCardWidget* m_card = nullptr;
  QString m_problem;
};

}  // namespace sublab::ui
