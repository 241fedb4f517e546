// Tests for the safetensors reader and writer: a round trip of F32 / F16 / BF16 tensors, a
// sharded folder, and damaged files (truncated, overlapping or out-of-range offsets, a 2^60
// header length, duplicate names, a dtype we do not read, a size that disagrees with the shape)
// each refused with one sublab::Error naming the problem.
#include <QtTest/QtTest>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/core/common.h"
#include "engine/hf/safetensors.h"
#include "tests/storage/expect_error.h"

using sublab::hf::SafetensorsCheckpoint;
using sublab::hf::SafetensorsFile;

namespace {

using sublab::test::errorOf;

// A file with the given header text (length prefix computed unless `length` is given) and data.
void writeRaw(const std::string& path, const std::string& header, size_t dataBytes,
              uint64_t length = 0) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const uint64_t n = length ? length : header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header;
  const std::string data(dataBytes, '\x01');
  out << data;
}

}  // namespace

class TestHfSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roundTrip() {
    QTemporaryDir dir;
    const std::string p = dir.path().toStdString() + "/t.safetensors";
    torch::manual_seed(1);
    const torch::Tensor a = torch::randn({3, 5}), b = torch::randn({7}).to(torch::kBFloat16),
                        c = torch::randn({2, 2, 2}).to(torch::kFloat16), e = torch::zeros({0, 4});
    sublab::hf::writeSafetensors(p, {{"b", b}, {"a", a}, {"c", c}, {"empty", e}});
    const SafetensorsFile f(p);
    QCOMPARE(f.tensors().size(), size_t(4));
    QCOMPARE(f.tensors().at("b").dtype, sublab::hf::StDType::BF16);
    QVERIFY(torch::equal(f.load("a", torch::kFloat32), a));
    QVERIFY(torch::equal(f.load("b", torch::kFloat32), b.to(torch::kFloat32)));
    QVERIFY(torch::equal(f.load("c", torch::kFloat32), c.to(torch::kFloat32)));
    QCOMPARE(f.load("empty", torch::kFloat32).sizes().vec(), (std::vector<int64_t>{0, 4}));
    // The header length keeps the data 8-byte aligned, as the Python library writes it.
    std::ifstream in(p, std::ios::binary);
    uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 8);
    QCOMPARE(n % 8, uint64_t(0));
  }

  void shardedFixture() {
    const auto ck = SafetensorsCheckpoint::openFolder(std::string(SUBLAB_SOURCE_DIR) +
                                                      "/tests/fixtures/hf/llama3-bf16-sharded");
    QCOMPARE(ck.names().size(), size_t(2 * 9 + 2));
    QCOMPARE(ck.info("model.embed_tokens.weight").dtype, sublab::hf::StDType::BF16);
    QCOMPARE(ck.load("model.norm.weight", torch::kFloat32).scalar_type(), torch::kFloat32);
  }

  void damaged_data() {
    QTest::addColumn<QString>("header");
    QTest::addColumn<int>("dataBytes");
    QTest::addColumn<qulonglong>("length");
    QTest::addColumn<QString>("message");
    const QString ok = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
    QTest::newRow("truncated data")
        << ok << 8 << 0ull << "outside the 8 bytes of data (truncated file?)";
    QTest::newRow("header length 2^60")
        << ok << 16 << (1ull << 60) << "header length 1152921504606846976 exceeds";
    QTest::newRow("header past the end") << ok << 0 << 4096ull << "exceeds the file size";
    QTest::newRow("overlap")
        << R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})"
        << 16 << 0ull << "the data of tensors 'a' and 'b' overlap";
    QTest::newRow("offset past end")
        << R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})" << 16 << 0ull
        << "outside the 16 bytes";
    QTest::newRow("size vs shape")
        << R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})" << 16 << 0ull
        << "takes 16 bytes but its shape and dtype need 12";
    QTest::newRow("negative shape") << R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})"
                                    << 16 << 0ull << "not a non-negative integer";
    QTest::newRow("duplicate name")
        << R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})"
        << 16 << 0ull << "names tensor 'a' twice";
    QTest::newRow("int64 dtype") << R"({"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})"
                                 << 16 << 0ull << "has dtype I64, which is not supported";
    QTest::newRow("not JSON") << "{\"a\": [1, 2" << 16 << 0ull << "header is not valid JSON";
    QTest::newRow("no offsets") << R"({"a":{"dtype":"F32","shape":[2]}})" << 16 << 0ull
                                << "lacks a dtype, shape or two data_offsets";
    QTest::newRow("huge shape")
        << R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})" << 16
        << 0ull << "shape too large";
  }
  void damaged() {
    QFETCH(QString, header);
    QFETCH(int, dataBytes);
    QFETCH(qulonglong, length);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const std::string p = dir.path().toStdString() + "/bad.safetensors";
    writeRaw(p, header.toStdString(), size_t(dataBytes), length);
    const std::string err = errorOf([&] { SafetensorsFile f(p); });
    QVERIFY2(err.find(message.toStdString()) != std::string::npos, err.c_str());
  }

  void tinyFileAndBadIndex() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    std::ofstream(d + "/short.safetensors") << "abc";
    QVERIFY(errorOf([&] {
              SafetensorsFile f(d + "/short.safetensors");
            }).find("shorter than the 8-byte") != std::string::npos);
    std::ofstream(d + "/model.safetensors.index.json")
        << R"({"weight_map":{"w":"../x.safetensors"}})";
    QVERIFY(errorOf([&] { SafetensorsCheckpoint::openFolder(d); }).find("not a plain file name") !=
            std::string::npos);
    sublab::hf::writeSafetensors(d + "/s1.safetensors", {{"v", torch::ones({2})}});
    std::ofstream(d + "/model.safetensors.index.json", std::ios::trunc)
        << R"({"weight_map":{"w":"s1.safetensors"}})";
    const std::string err = errorOf([&] { SafetensorsCheckpoint::openFolder(d); });
    QVERIFY2(err.find("says tensor 'w' is in s1.safetensors, but that shard lacks it") !=
                 std::string::npos,
             err.c_str());
  }
};

QTEST_GUILESS_MAIN(TestHfSafetensors)
#include "test_hf_safetensors.moc"
