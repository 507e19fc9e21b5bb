#!/usr/bin/env bash
# Builds and runs the Swift test targets under a sanitizer (make test-asan,
# make test-tsan), in a scratch path of its own so the normal .build stays as
# it is:
#   scripts/sanitizer-tests.sh address|thread [swift test arguments, e.g. --filter JobsTests]
# The tests start swerve processes from the same scratch path, so those run
# sanitized too. Every sanitized process (the test runner and each child)
# writes its reports to a file of its own under <scratch>/sanitizer-reports/
# rather than to a standard error a test may capture and drop; the run fails
# if the tests fail or any report was written.
# Third-party code only is suppressed: scripts/sanitizers/*.supp, each entry
# with its reason.
# Timing bounds of the tests that wait on other processes scale with
# SWERVE_TEST_TIME_SCALE (set here: sanitized code runs several times slower).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizer=${1:-}
shift || true
case "$sanitizer" in
    address) scratch=.build-asan; scale=${SWERVE_TEST_TIME_SCALE:-3} ;;
    thread) scratch=.build-tsan; scale=${SWERVE_TEST_TIME_SCALE:-5} ;;
    *) echo "usage: $0 address|thread [swift test arguments]" >&2; exit 2 ;;
esac

swift build --build-tests --scratch-path "$scratch" --sanitize "$sanitizer"

reports="$PWD/$scratch/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
supp="$PWD/scripts/sanitizers"
export SWERVE_TEST_TIME_SCALE=$scale
# Tells tests what they run under (a sanitizer's malloc cannot be preloaded over).
export SWERVE_SANITIZER=$sanitizer
case "$sanitizer" in
    address)
        export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1"
        export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
        ;;
    thread)
        export TSAN_OPTIONS="log_path=$reports/tsan:suppressions=$supp/tsan.supp:print_suppressions=0:history_size=4"
        ;;
esac

status=0
swift test --skip-build --scratch-path "$scratch" --sanitize "$sanitizer" --disable-swift-testing "$@" || status=$?

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
    echo "sanitizer reports ($sanitizer):" >&2
    for f in $found; do
        echo "== $f" >&2
        head -60 "$f" >&2
    done
    [ $status = 0 ] && status=1
fi
if [ $status = 0 ]; then
    echo "test-$sanitizer: passed, no sanitizer reports"
else
    echo "test-$sanitizer: FAILED (exit $status; reports in $reports)" >&2
fi
exit $status
