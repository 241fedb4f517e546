// Tests for the IDX reader: raw and gzip files the test writes, wrong magic, truncation,
// corrupt gzip, a whole dataset folder and its cross-checks, and the installed Fashion-MNIST.
#include <zlib.h>

#include <QtTest/QtTest>
#include <fstream>

#include "engine/aux/idx_reader.h"
#include "engine/core/common.h"
#include "tests/storage/expect_error.h"

namespace {

using sublab::test::errorOf;

std::vector<uint8_t> idxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

void writeRaw(const QString& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeGz(const QString& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.toStdString().c_str(), "wb");
  QVERIFY(f != nullptr);
  QCOMPARE(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> readFile(const QString& path) {
  std::ifstream in(path.toStdString(), std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 37 + 11) % 256);
  return v;
}

}  // namespace

class TestIdxReader : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void rawAndGzipAgree() {
    QTemporaryDir dir;
    const auto bytes = idxBytes({3, 4, 5}, pattern(60));
    writeRaw(dir.filePath("a"), bytes);
    writeGz(dir.filePath("a.gz"), bytes);
    const auto raw = sublab::readIdx(dir.filePath("a").toStdString(), 3);
    const auto gz = sublab::readIdx(dir.filePath("a.gz").toStdString(), 3);
    QCOMPARE(raw.dims, (std::vector<int64_t>{3, 4, 5}));
    QCOMPARE(raw.count(), int64_t(3));
    QVERIFY(raw.data == pattern(60));
    QVERIFY(gz.data == raw.data);
    QCOMPARE(gz.dims, raw.dims);
  }

  void wrongMagic() {
    QTemporaryDir dir;
    auto bytes = idxBytes({4}, pattern(4));
    bytes[0] = 0x42;
    writeRaw(dir.filePath("bad"), bytes);
    const std::string msg = errorOf([&] { sublab::readIdx(dir.filePath("bad").toStdString()); });
    QVERIFY2(msg.find("magic") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find(dir.filePath("bad").toStdString()) != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("dataset-fashion-mnist") != std::string::npos, msg.c_str());
    // A float IDX (type 0x0D) is not supported: say so.
    bytes = idxBytes({4}, pattern(4));
    bytes[2] = 0x0D;
    writeRaw(dir.filePath("float"), bytes);
    const std::string m2 = errorOf([&] { sublab::readIdx(dir.filePath("float").toStdString()); });
    QVERIFY2(m2.find("element type") != std::string::npos, m2.c_str());
  }

  void wrongDimensionCount() {
    QTemporaryDir dir;
    writeRaw(dir.filePath("labels"), idxBytes({6}, pattern(6)));
    const std::string msg =
        errorOf([&] { sublab::readIdx(dir.filePath("labels").toStdString(), 3); });
    QVERIFY2(msg.find("expected 3") != std::string::npos, msg.c_str());
  }

  void truncatedRaw() {
    QTemporaryDir dir;
    auto bytes = idxBytes({2, 3, 3}, pattern(18));
    bytes.resize(bytes.size() - 5);
    writeRaw(dir.filePath("short"), bytes);
    const std::string msg = errorOf([&] { sublab::readIdx(dir.filePath("short").toStdString()); });
    QVERIFY2(msg.find("truncated") != std::string::npos, msg.c_str());
    // Cut inside the header.
    writeRaw(dir.filePath("header"), std::vector<uint8_t>{0, 0, 8, 3, 0, 0});
    const std::string m2 = errorOf([&] { sublab::readIdx(dir.filePath("header").toStdString()); });
    QVERIFY2(m2.find("truncated") != std::string::npos, m2.c_str());
    // Too long is corrupt too.
    auto longer = idxBytes({2}, pattern(2));
    longer.push_back(7);
    writeRaw(dir.filePath("long"), longer);
    const std::string m3 = errorOf([&] { sublab::readIdx(dir.filePath("long").toStdString()); });
    QVERIFY2(m3.find("beyond") != std::string::npos, m3.c_str());
  }

  void truncatedAndCorruptGzip() {
    QTemporaryDir dir;
    writeGz(dir.filePath("full.gz"), idxBytes({100, 10, 10}, pattern(10000)));
    auto gz = readFile(dir.filePath("full.gz"));
    QVERIFY(gz.size() > 40);
    auto cut = gz;
    cut.resize(gz.size() / 2);
    writeRaw(dir.filePath("cut.gz"), cut);
    const std::string msg = errorOf([&] { sublab::readIdx(dir.filePath("cut.gz").toStdString()); });
    QVERIFY2(msg.find("cut.gz") != std::string::npos, msg.c_str());
    QVERIFY2(
        msg.find("truncated") != std::string::npos || msg.find("ends early") != std::string::npos,
        msg.c_str());
    auto garbled = gz;
    for (size_t i = 12; i < garbled.size() - 8; i += 3) garbled[i] ^= 0x5A;
    writeRaw(dir.filePath("garbled.gz"), garbled);
    const std::string m2 =
        errorOf([&] { sublab::readIdx(dir.filePath("garbled.gz").toStdString()); });
    QVERIFY2(m2.find("garbled.gz") != std::string::npos, m2.c_str());
    QVERIFY2(!m2.empty(), "a garbled gzip file must be rejected");
  }

  void missingFile() {
    QTemporaryDir dir;
    const std::string msg =
        errorOf([&] { sublab::readIdx(dir.filePath("nothing").toStdString()); });
    QVERIFY2(msg.find("missing") != std::string::npos, msg.c_str());
  }

  void datasetFolder() {
    QTemporaryDir dir;
    const std::vector<uint8_t> trainLabels = {0, 1, 2, 1, 0, 2};
    writeGz(dir.filePath("train-images-idx3-ubyte.gz"), idxBytes({6, 2, 3}, pattern(36)));
    writeRaw(dir.filePath("train-labels-idx1-ubyte"), idxBytes({6}, trainLabels));
    writeRaw(dir.filePath("t10k-images.idx3-ubyte"), idxBytes({2, 2, 3}, pattern(12)));
    writeGz(dir.filePath("t10k-labels-idx1-ubyte.gz"), idxBytes({2}, {2, 0}));
    const auto ds = sublab::loadIdxDataset(dir.path().toStdString());
    QCOMPARE(ds.rows, int64_t(2));
    QCOMPARE(ds.cols, int64_t(3));
    QCOMPARE(ds.classes, int64_t(3));
    QCOMPARE(ds.trainImages.count(), int64_t(6));
    QCOMPARE(ds.testLabels.data, (std::vector<uint8_t>{2, 0}));

    // A label file that does not match its images is named in the error.
    writeRaw(dir.filePath("train-labels-idx1-ubyte"), idxBytes({5}, {0, 1, 2, 1, 0}));
    const std::string msg = errorOf([&] { sublab::loadIdxDataset(dir.path().toStdString()); });
    QVERIFY2(msg.find("train-labels-idx1-ubyte") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("5 labels for 6 images") != std::string::npos, msg.c_str());

    // A missing file is named too, with what to do.
    QVERIFY(QFile::remove(dir.filePath("t10k-images.idx3-ubyte")));
    const std::string m2 = errorOf([&] { sublab::loadIdxDataset(dir.path().toStdString()); });
    QVERIFY2(m2.find("t10k-images-idx3-ubyte") != std::string::npos, m2.c_str());
    QVERIFY2(m2.find("data.dir") != std::string::npos, m2.c_str());

    const std::string m3 = errorOf([&] { sublab::loadIdxDataset("/nonexistent/folder"); });
    QVERIFY2(m3.find("does not exist") != std::string::npos, m3.c_str());
  }

  void installedFashionMnist() {
    const std::string folder = "/usr/share/datasets/fashion-mnist";
    if (sublab::findIdxFile(folder, "train-images-idx3-ubyte").empty())
      QSKIP("dataset-fashion-mnist is not installed");
    const auto ds = sublab::loadIdxDataset(folder);
    QCOMPARE(ds.trainImages.count(), int64_t(60000));
    QCOMPARE(ds.testImages.count(), int64_t(10000));
    QCOMPARE(ds.rows * ds.cols, int64_t(784));
    QCOMPARE(ds.classes, int64_t(10));
  }
};

QTEST_APPLESS_MAIN(TestIdxReader)
#include "test_idx_reader.moc"
