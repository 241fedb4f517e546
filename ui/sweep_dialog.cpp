// The Sweep dialog (plan from widgets, validated by the sweep core) and queueing a sweep's points.
#include "ui/sweep_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "app/lab/slurm_jobs.h"
#include "app/lab/sweep.h"
#include "engine/experiment.h"
#include "ui/run_queue.h"

namespace sublab::ui {

namespace {

QString decimalCommaMessage(const QString& bad) {
  return QObject::tr(
             "\"%1\" looks like a decimal comma: write decimals with a point (0.5) and separate "
             "values with a comma and a space (\"24, 40\")")
      .arg(bad);
}

}  // namespace

bool parseSweepNumber(const QString& text, double* value, QString* error) {
  const QString t = text.trimmed();
  if (t.isEmpty()) {
    if (error) *error = QObject::tr("a range end is empty: give a number such as 0.001");
    return false;
  }
  if (t.contains(QLatin1Char(','))) {
    if (error) *error = decimalCommaMessage(t);
    return false;
  }
  bool ok = false;
  const double v = QLocale::c().toDouble(t, &ok);
  if (!ok || !std::isfinite(v)) {
    if (error) *error = QObject::tr("\"%1\" is not a number; write e.g. 16, 0.5 or 1e-3").arg(t);
    return false;
  }
  *value = v;
  return true;
}

bool parseSweepValues(const QString& text, nlohmann::json* values, QString* error) {
  // A comma between two digits with no space ("0,5") reads as a decimal comma.
  static const QRegularExpression decimalComma(QStringLiteral("\\d,\\d"));
  const auto m = decimalComma.match(text);
  if (m.hasMatch()) {
    static const QRegularExpression word(QStringLiteral("[^\\s,]*\\d,\\d[^\\s,]*"));
    const auto w = word.match(text);
    if (error) *error = decimalCommaMessage(w.hasMatch() ? w.captured(0) : m.captured(0));
    return false;
  }
  *values = nlohmann::json::array();
  const QStringList parts = text.split(QLatin1Char(','));
  for (const QString& raw : parts) {
    const QString p = raw.trimmed();
    if (p.isEmpty()) {
      if (error)
        *error = QObject::tr(
            "a value is missing between commas; give numbers separated by \", \" (e.g. 24, 40)");
      return false;
    }
    bool ok = false;
    const qlonglong i = QLocale::c().toLongLong(p, &ok);
    if (ok) {
      values->push_back(static_cast<int64_t>(i));
      continue;
    }
    const double d = QLocale::c().toDouble(p, &ok);
    if (!ok || !std::isfinite(d)) {
      if (error) *error = QObject::tr("\"%1\" is not a number; write e.g. 16, 0.5 or 1e-3").arg(p);
      return false;
    }
    values->push_back(d);
  }
  return true;
}

SweepDialog::SweepDialog(const nlohmann::json& baseConfig, int seeds, QWidget* parent)
    : QDialog(parent), m_base(baseConfig) {
  setObjectName(QStringLiteral("sweepDialog"));
  setWindowTitle(tr("Sweep"));
  const std::string kind = m_base.value("kind", std::string());

  m_name = new QLineEdit(this);
  m_name->setObjectName(QStringLiteral("sweepName"));
  m_seeds = new QSpinBox(this);
  m_seeds->setObjectName(QStringLiteral("sweepSeeds"));
  m_seeds->setRange(1, 100);
  if (seeds <= 0) {  // the form's repetition count (seeds, or models)
    try {
      for (const auto& f : sublab::configSchema(kind))
        if (f.role == sublab::ConfigRole::Repetitions) {
          nlohmann::json at = m_base;
          for (const QString& part : QString::fromStdString(f.path).split(QLatin1Char('.')))
            at = at.is_object() ? at.value(part.toStdString(), nlohmann::json()) : nlohmann::json();
          if (at.is_number_integer()) seeds = at.get<int>();
        }
    } catch (const std::exception&) {
    }
  }
  m_seeds->setValue(std::max(1, seeds));
  m_seeds->setToolTip(tr("Seeds (independent repetitions) run at every point"));

  auto* top = new QFormLayout;
  top->addRow(tr("Name"), m_name);
  top->addRow(tr("Seeds per point"), m_seeds);

  m_first = makeAxis(tr("Swept knob"), 0);
  m_useSecond = new QCheckBox(tr("Second axis (every combination: a grid)"), this);
  m_useSecond->setObjectName(QStringLiteral("sweepSecondAxis"));
  m_second = makeAxis(tr("Second knob"), 1);
  m_second.box->setEnabled(false);
  connect(m_useSecond, &QCheckBox::toggled, m_second.box, &QWidget::setEnabled);

  m_messageLabel = new QLabel(this);
  m_messageLabel->setObjectName(QStringLiteral("sweepMessage"));
  m_messageLabel->setWordWrap(true);
  m_messageLabel->setTextFormat(Qt::PlainText);
  m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* buttons = new QDialogButtonBox(this);
  m_run = buttons->addButton(tr("Run sweep"), QDialogButtonBox::AcceptRole);
  m_run->setObjectName(QStringLiteral("runSweepButton"));
  m_run->setDefault(true);
  // Slurm only where this machine can submit (a login node, a mounted cluster filesystem).
  if (sublab::commandOnPath("sbatch")) {
    m_slurmBox = makeSlurmBox();
    m_submitSlurm = buttons->addButton(tr("Submit to Slurm"), QDialogButtonBox::ActionRole);
    m_submitSlurm->setObjectName(QStringLiteral("submitSlurmButton"));
    m_submitSlurm->setToolTip(
        tr("Write a job array (one task per point, each into its own shard database) and a "
           "merge job, and submit them with sbatch"));
    connect(m_submitSlurm, &QPushButton::clicked, this, [this] {
      revalidate();
      if (!m_valid) return;
      sublab::SlurmOptions options;
      QString error;
      if (!slurmOptions(&options, &error)) {
        m_messageLabel->setText(error);
        return;
      }
      Q_EMIT slurmRequested(m_plan, options, m_dir->text().trimmed());
    });
  }
  buttons->addButton(QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_run, &QPushButton::clicked, this, [this] {
    revalidate();
    if (!m_valid) return;
    Q_EMIT sweepRequested(m_plan);
    accept();
  });

  auto* layout = new QVBoxLayout(this);
  auto* base = new QLabel(
      tr("Base: the New-experiment form's %1 config; each point is a normal run of it with the "
         "swept knob set.")
          .arg(QString::fromStdString(kind)),
      this);
  base->setWordWrap(true);
  layout->addWidget(base);
  layout->addLayout(top);
  layout->addWidget(m_first.box);
  layout->addWidget(m_useSecond);
  layout->addWidget(m_second.box);
  if (m_slurmBox) layout->addWidget(m_slurmBox);
  layout->addWidget(m_messageLabel);
  layout->addStretch(1);
  layout->addWidget(buttons);
  resize(520, 520);

  connect(m_name, &QLineEdit::textEdited, this, &SweepDialog::revalidate);
  connect(m_seeds, &QSpinBox::valueChanged, this, &SweepDialog::revalidate);
  connect(m_useSecond, &QCheckBox::toggled, this, &SweepDialog::revalidate);
  revalidate();
}

QGroupBox* SweepDialog::makeSlurmBox() {
  auto* box = new QGroupBox(tr("Or submit to Slurm (sbatch found on the PATH)"), this);
  box->setObjectName(QStringLiteral("slurmBox"));
  auto line = [box](const char* name, const QString& placeholder, const QString& tip) {
    auto* e = new QLineEdit(box);
    e->setObjectName(QStringLiteral("slurm_") + QLatin1String(name));
    e->setPlaceholderText(placeholder);
    e->setToolTip(tip);
    return e;
  };
  m_partition = line("partition", tr("the cluster's default"), tr("--partition"));
  m_time = line("time", tr("HH:MM:SS, e.g. 02:00:00"), tr("--time: each task's limit"));
  m_gres = line("gres", tr("e.g. gpu:1"), tr("--gres: generic resources per task (GPUs)"));
  m_mem = line("mem", tr("e.g. 8G"), tr("--mem: memory per task"));
  m_args = line("args", tr("e.g. --account=mylab --qos=normal"),
                tr("Extra #SBATCH lines, one per option (separated by spaces); they go on the "
                   "merge job too"));
  m_dir = line("dir", tr("beside the project: slurm/NAME-HASH"),
               tr("Folder for the scripts, manifest, shards and logs: on a filesystem every node "
                  "sees"));
  m_cpus = new QSpinBox(box);
  m_cpus->setObjectName(QStringLiteral("slurm_cpus"));
  m_cpus->setRange(1, 1024);
  m_cpus->setToolTip(tr("--cpus-per-task: each task's sublab uses them all"));
  m_maxParallel = new QSpinBox(box);
  m_maxParallel->setObjectName(QStringLiteral("slurm_max_parallel"));
  m_maxParallel->setRange(0, 100000);
  m_maxParallel->setSpecialValueText(tr("no limit"));
  m_maxParallel->setToolTip(tr("Tasks running at once (--array=0-N%K)"));
  m_device = new QComboBox(box);
  m_device->setObjectName(QStringLiteral("slurm_device"));
  m_device->addItems({QStringLiteral("cpu"), QStringLiteral("cuda")});
  m_device->setToolTip(tr("cuda: give --gres gpu:1 and a CUDA build of sublab"));
  auto* form = new QFormLayout(box);
  form->addRow(tr("Partition"), m_partition);
  form->addRow(tr("Time"), m_time);
  form->addRow(tr("CPUs per task"), m_cpus);
  form->addRow(tr("Gres"), m_gres);
  form->addRow(tr("Memory"), m_mem);
  form->addRow(tr("Max parallel"), m_maxParallel);
  form->addRow(tr("Device"), m_device);
  form->addRow(tr("Extra sbatch args"), m_args);
  form->addRow(tr("Folder"), m_dir);
  return box;
}

QLineEdit* SweepDialog::slurmEdit(const QString& name) const {
  return m_slurmBox ? m_slurmBox->findChild<QLineEdit*>(QStringLiteral("slurm_") + name) : nullptr;
}

bool SweepDialog::slurmOptions(sublab::SlurmOptions* o, QString* error) const {
  if (!m_slurmBox) return false;
  o->partition = m_partition->text().trimmed().toStdString();
  o->time = m_time->text().trimmed().toStdString();
  o->gres = m_gres->text().trimmed().toStdString();
  o->mem = m_mem->text().trimmed().toStdString();
  o->cpusPerTask = m_cpus->value();
  o->maxParallel = m_maxParallel->value();
  o->device = m_device->currentText().toStdString();
  o->sbatchArgs.clear();
  for (const QString& a : m_args->text().split(QLatin1Char(' '), Qt::SkipEmptyParts))
    o->sbatchArgs.push_back(a.toStdString());
  try {
    sublab::checkSlurmOptions(*o);  // the CLI's messages, with its option names
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
  return true;
}

SweepAxisWidgets SweepDialog::makeAxis(const QString& title, int keyIndex) {
  SweepAxisWidgets a;
  a.box = new QGroupBox(title, this);
  a.key = new QComboBox(a.box);
  a.key->setObjectName(keyIndex == 0 ? QStringLiteral("sweepKey1") : QStringLiteral("sweepKey2"));
  try {
    for (const auto& f : sublab::configSchema(m_base.value("kind", std::string()))) {
      if (f.role != sublab::ConfigRole::None) continue;  // seeds are set per point above
      if (f.type != "int" && f.type != "number" && f.type != "positive") continue;
      a.key->addItem(QString::fromStdString(f.path));
      a.key->setItemData(a.key->count() - 1, QString::fromStdString(f.help), Qt::ToolTipRole);
    }
  } catch (const std::exception&) {
  }
  a.key->setCurrentIndex(std::min(keyIndex, a.key->count() - 1));
  a.form = new QComboBox(a.box);
  a.form->addItem(tr("values"), QStringLiteral("values"));
  a.form->addItem(tr("linear range"), QStringLiteral("linear"));
  a.form->addItem(tr("log range"), QStringLiteral("log"));
  a.values = new QLineEdit(a.box);
  a.values->setPlaceholderText(tr("e.g. 16, 32, 64 (a point for decimals)"));
  a.from = new QLineEdit(a.box);
  a.to = new QLineEdit(a.box);
  a.count = new QSpinBox(a.box);
  a.count->setRange(2, 1000);
  a.count->setValue(4);
  auto* range = new QHBoxLayout;
  range->addWidget(new QLabel(tr("from"), a.box));
  range->addWidget(a.from);
  range->addWidget(new QLabel(tr("to"), a.box));
  range->addWidget(a.to);
  range->addWidget(new QLabel(tr("count"), a.box));
  range->addWidget(a.count);
  auto* form = new QFormLayout(a.box);
  form->addRow(tr("Knob"), a.key);
  form->addRow(tr("Given as"), a.form);
  form->addRow(tr("Values"), a.values);
  form->addRow(tr("Range"), range);
  auto sync = [a] {
    const bool list = a.form->currentData().toString() == QLatin1String("values");
    a.values->setEnabled(list);
    a.from->setEnabled(!list);
    a.to->setEnabled(!list);
    a.count->setEnabled(!list);
  };
  sync();
  connect(a.form, &QComboBox::currentIndexChanged, this, sync);
  for (QComboBox* c : {a.key, a.form})
    connect(c, &QComboBox::currentIndexChanged, this, &SweepDialog::revalidate);
  for (QLineEdit* e : {a.values, a.from, a.to})
    connect(e, &QLineEdit::textChanged, this, &SweepDialog::revalidate);
  connect(a.count, &QSpinBox::valueChanged, this, &SweepDialog::revalidate);
  return a;
}

bool SweepDialog::axisJson(const SweepAxisWidgets& a, nlohmann::json* out, QString* error) const {
  const QString key = a.key->currentText();
  *out = {{"key", key.toStdString()}};
  const QString form = a.form->currentData().toString();
  if (form == QLatin1String("values")) {
    nlohmann::json values;
    if (a.values->text().trimmed().isEmpty()) {
      *error = tr("%1: give its values, e.g. 16, 32, 64").arg(key);
      return false;
    }
    if (!parseSweepValues(a.values->text(), &values, error)) {
      *error = key + QStringLiteral(": ") + *error;
      return false;
    }
    (*out)["values"] = values;
    return true;
  }
  double from = 0, to = 0;
  if (!parseSweepNumber(a.from->text(), &from, error) ||
      !parseSweepNumber(a.to->text(), &to, error)) {
    *error = key + QStringLiteral(": ") + *error;
    return false;
  }
  (*out)[form.toStdString()] = {{"from", from}, {"to", to}, {"count", a.count->value()}};
  return true;
}

void SweepDialog::revalidate() {
  m_valid = false;
  m_points = 0;
  QString error;
  nlohmann::json plan;
  const QString key = m_first.key->currentText();
  const QString name =
      m_name->text().trimmed().isEmpty() ? tr("sweep of %1").arg(key) : m_name->text().trimmed();
  m_name->setPlaceholderText(tr("sweep of %1").arg(key));
  plan["name"] = name.toStdString();
  plan["base"] = {{"config", m_base}};
  plan["seeds"] = m_seeds->value();
  plan["mode"] = "grid";
  nlohmann::json axes = nlohmann::json::array();
  nlohmann::json axis;
  bool ok = axisJson(m_first, &axis, &error);
  if (ok) axes.push_back(axis);
  if (ok && m_useSecond->isChecked()) {
    ok = axisJson(m_second, &axis, &error);
    if (ok) axes.push_back(axis);
  }
  if (ok) {
    plan["axes"] = axes;
    try {
      const sublab::SweepPlan parsed = sublab::parseSweepPlan(plan);  // the core's validation
      m_points = static_cast<int>(parsed.points.size());
      m_valid = true;
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
  }
  m_plan = plan;
  m_message = m_valid ? QString() : error;
  if (m_valid) {
    const int seeds = m_seeds->value();
    m_messageLabel->setStyleSheet(QString());
    m_messageLabel->setText(tr("%1 points × %2 seeds = %3 seeded runs, queued one after another")
                                .arg(m_points)
                                .arg(seeds)
                                .arg(m_points * seeds));
  } else {
    m_messageLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_messageLabel->setText(error);
  }
  m_run->setEnabled(m_valid);
}

qint64 queueSweep(RunQueue* queue, sublab::Database* db, const nlohmann::json& planJson,
                  int threads, QString* error, QList<qint64>* queuedRuns) {
  if (!queue || !db) {
    if (error) *error = QObject::tr("No project database is open: use File › Open first.");
    return 0;
  }
  try {
    const sublab::SweepPlan plan = sublab::parseSweepPlan(planJson);
    const sublab::SweepInfo sweep = db->findOrCreateSweep(plan.name, plan.normalized, plan.hash);
    const std::vector<sublab::SweepPointInfo> stored = db->sweepPoints(sweep.id);
    for (const sublab::SweepPoint& point : plan.points) {
      // Resume: a point done before, or still queued / running, keeps its run.
      bool keep = false;
      for (const auto& s : stored) {
        if (s.index != point.index || s.runId == 0) continue;
        const auto run = db->findRun(s.runId);
        keep = run && (run->status == sublab::RunStatus::Done ||
                       run->status == sublab::RunStatus::Queued ||
                       run->status == sublab::RunStatus::Running);
      }
      if (keep) continue;
      JobSpec spec;
      spec.name = QString::fromStdString(point.run.name);
      spec.preset = QString::fromStdString(point.run.preset);
      spec.config = point.run.config;
      spec.repetitions = point.run.seeds;
      spec.threads = threads;
      spec.tags = {QStringLiteral("sweep")};
      spec.experiment = QString::fromStdString(point.run.experiment);  // as `sublab sweep` files it
      QString why;
      const qint64 runId = queue->enqueue(spec, &why);
      if (!runId) {
        if (error)
          *error =
              QObject::tr("sweep point %1 could not be queued: %2").arg(point.index + 1).arg(why);
        return 0;
      }
      db->setSweepPoint(sweep.id, point.index, point.values, runId);
      if (queuedRuns) queuedRuns->append(runId);
    }
    return sweep.id;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return 0;
  }
}

qint64 submitSweepToSlurm(sublab::Database* db, const nlohmann::json& plan,
                          const sublab::SlurmOptions& options, const QString& dir, QString* where,
                          QString* error) {
  if (!db) {
    if (error) *error = QObject::tr("No project database is open: use File › Open first.");
    return 0;
  }
  try {
    const std::string cli =
        sublab::findSublab(QCoreApplication::applicationDirPath().toStdString());
    const sublab::SlurmSubmission s =
        sublab::submitSlurmSweepPlan(*db, plan, options, cli, dir.toStdString(), true);
    if (where)
      *where =
          QObject::tr("Submitted job array %1 (%2 tasks) and merge job %3. Script: %4")
              .arg(QString::fromStdString(s.arrayJob))
              .arg(s.points)
              .arg(QString::fromStdString(s.mergeJob), QString::fromStdString(s.files.arrayScript));
    return s.sweepId;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return 0;
  }
}

}  // namespace sublab::ui
