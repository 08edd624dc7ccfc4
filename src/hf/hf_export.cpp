#include "hf/hf_export.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "errors/errors.h"
#include "fs/base64.h"
#include "tokenizer/pair_template.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

const char* const kMeta = "\xe2\x96\x81";  // U+2581, SentencePiece's word marker

// The five specials, in id order, as added tokens that are never split or normalized.
json added_tokens(const Tokenizer& tok) {
  const SpecialIds& sp = tok.specials();
  std::vector<int> ids{sp.pad, sp.unk, sp.cls, sp.sep, sp.mask};
  std::sort(ids.begin(), ids.end());
  json out = json::array();
  for (int id : ids)
    out.push_back({{"id", id},
                   {"content", tok.id_to_piece(id)},
                   {"single_word", false},
                   {"lstrip", false},
                   {"rstrip", false},
                   {"normalized", false},
                   {"special", true}});
  return out;
}

// [CLS] $A [SEP] and [CLS] $A [SEP] $B [SEP] (B's type 1), or RoBERTa's <s> $A </s></s> $B </s>:
// bertforge's layout of one and two segments (tokenizer/pair_template.h).
json template_processing(const Tokenizer& tok, bool roberta_pairs) {
  const SpecialIds& sp = tok.specials();
  const PairTemplate layout = PairTemplate::of(roberta_pairs ? "roberta" : "bert", sp);
  const std::string cls = tok.id_to_piece(sp.cls), sep = tok.id_to_piece(sp.sep);
  auto special = [](const std::string& id, int type) {
    return json{{"SpecialToken", {{"id", id}, {"type_id", type}}}};
  };
  auto seq = [](const char* id, int type) {
    return json{{"Sequence", {{"id", id}, {"type_id", type}}}};
  };
  json single = {special(cls, 0), seq("A", 0), special(sep, 0)};
  json pair = single;
  const int b = layout.b_type;
  for (int i = 1; i < layout.separators; ++i) pair.push_back(special(sep, b));
  pair.push_back(seq("B", b));
  pair.push_back(special(sep, b));
  json specials = {{cls, {{"id", cls}, {"ids", {sp.cls}}, {"tokens", {cls}}}},
                   {sep, {{"id", sep}, {"ids", {sp.sep}}, {"tokens", {sep}}}}};
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", pair},
          {"special_tokens", specials}};
}

json skeleton(const Tokenizer& tok, bool roberta_pairs) {
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added_tokens(tok)},
          {"post_processor", template_processing(tok, roberta_pairs)}};
}

json wordpiece_json(const Tokenizer& tok, const WordPiece& wp, bool roberta_pairs) {
  const WordPieceOptions& o = wp.options();
  json j = skeleton(tok, roberta_pairs);
  j["normalizer"] = {{"type", "BertNormalizer"},
                     {"clean_text", true},
                     {"handle_chinese_chars", o.tokenize_chinese_chars},
                     {"strip_accents", o.strip_accents},
                     {"lowercase", o.lowercase}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  json vocab = json::object();
  for (size_t id = 0; id < wp.tokens().size(); ++id) vocab[wp.tokens()[id]] = id;
  j["model"] = {{"type", "WordPiece"},
                {"unk_token", o.unk_token},
                {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", o.max_input_chars_per_word},
                {"vocab", vocab}};
  return j;
}

// SentencePiece's normalization: its precompiled character map, then (remove_extra_whitespaces)
// leading, trailing and repeated spaces removed.
json spm_normalizer(const SpmProto& m) {
  json steps = json::array();
  if (!m.precompiled_charsmap.empty())
    steps.push_back(
        {{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(m.precompiled_charsmap)}});
  if (m.remove_extra_whitespaces) {
    steps.push_back(
        {{"type", "Replace"}, {"pattern", {{"Regex", "\\A +| +\\z"}}}, {"content", ""}});
    steps.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  }
  if (steps.empty()) return nullptr;
  return {{"type", "Sequence"}, {"normalizers", steps}};
}

// BPE merges of a SentencePiece BPE model: every split of a normal piece into two pieces of the
// vocabulary, ordered by the merged piece's id (SentencePiece merges the highest-scoring piece
// first, and its pieces are in score order), then by the parts' ids.
json spm_merges(const SpmProto& m) {
  std::unordered_map<std::string, int> id;
  for (size_t i = 0; i < m.pieces.size(); ++i)
    if (m.pieces[i].type == SpmProto::kNormal || m.pieces[i].type == SpmProto::kUserDefined)
      id.emplace(m.pieces[i].piece, static_cast<int>(i));
  std::vector<std::tuple<int, int, int>> merges;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    const std::string& p = m.pieces[i].piece;
    if (m.pieces[i].type != SpmProto::kNormal) continue;
    for (size_t k = 1; k < p.size(); ++k) {
      if ((static_cast<uint8_t>(p[k]) & 0xc0) == 0x80) continue;  // inside a UTF-8 character
      auto a = id.find(p.substr(0, k)), b = id.find(p.substr(k));
      if (a != id.end() && b != id.end())
        merges.emplace_back(static_cast<int>(i), a->second, b->second);
    }
  }
  std::sort(merges.begin(), merges.end());
  json out = json::array();
  for (const auto& [whole, a, b] : merges) out.push_back({m.pieces[a].piece, m.pieces[b].piece});
  return out;
}

json spm_json(const Tokenizer& tok, bool roberta_pairs) {
  const SpmProto m = parse_spm_proto(tok.model_bytes(), tok.path());
  json j = skeleton(tok, roberta_pairs);
  j["normalizer"] = spm_normalizer(m);
  const json metaspace = {{"type", "Metaspace"},
                          {"replacement", kMeta},
                          {"prepend_scheme", m.add_dummy_prefix ? "always" : "never"},
                          {"split", true}};
  j["pre_tokenizer"] = metaspace;
  j["decoder"] = metaspace;
  const int unk = tok.specials().unk;
  if (m.model_type == 1) {
    json vocab = json::array();
    for (const auto& p : m.pieces) vocab.push_back({p.piece, p.score});
    j["model"] = {
        {"type", "Unigram"}, {"unk_id", unk}, {"vocab", vocab}, {"byte_fallback", m.byte_fallback}};
  } else if (m.model_type == 2) {
    json vocab = json::object();
    for (size_t i = 0; i < m.pieces.size(); ++i) vocab[m.pieces[i].piece] = i;
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", m.pieces[unk].piece},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", true},
                  {"byte_fallback", m.byte_fallback},
                  {"ignore_merges", false},
                  {"vocab", vocab},
                  {"merges", spm_merges(m)}};
  } else {
    throw InputError(tok.path(), 0,
                     "a SentencePiece model of type " + std::to_string(m.model_type) +
                         " (word or char) has no tokenizer.json form; export needs unigram or BPE");
  }
  return j;
}

}  // namespace

std::string hf_tokenizer_json(const Tokenizer& tok, bool roberta_pairs) {
  if (tok.hf()) return tok.model_bytes();
  const json j = tok.wordpiece() ? wordpiece_json(tok, *tok.wordpiece(), roberta_pairs)
                                 : spm_json(tok, roberta_pairs);
  return j.dump(2) + "\n";
}

std::vector<std::pair<std::string, std::string>> hf_tokenizer_files(const Tokenizer& tok,
                                                                    int64_t max_length,
                                                                    bool roberta_pairs) {
  const SpecialIds& sp = tok.specials();
  json special = {{"pad_token", tok.id_to_piece(sp.pad)},
                  {"unk_token", tok.id_to_piece(sp.unk)},
                  {"cls_token", tok.id_to_piece(sp.cls)},
                  {"sep_token", tok.id_to_piece(sp.sep)},
                  {"mask_token", tok.id_to_piece(sp.mask)}};
  json config = special;
  config["model_max_length"] = max_length;
  std::vector<std::pair<std::string, std::string>> files;
  if (const WordPiece* wp = tok.wordpiece()) {
    config["tokenizer_class"] = "BertTokenizer";
    config["do_lower_case"] = wp->options().lowercase;
    config["strip_accents"] = wp->options().strip_accents;
    config["tokenize_chinese_chars"] = wp->options().tokenize_chinese_chars;
    std::string vocab;
    for (const std::string& t : wp->tokens()) vocab += t + "\n";
    files.emplace_back("vocab.txt", vocab);
  } else {
    // Only the fast tokenizer, read from tokenizer.json as written (AlbertTokenizer would rebuild
    // the tokenizer from spiece.model its own way and tokenize some texts differently);
    // spiece.model stays beside it for SentencePiece users.
    config["tokenizer_class"] = "PreTrainedTokenizerFast";
    config["bos_token"] = tok.id_to_piece(sp.cls);
    config["eos_token"] = tok.id_to_piece(sp.sep);
    if (!tok.hf()) files.emplace_back("spiece.model", tok.model_bytes());
  }
  files.emplace_back("tokenizer.json", hf_tokenizer_json(tok, roberta_pairs));
  files.emplace_back("tokenizer_config.json", config.dump(2) + "\n");
  files.emplace_back("special_tokens_map.json", special.dump(2) + "\n");
  return files;
}

}  // namespace bertforge
