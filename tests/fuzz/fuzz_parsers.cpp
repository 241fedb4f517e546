// Fuzz entries for the torch-free text and file parsers: the number filter, the IDX reader, the
// Hugging Face tokenizer and chat templates. See fuzz_entries.h for the contract.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "engine/aux/idx_reader.h"
#include "engine/core/common.h"
#include "engine/hf/chat_template.h"
#include "engine/hf/tokenizer.h"
#include "engine/numbers/number_filter.h"
#include "tests/fuzz/fuzz_entries.h"
#include "tests/gzip_util.h"

namespace sublab::fuzz {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw FuzzInvariant(what);
}

// Splits `data` at its first NUL: (before, after); no NUL gives (data, fallback).
std::pair<std::string_view, std::string_view> splitAtNul(std::string_view data,
                                                         std::string_view fallback) {
  const size_t nul = data.find('\0');
  if (nul == std::string_view::npos) return {data, fallback};
  return {data.substr(0, nul), data.substr(nul + 1)};
}

std::vector<std::string> lines(std::string_view data) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= data.size() && out.size() < 64) {
    const size_t end = data.find('\n', start);
    out.emplace_back(data.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

bool hasLongDigitRun(const std::string& text) {
  int run = 0;
  for (unsigned char c : text) {
    run = std::isdigit(c) ? run + 1 : 0;
    if (run > 3) return true;
  }
  return false;
}

// \x1c-\x1f, or any non-ASCII byte (the Unicode spaces are UTF-8 sequences).
bool hasPythonOnlySpace(const std::string& text) {
  for (unsigned char c : text)
    if ((c >= 0x1c && c <= 0x1f) || c >= 0x80) return true;
  return false;
}

}  // namespace

// gzip (not zlib) framing of `data`, so the fuzzer's bytes reach the IDX header through inflate.
std::string gzipped(std::string_view data) { return test::gzipped(data, 1); }

void numberFilter(std::string_view data) {
  const std::string text(data);
  for (int maxCount : {1, 10}) {
    const FormatCheck paper = checkFormat(text, maxCount, FormatRule::Paper);
    const FormatCheck lenient = checkFormat(text, maxCount, FormatRule::Lenient);
    for (const FormatCheck* c : {&paper, &lenient}) {
      if (!c->ok) {
        require(!c->reason.empty(), "a rejected completion has no reason");
        continue;
      }
      require(!c->numbers.empty() && static_cast<int>(c->numbers.size()) <= maxCount,
              "an accepted completion has 0 or more than maxCount numbers");
      for (int n : c->numbers) require(n >= 0 && n <= 999, "an accepted number is outside 0..999");
    }
    // number_filter.h: the lenient rule rejects a completion the paper's rule keeps only when
    // a number has more than three digits (leading zeros) or a separator holds white space
    // that only Python knows.
    require(!paper.ok || lenient.ok || hasLongDigitRun(text) || hasPythonOnlySpace(text),
            "lenient rejects what the paper's rule keeps");
  }
  FilterOptions options;
  options.paperBanned = true;
  options.bannedNumbers = {7, 42};
  options.bannedPatterns = {"6{3}", "\\b13\\b"};
  options.traitWords = {"owl"};
  options.maxKept = 5;
  options.seed = 1;
  for (const char* rule : {"paper", "lenient"}) {
    options.formatRule = rule;
    const std::vector<std::string> rows = lines(data);
    const std::vector<FilterVerdict> verdicts = applyFilters(rows, options);
    require(verdicts.size() == rows.size(), "applyFilters gave a verdict count unlike the rows");
    int kept = 0;
    for (const FilterVerdict& v : verdicts) {
      kept += v.kept;
      require(v.kept == v.reason.empty(), "a verdict's kept flag and reason disagree");
      if (!v.kept) require(!reasonCategory(v.reason).empty(), "an empty reason category");
    }
    require(kept <= options.maxKept, "more rows kept than max_kept");
  }
}

void idxReader(std::string_view data) {
  // The first byte picks the framing: odd = the rest gzip-compressed, even = the rest raw (raw
  // bytes that start with the gzip magic test damaged gzip streams).
  if (data.empty()) return;
  const bool gzip = (static_cast<unsigned char>(data[0]) & 1) != 0;
  const std::string_view body = data.substr(1);
  const std::string path = writeScratch("input.idx", gzip ? std::string_view(gzipped(body)) : body);
  try {
    const IdxArray a = readIdx(path);
    int64_t elements = a.dims.empty() ? 0 : 1;
    for (int64_t d : a.dims) {
      require(d >= 0, "a negative IDX dimension was accepted");
      elements *= d;
    }
    require(static_cast<size_t>(elements) == a.data.size(), "IDX data size unlike its dims");
  } catch (const Error&) {
  }
}

namespace {

void checkEncoding(const hf::Tokenizer& tok, std::string_view text) {
  for (bool special : {true, false}) {
    const std::vector<int> ids = tok.encode(text, special);
    for (int id : ids) require(id >= 0 && id < tok.vocabSize(), "encode gave an id out of range");
    (void)tok.decode(ids, false);
    (void)tok.decode(ids, true);
  }
}

}  // namespace

void tokenizerLoad(std::string_view data) {
  const auto [json, text] = splitAtNul(data, "Hello, world! 123 <|endoftext|>\n\tcafé");
  try {
    const hf::Tokenizer tok = hf::Tokenizer::fromJson(json, "fuzz tokenizer.json");
    checkEncoding(tok, text);
    for (int id = 0; id < std::min(tok.vocabSize(), 64); ++id) {
      (void)tok.idToToken(id);
      (void)tok.tokenBytes(id);
    }
  } catch (const Error&) {
  }
}

void tokenizerEncode(std::string_view data) {
  static const std::vector<std::unique_ptr<hf::Tokenizer>> tokenizers = [] {
    std::vector<std::unique_ptr<hf::Tokenizer>> v;
    const std::filesystem::path dir =
        std::filesystem::path(SUBLAB_SOURCE_DIR) / "tests/fixtures/hf";
    for (const char* name : {"tok-gpt2", "tok-llama3", "tok-qwen2"})
      v.push_back(
          std::make_unique<hf::Tokenizer>(hf::Tokenizer::fromFile(dir / name / "tokenizer.json")));
    return v;
  }();
  for (const auto& tok : tokenizers) {
    checkEncoding(*tok, data);
    // tokenizer.h: the encoded text is the concatenation of its tokens' bytes after
    // normalisation (added tokens with lstrip/rstrip swallow white space, so not around them).
    if (data.find("<|") != std::string_view::npos) continue;
    std::string joined;
    for (int id : tok->encode(data, false)) joined += tok->tokenBytes(id);
    require(joined == tok->normalize(data), "the tokens' bytes do not give the normalised text");
  }
}

void chatTemplate(std::string_view data) {
  const auto [jinja, content] = splitAtNul(data, "Hello there");
  try {
    const hf::ChatStyle style = hf::recogniseChatTemplate(std::string(jinja), "<|begin_of_text|>");
    (void)style.describe();
    const std::string c(content);
    for (bool withSystem : {false, true}) {
      std::vector<hf::ChatMessage> messages;
      if (withSystem) messages.push_back({"system", c});
      messages.push_back({"user", c});
      messages.push_back({"assistant", c});
      for (bool prompt : {false, true}) {
        const hf::ChatText chat = hf::renderChat(style, messages, prompt);
        for (const auto& [from, to] : chat.completionSpans)
          require(from <= to && to <= chat.text.size(), "a completion span outside the text");
      }
    }
  } catch (const Error&) {
  }
  try {
    (void)hf::chatFormatOverride(std::string(content.substr(0, 16)));
  } catch (const Error&) {
  }
}

}  // namespace sublab::fuzz
