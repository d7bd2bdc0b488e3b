// A small Python pickle virtual machine (protocols 2-5) that builds a tree of plain values. It understands
// what torch.save writes: dicts, lists, tuples, scalars, strings, GLOBAL/REDUCE/BUILD objects and persistent
// ids (storages). Unknown classes become opaque Object values, so Python-only state can be read past.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace glip::io::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

enum class Kind {
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kBytes,
  kList,
  kTuple,
  kDict,
  kGlobal,
  kObject,
  kPersistent,
  kMark
};

struct Value {
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                                    // string / bytes / global "module.name"
  std::vector<ValuePtr> items;                      // list / tuple / object args / persistent id tuple
  std::vector<std::pair<ValuePtr, ValuePtr>> dict;  // dict entries in insertion order
  ValuePtr callable;                                // object: the class or function (a kGlobal)
  ValuePtr state;                                   // object: BUILD state
  std::shared_ptr<void> payload;                    // set by a reduce hook (e.g. a rebuilt tensor)

  Value() = default;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  /** Releases the children without recursion: a pickle may nest containers 100,000 deep. */
  ~Value();

  static ValuePtr make(Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
  }
  bool is_string() const { return kind == Kind::kString; }
};

/**
 * A hook that may replace REDUCE(callable, args) by a value of its own (e.g. _rebuild_tensor_v2 -> tensor
 * payload). Returning nullptr keeps the default (a generic Object, or a dict for collections.OrderedDict).
 */
using ReduceHook = std::function<ValuePtr(const std::string& callable, const ValuePtr& args)>;
/** Resolves a persistent id (BINPERSID) into a value. */
using PersistentHook = std::function<ValuePtr(const ValuePtr& pid)>;

/** Containers nested deeper than this are refused (torch.save writes fewer than 10 levels). */
constexpr size_t kMaxDepth = 100;

/**
 * Runs the pickle program in bytes[pos, end) until STOP and returns the top value; `pos` is advanced past STOP.
 * Throws glip::InputError naming `what` on malformed input, on nesting deeper than kMaxDepth and on a container
 * that contains itself.
 */
ValuePtr load(const std::string& bytes, size_t& pos, const std::string& what, const ReduceHook& reduce,
              const PersistentHook& persistent);

}  // namespace glip::io::pickle
