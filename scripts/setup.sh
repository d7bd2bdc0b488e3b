#!/usr/bin/env bash
# Installs the Debian packages glip needs, when missing. Idempotent, and quick when all are present (one
# dpkg-query call, no network).
#   scripts/setup.sh          what the build and the main job need
#   scripts/setup.sh --test   and what only tests need (scripts/test.sh): python3-torch for torchrun, the launcher
#                             that tests/app/launch_cli_test.cpp starts glip_train and glip_pseudolabel with, and
#                             clang-format (14) for the ctest `format`
set -euo pipefail
PACKAGES=(build-essential cmake ninja-build pkg-config ccache git
  libtorch-dev libopenblas-dev libgloo-dev libdnnl-dev
  libsentencepiece-dev sentencepiece libyaml-cpp-dev libcli11-dev libspdlog-dev libopencv-dev
  libjpeg-dev libpng-dev libssl-dev libblas3 liblapack3
  nlohmann-json3-dev googletest libgtest-dev libicu-dev
  liblingua-en-tagger-perl)
TEST_PACKAGES=(python3-torch clang-format)
case "${1:-}" in
  --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
  "") ;;
  *) echo "usage: $0 [--test]" >&2; exit 64 ;;
esac
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null |
  awk '$2 ~ /^ii/ {print $1}' | sed 's/:.*//' || true)
missing=()
for p in "${PACKAGES[@]}"; do
  grep -qx "$p" <<<"$installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup: these packages are missing and I am not root: ${missing[*]}" >&2
    echo "setup: run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else SUDO=""; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
