#!/usr/bin/env bash
# Redaction cost per string (evidence line, 400-char excerpt, 1 MB body)
# with 1 and 5 secrets: the old literal replace against the Redactor with
# every encoded form. Prints medians; run from the repository root:
#   bash bench/redact.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p greenlight-run --bench redact 2>/dev/null | grep '^redact:'
