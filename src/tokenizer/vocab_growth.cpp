#include "tokenizer/vocab_growth.h"

#include <algorithm>
#include <regex>
#include <unordered_map>

#include "corpus/corpus_reader.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
namespace {

bool is_unused(const std::string& piece) {
  static const std::regex unused(R"(\[unused\d+\])");
  return std::regex_match(piece, unused);
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::vector<std::string> read_add_tokens(const std::vector<std::string>& add_tokens) {
  if (add_tokens.size() != 1 || !fs::exists(add_tokens[0]) || fs::is_dir(add_tokens[0]))
    return add_tokens;
  std::vector<std::string> words;
  const std::string text = fs::read_file(add_tokens[0]);
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string w = trim(text.substr(begin, end - begin));
    if (!w.empty()) words.push_back(w);
    begin = end + 1;
  }
  return words;
}

Tokenizer grow_vocabulary(const Tokenizer& tok, const std::vector<std::string>& words,
                          const std::string& path, VocabGrowth* growth) {
  const WordPiece* wp = tok.wordpiece();
  if (!wp)
    throw ConfigError("tokenizer.add_tokens", "needs a WordPiece tokenizer (a BERT vocab.txt)",
                      "a SentencePiece vocabulary cannot be grown; train a new tokenizer instead");
  std::vector<std::string> tokens = wp->tokens();
  std::unordered_map<std::string, int> have;
  std::vector<size_t> free_slots;
  for (size_t id = 0; id < tokens.size(); ++id) {
    have.emplace(tokens[id], static_cast<int>(id));
    if (is_unused(tokens[id])) free_slots.push_back(id);
  }
  VocabGrowth g;
  size_t next_slot = 0;
  for (const std::string& word : words) {
    const std::vector<std::string> basic = wp->basic_tokens(word);
    if (basic.size() != 1)
      throw ConfigError("tokenizer.add_tokens",
                        "\"" + word + "\" is not one word for this tokenizer (it splits it into " +
                            std::to_string(basic.size()) + " tokens)",
                        "add words without spaces or punctuation");
    const std::string& piece = basic[0];
    if (have.count(piece)) {
      ++g.already;
      continue;
    }
    size_t id = tokens.size();
    if (next_slot < free_slots.size()) {
      id = free_slots[next_slot++];
      tokens[id] = piece;
      ++g.into_unused;
    } else {
      tokens.push_back(piece);
      ++g.appended;
    }
    have.emplace(piece, static_cast<int>(id));
  }
  if (growth) *growth = g;
  return Tokenizer::from_wordpiece(WordPiece::from_tokens(std::move(tokens), wp->options()), path);
}

bool is_grown_from(const Tokenizer& base, const Tokenizer& grown) {
  const WordPiece *a = base.wordpiece(), *b = grown.wordpiece();
  if (!a || !b || b->vocab_size() < a->vocab_size()) return false;
  const WordPieceOptions &oa = a->options(), &ob = b->options();
  if (oa.lowercase != ob.lowercase || oa.strip_accents != ob.strip_accents ||
      oa.tokenize_chinese_chars != ob.tokenize_chinese_chars || oa.unk_token != ob.unk_token)
    return false;
  for (int id = 0; id < a->vocab_size(); ++id)
    if (a->id_to_piece(id) != b->id_to_piece(id) && !is_unused(a->id_to_piece(id))) return false;
  return true;
}

std::vector<VocabCandidate> vocab_candidates(const Tokenizer& tok,
                                             const std::vector<std::string>& files, int top) {
  std::unordered_map<std::string, int64_t> counts;
  for (const std::string& file : files) {
    CorpusOptions options;
    if (file.size() > 6 && file.substr(file.size() - 6) == ".jsonl") options.format = "jsonl";
    CorpusReader reader({file}, options);
    std::string_view sentence;
    uint64_t doc;
    while (reader.next(&sentence, &doc)) {
      if (const WordPiece* wp = tok.wordpiece()) {
        for (const std::string& w : wp->basic_tokens(sentence)) ++counts[w];
        continue;
      }
      size_t p = 0;
      while (p < sentence.size()) {
        const size_t e = std::min(sentence.find(' ', p), sentence.size());
        if (e > p) ++counts[std::string(sentence.substr(p, e - p))];
        p = e + 1;
      }
    }
  }
  std::vector<VocabCandidate> out;
  for (const auto& [word, count] : counts) {
    const int pieces = static_cast<int>(tok.encode(word).size());
    if (pieces > 1) out.push_back({word, count, pieces});
  }
  auto saved = [](const VocabCandidate& c) { return c.count * (c.pieces - 1); };
  std::sort(out.begin(), out.end(), [&](const VocabCandidate& x, const VocabCandidate& y) {
    return saved(x) != saved(y) ? saved(x) > saved(y) : x.word < y.word;
  });
  if (top >= 0 && out.size() > static_cast<size_t>(top)) out.resize(static_cast<size_t>(top));
  return out;
}

}  // namespace bertforge
