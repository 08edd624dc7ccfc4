// Starting a run from a pretrained model (--init-from): its weights into the run's fresh model.
#pragma once

#include "model/model.h"

namespace bertforge {

class Tokenizer;

// Copies every parameter of `from` into `to` by name; with `skip_nsp_head`, `to`'s NSP head keeps
// its fresh initialisation. The vocabulary parameters (PreTrainingModel::vocab_parameters) follow
// the tokenizers: a row whose id has the same piece in `from_tok` and `to_tok` is copied; any other
// row (a word tokenizer.add_tokens put into an [unused] slot or appended) starts as the mean of
// `from`'s rows of the pieces `from_tok` splits that word into (the [UNK] row when it has none).
// Every other shape must agree. Returns the number of vocabulary rows initialised that way.
int copy_pretrained_weights(PreTrainingModel& from, PreTrainingModel& to, bool skip_nsp_head,
                            const Tokenizer& from_tok, const Tokenizer& to_tok);

}  // namespace bertforge
