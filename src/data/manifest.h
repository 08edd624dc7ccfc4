// The prepare stage's manifest.json: what makes <run_dir>/data/ complete. It is written last, so a
// data directory without it is an interrupted or never-run prepare.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bertforge {

constexpr const char* kManifestName = "manifest.json";
constexpr int kManifestVersion = 1;

// Reads and checks <data_dir>/manifest.json. Throws InputError naming the directory when the
// manifest is missing (telling an interrupted prepare apart from none) or malformed.
nlohmann::json read_manifest(const std::string& data_dir);

}  // namespace bertforge
