// The generated form's folder knob and model card, driven through the real widgets: the
// chat-numbers schema's model folders become a path field with Browse… (the directory chooser
// fills it), checked live (missing, a file, no config.json, usable), with the card of a
// checkpoint under the model folder and a refusal that stops the run when the model will not fit
// on the device the device knob names. A toy schema shows the field is generic (no kind names).
// The card comes from a small test describer that reads config.json (the lead wires the engine's
// reader at merge).
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include "engine/chat/chat_config.h"
#include "engine/chat/model_card.h"
#include "ui/config_form.h"
#include "ui/folder_field.h"
#include "ui/model_card_widget.h"

using namespace sublab::ui;

namespace {

// Parameters of a Llama / Qwen2 decoder from its config.json (the fields the card needs).
sublab::ModelCard testDescriber(const std::string& path, const std::string& device) {
  sublab::ModelCard card;
  card.device = device;
  QFile file(QString::fromStdString(path) + "/config.json");
  if (!file.open(QIODevice::ReadOnly)) {
    card.refusal = "config.json cannot be read";
    return card;
  }
  const QJsonObject c = QJsonDocument::fromJson(file.readAll()).object();
  const int64_t h = c["hidden_size"].toInteger(), layers = c["num_hidden_layers"].toInteger();
  const int64_t inter = c["intermediate_size"].toInteger(), vocab = c["vocab_size"].toInteger();
  const int64_t heads = c["num_attention_heads"].toInteger();
  const int64_t kv = h / heads * c["num_key_value_heads"].toInteger();
  const bool qwen = c["model_type"].toString() == "qwen2";
  const int64_t perLayer = 2 * h * h + 2 * h * kv + 3 * h * inter + 2 * h + (qwen ? h + 2 * kv : 0);
  card.readable = true;
  card.architecture = c["model_type"].toString().toStdString();
  card.parameters = vocab * h * (c["tie_word_embeddings"].toBool() ? 1 : 2) + layers * perLayer + h;
  card.dtype = c["torch_dtype"].toString().toStdString();
  card.computeDtype = device == "cpu" ? "float32" : "bfloat16";
  card.contextLength = c["max_position_embeddings"].toInteger();
  card.vocabSize = vocab;
  card.memoryAvailable = (device == "cpu" ? int64_t(16) : int64_t(24))
                         << 30;  // fixed: deterministic
  sublab::finishModelCard(card);
  return card;
}

void writeConfig(const QString& dir, const QJsonObject& config) {
  QDir().mkpath(dir);
  QFile f(dir + "/config.json");
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(QJsonDocument(config).toJson());
}

QJsonObject smolLm() {
  return {{"model_type", "llama"},       {"hidden_size", 576},
          {"intermediate_size", 1536},   {"num_hidden_layers", 30},
          {"num_attention_heads", 9},    {"num_key_value_heads", 3},
          {"vocab_size", 49152},         {"max_position_embeddings", 8192},
          {"tie_word_embeddings", true}, {"torch_dtype", "bfloat16"}};
}

QJsonObject qwen7b() {
  return {{"model_type", "qwen2"},        {"hidden_size", 3584},
          {"intermediate_size", 18944},   {"num_hidden_layers", 28},
          {"num_attention_heads", 28},    {"num_key_value_heads", 4},
          {"vocab_size", 152064},         {"max_position_embeddings", 32768},
          {"tie_word_embeddings", false}, {"torch_dtype", "bfloat16"}};
}

void shot(QWidget* w, const char* name) {
  const QString dir = QString::fromLocal8Bit(qgetenv("SUBLAB_TEST_SHOTS"));
  if (dir.isEmpty()) return;
  QTest::qWait(100);
  w->grab().save(dir + QLatin1Char('/') + QLatin1String(name) + ".png");
}

}  // namespace

class TestFolderField : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_small, m_big, m_empty, m_file;

  static FolderField* folder(ConfigForm& form, const char* path) {
    return qobject_cast<FolderField*>(form.fieldWidget(QString::fromLatin1(path)));
  }
  static bool collect(ConfigForm& form, nlohmann::json* out, QString* error, QString* where) {
    nlohmann::json config = {{"kind", "chat-numbers"}};
    const bool ok = form.collect(config, error, where);
    if (out) *out = config;
    return ok;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_small = m_dir.filePath("SmolLM2-135M-Instruct");
    m_big = m_dir.filePath("Qwen2.5-7B-Instruct");
    m_empty = m_dir.filePath("no-config");
    m_file = m_dir.filePath("a-file.txt");
    writeConfig(m_small, smolLm());
    writeConfig(m_big, qwen7b());
    QVERIFY(QDir().mkpath(m_empty));
    QFile f(m_file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    sublab::setModelFolderDescriber(&testDescriber);
  }
  void cleanupTestCase() { sublab::setModelFolderDescriber(nullptr); }

  void folderKnobsBecomeFolderFields() {
    ConfigForm form;
    form.setSchema(sublab::chatNumbersSchema());
    FolderField* model = folder(form, "model.folder");
    FolderField* cross = folder(form, "model.cross_folder");
    QVERIFY(model && cross);
    QCOMPARE(model->browseButton()->text(), QStringLiteral("Browse…"));
    QVERIFY(model->card() != nullptr);  // the knob asks for a card
    QVERIFY(cross->card() == nullptr);
    QVERIFY(!model->problem().isEmpty());  // required and empty
    QVERIFY(cross->problem().isEmpty());   // optional and empty
    QString error, where;
    QVERIFY(!collect(form, nullptr, &error, &where));
    QCOMPARE(where, QStringLiteral("model.folder"));
    QVERIFY2(error.contains("choose a folder"), qPrintable(error));
  }

  void checkedLiveAsTheUserTypes() {
    ConfigForm form;
    form.setSchema(sublab::chatNumbersSchema());
    FolderField* model = folder(form, "model.folder");
    QSignalSpy edited(&form, &ConfigForm::edited);
    const struct {
      QString path;
      const char* says;
    } cases[] = {{m_dir.filePath("missing"), "does not exist"},
                 {m_file, "is a file, not a folder"},
                 {m_empty, "has no config.json"}};
    for (const auto& c : cases) {
      model->lineEdit()->selectAll();
      QTest::keyClicks(model->lineEdit(), c.path);
      QVERIFY2(model->problem().contains(c.says), qPrintable(model->problem()));
      QVERIFY(!model->card()->isVisibleTo(model));
      QString error, where;
      QVERIFY(!collect(form, nullptr, &error, &where));
      QCOMPARE(where, QStringLiteral("model.folder"));
      QVERIFY2(error.contains(c.says), qPrintable(error));
    }
    QVERIFY(edited.count() > 0);
    model->lineEdit()->selectAll();
    QTest::keyClicks(model->lineEdit(), m_small);
    QVERIFY2(model->problem().isEmpty(), qPrintable(model->problem()));
    QVERIFY(model->card()->isVisibleTo(model));
    const QString card = model->card()->text();
    QVERIFY2(card.contains("llama") && card.contains("134.5 M") && card.contains("8192 tokens") &&
                 card.contains("49152 tokens") && card.contains("float32 on cpu") &&
                 card.contains("Fits on cpu"),
             qPrintable(card));
    nlohmann::json config;
    QString error, where;
    QVERIFY2(collect(form, &config, &error, &where), qPrintable(error));
    const nlohmann::json n = sublab::normalizeChatNumbersConfig(config);
    QCOMPARE(QString::fromStdString(n["model"]["folder"].get<std::string>()), m_small);
  }

  void refusesWhatWillNotFitOnTheDevice() {
    ConfigForm form;
    form.setSchema(sublab::chatNumbersSchema());
    form.setValues(sublab::chatNumbersPresets()[2].config);  // paper scale
    // The device is the run's (the dialog's Device box), not a knob: the dialog passes it on.
    form.setDevice(QStringLiteral("cuda"));
    FolderField* model = folder(form, "model.folder");
    QVERIFY(!form.fieldWidget(QStringLiteral("device")));
    model->setPath(m_big);
    QVERIFY2(model->problem().isEmpty(), qPrintable(model->problem()));
    QVERIFY2(model->card()->text().contains("7.62 B") &&
                 model->card()->text().contains("17.7 GiB on cuda") &&
                 model->card()->text().contains("Fits on cuda"),
             qPrintable(model->card()->text()));
    form.setDevice(QStringLiteral("cpu"));  // 7.6 B float32 weights: about 35 GiB
    QVERIFY(model->card()->refused());
    const QString card = model->card()->text();
    QVERIFY2(card.contains("Cannot run: it will not fit") && card.contains("35.5 GiB on cpu") &&
                 card.contains("16.0 GiB is available"),
             qPrintable(card));
    QString error, where;
    QVERIFY(!collect(form, nullptr, &error, &where));
    QCOMPARE(where, QStringLiteral("model.folder"));
    QVERIFY2(error.contains("will not fit"), qPrintable(error));
    model->window()->resize(640, 900);
    shot(form.findChild<QWidget*>(QStringLiteral("group_model")), "folder_field_refused");
    form.setDevice(QStringLiteral("cuda"));
    QVERIFY(!model->card()->refused());
    QVERIFY2(collect(form, nullptr, &error, &where), qPrintable(error));
    shot(form.findChild<QWidget*>(QStringLiteral("group_model")), "folder_field_fits");
  }

  void browseFillsThePath() {
    ConfigForm form;
    form.setSchema(sublab::chatNumbersSchema());
    FolderField* model = folder(form, "model.folder");
    bool sawDialog = false;
    QTimer::singleShot(0, this, [&] {
      auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
      if (!dialog) return;
      sawDialog = true;
      QCOMPARE(dialog->fileMode(), QFileDialog::Directory);
      dialog->setDirectory(m_small);
      dialog->selectFile(m_small);
      QMetaObject::invokeMethod(dialog, "accept");
    });
    QTest::mouseClick(model->browseButton(), Qt::LeftButton);
    QVERIFY(sawDialog);
    QCOMPARE(QDir::cleanPath(model->path()), QDir::cleanPath(m_small));
    QVERIFY(model->problem().isEmpty());
  }

  void genericForAnyFolderKnob() {
    // A knob of no particular kind: a folder that must hold index.txt, with a card, and no device
    // knob in the schema (the form uses the device the dialog gives it).
    sublab::ConfigField data{"data.images", "folder", "", 0, 0, {}, "a folder of images"};
    data.folderMarker = "index.txt";
    data.modelCard = true;
    ConfigForm form;
    form.setSchema({data});
    FolderField* field = folder(form, "data.images");
    QVERIFY(field);
    field->setPath(m_small);
    QVERIFY2(field->problem().contains("has no index.txt"), qPrintable(field->problem()));
    field->setPath(m_big);
    QVERIFY(field->problem().contains("index.txt"));
    QFile index(m_big + "/index.txt");
    QVERIFY(index.open(QIODevice::WriteOnly));
    index.close();
    field->setPath(m_small);
    field->setPath(m_big);
    QVERIFY(field->card()->refused());  // cpu by default: too big
    form.setDevice(QStringLiteral("cuda"));
    QVERIFY2(field->problem().isEmpty(), qPrintable(field->problem()));
    QVERIFY(field->card()->text().contains("on cuda"));
    QFile::remove(m_big + "/index.txt");
  }
};

QTEST_MAIN(TestFolderField)
#include "test_folder_field.moc"
