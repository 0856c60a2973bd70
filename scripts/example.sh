#!/usr/bin/env bash
# Set-up command 1: installs what is missing, builds, and checks the shipped
# example (it will play or render it once those commands exist).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./target/release/phonon check examples/first.ph
