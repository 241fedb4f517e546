// An experiment kind's config declared once: a table of knobs, each bound to a field of the
// kind's settings struct, with its type, default, range, help and role. Reading (range checks,
// unknown keys rejected), the stored normalised JSON and the GUI's schema all come from the
// table, so a knob cannot be read but not stored, or stored but missing from the form.
// Checks that involve several knobs stay with the kind, after read().
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/core/config_util.h"

namespace sublab {

// Where a knob's value lives in the settings struct: built by field() from a member pointer,
// or a chain of them for nested structs (field(&NumbersConfig::model, &LmOptions::dModel)).
template <class Config, class T>
struct FieldRef {
  using Type = T;
  std::function<T&(Config&)> get;
  std::function<const T&(const Config&)> cget;
};

namespace config_spec_detail {
template <class M>
struct MemberOf;
template <class C, class T>
struct MemberOf<T C::*> {
  using Class = C;
};
// The type of the field a knob is bound to: by a member pointer or a FieldRef.
template <class Config, class F>
struct FieldTypeOf;
template <class Config, class T>
struct FieldTypeOf<Config, T Config::*> {
  using Type = T;
};
template <class Config, class T>
struct FieldTypeOf<Config, FieldRef<Config, T>> {
  using Type = T;
};
template <class T>
struct IsIntVector : std::false_type {};
template <class T>
struct IsIntVector<std::vector<T>>
    : std::bool_constant<std::is_integral_v<T> && !std::is_same_v<T, bool>> {};

template <class Object, class Member, class... Members>
auto& memberChain(Object& object, Member member, Members... members) {
  if constexpr (sizeof...(Members) == 0) {
    return object.*member;
  } else {
    return memberChain(object.*member, members...);
  }
}
}  // namespace config_spec_detail

template <class First, class... Rest>
auto field(First first, Rest... rest) {
  using Config = typename config_spec_detail::MemberOf<First>::Class;
  auto at = [=](auto& c) -> auto& { return config_spec_detail::memberChain(c, first, rest...); };
  using T = std::remove_reference_t<decltype(at(std::declval<Config&>()))>;
  return FieldRef<Config, T>{at, at};
}

// The knobs' JSON objects, read in declaration order: one ConfigReader per section (the first
// path component, e.g. "model"), finished (unknown keys rejected) when the next section
// starts; the top level last. Sections must be declared contiguously.
class SectionReaders {
 public:
  explicit SectionReaders(const nlohmann::json& config);
  ConfigReader& at(const std::string& section);
  void finish();

 private:
  ConfigReader m_top;
  std::optional<ConfigReader> m_section;
  std::string m_sectionName;
};

// "model.d_model" -> {"model", "d_model"}; "seeds" -> {"", "seeds"}. At most one dot.
std::pair<std::string, std::string> splitKnobPath(const std::string& path);

template <class Config>
class ConfigSpec {
 public:
  // `kind` is stored as the normalised config's "kind" (and checked by kindKnob()).
  explicit ConfigSpec(std::string kind) : m_kind(std::move(kind)) {}

  // The "kind" key as a knob of the schema: a choice with this kind as its only value. Without
  // it, "kind" is accepted as is (the dispatcher has checked it) and left out of the schema.
  ConfigSpec& kindKnob(const std::string& help) {
    ConfigField f{"kind", "choice", m_kind, 0, 0, {m_kind}, help};
    return add(
        std::move(f), [kind = m_kind](ConfigReader& r, Config&) { r.choice("kind", kind, {kind}); },
        nullptr);
  }

  template <class F>
  ConfigSpec& integer(const std::string& path, F f, int64_t def, int64_t min, int64_t max,
                      const std::string& help) {
    using T = FieldType<F>;
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "integer() needs an int");
    ConfigField d{path, "int", def, double(min), double(max), {}, help};
    return bind(std::move(d), f, [=](ConfigReader& r, const std::string& key) {
      return static_cast<T>(r.integer(key, def, min, max));
    });
  }

  template <class F>
  ConfigSpec& number(const std::string& path, F f, double def, double min, double max,
                     const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, double>, "number() needs a double");
    ConfigField d{path, "number", def, min, max, {}, help};
    return bind(std::move(d), f, [=](ConfigReader& r, const std::string& key) {
      return r.number(key, def, min, max);
    });
  }

  // Strictly greater than 0 and at most `max` (learning rates, temperatures).
  template <class F>
  ConfigSpec& positive(const std::string& path, F f, double def, double max,
                       const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, double>, "positive() needs a double");
    ConfigField d{path, "positive", def, 0.0, max, {}, help};
    return bind(std::move(d), f,
                [=](ConfigReader& r, const std::string& key) { return r.positive(key, def, max); });
  }

  template <class F>
  ConfigSpec& boolean(const std::string& path, F f, bool def, const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, bool>, "boolean() needs a bool");
    ConfigField d{path, "bool", def, 0, 1, {}, help};
    return bind(std::move(d), f,
                [=](ConfigReader& r, const std::string& key) { return r.boolean(key, def); });
  }

  template <class F>
  ConfigSpec& choice(const std::string& path, F f, const std::string& def,
                     const std::vector<std::string>& allowed, const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, std::string>, "choice() needs a string");
    ConfigField d{path, "choice", def, 0, 0, allowed, help};
    return bind(std::move(d), f, [=](ConfigReader& r, const std::string& key) {
      return r.choice(key, def, allowed);
    });
  }

  template <class F>
  ConfigSpec& string(const std::string& path, F f, const std::string& def,
                     const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, std::string>, "string() needs a string");
    ConfigField d{path, "string", def, 0, 0, {}, help};
    return bind(std::move(d), f,
                [=](ConfigReader& r, const std::string& key) { return r.string(key, def); });
  }

  // A local folder's path (a string). Reading checks only that a required folder is named: whether
  // it exists is checked where it is used (a stored run's config stays readable when the folder
  // has moved) and live by the form, which also checks that it holds `marker`.
  template <class F>
  ConfigSpec& folder(const std::string& path, F f, const std::string& def,
                     const std::string& marker, bool optional, bool modelCard,
                     const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, std::string>, "folder() needs a string");
    ConfigField d{path, "folder", def, 0, 0, {}, help};
    d.folderMarker = marker;
    d.optional = optional;
    d.modelCard = modelCard;
    return bind(std::move(d), f, [=](ConfigReader& r, const std::string& key) {
      std::string v = r.string(key, def);
      if (v.empty() && !optional)
        throw Error(r.where() + "." + key + ": choose a folder" +
                    (marker.empty() ? std::string() : " (one that holds " + marker + ")"));
      return v;
    });
  }

  template <class F>
  ConfigSpec& integers(const std::string& path, F f, const std::vector<int64_t>& def, int64_t min,
                       int64_t max, const std::string& help) {
    using T = FieldType<F>;
    static_assert(config_spec_detail::IsIntVector<T>::value, "integers() needs a vector of int");
    ConfigField d{path, "ints", def, double(min), double(max), {}, help};
    return bind(std::move(d), f, [=](ConfigReader& r, const std::string& key) {
      const std::vector<int64_t> v = r.integers(key, def, min, max);
      return T(v.begin(), v.end());
    });
  }

  template <class F>
  ConfigSpec& strings(const std::string& path, F f, const std::vector<std::string>& def,
                      const std::string& help) {
    static_assert(std::is_same_v<FieldType<F>, std::vector<std::string>>,
                  "strings() needs a vector of string");
    ConfigField d{path, "strings", def, 0, 0, {}, help};
    return bind(std::move(d), f,
                [=](ConfigReader& r, const std::string& key) { return r.strings(key, def); });
  }

  // Gives the knob declared last a role (e.g. ConfigRole::Repetitions).
  ConfigSpec& role(ConfigRole role) {
    m_fields.back().role = role;
    return *this;
  }

  // Makes the knob declared last opt-in (ConfigField::optIn): left out of the normalised config
  // while it has its default value.
  ConfigSpec& optIn() {
    m_fields.back().optIn = true;
    return *this;
  }

  // Says what runs stored before the knob declared last existed used (ConfigField::legacy), when
  // that is not its default.
  ConfigSpec& legacy(nlohmann::json value) {
    m_fields.back().legacy = std::move(value);
    return *this;
  }

  // Every knob read from `config` (defaults for absent or null keys); throws Error naming the
  // key on a wrong type, a value out of range or an unknown key.
  Config read(const nlohmann::json& config) const {
    Config c{};
    SectionReaders readers(config);
    for (const Knob& k : m_knobs) k.read(readers.at(k.section), c);
    readers.finish();
    return c;
  }

  // What a kind's reader does: appends the knobs to `schema`, reads `config`, has `complete`
  // set derived fields and run the checks that involve several knobs (throwing Error), and
  // writes the normalised config to `normalized` (each pointer when given).
  template <class Complete>
  Config read(const nlohmann::json& config, nlohmann::json* normalized,
              std::vector<ConfigField>* schema, Complete&& complete) const {
    if (schema) schema->insert(schema->end(), m_fields.begin(), m_fields.end());
    Config c = read(config);
    complete(c);
    if (normalized) *normalized = write(c);
    return c;
  }

  // The normalised config: "kind" and every knob's value, typed as its field is (an opt-in
  // knob only when it differs from its default).
  nlohmann::json write(const Config& c) const {
    nlohmann::json out = {{"kind", m_kind}};
    for (size_t i = 0; i < m_knobs.size(); ++i) {
      const Knob& k = m_knobs[i];
      if (!k.write) continue;
      nlohmann::json value = k.write(c);
      if (m_fields[i].optIn && value == m_fields[i].def) continue;
      (k.section.empty() ? out[k.key] : out[k.section][k.key]) = std::move(value);
    }
    return out;
  }

  // Every knob in declaration order (the GUI's form follows it).
  const std::vector<ConfigField>& schema() const { return m_fields; }

 private:
  template <class F>
  using FieldType = typename config_spec_detail::FieldTypeOf<Config, F>::Type;

  struct Knob {
    std::string section, key;
    std::function<void(ConfigReader&, Config&)> read;
    std::function<nlohmann::json(const Config&)> write;  // empty: not stored (kindKnob)
  };

  // A knob stored in the field `f` refers to; `get` reads it with the declared checks.
  template <class F, class Get>
  ConfigSpec& bind(ConfigField d, F f, Get get) {
    auto ref = asField(f);
    const std::string key = splitKnobPath(d.path).second;
    return add(
        std::move(d), [ref, get, key](ConfigReader& r, Config& c) { ref.get(c) = get(r, key); },
        [ref](const Config& c) { return nlohmann::json(ref.cget(c)); });
  }

  ConfigSpec& add(ConfigField d, std::function<void(ConfigReader&, Config&)> read,
                  std::function<nlohmann::json(const Config&)> write) {
    auto [section, key] = splitKnobPath(d.path);
    // A section's reader rejects the keys it has not read when the next section starts.
    const bool reopens = !section.empty() && !m_knobs.empty() &&
                         m_knobs.back().section != section &&
                         std::any_of(m_knobs.begin(), m_knobs.end(),
                                     [&](const Knob& k) { return k.section == section; });
    if (reopens)
      throw std::logic_error("config knob \"" + d.path + "\": its section is declared apart");
    m_knobs.push_back({std::move(section), std::move(key), std::move(read), std::move(write)});
    m_fields.push_back(std::move(d));
    return *this;
  }

  template <class T>
  static FieldRef<Config, T> asField(T Config::*member) {
    return field(member);
  }
  template <class T>
  static FieldRef<Config, T> asField(FieldRef<Config, T> ref) {
    return ref;
  }

  std::string m_kind;
  std::vector<Knob> m_knobs;
  std::vector<ConfigField> m_fields;  // parallel to m_knobs
};

}  // namespace sublab
