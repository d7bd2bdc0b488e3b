#!/usr/bin/env bash
# Makes the tar fixtures of tests/io/tar_test.cpp (run once; the outputs are committed):
#   python_pax.tar   Python tarfile, format=PAX_FORMAT (what webdataset's TarWriter writes)
#   python_gnu.tar   Python tarfile, format=GNU_FORMAT (././@LongLink records)
#   gnutar_posix.tar GNU tar --format=posix (pax headers)
#   gnutar_gnu.tar   GNU tar --format=gnu
#   gnutar_ustar.tar GNU tar --format=ustar (a long folder in the prefix field; no name over 100 bytes)
#   python_pax.tar.gz  the first, gzip-compressed (glip refuses it)
# Members of the first four (WebDataset layout; a long key, a non-ASCII key, a short one):
#   web/<40 x a>/sample_<100 x b>.jpg and .txt   (base name over 100 bytes)
#   web/café_名前.jpg and .txt
#   web/000000.txt
# Needs /usr/bin/python3 with PIL, GNU tar and gzip.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LONG="sample_$(printf 'b%.0s' $(seq 100))"
DIR="$(printf 'a%.0s' $(seq 40))"
mkdir -p "$tmp/src/web/$DIR"
/usr/bin/python3 - "$tmp/src/web/$DIR/$LONG.jpg" "$tmp/src/web/café_名前.jpg" <<'PY'
import sys
from PIL import Image
for i, p in enumerate(sys.argv[1:]):
    Image.new("RGB", (8, 6), (200, 40 * i, 10)).save(p, quality=95)
PY
printf 'a red star.\n' >"$tmp/src/web/$DIR/$LONG.txt"
printf 'ein grünes Dreieck.\n' >"$tmp/src/web/café_名前.txt"
printf 'a blue ring.\n' >"$tmp/src/web/000000.txt"
FILES=("web/$DIR/$LONG.jpg" "web/$DIR/$LONG.txt" "web/café_名前.jpg" "web/café_名前.txt" "web/000000.txt")

/usr/bin/python3 - "$tmp/src" "${FILES[@]}" <<'PY'
import sys, tarfile
src, files = sys.argv[1], sys.argv[2:]
for fmt, out in ((tarfile.PAX_FORMAT, "python_pax.tar"), (tarfile.GNU_FORMAT, "python_gnu.tar")):
    with tarfile.open(out, "w", format=fmt) as t:
        for f in files:
            info = t.gettarinfo(f"{src}/{f}", arcname=f)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            with open(f"{src}/{f}", "rb") as fh:
                t.addfile(info, fh)
PY
COMMON=(--owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name)
tar -C "$tmp/src" "${COMMON[@]}" --format=gnu -cf gnutar_gnu.tar "${FILES[@]}"
tar -C "$tmp/src" "${COMMON[@]}" --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf gnutar_posix.tar "${FILES[@]}"
# ustar: a 120-byte folder (stored in the prefix field) and a non-ASCII name, both within ustar's limits.
USTAR_DIR="$(printf 'p%.0s' $(seq 120))"
mkdir -p "$tmp/u/$USTAR_DIR"
printf 'prefix\n' >"$tmp/u/$USTAR_DIR/000001.txt"
printf 'utf-8\n' >"$tmp/u/café.txt"
tar -C "$tmp/u" "${COMMON[@]}" --format=ustar -cf gnutar_ustar.tar "$USTAR_DIR/000001.txt" café.txt
gzip -9 -n -c python_pax.tar >python_pax.tar.gz
ls -l ./*.tar ./*.tar.gz
