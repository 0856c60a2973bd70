#!/usr/bin/env bash
# Set-up command 2: installs what is missing, then runs the whole test suite.
# DSP tests run in the release profile, so everything does (one build, not two).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -d ../shared ]; then
    echo "phonon tests: ../shared (conformance cases, workloads, corpus) is missing beside the checkout" >&2
    exit 2
fi
cargo test --release --workspace --no-fail-fast "$@"
