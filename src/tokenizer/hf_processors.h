// tokenizer.json post-processors (TemplateProcessing, BertProcessing, RobertaProcessing,
// ByteLevel, Sequence) and decoders (ByteLevel, Metaspace, WordPiece, ByteFallback, Fuse, Strip,
// Replace, BPEDecoder, Sequence), as the `tokenizers` library applies them to one sequence.
// Unknown types are FormatErrors naming the type and JSON path. Torch-free.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tokenizer/hf_json.h"
#include "tokenizer/hf_models.h"

namespace bertforge::hf {

struct Encoded {
  std::vector<int> ids;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;  // original byte offsets
  // Each token's text as the library's Encoding holds it: the vocabulary string, or for an added
  // token the matched text (with the spaces lstrip/rstrip took), which offset trimming looks at.
  std::vector<std::string> strings;
};

// Applies a post-processor to one sequence: trims offsets where it does, and adds its special
// tokens when `add_special`. `piece(id)` gives a token's string. Null JSON: nothing.
using PostProcessor =
    std::function<void(Encoded*, bool add_special, const std::function<std::string(int)>& piece)>;
PostProcessor make_post_processor(const json& j, const std::string& path, const Vocab& vocab);

// Decodes token strings into text. Null JSON: the strings joined with spaces.
using Decoder = std::function<std::string(std::vector<std::string>)>;
Decoder make_decoder(const json& j, const std::string& path);

}  // namespace bertforge::hf
