// The model card shown under a model-folder knob: architecture, size, dtypes, context,
// vocabulary, the memory the run needs on the chosen device and what is available there, and a
// refusal in red when the run cannot go ahead. Shows a plain sublab::ModelCard.
#pragma once

#include <QFrame>

#include "engine/chat/model_card.h"

class QLabel;

namespace sublab::ui {

class ModelCardWidget : public QFrame {
  Q_OBJECT

 public:
  explicit ModelCardWidget(QWidget* parent = nullptr);
  void setCard(const sublab::ModelCard& card);
  // The card's text as shown (for tests and tooltips).
  QString text() const;
  bool refused() const { return m_refused; }

 private:
  QLabel* m_facts;
  QLabel* m_verdict;
  bool m_refused = false;
};

// "134.5 M", "7.62 B": a parameter count for people.
QString formatParameters(int64_t n);

}  // namespace sublab::ui
