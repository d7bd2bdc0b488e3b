#!/bin/sh
# CLI test of glip_text: $1 = the built tool, $2 = tests/data. Fails on the first wrong output.
set -u
T="$1"; D="$2"; W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$(printf '{"text":"Hello, toothbrush!"}\n' | "$T" tokenize) || fail "tokenize exit $?"
echo "$out" | grep -q '"ids":\[101,7592,1010,11868,18623,999,102\]' || fail "tokenize ids: $out"
echo "$out" | grep -q '"offsets":\[\[0,0\],\[0,5\],\[5,6\],\[7,12\],\[12,17\],\[17,18\],\[0,0\]\]' || fail "offsets: $out"
out=$(printf '{"text":"a cat"}\n' | "$T" tokenize --max-len 6) || fail "max-len exit"
echo "$out" | grep -q '"ids":\[101,1037,4937,102,0,0\]' || fail "max-len: $out"
out=$(printf '{"text":"a cat"}\n' | "$T" tokenize --vocab "$D/tokenizer/bert-base-uncased-vocab.txt") || fail "vocab"
echo "$out" | grep -q '"ids":\[101,1037,4937,102\]' || fail "vocab ids: $out"

out=$(printf '{"text":"a dotted green heart next to a large blue ring"}\n{"text":"A man riding a horse"}\n' | "$T" phrases) \
  || fail "phrases exit"
echo "$out" | head -1 | grep -q '"phrases":\[\[0,20\],\[29,46\]\]' || fail "phrases 1: $out"
echo "$out" | tail -1 | grep -q '"phrases":\[\[0,5\],\[13,20\]\]' || fail "phrases 2: $out"

# Errors name the line: bad JSON on line 2, invalid UTF-8 on line 3.
err=$(printf '{"text":"ok"}\n{"text": nope}\n' | "$T" phrases 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "bad JSON exit $rc"; echo "$err" | grep -q "line 2" || fail "bad JSON message: $err"
err=$(printf '{"text":"ok"}\n\n{"text":"\377"}\n' | "$T" tokenize 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "UTF-8 exit $rc"; echo "$err" | grep -q "line 3: invalid UTF-8" || fail "UTF-8 message: $err"
err=$(printf '{"txt":"x"}\n' | "$T" tokenize 2>&1 >/dev/null); [ $? -eq 2 ] || fail "missing text key"

printf 'person\ntraffic_light\nhair drier\n' > "$W/cats.txt"
out=$("$T" prompt --categories "$W/cats.txt") || fail "prompt exit"
echo "$out" | grep -q '"prompt":"person. traffic light. hair drier"' || fail "prompt: $out"
echo "$out" | grep -q '"spans":\[\[0,6\],\[8,21\],\[23,33\]\]' || fail "spans: $out"
echo "$out" | grep -q '"3":{"6":0.333' || fail "positive map: $out"
printf '{"categories":[{"id":1,"name":"a"},{"id":5,"name":"b"},{"id":9,"name":"c"}]}' > "$W/cats.json"
out=$("$T" prompt --categories "$W/cats.json" --chunk 2) || fail "chunk exit"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "chunks: $out"
echo "$out" | tail -1 | grep -q '"labels":\[9\]' || fail "chunk labels: $out"
out=$("$T" prompt --categories "$W/cats.txt" --demo) || fail "demo exit"
echo "$out" | grep -q '"prompt":"person . traffic_light . hair drier . "' || fail "demo: $out"
"$T" prompt --categories "$W/missing.json" 2>/dev/null; [ $? -eq 2 ] || fail "missing categories file"
printf '[{"id":"x"}]' > "$W/bad.json"
"$T" prompt --categories "$W/bad.json" 2>/dev/null; [ $? -eq 2 ] || fail "bad categories"
echo "glip_text CLI: all checks passed"
