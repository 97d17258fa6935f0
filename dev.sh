#!/usr/bin/env bash
# Set up the project's virtual environment on first use, then run one task:
#   ./dev.sh report [aiq-nb report options]   render the sample's monthly report
#   ./dev.sh test [pytest options]            run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    # reinstall whenever the pinned dependencies change
    local stamp
    stamp="$VENV/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
        "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -e ".[test]"
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

task=${1:-}
shift || true
case "$task" in
    report)
        setup
        exec "$VENV/bin/aiq-nb" report --params parameters/sample.yaml "$@"
        ;;
    test)
        setup
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    setup)
        setup
        ;;
    *)
        echo "usage: ./dev.sh report|test|setup [options]" >&2
        exit 2
        ;;
esac
