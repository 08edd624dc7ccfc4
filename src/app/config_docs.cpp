#include "app/config_docs.h"

#include "config/config.h"

namespace bertforge {

void print_config(const Config& config, std::ostream& out) { out << config_to_string(config); }

void print_config_docs(std::ostream& out) {
  out << "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& k : config_keys()) {
    std::string doc;  // a "|" inside a cell would end it
    for (char ch : k.doc) doc += ch == '|' ? std::string("\\|") : std::string(1, ch);
    out << "| `" << k.key << "` | " << k.type << " | `" << k.fallback << "` | " << doc << " |\n";
  }
  out << "\nModel presets (`model.preset`; the four sizes can still be set one by one):\n\n"
      << "| preset | layers | hidden | heads | intermediate |\n|---|---|---|---|---|\n";
  for (const ModelPreset& p : model_presets())
    out << "| " << p.name << " | " << p.layers << " | " << p.hidden << " | " << p.heads << " | "
        << p.intermediate << " |\n";
}

}  // namespace bertforge
