#!/usr/bin/env bash
# Set-up command 1: installs what is missing, builds, and renders the shipped
# example to target/first.wav (four cycles: eight seconds at its tempo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./target/release/phonon render examples/first.ph -o target/first.wav --cycles 4
