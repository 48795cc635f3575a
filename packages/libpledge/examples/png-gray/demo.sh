#!/bin/sh
# Runs png-gray on a PNG (default: the Node demo's sample), then plays an
# attacker who took over the decoder, once per attack, and shows the line
# each blocked call printed. Usage: demo.sh [IN.png [OUT.png]]
here=$(dirname "$0")
in=${1:-$here/../../../pledge/examples/thumbnail/sample.png}
out=${2:-/tmp/seccomp-scopes-png-gray.png}
"$here/png-gray" "$in" "$out" || exit 1
echo "wrote $out"
for a in read write spawn exec connect; do
  echo
  "$here/png-gray" "$in" "$out.attack.png" --attack "$a" 2>"$out.stderr"
  status=$?
  sed 's/^/  stderr: /' "$out.stderr"
  echo "  exit status $status"
done
rm -f "$out.attack.png" "$out.stderr"
