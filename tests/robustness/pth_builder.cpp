#include "robustness/pth_builder.h"

#include <cstring>

namespace glip::test {

PickleWriter& PickleWriter::op(char c) {
  bytes += c;
  return *this;
}

PickleWriter& PickleWriter::str(const std::string& s) {
  bytes += 'X';
  const auto n = static_cast<uint32_t>(s.size());
  for (int k = 0; k < 4; ++k) bytes += static_cast<char>((n >> (8 * k)) & 0xff);
  bytes += s;
  return *this;
}

PickleWriter& PickleWriter::num(int64_t v) {
  bytes += '\x8a';
  bytes += '\x08';
  const auto u = static_cast<uint64_t>(v);
  for (int k = 0; k < 8; ++k) bytes += static_cast<char>((u >> (8 * k)) & 0xff);
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  bytes += 'c' + module + "\n" + name + "\n";
  return *this;
}

PickleWriter& PickleWriter::put(uint32_t memo) {
  bytes += 'r';
  for (int k = 0; k < 4; ++k) bytes += static_cast<char>((memo >> (8 * k)) & 0xff);
  return *this;
}

PickleWriter& PickleWriter::get(uint32_t memo) {
  bytes += 'j';
  for (int k = 0; k < 4; ++k) bytes += static_cast<char>((memo >> (8 * k)) & 0xff);
  return *this;
}

namespace {

const char kMagic[] = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";

std::string header() {
  return std::string(kMagic, 15) + std::string("\x80\x02M\xe9\x03.", 6) + std::string("\x80\x02}.", 4);
}

std::string storage_key(size_t i) { return std::to_string(i); }

}  // namespace

std::string legacy_pth_with_pickle(const std::string& program) {
  return header() + program + std::string("\x80\x02](e.", 6);
}

std::string legacy_pth(const std::vector<PthTensor>& tensors) {
  PickleWriter p;
  p.op('\x80').op('\x02').op('}').op('(');
  for (size_t i = 0; i < tensors.size(); ++i) {
    const PthTensor& t = tensors[i];
    p.str(t.name).global("torch._utils", "_rebuild_tensor_v2").op('(');
    p.op('(').str("storage").global("torch", t.storage_type).str(storage_key(i)).str("cpu").num(t.numel).op('N');
    p.op('t').op('Q').num(t.offset).op('(');
    for (int64_t s : t.sizes) p.num(s);
    p.op('t').op('(');
    for (int64_t s : t.strides) p.num(s);
    p.op('t').op('\x89').global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
  }
  p.op('u').op('.');
  PickleWriter keys;
  keys.op('\x80').op('\x02').op(']').op('(');
  for (size_t i = 0; i < tensors.size(); ++i) keys.str(storage_key(i));
  keys.op('e').op('.');
  std::string out = header() + p.bytes + keys.bytes;
  for (const auto& t : tensors) {
    const auto n = static_cast<uint64_t>(t.numel);
    for (int k = 0; k < 8; ++k) out += static_cast<char>((n >> (8 * k)) & 0xff);
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  }
  return out;
}

}  // namespace glip::test
