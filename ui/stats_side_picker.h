// One side of the Statistics view's comparison: a run picker (runs whose kind stores
// sequences, imported datasets among them) and a picker of that run's conditions. The view
// fills both from a computation's outcome; the user's change of either emits changed().
#pragma once

#include <QComboBox>
#include <QList>
#include <QPair>
#include <QStringList>
#include <QWidget>

namespace sublab::ui {

class StatsSidePicker : public QWidget {
  Q_OBJECT

 public:
  // `side` is "A" or "B": it names the child widgets (statsRunA, statsSideA, ...).
  StatsSidePicker(const QString& side, const QString& conditionTip, QWidget* parent = nullptr);

  // Replaces the items without emitting changed(): `runs` as (id, name), `conditions` of `run`.
  void setChoices(const QList<QPair<qint64, QString>>& runs, qint64 run,
                  const QStringList& conditions, const QString& condition);
  void clear();
  // 0 / "" when nothing is picked.
  qint64 run() const;
  QString condition() const;

  QComboBox* runBox() const { return m_run; }
  QComboBox* conditionBox() const { return m_condition; }

 Q_SIGNALS:
  // The user picked another run (its conditions are not known yet: condition() is "") or
  // another condition.
  void changed();

 private:
  QComboBox* m_run;
  QComboBox* m_condition;
};

}  // namespace sublab::ui
