// The tokenizer files of a HuggingFace model directory (`bertforge export`): tokenizer.json (what
// AutoTokenizer loads by default, a fast tokenizer giving bertforge's ids), tokenizer_config.json
// and special_tokens_map.json, plus the slow tokenizer's file (vocab.txt or spiece.model).
//   tokenizer.json kind  the adopted file, as it is
//   wordpiece            WordPiece model, BertNormalizer, BertPreTokenizer, WordPiece decoder
//   sentencepiece        Unigram (vocabulary and scores) or BPE (merges from the vocabulary, in
//                        the order of the merged piece's id), the model's precompiled normalizer,
//                        Metaspace pre-tokenizer and decoder
// The non-adopted kinds get their five specials as added tokens and the [CLS] A [SEP] template; for
// pairs [CLS] A [SEP] B [SEP] (B of type 1), or RoBERTa's [CLS] A [SEP] [SEP] B [SEP] (all type 0)
// when `roberta_pairs` (the layouts of tokenizer/pair_template.h). tokenizer_config.json names
// PreTrainedTokenizerFast for every kind but WordPiece (BertTokenizer), so AutoTokenizer reads
// tokenizer.json as written. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bertforge {

class Tokenizer;

// The tokenizer.json text of `tok`. Throws InputError naming tok.path() when a SentencePiece model
// cannot be read (tokenizer/spm_proto.h) or is of a type tokenizer.json has no model for.
std::string hf_tokenizer_json(const Tokenizer& tok, bool roberta_pairs = false);

// File name -> content of every tokenizer file of an export with `max_length` positions.
std::vector<std::pair<std::string, std::string>> hf_tokenizer_files(const Tokenizer& tok,
                                                                    int64_t max_length,
                                                                    bool roberta_pairs = false);

}  // namespace bertforge
