#include "labelled/encode.h"

#include "tokenizer/pair_template.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {

namespace {
void encode_sequence(const Tokenizer& tok, const LabelledExample& ex, const EncodeOptions& o,
                     EncodedExample* out) {
  const PairTemplate layout = PairTemplate::of(o.architecture, tok.specials());
  std::vector<int> a = tok.encode(ex.text), b;
  const bool pair = !ex.text_pair.empty();
  if (pair) b = tok.encode(ex.text_pair);
  const size_t budget =
      static_cast<size_t>(o.max_seq_len) - (pair ? layout.pair_extra() : layout.single_extra());
  while (a.size() + b.size() > budget) (a.size() >= b.size() ? a : b).pop_back();
  layout.encode(a, pair ? &b : nullptr, &out->ids, &out->types);
}

void encode_words(const Tokenizer& tok, const LabelledExample& ex, const LabelSet& labels,
                  const EncodeOptions& o, EncodedExample* out) {
  const SpecialIds& sp = tok.specials();
  out->ids.push_back(sp.cls);
  out->tag_ids.push_back(kIgnore);
  out->words = static_cast<int>(ex.tokens.size());
  const size_t limit = static_cast<size_t>(o.max_seq_len) - 1;  // room for [SEP]
  for (size_t w = 0; w < ex.tokens.size(); ++w) {
    std::vector<int> pieces = tok.encode(ex.tokens[w]);
    if (pieces.empty()) pieces = {sp.unk};
    if (out->ids.size() + pieces.size() > limit) break;
    const int64_t tag = o.labelled ? labels.id(ex.tags[w]) : kIgnore;
    out->word_positions.push_back(static_cast<int>(out->ids.size()));
    for (size_t p = 0; p < pieces.size(); ++p) {
      out->ids.push_back(pieces[p]);
      out->tag_ids.push_back(p == 0 || o.all_subwords ? tag : kIgnore);
    }
  }
  out->ids.push_back(sp.sep);
  out->tag_ids.push_back(kIgnore);
  out->types.assign(out->ids.size(), 0);
}
}  // namespace

EncodedExample encode_example(const Tokenizer& tok, const LabelledExample& ex,
                              const LabelSet& labels, const EncodeOptions& o) {
  EncodedExample out;
  if (o.task == "token_classification") {
    encode_words(tok, ex, labels, o, &out);
    return out;
  }
  encode_sequence(tok, ex, o, &out);
  if (o.labelled) {
    if (o.task == "regression")
      out.value = ex.value;
    else
      out.label = labels.id(ex.label);
  }
  return out;
}

}  // namespace bertforge
