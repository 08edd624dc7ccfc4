#include "data/manifest.h"

#include <filesystem>

#include "common/errors.h"
#include "common/fs.h"

namespace bertforge {
using json = nlohmann::json;

nlohmann::json read_manifest(const std::string& data_dir) {
  const std::string path = fs::join(data_dir, kManifestName);
  if (!fs::exists(path)) {
    bool leftovers = false;
    std::error_code ec;
    if (fs::is_dir(data_dir))
      for (const auto& e : std::filesystem::directory_iterator(data_dir, ec)) {
        (void)e;
        leftovers = true;
        break;
      }
    if (leftovers)
      throw InputError(data_dir, 0,
                       "incomplete prepared data (no manifest.json: prepare was interrupted or "
                       "failed)",
                       "re-run `bertforge prepare`");
    throw InputError(data_dir, 0, "no prepared data (no manifest.json)",
                     "run `bertforge prepare` first");
  }
  json m;
  try {
    m = json::parse(fs::read_file(path));
  } catch (const json::parse_error& e) {
    throw InputError(path, 0, std::string("malformed manifest: ") + e.what(),
                     "re-run `bertforge prepare`");
  }
  if (!m.is_object() || m.value("format_version", 0) != kManifestVersion)
    throw InputError(path, 0,
                     "unsupported manifest format (expected format_version " +
                         std::to_string(kManifestVersion) + ")",
                     "re-run `bertforge prepare`");
  for (const char* key : {"tokenizer_checksum", "vocab_size", "splits"})
    if (!m.contains(key)) throw InputError(path, 0, std::string("manifest lacks \"") + key + "\"");
  return m;
}

}  // namespace bertforge
