// "Did you mean ...?" for misspelt names: the one place that finds a near name and words the
// suggestion, for config keys and commands alike.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bertforge {

// Levenshtein distance between `a` and `b`: insertions, deletions and substitutions, 1 each.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `word`, if it is at most `max_distance` edits away; "" otherwise.
// Ties go to the earlier candidate.
std::string closest(const std::string& word, const std::vector<std::string>& candidates,
                    size_t max_distance);

// The dotted key ("section.key" or "key") nearest to `key`, or "" when none is near. A candidate
// is as near as the smallest of: the edits to its full path; 1 + the edits to its last component
// ("vocab_sise" -> "tokenizer.vocab_size"); 2 when it is in the same section and one last
// component starts with the other, of at least 3 characters ("tokenizer.vocab"). At most 3; ties
// go to the earlier candidate.
std::string closest_key(const std::string& key, const std::vector<std::string>& keys);

// "did you mean 'near'?", or "" when `near` is empty (nothing was near).
std::string did_you_mean(const std::string& near);

}  // namespace bertforge
