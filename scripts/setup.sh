#!/usr/bin/env bash
# Installs what building Phonon needs on a fresh Debian machine, then builds the
# release binary. Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cc >/dev/null || need+=(build-essential)
command -v pkg-config >/dev/null || need+=(pkg-config)
# ALSA headers: cpal needs them to talk to the sound card.
if ! pkg-config --exists alsa 2>/dev/null; then need+=(libasound2-dev); fi
if [ ${#need[@]} -gt 0 ]; then
    echo "phonon setup: installing ${need[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
    echo "phonon setup: cargo not found; install Rust from https://rustup.rs first" >&2
    exit 2
fi
cargo build --release --quiet -p phonon-cli
