// `bertforge config`: the resolved config (defaults < preset < file < --set), or with --docs every
// key with its type, default and meaning as a Markdown table, followed by the model presets
// (docs/configuration.md holds this output; scripts/config_docs.sh rewrites it).
#pragma once

#include <ostream>

namespace bertforge {

struct Config;

void print_config(const Config& config, std::ostream& out);
void print_config_docs(std::ostream& out);

}  // namespace bertforge
