// Tests of the one config pattern (engine/core/config_spec.h): ConfigSpec on a small struct of
// its own (nested fields, value types, sections), and, for every registered kind, that the
// schema, the normalised config and the kind's description agree: defaults, keys both ways
// (a knob read but not stored, or stored but not in the form), idempotence on every preset,
// rejected typos, out-of-range values and wrong types named by their path, and roles.
#include <QtTest/QtTest>
#include <set>
#include <stdexcept>

#include "engine/core/config_spec.h"
#include "engine/experiment.h"
#include "tests/minimal_config.h"

namespace {

using Json = nlohmann::json;

struct Inner {
  int count = 0;
  std::vector<int> banned;
};

struct Toy {
  uint64_t seed = 0;
  int64_t reps = 0;
  std::string mode;
  Inner inner;
  double lr = 0;
  bool on = false;
  std::vector<std::string> words;
};

sublab::ConfigSpec<Toy> toySpec() {
  sublab::ConfigSpec<Toy> s("toy");
  s.integer("seed", &Toy::seed, 7, 0, 100, "base seed").role(sublab::ConfigRole::BaseSeed);
  s.integer("reps", &Toy::reps, 2, 1, 10, "repetitions").role(sublab::ConfigRole::Repetitions);
  s.choice("mode", &Toy::mode, "a", {"a", "b"}, "mode");
  s.integer("inner.count", sublab::field(&Toy::inner, &Inner::count), 3, 0, 9, "count");
  s.integers("inner.banned", sublab::field(&Toy::inner, &Inner::banned), {4}, 0, 99, "banned");
  s.positive("train.lr", &Toy::lr, 0.5, 1.0, "lr");
  s.boolean("train.on", &Toy::on, true, "on");
  s.strings("words", &Toy::words, {"x"}, "words");
  return s;
}

// The message of the Error `f` throws ("" when it throws none).
template <class F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const sublab::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString normalizeError(const Json& config) {
  return errorOf([&] { sublab::normalizeConfig(config); });
}

// The value at a dotted path ("student.lr"); null when absent.
Json valueAt(const Json& j, const std::string& path) {
  const auto [section, key] = sublab::splitKnobPath(path);
  const Json& obj = section.empty() ? j : j.value(section, Json::object());
  return obj.value(key, Json());
}

Json withValue(Json j, const std::string& path, const Json& value) {
  const auto [section, key] = sublab::splitKnobPath(path);
  (section.empty() ? j[key] : j[section][key]) = value;
  return j;
}

// Dotted paths of every leaf of a normalised config (arrays are leaves).
void leafPaths(const Json& j, const std::string& prefix, std::set<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      leafPaths(*it, path, out);
    } else {
      out.insert(path);
    }
  }
}

// The same kind of JSON value: numbers compared as integer or floating point.
bool sameType(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.is_number_float() == b.is_number_float();
  return a.type() == b.type();
}

}  // namespace

class TestConfigSpec : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void specReadsNestedFieldsAndWritesTypedJson() {
    const auto spec = toySpec();
    const Toy t = spec.read({{"seed", 9}, {"inner", {{"count", 5}, {"banned", {1, 2}}}}});
    QCOMPARE(t.seed, uint64_t(9));
    QCOMPARE(t.reps, int64_t(2));
    QCOMPARE(t.inner.count, 5);
    QCOMPARE(t.inner.banned, std::vector<int>({1, 2}));
    QCOMPARE(t.lr, 0.5);
    const Json out = spec.write(t);
    QCOMPARE(out["kind"].get<std::string>(), std::string("toy"));
    QVERIFY(out["seed"].is_number_unsigned());  // typed as the field is
    QVERIFY(out["reps"].is_number_integer() && !out["reps"].is_number_unsigned());
    QVERIFY(out["inner"]["banned"][0].is_number_integer());
    QVERIFY(out["train"]["lr"].is_number_float());
    QCOMPARE(out["words"], Json({"x"}));
    // Reading what was written gives it back.
    QCOMPARE(spec.write(spec.read(out)), out);
    // The kinds' reader: schema appended, derived fields set before the JSON is written.
    Json normalized;
    std::vector<sublab::ConfigField> schema(1);
    const Toy u = spec.read(out, &normalized, &schema, [](Toy& c) { c.words.push_back("y"); });
    QCOMPARE(schema.size(), spec.schema().size() + 1);
    QCOMPARE(u.words, std::vector<std::string>({"x", "y"}));
    QCOMPARE(normalized["words"], Json({"x", "y"}));
  }

  // An opt-in knob is stored only when it differs from its default; read back either way.
  void optInKnobIsStoredOnlyWhenSet() {
    sublab::ConfigSpec<Toy> s("toy");
    s.integer("inner.count", sublab::field(&Toy::inner, &Inner::count), 0, 0, 9, "count").optIn();
    s.boolean("train.on", &Toy::on, false, "on").optIn();
    s.choice("mode", &Toy::mode, "a", {"a", "b"}, "mode");
    QVERIFY(s.schema()[0].optIn && s.schema()[1].optIn && !s.schema()[2].optIn);
    const Json bare = s.write(s.read(Json::object()));
    QCOMPARE(bare, Json({{"kind", "toy"}, {"mode", "a"}}));
    const Json set = s.write(s.read({{"inner", {{"count", 4}}}, {"train", {{"on", true}}}}));
    QCOMPARE(set, Json({{"kind", "toy"},
                        {"mode", "a"},
                        {"inner", {{"count", 4}}},
                        {"train", {{"on", true}}}}));
    QCOMPARE(s.write(s.read(set)), set);
    // Set to its default, it is left out as if never set.
    QCOMPARE(s.write(s.read({{"inner", {{"count", 0}}}})), bare);
  }

  void specSchemaFollowsTheDeclaration() {
    const auto spec = toySpec();
    std::vector<std::string> paths;
    for (const auto& f : spec.schema()) paths.push_back(f.path);
    QCOMPARE(paths, std::vector<std::string>({"seed", "reps", "mode", "inner.count", "inner.banned",
                                              "train.lr", "train.on", "words"}));
    QCOMPARE(spec.schema()[0].role, sublab::ConfigRole::BaseSeed);
    QCOMPARE(spec.schema()[1].role, sublab::ConfigRole::Repetitions);
    QCOMPARE(spec.schema()[2].role, sublab::ConfigRole::None);
    QCOMPARE(spec.schema()[5].type, std::string("positive"));
    QCOMPARE(spec.schema()[5].max, 1.0);
    QCOMPARE(spec.schema()[4].def, Json({4}));
  }

  void specRejectsWithThePath() {
    const auto spec = toySpec();
    auto read = [&](const Json& j) { return errorOf([&] { spec.read(j); }); };
    QCOMPARE(
        read({{"inner", {{"cuont", 1}}}}),
        QString("config.inner: unknown key \"cuont\" (did you mean \"count\"? known keys: banned, "
                "count)"));
    QCOMPARE(
        read({{"sede", 1}}),
        QString("config: unknown key \"sede\" (did you mean \"seed\"? known keys: inner, kind, "
                "mode, reps, seed, "
                "train, words)"));
    QCOMPARE(read({{"train", {{"lr", 0}}}}),
             QString("config.train.lr: must be greater than 0 and at most 1, got 0"));
    QCOMPARE(read({{"inner", {{"count", 10}}}}),
             QString("config.inner.count: must be between 0 and 9, got 10"));
    QCOMPARE(read({{"train", 3}}), QString("config.train: must be a JSON object, got 3"));
    QVERIFY(read({{"kind", "anything"}}).isEmpty());  // without kindKnob(), as dispatched
  }

  void specRefusesASectionDeclaredApart() {
    sublab::ConfigSpec<Toy> s("toy");
    s.integer("inner.count", sublab::field(&Toy::inner, &Inner::count), 3, 0, 9, "count");
    s.boolean("train.on", &Toy::on, true, "on");
    QVERIFY_THROWS_EXCEPTION(
        std::logic_error,
        s.integer("inner.count", sublab::field(&Toy::inner, &Inner::count), 3, 0, 9, "count"));
    QVERIFY_THROWS_EXCEPTION(std::logic_error,
                             s.boolean("a.b.c", &Toy::on, true, "two levels of sections"));
  }

  void schemaDefaultsAreTheNormalisedDefaults() {
    for (const auto& kind : sublab::experimentKinds()) {
      const Json normalized = sublab::normalizeConfig(sublabtest::minimalConfig(kind));
      for (const auto& f : sublab::configSchema(kind)) {
        const std::string where = kind + ": " + f.path;
        if (f.type == "folder" && !f.optional) continue;  // required: no default to compare
        if (f.optIn) {
          // Stored only when set: a config that never sets it normalises as before it existed.
          QVERIFY2(valueAt(normalized, f.path).is_null(), where.c_str());
          const Json set = sublab::normalizeConfig(withValue(
              sublabtest::minimalConfig(kind), f.path, f.type == "bool" ? Json(true) : f.def));
          QVERIFY2(f.type != "bool" || valueAt(set, f.path) == Json(true), where.c_str());
          QVERIFY2(!f.help.empty(), where.c_str());
          continue;
        }
        QVERIFY2(valueAt(normalized, f.path) == f.def, where.c_str());
        QVERIFY2(sameType(valueAt(normalized, f.path), f.def), where.c_str());
        QVERIFY2(!f.help.empty(), where.c_str());
      }
    }
  }

  // The guard against a knob read but not stored (or stored but missing from the form).
  void normalisedKeysAreTheSchema() {
    for (const auto& kind : sublab::experimentKinds()) {
      std::set<std::string> stored, declared;
      leafPaths(sublab::normalizeConfig(sublabtest::minimalConfig(kind)), "", stored);
      stored.erase("kind");  // the config's identity, stored by every kind
      const auto schema = sublab::configSchema(kind);
      size_t optIn = 0;
      for (const auto& f : schema) {
        if (f.optIn) ++optIn;  // stored only when set (see schemaDefaultsAreTheNormalisedDefaults)
        if (f.path != "kind" && !f.optIn) declared.insert(f.path);
      }
      QCOMPARE(declared.size(), schema.size() - optIn - (schema.front().path == "kind" ? 1 : 0));
      QCOMPARE(stored, declared);
    }
  }

  void normalizeIsIdempotentOnEveryPreset() {
    for (const auto& p : sublab::presets()) {
      const Json once = sublab::normalizeConfig(p.config);
      const Json twice = sublab::normalizeConfig(once);
      QVERIFY2(twice == once, p.name.c_str());
      QCOMPARE(twice.dump(), once.dump());  // value types too (1 and 1.0 dump apart)
    }
  }

  void rolesAreTheDescriptionsKeys() {
    for (const auto& d : sublab::kindDescriptions()) {
      std::vector<std::string> reps, seeds;
      for (const auto& f : sublab::configSchema(d.name)) {
        if (f.role == sublab::ConfigRole::Repetitions) reps.push_back(f.path);
        if (f.role == sublab::ConfigRole::BaseSeed) seeds.push_back(f.path);
      }
      // A kind without repetitions (an imported dataset) has no such knob.
      QCOMPARE(reps, d.repetitionKey.empty() ? std::vector<std::string>()
                                             : std::vector<std::string>({d.repetitionKey}));
      QCOMPARE(seeds, std::vector<std::string>({d.seedKey}));
    }
  }

  void misspelledKeysAreNamed() {
    for (const auto& kind : sublab::experimentKinds()) {
      std::set<std::string> sections = {""};
      for (const auto& f : sublab::configSchema(kind))
        sections.insert(sublab::splitKnobPath(f.path).first);
      for (const auto& section : sections) {
        const std::string path = section.empty() ? "typo_key" : section + ".typo_key";
        const QString e = normalizeError(withValue(sublabtest::minimalConfig(kind), path, 1));
        const QString expected = QString::fromStdString(
            "config" + (section.empty() ? "" : "." + section) + ": unknown key \"typo_key\"");
        QVERIFY2(e.startsWith(expected), qPrintable(e));
      }
    }
  }

  void outOfRangeValuesAreNamed() {
    for (const auto& kind : sublab::experimentKinds())
      for (const auto& f : sublab::configSchema(kind)) {
        if (f.type != "int" && f.type != "number" && f.type != "positive") continue;
        const QString prefix = QString::fromStdString("config." + f.path + ": must be");
        const Json above = withValue(sublabtest::minimalConfig(kind), f.path, f.max + 1);
        QVERIFY2(normalizeError(above).startsWith(prefix), qPrintable(normalizeError(above)));
        const Json below = withValue(sublabtest::minimalConfig(kind), f.path,
                                     f.type == "positive" ? 0.0 : f.min - 1);
        QVERIFY2(normalizeError(below).startsWith(prefix), qPrintable(normalizeError(below)));
      }
  }

  void wrongTypesAreNamed() {
    for (const auto& kind : sublab::experimentKinds())
      for (const auto& f : sublab::configSchema(kind)) {
        if (f.path == "kind") continue;  // the dispatcher's own message
        const bool text = f.type == "choice" || f.type == "string" || f.type == "folder";
        const Json wrong = text ? Json(3) : f.type == "strings" ? Json("x") : Json("three");
        const QString e = normalizeError(withValue(sublabtest::minimalConfig(kind), f.path, wrong));
        QVERIFY2(e.startsWith(QString::fromStdString("config." + f.path + ": must be")),
                 qPrintable(e));
      }
  }

  // A typo far from every known key gets no suggestion.
  void unknownKeyWithoutSuggestion() {
    QCOMPARE(normalizeError({{"kind", "aux"}, {"zzzzzz", 3}}),
             QString("config: unknown key \"zzzzzz\" (known keys: data, kind, model, models, "
                     "seed, student, teacher, train)"));
    const QString lrr = normalizeError({{"kind", "numbers"}, {"student", {{"lrr", 0.1}}}});
    QVERIFY2(lrr.startsWith("config.student: unknown key \"lrr\" (did you mean \"lr\"? known keys"),
             qPrintable(lrr));
  }

  // filter.format_rule: a choice, the paper's rule by default; a stored config without it (a run
  // from before the knob) reads as the lenient rule it ran with, a new config as the default.
  void formatRuleKnob() {
    const Json fresh = sublab::normalizeConfig({{"kind", "numbers"}});
    QCOMPARE(fresh["filter"]["format_rule"], Json("paper"));
    QCOMPARE(normalizeError({{"kind", "numbers"}, {"filter", {{"format_rule", "strict"}}}}),
             QString("config.filter.format_rule: must be one of paper, lenient, got \"strict\""));
    Json old = fresh;
    old["filter"].erase("format_rule");
    const Json completed = sublab::completeStoredConfig(old);
    QCOMPARE(completed["filter"]["format_rule"], Json("lenient"));
    QCOMPARE(sublab::normalizeConfig(completed)["filter"]["format_rule"], Json("lenient"));
    // A stored config that has the key keeps it; other kinds and odd JSON come back unchanged.
    QCOMPARE(sublab::completeStoredConfig(fresh), fresh);
    const Json aux = sublab::normalizeConfig({{"kind", "aux"}});
    QCOMPARE(sublab::completeStoredConfig(aux), aux);
    QCOMPARE(sublab::completeStoredConfig(Json("text")), Json("text"));
    QCOMPARE(sublab::completeStoredConfig(Json{{"kind", "numbers"}}), (Json{{"kind", "numbers"}}));
  }

  // Bug 12 of issue #13: an invalid regular expression is rejected when the config is checked.
  void invalidBannedPatternRejected() {
    const QString m = normalizeError(
        {{"kind", "numbers"}, {"filter", {{"banned_patterns", {"^6", "(unclosed"}}}}});
    QVERIFY2(m.startsWith("config.filter.banned_patterns: banned pattern \"(unclosed\" is not a "
                          "valid regular expression: "),
             qPrintable(m));
    QVERIFY(
        normalizeError({{"kind", "numbers"}, {"filter", {{"banned_patterns", {"^6"}}}}}).isEmpty());
  }

  // The wording the CLI's and the GUI's tests rely on.
  void messagesKeepTheirWording() {
    QCOMPARE(normalizeError({{"kind", "numbers"}, {"reference", {{"lr", -1}}}}),
             QString("config.reference.lr: must be greater than 0 and at most 1, got -1"));
    QCOMPARE(normalizeError({{"kind", "numbers"}, {"seeds", "three"}}),
             QString("config.seeds: must be a whole number, got \"three\""));
    QCOMPARE(
        normalizeError({{"kind", "aux"}, {"modles", 3}}),
        QString("config: unknown key \"modles\" (did you mean \"models\"? known keys: data, kind, "
                "model, models, "
                "seed, student, teacher, train)"));
    QCOMPARE(normalizeError({{"kind", "numbers"}, {"model", {{"heads", 3}}}}),
             QString("config.model.heads: must divide d_model (64 is not divisible by 3)"));
    QVERIFY(normalizeError({{"kind", "aux"}, {"models", 1}})
                .startsWith("config.student.cross_init needs at least 2 models"));
  }
};

QTEST_APPLESS_MAIN(TestConfigSpec)
#include "test_config_spec.moc"
