#!/usr/bin/env bash
# signed.sh KILN KILN_RUN WASM — `kiln compile --sign KEY.pem` signs an
# artifact; `kiln run --verify PUB.pem` and `kiln-run --verify PUB.pem` run
# it, and refuse with one error line and exit 1 (nothing run) an unsigned
# artifact, one signed by another key, one changed after signing, and a
# .wasm; `kiln inspect` shows the signer's fingerprint.  Keys are made
# here with openssl (exit 77 without it), never kept.
set -u
kiln=$1 kilnrun=$2 wasm=$3
command -v openssl > /dev/null || { echo "SKIP: no openssl"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
for k in a b; do
  openssl genpkey -algorithm ed25519 -out $k.pem 2> /dev/null &&
    openssl pkey -in $k.pem -pubout -out $k.pub || { echo "FAIL: openssl"; exit 1; }
done
"$kiln" compile "$wasm" -o signed.kwasm --sign a.pem || { echo "FAIL: compile --sign"; exit 1; }
"$kiln" compile "$wasm" -o plain.kwasm || exit 1
"$kiln" run plain.kwasm > expect.out 2>&1 || exit 1

for cli in "$kiln run" "$kilnrun"; do
  for key in a.pub a.pem; do
    $cli --verify $key signed.kwasm > out 2> err || { echo "FAIL: $cli --verify $key"; cat err; exit 1; }
    cmp -s out expect.out || { echo "FAIL: $cli --verify $key: other output"; exit 1; }
  done
done

# refuse FILE KEY MESSAGE [EXIT]: both CLIs exit 1 (or EXIT) with one line
# holding MESSAGE.
refuse() {
  for cli in "$kiln run" "$kilnrun"; do
    $cli --verify "$2" "$1" > out 2> err
    rc=$?
    [ $rc = "${4:-1}" ] || { echo "FAIL: $cli --verify $2 $1: exit $rc"; cat err; exit 1; }
    [ ! -s out ] || { echo "FAIL: $cli --verify $2 $1 ran"; exit 1; }
    [ "$(wc -l < err)" = 1 ] && grep -q "$3" err ||
      { echo "FAIL: $cli --verify $2 $1: want one line with '$3':"; cat err; exit 1; }
    echo "$(basename "${cli%% *}") --verify $2 $1: $(cat err)"
  done
}
refuse plain.kwasm a.pub "artifact is not signed"
refuse signed.kwasm b.pub "signed by another key"
# A byte of code changed: the checksum finds it (recomputing it is what
# the Check test api_artifact_signatures does; there the signature does).
size=$(stat -c %s signed.kwasm)
cp signed.kwasm changed.kwasm
printf '\xcc' | dd of=changed.kwasm bs=1 seek=$((size / 2)) conv=notrunc status=none
refuse changed.kwasm a.pub "checksum mismatch"
refuse "$wasm" a.pub "not a .kwasm artifact"
echo "not a key" > junk.pem
refuse signed.kwasm junk.pem "not an Ed25519 key"
# An encrypted key is refused, never asked a password for.
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:x -out enc.pem 2> /dev/null || exit 1
refuse signed.kwasm enc.pem "not an Ed25519 key" < /dev/null
refuse signed.kwasm missing.pem "missing.pem: No such file" 2   # as a missing input file

# Signing needs the private key.
"$kiln" compile "$wasm" -o x.kwasm --sign a.pub 2> err
rc=$?
[ $rc = 1 ] && [ "$(wc -l < err)" = 1 ] && grep -q "private key" err && [ ! -e x.kwasm ] ||
  { echo "FAIL: compile --sign a.pub: exit $rc"; cat err; exit 1; }

# inspect: the fingerprint is the SHA-256 of the raw public key.
fp=$(openssl pkey -pubin -in a.pub -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)
"$kiln" inspect signed.kwasm | grep -q "signer fingerprint sha256 $fp" ||
  { echo "FAIL: inspect does not show $fp"; "$kiln" inspect signed.kwasm; exit 1; }
"$kiln" inspect plain.kwasm | grep -q "^signature: none" || { echo "FAIL: inspect plain"; exit 1; }
echo "signed artifacts run under --verify; unsigned, foreign, changed ones and bad keys refused"
