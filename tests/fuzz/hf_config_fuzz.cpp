// Fuzz target: a HuggingFace config.json as `--init-from`, `evaluate` and `fill-mask` read it
// (src/hf/hf_config_read.cpp, compiled in: torch-free): parse_hf_config, model_config_from_hf,
// bertforge_export_keys. A refusal is a bertforge::Error; an accepted config must describe a
// model that can be built (positive sizes, heads dividing hidden, bounded weights), else the
// target traps. Anything else escaping (a JSON type error, UB) is a finding.
#include <cstdint>
#include <string>

#include "config/config.h"
#include "errors/errors.h"
#include "hf/hf_config.h"

namespace {

void check(const bertforge::ModelConfig& m, int64_t vocab) {
  const bool modern = m.architecture == "modernbert";
  if (!modern && m.architecture != "bert" && m.architecture != "roberta") __builtin_trap();
  if (vocab < 1 || m.hidden < 8 || m.layers < 1 || m.heads < 1 || m.hidden % m.heads != 0 ||
      m.intermediate < 1 || m.max_position < 8 || m.type_vocab_size < 1)
    __builtin_trap();
  if (modern && ((m.hidden / m.heads) % 2 != 0 || m.global_attn_every_n_layers < 1 ||
                 m.local_attention < 2 || !(m.global_rope_theta > 0) || !(m.local_rope_theta > 0)))
    __builtin_trap();
  if (!(m.layer_norm_eps > 0) || !(m.dropout >= 0 && m.dropout <= 1) ||
      !(m.attention_dropout >= 0 && m.attention_dropout <= 1))
    __builtin_trap();
  const double weights = (static_cast<double>(vocab) + m.max_position) * m.hidden +
                         static_cast<double>(m.layers) * 4 * m.hidden * m.hidden;
  if (weights > 2.0 * bertforge::kMaxHfParameters) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = "fuzz/config.json";
  nlohmann::json hf;
  try {
    hf = bertforge::parse_hf_config(text, path);
  } catch (const bertforge::Error&) {
    return 0;
  }
  try {
    bertforge::ModelConfig m;
    const int64_t vocab = bertforge::model_config_from_hf(hf, path, &m);
    check(m, vocab);
  } catch (const bertforge::Error&) {
  }
  try {
    const bertforge::HfExportKeys keys = bertforge::bertforge_export_keys(hf, path);
    if (keys.step < 0 || (keys.has_config && !keys.ours)) __builtin_trap();
  } catch (const bertforge::Error&) {
  }
  return 0;
}
