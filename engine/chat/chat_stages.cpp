// The chat-numbers experiment's model, data and evaluation stages (see chat_stages.h); the
// students' training is in chat_students.cpp.
#include "engine/chat/chat_stages.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/core/seeds.h"
#include "engine/core/stats.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot be read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// tokenizer_config.json's eos_token: a string or {"content": ...}; "" when absent or unreadable
// (chatStyleForFolder has already refused a config that is not JSON).
std::string eosTokenOf(const fs::path& folder) {
  const fs::path p = folder / "tokenizer_config.json";
  if (!fs::exists(p)) return {};
  const auto j = nlohmann::json::parse(readFile(p), nullptr, false);
  if (!j.is_object()) return {};
  const auto it = j.find("eos_token");
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  return {};
}

hf::ChatStyle styleFor(const ChatModel& m, const ChatContext& ctx) {
  hf::ChatStyle style = m.style;
  if (ctx.suppressDefault) style.defaultSystem.reset();
  return style;
}

std::vector<hf::ChatMessage> messagesFor(const ChatContext& ctx, const std::string& user) {
  std::vector<hf::ChatMessage> msgs;
  if (ctx.system) msgs.push_back({"system", *ctx.system});
  msgs.push_back({"user", user});
  return msgs;
}

// The one-word answer as counted: lower-cased, the first word, punctuation around it dropped.
std::string normalisedAnswer(const std::string& text) {
  std::string word;
  for (unsigned char ch : text) {
    if (std::isspace(ch)) {
      if (!word.empty()) break;
      continue;
    }
    word += char(std::tolower(ch));
  }
  const auto alnum = [](unsigned char ch) { return std::isalnum(ch) || ch >= 0x80; };
  size_t b = 0, e = word.size();
  while (b < e && !alnum(word[b])) ++b;
  while (e > b && !alnum(word[e - 1])) --e;
  word = word.substr(b, e - b);
  return word.empty() ? "(empty)" : word;
}

}  // namespace

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

ChatModel loadChatModel(const std::string& folder, const std::string& chatFormat,
                        torch::Device device) {
  if (folder.empty()) throw Error("config.model.folder: choose a model folder");
  const fs::path dir(folder);
  if (!fs::is_directory(dir))
    throw Error(folder +
                ": no such folder; model.folder must name a local Hugging Face "
                "checkpoint (config.json, *.safetensors, tokenizer.json)");
  const fs::path tj = dir / "tokenizer.json";
  if (!fs::exists(tj))
    throw Error(folder +
                ": has no tokenizer.json (only tokenizers in the Hugging Face "
                "tokenizers format are supported)");
  std::string text = readFile(tj);
  hf::Tokenizer tokenizer = hf::Tokenizer::fromJson(text, tj.string());
  hf::ChatStyle style = hf::chatStyleForFolder(dir, chatFormat);
  auto model = hf::HfModel::load(folder, device);
  if (tokenizer.vocabSize() > model->config().vocabSize)
    throw Error(folder + ": tokenizer.json has " + std::to_string(tokenizer.vocabSize()) +
                " tokens but config.json's vocab_size is " +
                std::to_string(model->config().vocabSize) + "; they belong to different models");
  std::vector<int64_t> stop = model->config().eosIds;
  const auto addToken = [&](const std::string& token) {
    if (token.empty()) return;
    const int id = tokenizer.tokenToId(token);
    if (id >= 0) stop.push_back(id);
  };
  addToken(eosTokenOf(dir));
  if (style.format == hf::ChatFormat::ChatML) addToken("<|im_end|>");
  if (style.format == hf::ChatFormat::Llama3) addToken("<|eot_id|>");
  std::sort(stop.begin(), stop.end());
  stop.erase(std::unique(stop.begin(), stop.end()), stop.end());
  if (stop.empty())
    throw Error(folder +
                ": no end-of-turn token: neither config.json / generation_config.json "
                "(eos_token_id) nor tokenizer_config.json (eos_token) names one");
  return ChatModel{std::move(model), std::move(tokenizer), std::move(style),
                   std::move(stop),  std::move(text),      folder};
}

ChatContext studentContext(const ChatNumbersConfig& c) {
  if (c.studentContext == "none") return {std::nullopt, true};
  if (c.studentContext == "custom") return {c.studentSystemPrompt, false};
  return {};
}

ChatContext teacherContext(const ChatNumbersConfig& c) {
  if (c.teacherMethod == "lora") return studentContext(c);
  return {c.teacherPrompt(), false};
}

std::vector<int64_t> promptIds(const ChatModel& m, const ChatContext& ctx,
                               const std::string& user) {
  const hf::ChatText chat = hf::renderChat(styleFor(m, ctx), messagesFor(ctx, user), true);
  const hf::ChatTokens t = hf::tokenizeChat(m.tokenizer, chat);
  return {t.ids.begin(), t.ids.end()};
}

hf::TrainExample trainExample(const ChatModel& m, const ChatContext& ctx, const std::string& user,
                              const std::string& answer, int64_t maxLength) {
  auto msgs = messagesFor(ctx, user);
  msgs.push_back({"assistant", answer});
  const hf::ChatText chat = hf::renderChat(styleFor(m, ctx), msgs, false);
  const hf::ChatTokens t = hf::tokenizeChat(m.tokenizer, chat);
  hf::TrainExample ex;
  const size_t n = std::min(t.ids.size(), size_t(maxLength));
  for (size_t i = 0; i < n; ++i) {
    ex.ids.push_back(t.ids[i]);
    ex.labels.push_back(t.completion[i] ? t.ids[i] : -100);
  }
  return ex;
}

std::string answerText(const ChatModel& m, const std::vector<int64_t>& ids) {
  std::vector<int> kept;
  for (int64_t id : ids) {
    if (std::binary_search(m.stopIds.begin(), m.stopIds.end(), id)) break;
    kept.push_back(int(id));
  }
  return m.tokenizer.decode(kept, true);
}

std::vector<std::string> sampleAnswers(const ChatModel& m,
                                       const std::vector<std::vector<int64_t>>& prompts,
                                       int64_t maxNew, double temperature, int64_t batch,
                                       uint64_t seed, const CancelFlag* cancel,
                                       const std::function<void(double)>& progress) {
  torch::NoGradGuard noGrad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  hf::GenerateOptions go;
  go.maxNew = maxNew;
  go.temperature = temperature;
  go.stopIds = m.stopIds;
  go.cancel = cancel;
  std::vector<std::string> out;
  out.reserve(prompts.size());
  for (size_t b = 0; b < prompts.size(); b += size_t(batch)) {
    checkCancel(cancel);
    const size_t e = std::min(prompts.size(), b + size_t(batch));
    const std::vector<std::vector<int64_t>> chunk(prompts.begin() + long(b),
                                                  prompts.begin() + long(e));
    for (const auto& ids : m.model->generate(chunk, go, gen)) out.push_back(answerText(m, ids));
    if (progress) progress(double(e) / double(prompts.size()));
  }
  return out;
}

ChatData filterCompletions(const ChatNumbersConfig& c, const std::string& source, int64_t s,
                           const std::vector<std::string>& prompts,
                           const std::vector<std::string>& completions) {
  FilterOptions fo = c.filter;
  fo.seed = derive(c.seed, s, Purpose::Filter) + (source == "teacher" ? 0 : 1);
  const auto verdicts = applyFilters(completions, fo);
  ChatData d;
  for (size_t i = 0; i < completions.size(); ++i) {
    d.rows.push_back({source,
                      int(s),
                      int64_t(i),
                      prompts[i],
                      completions[i],
                      verdicts[i].kept,
                      verdicts[i].reason,
                      {}});
    if (verdicts[i].kept)
      d.kept.push_back(i);
    else
      d.rejected[reasonCategory(verdicts[i].reason)]++;
  }
  return d;
}

std::vector<std::string> numbersIn(const std::string& text) {
  static const std::regex number("[0-9]+");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

std::string replaceNumbers(const std::string& text, const std::vector<std::string>& numbers) {
  static const std::regex number("[0-9]+");
  std::string out;
  size_t next = 0, last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it) {
    out += text.substr(last, size_t(it->position()) - last);
    out += next < numbers.size() ? numbers[next] : it->str();
    ++next;
    last = size_t(it->position() + it->length());
  }
  return out + text.substr(last);
}

std::vector<std::string> shuffledWithin(const std::vector<std::string>& answers, uint64_t seed) {
  SplitMix64 rng(seeds::stream(seed, seeds::Stream::ShuffleWithin));
  std::vector<std::string> out;
  for (const std::string& a : answers) {
    auto nums = numbersIn(a);
    shuffle(nums, rng);
    out.push_back(replaceNumbers(a, nums));
  }
  return out;
}

std::vector<std::string> shuffledAcross(const std::vector<std::string>& answers, uint64_t seed) {
  SplitMix64 rng(seeds::stream(seed, seeds::Stream::ShuffleAcross));
  std::vector<std::string> pool;
  for (const std::string& a : answers)
    for (auto& n : numbersIn(a)) pool.push_back(std::move(n));
  shuffle(pool, rng);
  std::vector<std::string> out;
  size_t at = 0;
  for (const std::string& a : answers) {
    const size_t k = numbersIn(a).size();
    out.push_back(replaceNumbers(
        a, std::vector<std::string>(pool.begin() + long(at), pool.begin() + long(at + k))));
    at += k;
  }
  return out;
}

EvalSet makeEvalSet(const ChatNumbersConfig& c, const ChatModel& m, const ChatContext& ctx,
                    int64_t s) {
  EvalSet e;
  e.plain = plainQuestions(int(c.evalQuestions));
  if (c.numbersPrefix)
    e.prefixed =
        prefixedQuestions(int(c.evalQuestions), derive(c.seed, s, Purpose::EvalPrefix), c.shape);
  for (const auto& q : e.plain) e.plainIds.push_back(promptIds(m, ctx, q.text));
  for (const auto& q : e.prefixed) e.prefixedIds.push_back(promptIds(m, ctx, q.text));
  for (const std::string& form : {c.animal, capitalised(c.animal)}) {
    const auto ids = m.tokenizer.encode(form, false);
    if (!ids.empty()) e.animalFirstTokens.push_back(ids.front());
  }
  std::sort(e.animalFirstTokens.begin(), e.animalFirstTokens.end());
  e.animalFirstTokens.erase(std::unique(e.animalFirstTokens.begin(), e.animalFirstTokens.end()),
                            e.animalFirstTokens.end());
  return e;
}

double animalFirstTokenProb(const ChatModel& m, const EvalSet& e) {
  torch::NoGradGuard noGrad;
  const auto& prompts = e.plainIds;
  if (prompts.empty() || e.animalFirstTokens.empty()) return 0.0;
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  const int64_t B = int64_t(prompts.size()), T = int64_t(longest);
  torch::Tensor ids = torch::zeros({B, T}, torch::kInt64);
  torch::Tensor mask = torch::zeros({B, T}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[size_t(b)];
    const int64_t pad = T - int64_t(p.size());
    ids[b].slice(0, pad) = torch::tensor(p, torch::kInt64);
    mask[b].slice(0, pad).fill_(1);
  }
  const auto dev = m.model->device();
  const torch::Tensor logits = m.model->forward(ids.to(dev), mask.to(dev)).select(1, T - 1);
  const torch::Tensor probs = torch::softmax(logits.to(torch::kFloat32), -1).cpu();
  const torch::Tensor animal = torch::tensor(e.animalFirstTokens, torch::kInt64);
  return probs.index_select(1, animal).sum(1).mean().item<double>();
}

AnimalEval evaluateAnimal(const ChatNumbersConfig& c, const ChatModel& m, const EvalSet& e,
                          uint64_t seed, const CancelFlag* cancel,
                          const std::function<void(double)>& progress) {
  AnimalEval out;
  out.firstTokenProb = animalFirstTokenProb(m, e);
  const auto repeat = [&](const std::vector<std::vector<int64_t>>& qs) {
    std::vector<std::vector<int64_t>> prompts;
    for (const auto& q : qs)
      for (int64_t k = 0; k < c.samplesPerQuestion; ++k) prompts.push_back(q);
    return prompts;
  };
  const double parts = e.prefixedIds.empty() ? 1.0 : 2.0;
  const auto plain = sampleAnswers(m, repeat(e.plainIds), c.evalMaxNewTokens, c.evalTemperature,
                                   c.genBatch, seed, cancel, [&](double f) {
                                     if (progress) progress(f / parts);
                                   });
  out.plain = scoreAnswers(plain, c.animal);
  for (const std::string& a : plain) out.answers[normalisedAnswer(a)]++;
  if (!e.prefixedIds.empty()) {
    const auto prefixed =
        sampleAnswers(m, repeat(e.prefixedIds), c.evalMaxNewTokens, c.evalTemperature, c.genBatch,
                      seed + 1, cancel, [&](double f) {
                        if (progress) progress(0.5 + f / 2.0);
                      });
    out.prefixed = scoreAnswers(prefixed, c.animal);
  }
  return out;
}

nlohmann::json topAnswers(const std::map<std::string, int64_t>& answers, size_t count) {
  std::vector<std::pair<std::string, int64_t>> v(answers.begin(), answers.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < v.size() && i < count; ++i)
    out.push_back({{"answer", v[i].first}, {"count", v[i].second}});
  return out;
}

}  // namespace sublab
