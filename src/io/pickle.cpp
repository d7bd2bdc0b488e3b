#include "io/pickle.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "glip/core/error.h"

namespace glip::io::pickle {
namespace {

/** Moves the children of `v` onto `out` (for the non-recursive release and for breaking cycles). */
void detach_children(Value& v, std::vector<ValuePtr>& out) {
  for (auto& x : v.items)
    if (x) out.push_back(std::move(x));
  for (auto& [k, x] : v.dict) {
    if (k) out.push_back(std::move(k));
    if (x) out.push_back(std::move(x));
  }
  v.items.clear();
  v.dict.clear();
  if (v.callable) out.push_back(std::move(v.callable));
  if (v.state) out.push_back(std::move(v.state));
}

class Machine {
 public:
  Machine(const std::string& bytes, size_t& pos, const std::string& what, const ReduceHook& reduce,
          const PersistentHook& persistent)
      : b_(bytes), pos_(pos), what_(what), reduce_(reduce), persistent_(persistent) {}

  /**
   * After the run: breaks every reference among the values this machine handled, except among `keep` (the
   * values of the result). A malformed pickle can build a cycle (a list appended to itself) and then drop it, or
   * stop with an error while holding it; reference counting alone would never free it.
   */
  void release(const std::unordered_set<const Value*>& keep) {
    std::vector<ValuePtr> alive, children;
    for (const auto& w : handled_)
      if (ValuePtr v = w.lock(); v && !keep.count(v.get())) alive.push_back(std::move(v));
    handled_.clear();
    stack_.clear();
    memo_.clear();
    for (const auto& v : alive) detach_children(*v, children);
  }

  ValuePtr run() {
    for (;;) {
      const size_t at = pos_;
      const uint8_t op = u8();
      switch (op) {
        case 0x80: u8(); break;     // PROTO
        case 0x95: take(8); break;  // FRAME
        case '.': return pop(at);   // STOP
        case '(': push(Value::make(Kind::kMark)); break;
        case '0': pop(at); break;        // POP
        case '1': pop_mark(at); break;   // POP_MARK
        case '2': push(top(at)); break;  // DUP
        case 'N': push(Value::make(Kind::kNone)); break;
        case 0x88: push_bool(true); break;
        case 0x89: push_bool(false); break;
        case 'J': push_int(static_cast<int32_t>(le(4))); break;
        case 'K': push_int(static_cast<int64_t>(le(1))); break;
        case 'M': push_int(static_cast<int64_t>(le(2))); break;
        case 0x8a: push_int(long_n(le(1), at)); break;  // LONG1
        case 0x8b: push_int(long_n(le(4), at)); break;  // LONG4
        case 'G': push_float(); break;
        case 'X': push_str(Kind::kString, le(4)); break;
        case 0x8c: push_str(Kind::kString, le(1)); break;
        case 0x8d: push_str(Kind::kString, le(8)); break;
        case 'T': push_str(Kind::kString, le(4)); break;
        case 'U': push_str(Kind::kString, le(1)); break;
        case 'B': push_str(Kind::kBytes, le(4)); break;
        case 'C': push_str(Kind::kBytes, le(1)); break;
        case 0x8e:
        case 0x96: push_str(Kind::kBytes, le(8)); break;
        case ']': push(Value::make(Kind::kList)); break;
        case ')': push(Value::make(Kind::kTuple)); break;
        case '}': push(Value::make(Kind::kDict)); break;
        case 0x8f: push(Value::make(Kind::kList)); break;  // EMPTY_SET (kept as a list)
        case 0x90:
        case 'e': {  // ADDITEMS / APPENDS
          auto items = pop_mark(at);
          auto& list = top(at)->items;
          list.insert(list.end(), items.begin(), items.end());
          break;
        }
        case 0x91:
        case 'l':
        case 't': {  // FROZENSET / LIST / TUPLE
          auto v = Value::make(op == 't' ? Kind::kTuple : Kind::kList);
          v->items = pop_mark(at);
          push(v);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {  // TUPLE1..3
          auto v = Value::make(Kind::kTuple);
          v->items.resize(op - 0x84);
          for (size_t k = v->items.size(); k-- > 0;) v->items[k] = pop(at);
          push(v);
          break;
        }
        case 'a': {
          auto v = pop(at);
          top(at)->items.push_back(v);
          break;
        }
        case 'd': {
          auto v = Value::make(Kind::kDict);
          fill_dict(v, pop_mark(at), at);
          push(v);
          break;
        }
        case 's': {
          auto val = pop(at);
          auto key = pop(at);
          set_item(top(at), key, val, at);
          break;
        }
        case 'u': {
          auto items = pop_mark(at);
          fill_dict(top(at), items, at);
          break;
        }
        case 'c': {  // GLOBAL module\nname\n
          auto g = Value::make(Kind::kGlobal);
          std::string module = line(), name = line();
          g->s = module + "." + name;
          push(g);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto name = pop(at), module = pop(at);
          auto g = Value::make(Kind::kGlobal);
          g->s = module->s + "." + name->s;
          push(g);
          break;
        }
        case 'R': {
          auto args = pop(at);
          auto fn = pop(at);
          push(reduce(fn, args));
          break;
        }
        case 0x81: {
          auto args = pop(at);
          auto cls = pop(at);
          push(reduce(cls, args));
          break;
        }  // NEWOBJ
        case 0x92: {
          pop(at);
          auto args = pop(at);
          auto cls = pop(at);
          push(reduce(cls, args));
          break;
        }
        case 'b': {
          auto st = pop(at);
          auto obj = top(at);
          if (obj->kind == Kind::kObject) obj->state = st;
          break;
        }
        case 'q': memo_[le(1)] = top(at); break;
        case 'r': memo_[le(4)] = top(at); break;
        case 0x94: memo_[static_cast<uint64_t>(memo_.size())] = top(at); break;
        case 'h': push(memo_get(le(1), at)); break;
        case 'j': push(memo_get(le(4), at)); break;
        case 'p': memo_[decimal(line(), at)] = top(at); break;
        case 'g': push(memo_get(decimal(line(), at), at)); break;
        case 'Q': {
          auto pid = pop(at);
          GLIP_CHECK_INPUT(persistent_, what_, ": unexpected persistent id in pickle at byte ", at);
          push(persistent_(pid));
          break;
        }
        default:
          throw InputError(str_cat(what_, ": unsupported or corrupt pickle opcode 0x", std::hex, int(op), std::dec,
                                   " at byte ", at));
      }
    }
  }

 private:
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(b_[pos_++]);
  }
  void need(uint64_t n) {  // written so that a length near 2^64 cannot wrap around
    GLIP_CHECK_INPUT(pos_ <= b_.size() && n <= b_.size() - pos_, what_, ": truncated pickle (needs ", n,
                     " bytes at byte ", pos_, ", has ", b_.size() - pos_, ")");
  }
  std::string take(size_t n) {
    need(n);
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint64_t le(int n) {
    need(n);
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(b_[pos_ + k]);
    pos_ += n;
    return v;
  }
  std::string line() {
    auto e = b_.find('\n', pos_);
    GLIP_CHECK_INPUT(e != std::string::npos, what_, ": truncated pickle (unterminated line at byte ", pos_, ")");
    std::string s = b_.substr(pos_, e - pos_);
    pos_ = e + 1;
    return s;
  }
  uint64_t decimal(const std::string& text, size_t at) {
    uint64_t v = 0;
    bool ok = !text.empty() && text.size() <= 19;
    for (char c : text) ok = ok && c >= '0' && c <= '9', v = v * 10 + static_cast<uint64_t>(c - '0');
    GLIP_CHECK_INPUT(ok, what_, ": corrupt pickle (memo key '", text.substr(0, 40), "' at byte ", at,
                     " is not a decimal number)");
    return v;
  }
  int64_t long_n(uint64_t n, size_t at) {
    GLIP_CHECK_INPUT(n <= 8, what_, ": pickle integer of ", n, " bytes at byte ", at, " does not fit 64 bits");
    if (n == 0) return 0;
    uint64_t v = le(static_cast<int>(n));
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t(0) << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  void push(ValuePtr v) {
    handled_.push_back(v);
    stack_.push_back(std::move(v));
  }

  void push_bool(bool b) {
    auto v = Value::make(Kind::kBool);
    v->b = b;
    push(v);
  }
  void push_int(int64_t i) {
    auto v = Value::make(Kind::kInt);
    v->i = i;
    push(v);
  }
  void push_float() {
    uint64_t bits = 0;
    need(8);
    for (int k = 0; k < 8; ++k) bits = (bits << 8) | static_cast<uint8_t>(b_[pos_ + k]);  // big-endian
    pos_ += 8;
    auto v = Value::make(Kind::kFloat);
    std::memcpy(&v->f, &bits, 8);
    push(v);
  }
  void push_str(Kind k, uint64_t n) {
    auto v = Value::make(k);
    v->s = take(n);
    push(v);
  }
  ValuePtr pop(size_t at) {
    GLIP_CHECK_INPUT(!stack_.empty(), what_, ": corrupt pickle (stack underflow at byte ", at, ")");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr& top(size_t at) {
    GLIP_CHECK_INPUT(!stack_.empty(), what_, ": corrupt pickle (empty stack at byte ", at, ")");
    return stack_.back();
  }
  std::vector<ValuePtr> pop_mark(size_t at) {
    for (size_t k = stack_.size(); k-- > 0;) {
      if (stack_[k]->kind == Kind::kMark) {
        std::vector<ValuePtr> items(stack_.begin() + static_cast<long>(k) + 1, stack_.end());
        stack_.resize(k);
        return items;
      }
    }
    throw InputError(str_cat(what_, ": corrupt pickle (no MARK before byte ", at, ")"));
  }
  ValuePtr memo_get(uint64_t key, size_t at) {
    auto it = memo_.find(key);
    GLIP_CHECK_INPUT(it != memo_.end(), what_, ": corrupt pickle (memo key ", key, " unset at byte ", at, ")");
    return it->second;
  }
  void set_item(const ValuePtr& d, const ValuePtr& k, const ValuePtr& v, size_t at) {
    if (d->kind == Kind::kDict) d->dict.emplace_back(k, v);
    else if (d->kind != Kind::kObject)
      throw InputError(str_cat(what_, ": corrupt pickle (SETITEM on a non-dict at byte ", at, ")"));
  }
  void fill_dict(const ValuePtr& d, const std::vector<ValuePtr>& items, size_t at) {
    GLIP_CHECK_INPUT(items.size() % 2 == 0, what_, ": corrupt pickle (odd dict item count at byte ", at, ")");
    for (size_t k = 0; k < items.size(); k += 2) set_item(d, items[k], items[k + 1], at);
  }
  ValuePtr reduce(const ValuePtr& fn, const ValuePtr& args) {
    const std::string name = fn->kind == Kind::kGlobal ? fn->s : std::string();
    if (reduce_) {
      if (auto v = reduce_(name, args)) return v;
    }
    if (name == "collections.OrderedDict" || name == "builtins.dict") return Value::make(Kind::kDict);
    auto obj = Value::make(Kind::kObject);
    obj->callable = fn;
    obj->items = args->items;
    return obj;
  }

  const std::string& b_;
  size_t& pos_;
  const std::string& what_;
  const ReduceHook& reduce_;
  const PersistentHook& persistent_;
  std::vector<ValuePtr> stack_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::vector<std::weak_ptr<Value>> handled_;  ///< every value pushed (release() breaks what is left of them)
};

std::vector<const Value*> children(const Value& v) {
  std::vector<const Value*> out;
  for (const auto& x : v.items) out.push_back(x.get());
  for (const auto& [k, x] : v.dict) out.push_back(k.get()), out.push_back(x.get());
  out.push_back(v.callable.get());
  out.push_back(v.state.get());
  return out;
}

/**
 * "" when `root` nests at most kMaxDepth containers and contains no cycle, else the problem. Iterative (an
 * explicit stack), linear in the values: shared values are measured once.
 */
std::string depth_problem(const ValuePtr& root, std::vector<const Value*>& seen) {
  std::unordered_map<const Value*, size_t> depth;  // finished values -> their height
  std::unordered_set<const Value*> open;
  struct Item {
    const Value* v;
    std::vector<const Value*> kids;
    size_t next = 0, height = 1;
  };
  std::vector<Item> stack;
  auto enter = [&](const Value* v) {
    open.insert(v);
    seen.push_back(v);
    stack.push_back({v, children(*v)});
  };
  enter(root.get());
  while (!stack.empty()) {
    if (stack.size() > kMaxDepth) return str_cat("containers nested deeper than ", kMaxDepth, " levels");
    Item& it = stack.back();
    if (it.next == it.kids.size()) {
      depth[it.v] = it.height;
      open.erase(it.v);
      const size_t h = it.height;
      stack.pop_back();
      if (!stack.empty()) stack.back().height = std::max(stack.back().height, h + 1);
      continue;
    }
    const Value* kid = it.kids[it.next++];
    if (!kid) continue;
    if (open.count(kid)) return "a container that contains itself";
    auto d = depth.find(kid);
    if (d != depth.end()) {
      it.height = std::max(it.height, d->second + 1);
      if (it.height + stack.size() - 1 > kMaxDepth)
        return str_cat("containers nested deeper than ", kMaxDepth, " levels");
      continue;
    }
    enter(kid);
  }
  return "";
}

}  // namespace

Value::~Value() {
  std::vector<ValuePtr> work;
  detach_children(*this, work);
  while (!work.empty()) {
    ValuePtr v = std::move(work.back());
    work.pop_back();
    if (v.use_count() == 1) detach_children(*v, work);  // v dies here with no children left: no recursion
  }
}

ValuePtr load(const std::string& bytes, size_t& pos, const std::string& what, const ReduceHook& reduce,
              const PersistentHook& persistent) {
  const size_t start = pos;
  Machine machine(bytes, pos, what, reduce, persistent);
  ValuePtr root;
  try {
    root = machine.run();
  } catch (...) {
    machine.release({});
    throw;
  }
  std::vector<const Value*> seen;
  const std::string problem = depth_problem(root, seen);
  if (!problem.empty()) {
    machine.release({});  // the result too: it holds a cycle or is refused anyway
    throw InputError(str_cat(what, ": refusing the pickle at byte ", start, ": ", problem));
  }
  machine.release(std::unordered_set<const Value*>(seen.begin(), seen.end()));
  return root;
}

}  // namespace glip::io::pickle
