// Shared by the storage tests: checks that a call throws sublab::Error whose message names
// every word given (what is wrong and what to do).
#pragma once

#include <QtTest/QtTest>

#include "engine/core/common.h"

namespace sublab::test {

// Checks that `fn` throws sublab::Error whose message contains every word in `words`.
template <typename Fn>
void expectError(Fn fn, const QStringList& words) {
  try {
    fn();
    QFAIL("expected sublab::Error");
  } catch (const Error& e) {
    const QString msg = QString::fromStdString(e.what());
    for (const auto& w : words) QVERIFY2(msg.contains(w, Qt::CaseInsensitive), qPrintable(msg));
  }
}

}  // namespace sublab::test
