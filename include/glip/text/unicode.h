/**
 * UTF-8 <-> code points and the Unicode character classes the tokenizers need (backed by ICU).
 * All character offsets in glip::text are in Unicode code points of the original text.
 */
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glip::text {

/**
 * Decodes UTF-8 into code points. Throws glip::InputError naming `what` and the byte offset on invalid
 * UTF-8 (overlong forms, surrogates, truncated sequences, values above U+10FFFF).
 */
std::u32string utf8_decode(std::string_view utf8, const std::string& what = "text");

/** True when `utf8` is valid UTF-8. */
bool utf8_valid(std::string_view utf8);

/** Encodes code points as UTF-8 (code points are assumed valid; one at a time: glip::utf8_append). */
std::string utf8_encode(std::u32string_view cps);

/** Byte offset of each code point of `utf8` plus a final entry = utf8.size() (input assumed valid). */
std::vector<int64_t> utf8_cp_byte_offsets(std::string_view utf8);

/** Number of code points in valid UTF-8. */
int64_t utf8_length(std::string_view utf8);

/** White_Space property (Rust char::is_whitespace), plus \t \n \r. */
bool is_whitespace(char32_t c);
/** Control per HF tokenizers: general category C* (Cc, Cf, Cs, Co, Cn) except \t \n \r. */
bool is_control(char32_t c);
/** BERT punctuation: ASCII 33-47, 58-64, 91-96, 123-126 and Unicode P* categories. */
bool is_bert_punctuation(char32_t c);
/** The CJK ideograph blocks BERT pads with spaces. */
bool is_cjk(char32_t c);
/** General category Mn (nonspacing mark). */
bool is_nonspacing_mark(char32_t c);
/** Full canonical decomposition (NFD) of one code point. */
std::u32string nfd(char32_t c);
/** Full lowercase mapping of one code point without context (may give several code points). */
std::u32string to_lower(char32_t c);
/** Letter (L*), digit (Nd) tests, ASCII-fast. */
bool is_letter(char32_t c);
bool is_digit(char32_t c);

}  // namespace glip::text
