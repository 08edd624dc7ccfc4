// Where the corpus comes from: data.train_files / data.valid_files (one unnamed source), or the
// named, weighted data.sources. Each entry of a file list is a file, a glob or a directory: a
// directory stands for every regular file under it, recursively, in byte-wise sorted path order,
// hidden entries (a name starting with '.') skipped, so the order is the same on every machine.
#pragma once

#include <string>
#include <vector>

namespace bertforge {

struct DataConfig;

struct CorpusSource {
  std::string name;       // "" for data.train_files (no named sources)
  std::string files_key;  // the config key of its files, for messages ("data.sources[1].files")
  std::string valid_key;  // the config key of its validation files
  double weight = 1.0;
  std::vector<std::string> train_files;  // expanded
  std::vector<std::string> valid_files;  // expanded; empty = split off data.valid_fraction
};

// Expands `entries` (files, globs, directories) in order. Throws InputError naming the entry and
// `key` when a glob matches nothing, a path does not exist or a directory holds no file.
std::vector<std::string> expand_corpus_files(const std::vector<std::string>& entries,
                                             const std::string& key);

// The sources of `d`, expanded. Throws ConfigError when data.train_files and data.sources are
// both empty.
std::vector<CorpusSource> corpus_sources(const DataConfig& d);

// Every training file of every source, in order (what the tokenizer trains on).
std::vector<std::string> corpus_train_files(const DataConfig& d);

}  // namespace bertforge
