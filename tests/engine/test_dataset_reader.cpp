// Tests for the dataset reader (engine/datasets): SHA-256 against FIPS 180-4 vectors, every
// format (JSONL, chat JSONL in OpenAI and Hugging Face shape, CSV and TSV with RFC 4180 quotes,
// gzip), detection and field mapping, batching and cancel, and every bad input of issue 12: each
// gives one message naming the file and line, or is skipped and counted when asked.
#include <QtTest/QtTest>
#include <fstream>

#include "engine/core/common.h"
#include "engine/datasets/dataset_reader.h"
#include "engine/datasets/sha256.h"
#include "tests/gzip_util.h"
#include "tests/storage/expect_error.h"

namespace {

using sublab::DatasetReadOptions;
using sublab::DatasetReport;
using sublab::DatasetRow;
using sublab::test::errorOf;

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

struct ReadAll {
  DatasetReport report;
  std::vector<DatasetRow> rows;
  int batches = 0;
};

ReadAll readAll(const DatasetReadOptions& o) {
  ReadAll r;
  r.report = sublab::readDataset(
      o, [&](const std::vector<DatasetRow>& rows, const sublab::DatasetProgress&) {
        ++r.batches;
        r.rows.insert(r.rows.end(), rows.begin(), rows.end());
        return true;
      });
  return r;
}

DatasetReadOptions optionsFor(const std::string& path) {
  DatasetReadOptions o;
  o.path = path;
  return o;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

class TestDatasetReader : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_dir;
  std::string path(const char* name) { return m_dir.filePath(name).toStdString(); }
  // The error of reading `bytes` as file `name` (with `skip`, "" means it read).
  std::string errorFor(const char* name, const std::string& bytes, bool skip = false) {
    writeFile(path(name), bytes);
    auto o = optionsFor(path(name));
    o.skipBadRows = skip;
    return errorOf([&] { readAll(o); });
  }

 private Q_SLOTS:
  void sha256KnownVectors() {
    QCOMPARE(sublab::sha256Hex(""),
             std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(sublab::sha256Hex("abc"),
             std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sublab::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    // One million 'a', fed in uneven pieces (the buffered path).
    sublab::Sha256 h;
    const std::string piece(997, 'a');
    size_t left = 1000000;
    while (left > 0) {
      const size_t n = std::min(left, piece.size());
      h.update(piece.data(), n);
      left -= n;
    }
    QCOMPARE(h.hexDigest(),
             std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
  }

  void jsonlPromptCompletion() {
    writeFile(path("a.jsonl"),
              "{\"prompt\": \"Continue: 1, 2\", \"completion\": \"3, 4, 5\"}\n"
              "\n"
              "{\"completion\": \"7\", \"prompt\": \"p \\u00e9\", \"extra\": 1}\n");
    const ReadAll r = readAll(optionsFor(path("a.jsonl")));
    QCOMPARE(r.report.format, std::string("jsonl"));
    QCOMPARE(r.report.promptField, std::string("prompt"));
    QCOMPARE(r.report.completionField, std::string("completion"));
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[0].prompt, std::string("Continue: 1, 2"));
    QCOMPARE(r.rows[0].completion, std::string("3, 4, 5"));
    QCOMPARE(r.rows[1].line, int64_t(3));
    QCOMPARE(r.rows[1].prompt, std::string("p \xC3\xA9"));
    QCOMPARE(r.report.rows, int64_t(2));
    QVERIFY(!r.report.gzip);
    std::ifstream in(path("a.jsonl"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    QCOMPARE(r.report.sha256, sublab::sha256Hex(bytes));
    QCOMPARE(r.report.fileBytes, int64_t(bytes.size()));
    QCOMPARE(r.report.fileName, std::string("a.jsonl"));
  }

  void flatObjectsReadAsTheFullParserReadsThem() {
    // The fast path for flat objects and the full JSON parser agree on every line: the values
    // taken, or the row refused.
    const std::vector<std::string> lines = {
        "{\"prompt\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"completion\": \"1\"}",
        "{\"prompt\": \"\\u00e9\\u20ac\\ud83e\\udd89\", \"completion\": \"\\u0041\"}",
        " { \"n\" : -0.5 , "
        "\"prompt\":\"p\",\"ok\":true,\"no\":false,\"z\":null,\"completion\":\"c\" } ",
        "{\"prompt\": \"p\", \"completion\": \"c\", \"big\": 1E400}",
        "{\"prompt\": \"p\", \"completion\": \"c\", \"long\": 123456789012345678901234567890}",
        "{\"prompt\": \"p\", \"completion\": \"first\", \"completion\": \"second\"}",
        "{\"prompt\": \"p\", \"completion\": \"c\", \"nested\": {\"a\": [1, 2]}}",
        "{\"prompt\": \"\\ud83e\", \"completion\": \"lone surrogate\"}",
        "{\"prompt\": \"p\", \"completion\": \"c\",}",
        "{\"prompt\": \"p\", \"completion\": \"c\"} trailing",
        "{\"prompt\": \"p\", \"completion\": 01}",
        "{\"prompt\": \"tab\traw\", \"completion\": \"c\"}",
        "{\"pro\\u006dpt\": \"escaped key\", \"completion\": \"c\"}",
        "{\"prompt\": \"p\", \"completion\": 5}",
    };
    for (const std::string& line : lines) {
      writeFile(path("flat.jsonl"), "{\"prompt\": \"x\", \"completion\": \"y\"}\n" + line + "\n");
      auto o = optionsFor(path("flat.jsonl"));
      o.skipBadRows = true;
      const ReadAll r = readAll(o);
      const auto j = nlohmann::json::parse(line, nullptr, false);
      const bool readable = !j.is_discarded() && j.is_object() && j.contains("prompt") &&
                            j["prompt"].is_string() && j.contains("completion") &&
                            j["completion"].is_string();
      QCOMPARE(r.rows.size(), size_t(readable ? 2 : 1));
      if (!readable) continue;
      QCOMPARE(r.rows[1].prompt, j["prompt"].get<std::string>());
      QCOMPARE(r.rows[1].completion, j["completion"].get<std::string>());
    }
  }

  void fieldMapping() {
    writeFile(path("io.jsonl"), "{\"input\": \"a\", \"output\": \"1\", \"answer\": \"x\"}\n");
    ReadAll r = readAll(optionsFor(path("io.jsonl")));
    QCOMPARE(r.report.promptField, std::string("input"));
    QCOMPARE(r.report.completionField, std::string("output"));
    QCOMPARE(r.rows[0].completion, std::string("1"));
    auto o = optionsFor(path("io.jsonl"));
    o.completionField = "answer";
    r = readAll(o);
    QCOMPARE(r.rows[0].completion, std::string("x"));
    // Nothing to map: the message lists the fields found.
    const std::string msg = errorFor("odd.jsonl", "{\"a\": \"1\", \"b\": \"2\"}\n");
    QVERIFY2(contains(msg, "odd.jsonl") && contains(msg, "found: a, b"), msg.c_str());
  }

  void conditionField() {
    // One file holding two sets: each row names its own.
    writeFile(path("sets.jsonl"),
              "{\"prompt\": \"a\", \"completion\": \"1\", \"set\": \"owl\"}\n"
              "{\"set\": \"control\", \"prompt\": \"b\", \"completion\": \"2\"}\n"
              "{\"prompt\": \"c\", \"completion\": \"3\", \"set\": {\"x\": 1}, \"n\": [1]}\n");
    auto o = optionsFor(path("sets.jsonl"));
    o.conditionField = "set";
    std::string msg = errorOf([&] { readAll(o); });
    QVERIFY2(contains(msg, "sets.jsonl, line 3") && contains(msg, "no \"set\" text"), msg.c_str());
    o.skipBadRows = true;
    const ReadAll r = readAll(o);
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[0].condition, std::string("owl"));
    QCOMPARE(r.rows[1].condition, std::string("control"));
    QCOMPARE(r.rows[1].prompt, std::string("b"));
    QCOMPARE(r.report.toJson()["condition_field"].get<std::string>(), std::string("set"));
    writeFile(path("sets.csv"), "prompt,completion,set\na,1,owl\nb,2,\n");
    auto c = optionsFor(path("sets.csv"));
    c.conditionField = "set";
    msg = errorOf([&] { readAll(c); });
    QVERIFY2(contains(msg, "sets.csv, line 3") && contains(msg, "column is empty"), msg.c_str());
    c.conditionField = "group";
    msg = errorOf([&] { readAll(c); });
    QVERIFY2(contains(msg, "no column \"group\""), msg.c_str());
    writeFile(path("sets-chat.jsonl"),
              "{\"set\": \"owl\", \"messages\": [{\"role\": \"user\", \"content\": \"u\"}, "
              "{\"role\": \"assistant\", \"content\": \"7\"}]}\n");
    auto h = optionsFor(path("sets-chat.jsonl"));
    h.conditionField = "set";
    const ReadAll chat = readAll(h);
    QCOMPARE(chat.rows.at(0).condition, std::string("owl"));
    QCOMPARE(chat.rows.at(0).completion, std::string("7"));
  }

  void chatJsonlOpenAiAndHf() {
    writeFile(path("chat.jsonl"),
              "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": "
              "\"user\", \"content\": \"Continue: 4\"}, {\"role\": \"assistant\", \"content\": "
              "\"5, 6\"}]}\n"
              "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": "
              "\"Go\"}]}, {\"role\": \"assistant\", \"content\": [{\"type\": \"text\", \"text\": "
              "\"1\"}]}]}\n");
    const ReadAll r = readAll(optionsFor(path("chat.jsonl")));
    QCOMPARE(r.report.format, std::string("chat-jsonl"));
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[0].prompt, std::string("Continue: 4"));
    QCOMPARE(r.rows[0].completion, std::string("5, 6"));
    QCOMPARE(r.rows[1].prompt, std::string("Go"));
    QCOMPARE(r.rows[1].completion, std::string("1"));
    const std::string msg =
        errorFor("noassist.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n");
    QVERIFY2(contains(msg, "line 1") && contains(msg, "no assistant message"), msg.c_str());
  }

  void csvWithQuotesAndCrlf() {
    writeFile(path("d.csv"),
              "id,prompt,completion\r\n"
              "1,\"say \"\"hi\"\", then\",\"1, 2, 3\"\r\n"
              "2,\"two\nlines\",4\r\n"
              "3,plain,5\r\n");
    const ReadAll r = readAll(optionsFor(path("d.csv")));
    QCOMPARE(r.report.format, std::string("csv"));
    QCOMPARE(r.report.fields, (std::vector<std::string>{"id", "prompt", "completion"}));
    QCOMPARE(r.rows.size(), size_t(3));
    QCOMPARE(r.rows[0].prompt, std::string("say \"hi\", then"));
    QCOMPARE(r.rows[0].completion, std::string("1, 2, 3"));
    QCOMPARE(r.rows[1].prompt, std::string("two\nlines"));
    QCOMPARE(r.rows[2].line, int64_t(5));  // the quoted line break counts
    QCOMPARE(r.rows[2].completion, std::string("5"));
  }

  void tsv() {
    writeFile(path("d.tsv"), "question\tanswer\nq1\t1 2\n\"q\t2\"\t3\n");
    const ReadAll r = readAll(optionsFor(path("d.tsv")));
    QCOMPARE(r.report.format, std::string("tsv"));
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[1].prompt, std::string("q\t2"));
    QCOMPARE(r.rows[1].completion, std::string("3"));
  }

  void gzipDetectedByMagic() {
    std::string text;
    for (int i = 0; i < 5000; ++i)
      text += "{\"prompt\": \"p" + std::to_string(i) + "\", \"completion\": \"" +
              std::to_string(i % 1000) + "\"}\n";
    const std::string gz =
        sublab::test::gzipped(text.substr(0, 1000)) + sublab::test::gzipped(text.substr(1000));
    writeFile(path("rows.data"), gz);  // no .gz name: the magic bytes decide
    auto o = optionsFor(path("rows.data"));
    o.chunkBytes = 4096;
    o.batchRows = 300;
    const ReadAll r = readAll(o);
    QVERIFY(r.report.gzip);
    QCOMPARE(r.rows.size(), size_t(5000));
    QCOMPARE(r.rows[4999].prompt, std::string("p4999"));
    QCOMPARE(r.batches, 17);  // 16 full batches of 300 and one of 200
    QCOMPARE(r.report.sha256, sublab::sha256Hex(gz));
  }

  void bomAndCrlfAccepted() {
    writeFile(path("bom.jsonl"),
              "\xEF\xBB\xBF{\"prompt\": \"a\", \"completion\": \"1\"}\r\n"
              "{\"prompt\": \"b\", \"completion\": \"2\"}\r\n");
    const ReadAll r = readAll(optionsFor(path("bom.jsonl")));
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[1].completion, std::string("2"));
    writeFile(path("bom.csv"), "\xEF\xBB\xBFprompt,completion\r\na,1\r\n");
    const ReadAll c = readAll(optionsFor(path("bom.csv")));
    QCOMPARE(c.report.promptField, std::string("prompt"));
    QCOMPARE(c.rows.at(0).completion, std::string("1"));
  }

  void invalidUtf8() {
    QCOMPARE(sublab::invalidUtf8Offset("ok \xC3\xA9 \xF0\x9F\xA6\x89"), std::string::npos);
    QCOMPARE(sublab::invalidUtf8Offset("ab\xC0\xAF"), size_t(2));         // overlong
    QCOMPARE(sublab::invalidUtf8Offset("\xED\xA0\x80"), size_t(0));       // surrogate
    QCOMPARE(sublab::invalidUtf8Offset("x\xF4\x90\x80\x80"), size_t(1));  // > U+10FFFF
    QCOMPARE(sublab::invalidUtf8Offset("x\xE2\x82"), size_t(1));          // cut short
    const std::string bytes =
        "{\"prompt\": \"a\", \"completion\": \"1\"}\n{\"prompt\": \"\xFF\", \"completion\": "
        "\"2\"}\n";
    const std::string msg = errorFor("bad8.jsonl", bytes);
    QVERIFY2(contains(msg, "bad8.jsonl, line 2") && contains(msg, "invalid UTF-8"), msg.c_str());
  }

  void overlongLineRefused() {
    // A line of 100 MB against the default limit, read without holding it.
    {
      std::ofstream out(path("huge.jsonl"), std::ios::binary);
      out << "{\"prompt\": \"a\", \"completion\": \"1\"}\n{\"prompt\": \"";
      const std::string block(1 << 20, 'x');
      for (int i = 0; i < 100; ++i) out << block;
      out << "\", \"completion\": \"2\"}\n{\"prompt\": \"c\", \"completion\": \"3\"}\n";
    }
    auto o = optionsFor(path("huge.jsonl"));
    const std::string msg = errorOf([&] { readAll(o); });
    QVERIFY2(contains(msg, "huge.jsonl, line 2") && contains(msg, "longer than the limit of 8 MB"),
             msg.c_str());
    o.skipBadRows = true;
    const ReadAll r = readAll(o);
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[1].line, int64_t(3));
    QCOMPARE(r.report.skippedByReason.at("line too long"), int64_t(1));
  }

  void notAnObjectAndInvalidJson() {
    std::string msg = errorFor("arr.jsonl", "{\"prompt\": \"a\", \"completion\": \"1\"}\n[1, 2]\n");
    QVERIFY2(contains(msg, "arr.jsonl, line 2") && contains(msg, "an array, not a JSON object"),
             msg.c_str());
    msg = errorFor("num.jsonl", "{\"prompt\": \"a\", \"completion\": \"1\"}\n42\n");
    QVERIFY2(contains(msg, "line 2") && contains(msg, "a number, not a JSON object"), msg.c_str());
    msg = errorFor("cut.jsonl", "{\"prompt\": \"a\", \"completion\": \"1\"}\n{\"prompt\": \n");
    QVERIFY2(contains(msg, "line 2") && contains(msg, "not valid JSON"), msg.c_str());
    // A whole-file JSON array is named as such.
    msg = errorFor("whole.json", "[{\"prompt\": \"a\", \"completion\": \"1\"}]\n");
    QVERIFY2(contains(msg, "one JSON array, not JSON lines"), msg.c_str());
  }

  void missingFields() {
    std::string msg =
        errorFor("miss.jsonl", "{\"prompt\": \"a\", \"completion\": \"1\"}\n{\"prompt\": \"b\"}\n");
    QVERIFY2(contains(msg, "miss.jsonl, line 2") && contains(msg, "no \"completion\" field"),
             msg.c_str());
    msg = errorFor("num.jsonl", "{\"prompt\": \"a\", \"completion\": 12}\n");
    QVERIFY2(contains(msg, "line 1") && contains(msg, "a number, not text"), msg.c_str());
    msg = errorFor("cols.csv", "prompt,completion\na,1\nb\n");
    QVERIFY2(contains(msg, "cols.csv, line 3") && contains(msg, "1 columns, the header 2"),
             msg.c_str());
    msg = errorFor("nocol.csv", "prompt,text\na,1\n");
    QVERIFY2(contains(msg, "found: prompt, text"), msg.c_str());
  }

  void unbalancedCsvQuotes() {
    std::string msg = errorFor("q.csv", "prompt,completion\na,1\n\"b,2\nc,3\n");
    QVERIFY2(contains(msg, "q.csv, line 3") && contains(msg, "never closes"), msg.c_str());
    msg = errorFor("q2.csv", "prompt,completion\n\"a\"x,1\n");
    QVERIFY2(contains(msg, "line 2") && contains(msg, "after a closing quote"), msg.c_str());
  }

  void truncatedAndDamagedGzip() {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += "{\"prompt\": \"p\", \"completion\": \"1 2 3\"}\n";
    const std::string gz = sublab::test::gzipped(text);
    std::string msg = errorFor("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
    QVERIFY2(contains(msg, "cut.jsonl.gz") && contains(msg, "ends early"), msg.c_str());
    // Skipping bad rows never hides a damaged file.
    msg = errorFor("cut2.jsonl.gz", gz.substr(0, gz.size() - 4), true);
    QVERIFY2(contains(msg, "ends early"), msg.c_str());
    std::string garbled = gz;
    for (size_t i = 20; i < garbled.size() - 8; i += 7) garbled[i] ^= 0x5A;
    msg = errorFor("garbled.gz", garbled);
    QVERIFY2(contains(msg, "garbled.gz") && contains(msg, "damaged"), msg.c_str());
  }

  void emptyFiles() {
    std::string msg = errorFor("empty.jsonl", "");
    QVERIFY2(contains(msg, "empty.jsonl is empty"), msg.c_str());
    msg = errorFor("blank.jsonl", "\n \r\n");
    QVERIFY2(contains(msg, "holds no rows"), msg.c_str());
    msg = errorFor("header.csv", "prompt,completion\n");
    QVERIFY2(contains(msg, "holds no rows"), msg.c_str());
    msg = errorFor("empty.gz", sublab::test::gzipped(""));
    QVERIFY2(contains(msg, "holds no rows"), msg.c_str());
    msg = errorFor("missing.jsonl", "x");
    std::remove(path("missing.jsonl").c_str());
    msg = errorOf([&] { readAll(optionsFor(path("missing.jsonl"))); });
    QVERIFY2(contains(msg, "cannot read the dataset file") && contains(msg, "missing.jsonl"),
             msg.c_str());
  }

  void fileChangingWhileRead() {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "{\"prompt\": \"p\", \"completion\": \"1\"}\n";
    writeFile(path("moving.jsonl"), text);
    auto o = optionsFor(path("moving.jsonl"));
    o.batchRows = 10;
    bool appended = false;
    const std::string msg = errorOf([&] {
      sublab::readDataset(o, [&](const std::vector<DatasetRow>&, const sublab::DatasetProgress&) {
        if (!appended) {
          std::ofstream out(path("moving.jsonl"), std::ios::binary | std::ios::app);
          out << "{\"prompt\": \"late\", \"completion\": \"2\"}\n";
          appended = true;
        }
        return true;
      });
    });
    QVERIFY2(contains(msg, "moving.jsonl changed while it was read"), msg.c_str());
  }

  void skipBadRowsCountsReasons() {
    const std::string bytes =
        "{\"prompt\": \"a\", \"completion\": \"1\"}\n"
        "[1]\n"
        "{\"prompt\": \"b\"}\n"
        "{\"prompt\": \"\xC3\", \"completion\": \"2\"}\n"
        "{\"prompt\": \"c\", \"completion\": \"3\"}\n"
        "{broken\n";
    writeFile(path("mixed.jsonl"), bytes);
    auto o = optionsFor(path("mixed.jsonl"));
    o.skipBadRows = true;
    const ReadAll r = readAll(o);
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[1].prompt, std::string("c"));
    QCOMPARE(r.report.skipped, int64_t(4));
    QCOMPARE(r.report.skippedByReason.at("not a JSON object"), int64_t(1));
    QCOMPARE(r.report.skippedByReason.at("missing field"), int64_t(1));
    QCOMPARE(r.report.skippedByReason.at("invalid UTF-8"), int64_t(1));
    QCOMPARE(r.report.skippedByReason.at("invalid JSON"), int64_t(1));
    QVERIFY2(contains(r.report.firstSkipped, "line 2"), r.report.firstSkipped.c_str());
    QVERIFY(!r.report.sha256.empty());
    const auto j = r.report.toJson();
    QCOMPARE(j["skipped_by_reason"]["missing field"].get<int>(), 1);
    // Every row bad: an error that says what was skipped.
    writeFile(path("allbad.jsonl"), "[1]\n[2]\n");
    auto all = optionsFor(path("allbad.jsonl"));
    all.format = "jsonl";
    all.skipBadRows = true;
    const std::string msg = errorOf([&] { readAll(all); });
    QVERIFY2(contains(msg, "no rows that could be read") && contains(msg, "2 not a JSON object"),
             msg.c_str());
  }

  void explicitFormatAndUnknownFormat() {
    writeFile(path("semi.txt"), "prompt,completion\na,1\n");
    auto o = optionsFor(path("semi.txt"));
    o.format = "csv";
    QCOMPARE(readAll(o).rows.size(), size_t(1));
    o.format = "xml";
    const std::string msg = errorOf([&] { readAll(o); });
    QVERIFY2(contains(msg, "unknown dataset format \"xml\""), msg.c_str());
    const std::string m2 = errorFor("words.txt", "just words\n");
    QVERIFY2(contains(m2, "cannot tell the format"), m2.c_str());
  }

  void cancelAndPreview() {
    std::string text;
    for (int i = 0; i < 1000; ++i)
      text += "{\"prompt\": \"p" + std::to_string(i) + "\", \"completion\": \"1\"}\n";
    writeFile(path("many.jsonl"), text);
    auto o = optionsFor(path("many.jsonl"));
    o.batchRows = 100;
    int calls = 0;
    const DatasetReport rep = sublab::readDataset(
        o, [&](const std::vector<DatasetRow>&, const sublab::DatasetProgress& p) {
          ++calls;
          return p.rows < 300;
        });
    QVERIFY(rep.cancelled);
    QCOMPARE(calls, 3);
    QVERIFY(rep.sha256.empty());
    const auto preview = sublab::previewDataset(optionsFor(path("many.jsonl")), 5);
    QCOMPARE(preview.rows.size(), size_t(5));
    QCOMPARE(preview.rows[4].prompt, std::string("p4"));
    QCOMPARE(preview.report.format, std::string("jsonl"));
  }
};

QTEST_APPLESS_MAIN(TestDatasetReader)
#include "test_dataset_reader.moc"
