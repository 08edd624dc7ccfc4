// A compiled regular expression for the tokenizer.json reader: PCRE2 (UTF, UCP, JIT). Patterns are
// written as the `tokenizers` library writes them (Oniguruma / Rust regex syntax); \s \S \w \W
// are rewritten to the Unicode properties those engines give them (White_Space; Alphabetic,
// marks, decimal digits, connector punctuation, Join_Control), which PCRE2's UCP classes differ
// from. Thread-safe after construction.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertforge::hf {

class Regex {
 public:
  // Throws std::invalid_argument with PCRE2's message when the pattern does not compile.
  explicit Regex(const std::string& pattern);
  Regex(Regex&&) noexcept;
  ~Regex();
  // Every non-overlapping match of s, left to right, as byte ranges (empty matches skipped).
  void find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>* out) const;
  // Regex-escapes a literal string.
  static std::string escape(std::string_view literal);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertforge::hf
