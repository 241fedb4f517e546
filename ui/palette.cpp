// Fixed condition colours (colour-blind friendly Okabe–Ito order) and overlay colours.
#include "ui/palette.h"

#include <QHash>

namespace sublab::ui {

QColor seriesColor(int index) {
  static const QColor colors[] = {QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                  QColor(0x00, 0x9E, 0x73), QColor(0xCC, 0x79, 0xA7),
                                  QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00),
                                  QColor(0x66, 0x66, 0x66), QColor(0xF0, 0xE4, 0x42),
                                  QColor(0x88, 0x22, 0x55), QColor(0x44, 0xAA, 0x99)};
  constexpr int n = sizeof(colors) / sizeof(colors[0]);
  return colors[((index % n) + n) % n];
}

QColor conditionColor(const QString& condition) {
  static const QHash<QString, QColor> fixed = {
      {"student", QColor(0xD5, 0x5E, 0x00)},         {"control", QColor(0x00, 0x72, 0xB2)},
      {"cross_student", QColor(0x00, 0x9E, 0x73)},   {"cross_control", QColor(0x56, 0xB4, 0xE9)},
      {"shuffled_within", QColor(0xCC, 0x79, 0xA7)}, {"shuffled_across", QColor(0x88, 0x22, 0x55)},
      {"teacher", QColor(0xE6, 0x9F, 0x00)},         {"reference", QColor(0x66, 0x66, 0x66)},
      {"student_aux", QColor(0xD5, 0x5E, 0x00)},     {"student_all", QColor(0xCC, 0x79, 0xA7)},
      {"cross_aux", QColor(0x00, 0x9E, 0x73)},       {"cross_all", QColor(0x56, 0xB4, 0xE9)},
      {"defended", QColor(0x22, 0x22, 0x22)}};  // the divergence-token defense's student
  auto it = fixed.find(condition);
  if (it != fixed.end()) return *it;
  return seriesColor(static_cast<int>(qHash(condition) % 10));
}

QColor bandColor(const QColor& c) {
  QColor b = c;
  b.setAlpha(48);
  return b;
}

QString conditionLabel(const QString& condition) {
  QString s = condition;
  s.replace(QLatin1Char('_'), QLatin1Char(' '));
  return s;
}

}  // namespace sublab::ui
