#!/usr/bin/env bash
# Makes the fixture of a vault written by the first release (commit 7d87321,
# before the signed log): an embedded SQLite vault with three members and two
# secrets, and the members' identities. Kept in git so tests need no old
# binary; re-run only to change the fixture:
#
#   OLD=/path/to/vault-7d87321 bash tests/data/legacy/make.sh
#
# alice (age, founder) and bob (age) are age members; carol is an ssh-ed25519
# member. Secrets: `k` = "kept", `app/x` = "ex", both sealed in the v1 format.
set -euo pipefail
OLD=${OLD:?set OLD to a vault binary built at commit 7d87321}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
as() { local who=$1; shift; env -i PATH="$PATH" HOME="$W/$who" XDG_CONFIG_HOME="$W/$who/config" XDG_DATA_HOME="$W/$who/data" USER="$who" "$@"; }
DB=$W/vault.db
URL=sqlite://$DB
mkdir -p "$W/alice" "$W/bob" "$W/carol" && chmod 700 "$W"/*
as alice "$OLD" --database-url "$URL" init --name alice
printf 'kept' | as alice "$OLD" put k
printf 'ex' | as alice "$OLD" put app/x
as bob "$OLD" --database-url "$URL" init --name bob
as alice "$OLD" member add "$(as bob "$OLD" whoami | head -1)" --name bob
ssh-keygen -q -t ed25519 -N '' -C carol@legacy -f "$W/carol/id_ed25519"
as carol "$OLD" --database-url "$URL" --identity "$W/carol/id_ed25519" init --name carol
as alice "$OLD" member add "$(cat "$W/carol/id_ed25519.pub")" --name carol
[[ $(as bob "$OLD" get k) == kept && $(as carol "$OLD" get app/x) == ex ]]
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
cp "$DB" "$HERE/vault.db"
cp "$W/alice/config/vault/identity.txt" "$HERE/alice.txt"
cp "$W/bob/config/vault/identity.txt" "$HERE/bob.txt"
cp "$W/carol/id_ed25519" "$HERE/carol_ed25519"
echo "wrote $HERE/{vault.db,alice.txt,bob.txt,carol_ed25519}"
