// Shared by the storage, engine and lab tests: checks that a call throws sublab::Error whose
// message names every word given and, where a code is given, that it carries that ErrorCode and
// leaves the advice (flags, commands) to the front ends; errorOf gives the message itself.
#pragma once

#include <QtTest/QtTest>
#include <optional>
#include <string>

#include "engine/core/common.h"

namespace sublab::test {

// Checks that `fn` throws sublab::Error whose message contains every word in `words`; with a
// `code`, also that the error carries it and its message names no command-line flag or command.
template <typename Fn>
void expectError(Fn fn, const QStringList& words, std::optional<ErrorCode> code = std::nullopt) {
  try {
    fn();
    QFAIL("expected sublab::Error");
  } catch (const Error& e) {
    const QString msg = QString::fromStdString(e.what());
    for (const auto& w : words) QVERIFY2(msg.contains(w, Qt::CaseInsensitive), qPrintable(msg));
    if (!code) return;
    QVERIFY2(e.code() == *code, qPrintable("unexpected error code for: " + msg));
    static const QRegularExpression flag(R"((^|\s)--[a-z])");
    QVERIFY2(!msg.contains(flag) && !msg.contains("`sublab"), qPrintable(msg));
  }
}

// The message of the sublab::Error that `f` throws, "" when it throws none.
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace sublab::test
