#include "corpus/corpus_sources.h"

#include <algorithm>
#include <filesystem>

#include "config/config.h"
#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {
namespace stdfs = std::filesystem;

namespace {

bool hidden(const stdfs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// Every regular file under `dir` (following links to files), hidden entries skipped, sorted.
std::vector<std::string> files_under(const std::string& dir, const std::string& key) {
  std::vector<std::string> out;
  std::error_code ec;
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::follow_directory_symlink,
                                         ec),
      end;
  for (; !ec && it != end; it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) out.push_back(it->path().string());
  }
  if (ec) throw InputError(dir, 0, "cannot list directory (from " + key + "): " + ec.message());
  if (out.empty())
    throw InputError(dir, 0, "directory holds no files (from " + key + ")",
                     "hidden files (names starting with '.') are skipped");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> expand_corpus_files(const std::vector<std::string>& entries,
                                             const std::string& key) {
  std::vector<std::string> out;
  for (const auto& path : fs::expand_globs(entries, key)) {
    if (!fs::is_dir(path)) {
      out.push_back(path);
      continue;
    }
    for (auto& f : files_under(path, key)) out.push_back(std::move(f));
  }
  return out;
}

std::vector<CorpusSource> corpus_sources(const DataConfig& d) {
  std::vector<CorpusSource> out;
  if (d.sources.empty()) {
    if (d.train_files.empty())
      throw ConfigError("data.train_files", "is empty",
                        "set it to your corpus files (or name sources in data.sources)");
    CorpusSource s;
    s.files_key = "data.train_files";
    s.valid_key = "data.valid_files";
    s.train_files = expand_corpus_files(d.train_files, s.files_key);
    if (!d.valid_files.empty()) s.valid_files = expand_corpus_files(d.valid_files, s.valid_key);
    out.push_back(std::move(s));
    return out;
  }
  for (size_t i = 0; i < d.sources.size(); ++i) {
    const SourceConfig& c = d.sources[i];
    CorpusSource s;
    s.name = c.name;
    s.weight = c.weight;
    s.files_key = "data.sources[" + std::to_string(i) + "].files";
    s.valid_key = "data.sources[" + std::to_string(i) + "].valid_files";
    s.train_files = expand_corpus_files(c.files, s.files_key);
    if (!c.valid_files.empty()) s.valid_files = expand_corpus_files(c.valid_files, s.valid_key);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> corpus_train_files(const DataConfig& d) {
  std::vector<std::string> out;
  for (auto& s : corpus_sources(d))
    for (auto& f : s.train_files) out.push_back(std::move(f));
  return out;
}

}  // namespace bertforge
