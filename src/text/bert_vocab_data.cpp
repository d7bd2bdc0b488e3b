// The bert-base-uncased vocabulary (third_party/bert, Apache-2.0), embedded into the library at build time
// with the assembler's .incbin so that no data file is needed at run time. GLIP_BERT_VOCAB_PATH is set by
// src/text/CMakeLists.txt, which also makes this object depend on the file.
#include <cstddef>
#include <string_view>

#ifndef GLIP_BERT_VOCAB_PATH
#error "GLIP_BERT_VOCAB_PATH must name third_party/bert/bert-base-uncased-vocab.txt"
#endif

__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    ".globl glip_bert_vocab_begin\n"
    "glip_bert_vocab_begin:\n"
    ".incbin \"" GLIP_BERT_VOCAB_PATH
    "\"\n"
    ".globl glip_bert_vocab_end\n"
    "glip_bert_vocab_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char glip_bert_vocab_begin[];
extern "C" const char glip_bert_vocab_end[];

namespace glip::text::detail {

std::string_view embedded_bert_vocab() {
  return std::string_view(glip_bert_vocab_begin, static_cast<size_t>(glip_bert_vocab_end - glip_bert_vocab_begin));
}

}  // namespace glip::text::detail
