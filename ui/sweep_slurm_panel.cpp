// The Slurm part of the Sweeps tab (see sweep_slurm_panel.h). Everything it knows comes from the
// lab (app/lab/slurm_jobs.h), the same code as `sublab sweep status` / `resubmit` / `sweep-merge`.
#include "ui/sweep_slurm_panel.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/lab/slurm_jobs.h"

namespace sublab::ui {

SweepSlurmPanel::SweepSlurmPanel(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("sweepSlurmPanel"));
  m_files = new QLabel(this);
  m_files->setObjectName(QStringLiteral("slurmFiles"));
  m_files->setWordWrap(true);
  m_files->setTextFormat(Qt::PlainText);
  m_files->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_refresh = new QPushButton(tr("Refresh"), this);
  m_refresh->setObjectName(QStringLiteral("slurmRefresh"));
  m_refresh->setToolTip(tr("Ask Slurm (scontrol, sacct) and the shards again"));
  m_merge = new QPushButton(tr("Merge results"), this);
  m_merge->setObjectName(QStringLiteral("slurmMerge"));
  m_merge->setToolTip(
      tr("Fold the finished tasks' shard databases into this project (running it again adds "
         "nothing)"));
  m_resubmit = new QPushButton(tr("Resubmit failed"), this);
  m_resubmit->setObjectName(QStringLiteral("slurmResubmit"));
  m_resubmit->setToolTip(
      tr("Submit again only the points that failed, were killed or never ran, and a merge job"));
  m_table = new QTableWidget(this);
  m_table->setObjectName(QStringLiteral("slurmPoints"));
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setColumnCount(6);
  m_table->setHorizontalHeaderLabels(
      {tr("Point"), tr("Task"), tr("Slurm state"), tr("Exit code"), tr("Run"), tr("Message")});
  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("slurmMessage"));
  m_message->setWordWrap(true);
  m_message->setTextFormat(Qt::PlainText);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* top = new QHBoxLayout;
  top->addWidget(m_files, 1);
  top->addWidget(m_refresh);
  top->addWidget(m_merge);
  top->addWidget(m_resubmit);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top);
  layout->addWidget(m_table, 1);
  layout->addWidget(m_message);

  connect(m_refresh, &QPushButton::clicked, this, &SweepSlurmPanel::refresh);
  connect(m_merge, &QPushButton::clicked, this, &SweepSlurmPanel::mergeResults);
  connect(m_resubmit, &QPushButton::clicked, this, &SweepSlurmPanel::resubmitFailed);
  setVisible(false);
}

void SweepSlurmPanel::setSweep(sublab::Database* db, qint64 sweepId) {
  // The same sweep again (a reload after a merge) keeps the merge's message.
  if (db != m_db || sweepId != m_sweepId) m_message->clear();
  m_db = db;
  m_sweepId = sweepId;
  m_manifest.clear();
  if (!db || !sweepId) {
    setVisible(false);
    return;
  }
  try {
    m_manifest = QString::fromStdString(db->sweepManifest(sweepId));
  } catch (const std::exception&) {
  }
  setVisible(!m_manifest.isEmpty());
  if (!m_manifest.isEmpty()) refresh();
}

void SweepSlurmPanel::refresh() {
  m_table->setRowCount(0);
  if (!m_db || m_manifest.isEmpty()) return;
  const QString dir = QFileInfo(m_manifest).absolutePath();
  std::vector<sublab::SlurmPointState> states;
  try {
    // Checks the manifest is still there (a clear message when it moved).
    sublab::sweepManifestPath(*m_db, m_sweepId);
    const nlohmann::json manifest = sublab::readSweepManifest(m_manifest.toStdString());
    states = sublab::slurmPointStates(manifest, m_db);
    const auto& jobs = manifest["jobs"];
    m_files->setText(tr("On Slurm: job array %1, merge job %2. Script: %3")
                         .arg(QString::fromStdString(jobs.value("array", std::string("-"))),
                              QString::fromStdString(jobs.value("merge", std::string("-"))),
                              QDir(dir).filePath(QStringLiteral("sweep-array.sbatch"))));
  } catch (const std::exception& e) {
    m_files->setText(tr("Slurm files: %1").arg(dir));
    m_message->setText(QString::fromUtf8(e.what()));
    m_merge->setEnabled(false);
    m_resubmit->setEnabled(false);
    return;
  }
  const bool sbatch = sublab::commandOnPath("sbatch");
  int rerun = 0;
  m_table->setRowCount(static_cast<int>(states.size()));
  for (int r = 0; r < static_cast<int>(states.size()); ++r) {
    const sublab::SlurmPointState& s = states[r];
    rerun += s.needsRerun();
    auto text = [](const std::string& v, const QString& none) {
      return v.empty() ? none : QString::fromStdString(v);
    };
    m_table->setItem(r, 0, new QTableWidgetItem(QString::number(s.index + 1)));
    m_table->setItem(r, 1, new QTableWidgetItem(text(s.job, tr("-"))));
    m_table->setItem(r, 2, new QTableWidgetItem(text(s.slurmState, tr("unknown"))));
    m_table->setItem(r, 3, new QTableWidgetItem(text(s.exitCode, tr("-"))));
    m_table->setItem(r, 4, new QTableWidgetItem(text(s.run, tr("none yet"))));
    m_table->setItem(r, 5, new QTableWidgetItem(QString::fromStdString(s.message)));
  }
  m_table->resizeColumnsToContents();
  m_merge->setEnabled(true);
  m_resubmit->setEnabled(sbatch && rerun > 0);
  m_resubmit->setToolTip(sbatch ? tr("Submit again only the %n point(s) that failed, were killed "
                                     "or never ran, and a merge job",
                                     nullptr, rerun)
                                : tr("sbatch is not on the PATH: resubmit on the cluster's login "
                                     "node (sublab sweep resubmit %1)")
                                      .arg(m_sweepId));
}

void SweepSlurmPanel::mergeResults() {
  if (!m_db || m_manifest.isEmpty()) return;
  try {
    const sublab::SlurmMerge m = sublab::mergeSlurmSweep(*m_db, m_manifest.toStdString());
    int added = 0, interrupted = 0, skipped = 0;
    for (const auto& s : m.report.shards) {
      added += s.added;
      interrupted += s.interrupted;
      skipped += s.skipped;
    }
    QString text = tr("Merged %n shard(s): ", nullptr, static_cast<int>(m.report.shards.size())) +
                   tr("%n run(s) added", nullptr, added) +
                   tr(" (%1 interrupted), %2 already here.").arg(interrupted).arg(skipped);
    if (!m.missing.empty())
      text += tr(" %n point(s) have no shard yet (not run, or still waiting).", nullptr,
                 static_cast<int>(m.missing.size()));
    m_message->setText(text);
    Q_EMIT merged();
  } catch (const std::exception& e) {
    m_message->setText(QString::fromUtf8(e.what()));
  }
  refresh();
}

void SweepSlurmPanel::resubmitFailed() {
  if (!m_db || m_manifest.isEmpty()) return;
  QString text;
  try {
    const sublab::SlurmResubmission r = sublab::resubmitSlurmSweep(m_manifest.toStdString(), m_db);
    if (r.points.empty()) {
      text = tr("Nothing to resubmit: every point is done, queued or running.");
    } else {
      QStringList points;
      for (int i : r.points) points << QString::number(i + 1);
      text = tr("Resubmitted point(s) %1 as job array %2; merge job %3 after it.")
                 .arg(points.join(QStringLiteral(", ")), QString::fromStdString(r.arrayJob),
                      QString::fromStdString(r.mergeJob));
    }
  } catch (const std::exception& e) {
    text = QString::fromUtf8(e.what());
  }
  refresh();
  m_message->setText(text);
}

}  // namespace sublab::ui
