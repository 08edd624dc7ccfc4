// "Did you mean ...?" for misspelt names: config keys, commands.
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

}  // namespace bertforge
