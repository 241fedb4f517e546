// Settings round trip: what the app persists (last database, recent list, window geometry and
// dock layout, current view, runs-table columns and grouping, curve options) is written on
// close and restored by a new window.
#include <QCheckBox>
#include <QHeaderView>
#include <QTabWidget>
#include <QTableView>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"

using namespace sublab::ui;

class TestSettings : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void typedValues() {
    const QString ini = m_dir.filePath("typed.ini");
    {
      AppSettings s(ini);
      s.setLastDatabase("/tmp/a.sqlite");
      s.setLastDatabase("/tmp/b.sqlite");
      s.setLastDatabase("/tmp/a.sqlite");
      s.setHeaderState("runs", QByteArray("xyz"));
      s.setViewValue("curves", "showSeeds", true);
      s.setCurrentView(3);
      s.sync();
    }
    AppSettings s(ini);
    QCOMPARE(s.lastDatabase(), QString("/tmp/a.sqlite"));
    QCOMPARE(s.recentDatabases(), QStringList({"/tmp/a.sqlite", "/tmp/b.sqlite"}));
    QCOMPARE(s.headerState("runs"), QByteArray("xyz"));
    QCOMPARE(s.viewValue("curves", "showSeeds").toBool(), true);
    QCOMPARE(s.currentView(), 3);
    // Keys are namespaced.
    QVERIFY(s.raw().allKeys().contains("project/lastDatabase"));
    QVERIFY(s.raw().allKeys().contains("tables/runs/header"));
  }

  void windowRoundTrip() {
    const QString ini = m_dir.filePath("window.ini");
    const QString db = m_dir.filePath("w.sqlite");
    {
      Project p;
      QString error;
      QVERIFY(p.open(db, &error));
      uitest::addNumbersRun(*p.db(), "one", 0.1);
    }
    {
      AppSettings s(ini);
      MainWindow w(&s);
      QString error;
      QVERIFY2(w.openDatabase(db, &error), qPrintable(error));
      w.resize(1111, 777);
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      w.showView(MainWindow::CompareTab);
      w.runsView()->table()->setColumnHidden(RunsTableModel::ColNotes, true);
      w.runsView()->table()->horizontalHeader()->resizeSection(RunsTableModel::ColName, 234);
      w.runsView()->setGrouped(true);
      w.close();  // saves
    }
    AppSettings s(ini);
    QCOMPARE(s.lastDatabase(), QFileInfo(db).absoluteFilePath());
    MainWindow w(&s);
    w.restoreSettings();
    QString error;
    QVERIFY(w.openStartupDatabase(&error));
    QCOMPARE(w.project()->path(), QFileInfo(db).absoluteFilePath());
    QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::CompareTab));
    QVERIFY(w.runsView()->table()->isColumnHidden(RunsTableModel::ColNotes));
    QCOMPARE(w.runsView()->table()->horizontalHeader()->sectionSize(RunsTableModel::ColName), 234);
    QVERIFY(w.runsView()->isGrouped());
    QCOMPARE(w.size(), QSize(1111, 777));
  }
};

QTEST_MAIN(TestSettings)
#include "test_settings.moc"
