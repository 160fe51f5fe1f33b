#!/usr/bin/env bash
# benches/compare.sh: vault against its floors, side by side, on this machine, in one run.
#
#   bash benches/compare.sh                  # build release, measure, print the table
#   bash benches/compare.sh --update-readme  # ... and put the table into README.md
#   bash benches/compare.sh --scale          # only the 1,000,000-secret rows (both backends,
#                                            # benches/scale.sh: names, import, rotate, 64-client
#                                            # load; its header lists its knobs), printed, README untouched
#
# It builds release, starts its own throwaway PostgreSQL (initdb/pg_ctl from
# /usr/lib/postgresql/*/bin, run as the `postgres` user when we are root; it
# never touches a server already running on the machine), fills vaults, and
# for every row runs the two sides interleaved (A B B A A B ...) so that drift
# of this shared machine, and the order within a pair, hit both alike. Wall times are medians; the ratio is
# the median of the per-pair ratios. Peak RSS is GNU time's %M (KiB, shown in
# MiB) over 3 extra runs of each side, median.
#
# Environment: BENCH_RUNS (quick rows, default 21), BENCH_FAST_RUNS (the
# `get` on SQLite against `age -d` row, whose sides take ~3 ms each and
# differ by less than this VM's run-to-run noise with 21 pairs; default 201),
# BENCH_HEAVY_RUNS (10,000- and 100,000-row rows, default 5), BENCH_KEEP=1
# keeps the work directory.
# BENCH_BASELINE=REV also builds vault at git revision REV (in a worktree
# under target/) and compares `vault get` of this build with REV's, each on a
# vault it made, side by side (the signed log's cost on `get`).
# For commands whose interface may differ from the guess made here:
# BENCH_IMPORT_ARGS, BENCH_ROTATE_ARGS, BENCH_RUN_ARGS (words, e.g. "run -- true").
set -euo pipefail

RUNS=${BENCH_RUNS:-21}
FAST_RUNS=${BENCH_FAST_RUNS:-201}
HEAVY=${BENCH_HEAVY_RUNS:-5}
RSS_RUNS=3
UPDATE_README=0
SCALE=0
for arg in "$@"; do
	case $arg in
	--update-readme) UPDATE_README=1 ;;
	--scale) SCALE=1 ;;
	*) printf 'compare.sh: unknown argument %s (--update-readme, --scale)\n' "$arg" >&2 && exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '%s\n' "$*" >&2; }
die() { log "compare.sh: $*"; exit 1; }

# ---------------------------------------------------------------- tools
need_pkg() { # need_pkg COMMAND PACKAGE: install PACKAGE with apt when COMMAND is missing (root only)
	command -v "$1" >/dev/null 2>&1 && return 0
	[[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
	log "installing $2 (for $1)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; }
}
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time || die "GNU time (/usr/bin/time) is missing: apt-get install time"
GTIME=/usr/bin/time
need_pkg openssl openssl || die "openssl is missing"
# pass (password-store, gpg) is the Debian stand-in for passage, which Debian does not package.
need_pkg pass pass || log "pass is not installable here; its row is skipped"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb && -x $PGBIN/psql ]] || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: apt-get install postgresql"
PSQL=$PGBIN/psql # the real client, not Debian's Perl wrapper /usr/bin/psql

# ---------------------------------------------------------------- build
log "building release (vault, age_floor, bench_fill, sqlx_floor)"
cargo build --release --quiet --bin vault --example age_floor --example bench_fill --example sqlx_floor
REL=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
VAULT=$REL/vault
AGE_FLOOR=$REL/examples/age_floor
FILL=$REL/examples/bench_fill
SQLX_FLOOR=$REL/examples/sqlx_floor
BASE_VAULT=
if [[ -n ${BENCH_BASELINE:-} ]]; then
	BASE_REV=$(git -C "$ROOT" rev-parse --short "$BENCH_BASELINE") || die "BENCH_BASELINE=$BENCH_BASELINE is not a git revision"
	BASE_TREE=$ROOT/target/bench/baseline-$BASE_REV
	if [[ ! -d $BASE_TREE ]]; then
		git -C "$ROOT" worktree add --detach "$BASE_TREE" "$BASE_REV" >/dev/null || die "cannot check out $BASE_REV"
	fi
	log "building release of the baseline $BASE_REV"
	(cd "$BASE_TREE" && CARGO_TARGET_DIR=$ROOT/target/bench/baseline-target cargo build --release --quiet --bin vault)
	BASE_VAULT=$ROOT/target/bench/baseline-target/release/vault
fi

# ---------------------------------------------------------------- throwaway PostgreSQL
W=$(mktemp -d /tmp/vault-bench-XXXXXX)
chmod 755 "$W"
# Every program is timed as installed (`cargo install` copies it), not as
# the linker left it in target/: the page cache holds a file the linker
# wrote in pieces differently from one written front to back, and the
# same `vault get` measured 3.03 ms and 296 page faults run from target/,
# 2.39 ms and 267 faults from a copy (perf stat, 200 runs each).
mkdir -p "$W/bin"
installed() { install -m 755 "$1" "$W/bin/$2" && echo "$W/bin/$2"; }
VAULT=$(installed "$VAULT" vault)
AGE_FLOOR=$(installed "$AGE_FLOOR" age_floor)
SQLX_FLOOR=$(installed "$SQLX_FLOOR" sqlx_floor)
[[ -n $BASE_VAULT ]] && BASE_VAULT=$(installed "$BASE_VAULT" vault-base)
PGD=$W/pg
mkdir -p "$PGD"
SERVER_USER=
[[ $(id -u) == 0 ]] && SERVER_USER=postgres
as_server() { if [[ -n $SERVER_USER ]]; then (cd / && runuser -u "$SERVER_USER" -- "$@"); else "$@"; fi; }
cleanup() {
	[[ -n ${AGENT_ENV[*]:-} ]] && env "${AGENT_ENV[@]}" "$VAULT" -q lock >/dev/null 2>&1 || true
	[[ -n ${GNUPGHOME:-} ]] && gpgconf --kill gpg-agent >/dev/null 2>&1 || true
	[[ -f $PGD/data/postmaster.pid ]] && as_server "$PGBIN/pg_ctl" -D "$PGD/data" stop -m immediate >/dev/null 2>&1 || true
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting a throwaway PostgreSQL in $PGD"
(cd "$PGD" && openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 30 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout server.key -out server.crt >/dev/null 2>&1)
chmod 600 "$PGD/server.key"
[[ -n $SERVER_USER ]] && chown -R "$SERVER_USER:" "$PGD"
as_server "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
# Server defaults otherwise (fsync on): what a real server does on commit is part of `put`.
cat >>"$PGD/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGD'
ssl = on
ssl_cert_file = '$PGD/server.crt'
ssl_key_file = '$PGD/server.key'
EOF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$PGD/data/pg_hba.conf"
PORT=
for _ in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 40000))
	if as_server "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 60 -o "-p $p" start >/dev/null; then
		PORT=$p
		break
	fi
done
[[ -n $PORT ]] || die "PostgreSQL did not start: $(tail -5 "$PGD/server.log")"
ADMIN=postgres://postgres@127.0.0.1:$PORT/postgres
url() { echo "postgres://postgres@127.0.0.1:$PORT/$1"; }
for db in vget vbig vimp vrot vlog vbase vhist vroth; do "$PSQL" -X -q "$ADMIN" -c "create database $db" >/dev/null; done
sql() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$(url "$1")" -c "$2"; }

# ---------------------------------------------------------------- vaults
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config XDG_DATA_HOME=$W/home/.local/share
mkdir -p "$HOME" && chmod 700 "$HOME"
unset VAULT_IDENTITY VAULT_CONNECT_TIMEOUT VAULT_AGENT VAULT_PASSPHRASE_FILE VAULT_PASSPHRASE_FD XDG_RUNTIME_DIR PGHOST PGPORT PGUSER PGDATABASE PGSSLMODE PGOPTIONS
SQLITE_URL=sqlite://$W/home/vault.db
init_vault() { VAULT_DATABASE_URL=$1 "$VAULT" -q init >/dev/null; }
fill() { VAULT_DATABASE_URL=$1 "$FILL" "$2" "$3" 2>/dev/null; }
# rotate_floor_sql CSV: the psql script a rotation floor runs: the (id,
# secret, nonce) rows in CSV written back with one UPDATE … FROM.
rotate_floor_sql() {
	cat <<EOF
begin;
create temp table t (id uuid, secret text, nonce bytea);
\\copy t from '$1' csv
update vault.secrets s set secret = t.secret, nonce = t.nonce from t where s.id = t.id;
commit;
EOF
}

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/value.txt"
if [[ $SCALE == 0 ]]; then
log "filling vaults (100 + 100 + 10,000 + 100,000 secrets)"
init_vault "$(url vget)" && fill "$(url vget)" app/k 100
init_vault "$SQLITE_URL" && fill "$SQLITE_URL" app/k 100
# A second member of vget whose identity is passphrase-protected, unlocked
# once in the vault agent (its own config and data directories).
if "$VAULT" help unlock >/dev/null 2>&1; then # (has_cmd is defined below)
	log "adding a passphrase-protected member to vget and unlocking it in the agent"
	printf 'bench passphrase\n' >"$W/passphrase" && chmod 600 "$W/passphrase"
	AGENT_ENV=(XDG_CONFIG_HOME="$W/pp" XDG_DATA_HOME="$W/pp" VAULT_DATABASE_URL="$(url vget)")
	env "${AGENT_ENV[@]}" VAULT_PASSPHRASE_FILE="$W/passphrase" "$VAULT" -q init --passphrase >/dev/null
	PP_LINE=$(env "${AGENT_ENV[@]}" VAULT_PASSPHRASE_FILE="$W/passphrase" "$VAULT" whoami | head -1)
	VAULT_DATABASE_URL=$(url vget) "$VAULT" -q member add "$PP_LINE" --name pp >/dev/null
	env "${AGENT_ENV[@]}" VAULT_PASSPHRASE_FILE="$W/passphrase" "$VAULT" -q unlock --for 4h
fi
init_vault "$(url vrot)" && fill "$(url vrot)" r/ 10000
init_vault "$(url vbig)" && fill "$(url vbig)" n/ 100000
init_vault "$(url vimp)"
# A signed log of 1,000 entries: one more member added and removed 500 times.
log "writing a 1,000-entry log (500 member add + rm)"
init_vault "$(url vlog)"
EXTRA=(env XDG_CONFIG_HOME="$W/extra" XDG_DATA_HOME="$W/extra" VAULT_DATABASE_URL="$(url vlog)")
"${EXTRA[@]}" "$VAULT" -q init >/dev/null
LINE=$("${EXTRA[@]}" "$VAULT" whoami | head -1)
for ((i = 0; i < 500; i++)); do
	VAULT_DATABASE_URL=$(url vlog) "$VAULT" -q member add "$LINE" --name extra >/dev/null
	VAULT_DATABASE_URL=$(url vlog) "$VAULT" -q member rm extra --no-rotate >/dev/null 2>&1
done
[[ $(sql vlog "select count(*) from vault.log") == 1001 ]] || die "the log does not hold 1,001 entries"
if [[ -n $BASE_VAULT ]]; then
	# The baseline's own vault, filled by the baseline (it cannot open this build's schema).
	VAULT_DATABASE_URL=$(url vbase) "$BASE_VAULT" -q init >/dev/null
	for ((i = 0; i < 100; i++)); do
		printf 'v%s' "$i" | VAULT_DATABASE_URL=$(url vbase) "$BASE_VAULT" -q put "$(printf 'app/k%05d' "$i")"
	done
fi
# A secret with 100 versions (history keeps them all here).
log "writing a secret with 100 versions"
init_vault "$(url vhist)"
for ((i = 0; i < 100; i++)); do
	printf 'v%s' "$i" | VAULT_KEEP_VERSIONS=100 VAULT_DATABASE_URL=$(url vhist) "$VAULT" -q put h/secret
done
[[ $(sql vhist "select count(*) from vault.versions") == 100 ]] || die "h/secret does not have 100 versions"
# 5,000 secrets written twice: 5,000 current values and 5,000 earlier versions.
init_vault "$(url vroth)" && fill "$(url vroth)" h/ 5000 && fill "$(url vroth)" h/ 5000
[[ $(sql vroth "select count(*) from vault.versions where secret is not null") == 5000 ]] || die "vroth lacks its 5,000 earlier versions"
# Precomputed rows for the \copy floors: real sealed rows, exported, then removed.
fill "$(url vimp)" BENCH_K 10000
sql vimp "\\copy (select id, name, description, secret, key_id, nonce from vault.secrets) to '$W/import_rows.csv' csv"
sql vimp "delete from vault.secrets; delete from vault.versions"
sql vrot "\\copy (select id, secret, nonce from vault.secrets) to '$W/rotate_rows.csv' csv"
rotate_floor_sql "$W/rotate_rows.csv" >"$W/rotate_floor.sql"
# A dotenv file of 10,000 entries, 32 hex characters each.
awk 'BEGIN { srand(7); for (i = 0; i < 10000; i++) { v = ""; for (j = 0; j < 4; j++) v = v sprintf("%08x", int(rand() * 4294967296)); printf "BENCH_K%05d=%s\n", i, v } }' >"$W/import.env"
for db in vget vbig vimp vrot; do sql "$db" "vacuum analyze" >/dev/null; done
# The rotate floor rewrites rows with ciphertexts from before any rotation; it
# works on an identical copy (same table, indexes, trigger) so the vault that
# `vault rotate` rotates stays valid between the interleaved runs.
"$PSQL" -X -q "$ADMIN" -c "create database vrotfloor template vrot" >/dev/null
sql vroth "\\copy (select id, secret, nonce from vault.secrets) to '$W/roth_rows.csv' csv"
sql vroth "\\copy (select secret_id, version, secret, nonce from vault.versions where secret is not null) to '$W/roth_versions.csv' csv"
cat >"$W/roth_floor.sql" <<EOF
begin;
create temp table t (id uuid, secret text, nonce bytea);
\\copy t from '$W/roth_rows.csv' csv
update vault.secrets s set secret = t.secret, nonce = t.nonce from t where s.id = t.id;
create temp table u (id uuid, version bigint, secret text, nonce bytea);
\\copy u from '$W/roth_versions.csv' csv
update vault.versions v set secret = u.secret, nonce = u.nonce from u where v.secret_id = u.id and v.version = u.version;
commit;
EOF
sql vroth "vacuum analyze" >/dev/null
"$PSQL" -X -q "$ADMIN" -c "create database vrothfloor template vroth" >/dev/null
fi

GET_NAME=app/k00042
GET_SQL="select secret from vault.secrets where name = '$GET_NAME'"

# pass: a gpg key without passphrase (ed25519/cv25519, the closest to age's X25519) and one entry.
HAVE_PASS=0
if command -v pass >/dev/null && command -v gpg >/dev/null; then
	export GNUPGHOME=$W/gnupg PASSWORD_STORE_DIR=$W/pass-store
	mkdir -p "$GNUPGHOME" && chmod 700 "$GNUPGHOME"
	if gpg --batch --quiet --passphrase '' --quick-gen-key bench@vault.invalid future-default default never >/dev/null 2>&1; then
		fpr=$(gpg --batch --with-colons --list-keys bench@vault.invalid 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
		pass init "$fpr" >/dev/null 2>&1 && pass insert -m "$GET_NAME" <"$W/value.txt" >/dev/null 2>&1 && HAVE_PASS=1
	fi
fi
# age CLI decrypting one file: what `passage show` does below its shell script.
HAVE_AGE_CLI=0
if command -v age >/dev/null && command -v age-keygen >/dev/null; then
	age-keygen -o "$W/age-id.txt" 2>/dev/null
	age -r "$(age-keygen -y "$W/age-id.txt")" -o "$W/value.age" "$W/value.txt" && HAVE_AGE_CLI=1
fi

# ---------------------------------------------------------------- measuring
# A side is a shell function; it runs its command(s) with "${PFX[@]}" in
# front: empty when timed, GNU time when measuring memory.
PFX=()
RSS_FILE=$W/rss.txt
has_cmd() { "$VAULT" help "$1" >/dev/null 2>&1; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
noop() { :; }
time_once() { # time_once FUNC: microseconds in LAST, less what FUNC put in ADJ
	ADJ=0
	local s=${EPOCHREALTIME/./}
	"$1"
	local e=${EPOCHREALTIME/./}
	LAST=$((e - s - ADJ))
}
ADJ=0
# age_prep MODE N: the age crate's floor for N values; its preparation (making
# and pre-sealing the values it then re-seals) is not part of the floor.
age_prep() { local p; p=$("${PFX[@]}" "$AGE_FLOOR" "$@" 2>/dev/null) && ADJ=$((ADJ + p)); }
rss_of() { # rss_of FUNC [RESET]: median over RSS_RUNS of the largest %M a run printed, in MiB
	local i vals=()
	for ((i = 0; i < RSS_RUNS; i++)); do
		"${2:-noop}"
		: >"$RSS_FILE"
		PFX=("$GTIME" -f %M -a -o "$RSS_FILE")
		"$1"
		PFX=()
		vals+=("$(sort -n "$RSS_FILE" | tail -1)")
	done
	printf '%s\n' "${vals[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }'
}
ms() { awk -v u="$1" 'BEGIN { if (u == "nan") print "nan"; else if (u >= 100000) printf "%.0f", u / 1000; else printf "%.1f", u / 1000 }'; }

ROWS=()
row() { ROWS+=("$1"); log "$1"; }
verdict() { # verdict VALUE OP LIMIT -> "yes"/"**no**"
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? (v <= l) : 0; print ok ? "yes" : "**no**" }'
}

# pair LABEL RUNS A_FUNC B_FUNC TARGET_RATIO(- for information) [RSS_LIMIT_MIB] [A_RESET] [B_RESET]
# A is vault, B the floor it is compared with; ratio = A/B per pair, median.
pair() {
	local label=$1 n=$2 a=$3 b=$4 target=$5 rss_limit=${6:-} ra=${7:-noop} rb=${8:-noop}
	local i at=() bt=() rt=()
	log "measuring: $label ($n pairs)"
	"$ra"; "$a" # warm-up, untimed: caches, the server's buffers
	"$rb"; "$b"
	for ((i = 0; i < n; i++)); do
		# A B, then B A: the side that runs second pays for the first one's
		# server backend still exiting; alternating cancels that too.
		if ((i % 2 == 0)); then
			"$ra"; time_once "$a"; at+=("$LAST")
			"$rb"; time_once "$b"; bt+=("$LAST")
		else
			"$rb"; time_once "$b"; bt+=("$LAST")
			"$ra"; time_once "$a"; at+=("$LAST")
		fi
		rt+=("$(awk -v x="${at[i]}" -v y="${bt[i]}" 'BEGIN { printf "%.4f", x / y }')")
	done
	local am bm ratio arss brss
	am=$(printf '%s\n' "${at[@]}" | median)
	bm=$(printf '%s\n' "${bt[@]}" | median)
	PAIR_AM=$am PAIR_BM=$bm
	ratio=$(printf '%s\n' "${rt[@]}" | median | awk '{ printf "%.2f", $1 }')
	arss=$(rss_of "$a" "$ra")
	brss=$(rss_of "$b" "$rb")
	local goal="(information)"
	[[ $target != - ]] && goal="≤ ${target}x: $(verdict "$ratio" "<=" "$target")"
	if [[ -n $rss_limit ]]; then
		goal+="; RSS ≤ $rss_limit MiB: $(verdict "$arss" "<=" "$rss_limit")"
	fi
	row "| $label | $(ms "$am") ms | $arss MiB | $(ms "$bm") ms | $brss MiB | **${ratio}x** | $goal |"
}
# single LABEL RUNS FUNC TARGET_MS: an absolute figure (no floor)
single() {
	local label=$1 n=$2 f=$3 target=$4 i t=()
	log "measuring: $label ($n runs)"
	"$f"
	for ((i = 0; i < n; i++)); do time_once "$f"; t+=("$LAST"); done
	local m r
	m=$(printf '%s\n' "${t[@]}" | median)
	r=$(rss_of "$f")
	row "| $label | $(ms "$m") ms | $r MiB | | | | ≤ $target ms: $(verdict "$(ms "$m")" "<=" "$target") |"
}
# floor_only LABEL RUNS FUNC [RESET]: the vault side is missing from this build
floor_only() {
	local label=$1 n=$2 f=$3 rf=${4:-noop} i t=()
	log "measuring: $label (floor only, $n runs)"
	"$rf"; "$f"
	for ((i = 0; i < n; i++)); do "$rf"; time_once "$f"; t+=("$LAST"); done
	row "| $label | n/a (command not available in this build) | | $(ms "$(printf '%s\n' "${t[@]}" | median)") ms | $(rss_of "$f" "$rf") MiB | n/a | |"
}
na_row() { row "| $1 | n/a (command not available in this build) | | | | n/a | |"; }

# ---------------------------------------------------------------- --scale
if [[ $SCALE == 1 ]]; then
	# shellcheck source=benches/scale.sh
	source "$ROOT/benches/scale.sh"
	exit 0
fi

# ---------------------------------------------------------------- the sides
export VAULT_DATABASE_URL=
v_get_pg() { VAULT_DATABASE_URL=$(url vget) "${PFX[@]}" "$VAULT" get "$GET_NAME" >/dev/null; }
v_get_pg_nossl() { VAULT_DATABASE_URL="$(url vget)?sslmode=disable" "${PFX[@]}" "$VAULT" get "$GET_NAME" >/dev/null; }
psql_get() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vget)" -c "$GET_SQL" >/dev/null; }
psql_get_nossl() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vget)?sslmode=disable" -c "$GET_SQL" >/dev/null; }
sqlx_get() { "${PFX[@]}" "$SQLX_FLOOR" "$(url vget)" "$GET_NAME" >/dev/null; }
v_get_agent() { env "${AGENT_ENV[@]}" "${PFX[@]}" "$VAULT" get "$GET_NAME" >/dev/null; }
v_get_pp() { env "${AGENT_ENV[@]}" VAULT_AGENT=off VAULT_PASSPHRASE_FILE="$W/passphrase" "${PFX[@]}" "$VAULT" get "$GET_NAME" >/dev/null; }
v_put_pg() { VAULT_DATABASE_URL=$(url vget) "${PFX[@]}" "$VAULT" -q put "$GET_NAME" <"$W/value.txt" >/dev/null; }
v_get_sqlite() { VAULT_DATABASE_URL=$SQLITE_URL "${PFX[@]}" "$VAULT" get "$GET_NAME" >/dev/null; }
pass_show() { "${PFX[@]}" pass show "$GET_NAME" >/dev/null; }
age_show() { "${PFX[@]}" age -d -i "$W/age-id.txt" "$W/value.age" >/dev/null; }
v_ls_big() { VAULT_DATABASE_URL=$(url vbig) "${PFX[@]}" "$VAULT" ls | cat >/dev/null; }
psql_ls_big() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vbig)" -c 'select name from vault.secrets order by name collate "C"' | cat >/dev/null; }
reset_imp() { sql vimp "delete from vault.secrets; delete from vault.versions" >/dev/null; }
import_floor() {
	age_prep seal 10000
	"${PFX[@]}" "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 "$(url vimp)" \
		-c "\\copy vault.secrets (id, name, description, secret, key_id, nonce) from '$W/import_rows.csv' csv" >/dev/null
}
v_rotate_h() { VAULT_DATABASE_URL=$(url vroth) "${PFX[@]}" "$VAULT" -q "${ROTATE_ARGS[@]}" </dev/null >/dev/null; }
rotate_floor_h() {
	age_prep reseal 10000
	"${PFX[@]}" "$PSQL" -X -q -v ON_ERROR_STOP=1 "$(url vrothfloor)" -f "$W/roth_floor.sql" >/dev/null
}
rotate_floor() {
	age_prep reseal 10000
	"${PFX[@]}" "$PSQL" -X -q -v ON_ERROR_STOP=1 "$(url vrotfloor)" -f "$W/rotate_floor.sql" >/dev/null
}

# Interfaces of commands built on other branches: guessed from `vault help`, overridable.
read -r -a IMPORT_ARGS <<<"${BENCH_IMPORT_ARGS:-}"
if [[ ${#IMPORT_ARGS[@]} == 0 ]]; then
	if "$VAULT" help import 2>/dev/null | grep -E '^Usage:' | grep -qE '[<[](FILE|PATH)'; then
		IMPORT_ARGS=(import "$W/import.env")
	else
		IMPORT_ARGS=(import)
	fi
fi
read -r -a ROTATE_ARGS <<<"${BENCH_ROTATE_ARGS:-rotate}"
read -r -a RUN_ARGS <<<"${BENCH_RUN_ARGS:-run -- true}"
v_import() { VAULT_DATABASE_URL=$(url vimp) "${PFX[@]}" "$VAULT" -q "${IMPORT_ARGS[@]}" <"$W/import.env" >/dev/null; }
v_rotate() { VAULT_DATABASE_URL=$(url vrot) "${PFX[@]}" "$VAULT" -q "${ROTATE_ARGS[@]}" </dev/null >/dev/null; }
v_run() { VAULT_DATABASE_URL=$(url vget) "${PFX[@]}" "$VAULT" -q "${RUN_ARGS[@]}" </dev/null >/dev/null; }
v_ls_log_pinned() { VAULT_DATABASE_URL=$(url vlog) "${PFX[@]}" "$VAULT" -q ls >/dev/null; }
v_ls_log_fresh() { XDG_DATA_HOME=$W/fresh VAULT_DATABASE_URL=$(url vlog) "${PFX[@]}" "$VAULT" -q ls >/dev/null; }
reset_fresh() { rm -rf "$W/fresh"; }
v_hist() { VAULT_KEEP_VERSIONS=100 VAULT_DATABASE_URL=$(url vhist) "${PFX[@]}" "$VAULT" history h/secret >/dev/null; }
v_get_hist() { VAULT_DATABASE_URL=$(url vhist) "${PFX[@]}" "$VAULT" get h/secret >/dev/null; }
base_put_pg() { VAULT_DATABASE_URL=$(url vbase) "${PFX[@]}" "$BASE_VAULT" -q put "$GET_NAME" <"$W/value.txt" >/dev/null; }
base_get_pg() { VAULT_DATABASE_URL=$(url vbase) "${PFX[@]}" "$BASE_VAULT" get "$GET_NAME" >/dev/null; }
v_complete() { VAULT_DATABASE_URL=$SQLITE_URL COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get app/k000 >/dev/null; }

# ---------------------------------------------------------------- the rows
read -r SEAL1 OPEN1 SEALN OPENN THREADS < <("$AGE_FLOOR" per-op 2000)
HEADER=("| what (medians; ratio = median of paired vault/floor) | vault | vault RSS | floor | floor RSS | ratio | target: met? |"
	"|---|---|---|---|---|---|---|")
log "age crate, 32-byte values: seal $SEAL1 µs, open $OPEN1 µs on one core; $SEALN / $OPENN µs per value over $THREADS threads"

pair "\`vault get\`, PostgreSQL (TLS, sslmode=prefer) vs real psql, same row" "$RUNS" v_get_pg psql_get 1.0 8
pair "\`vault get\`, PostgreSQL, sslmode=disable vs psql sslmode=disable (info)" "$RUNS" v_get_pg_nossl psql_get_nossl -
pair "\`vault get\` vs minimal sqlx program, same query (info: driver floor)" "$RUNS" v_get_pg sqlx_get -
if [[ $HAVE_PASS == 1 ]]; then
	pair "\`vault get\`, SQLite vs \`pass show\` (stand-in for passage, not in Debian)" "$RUNS" v_get_sqlite pass_show 0.25
else
	row "| \`vault get\`, SQLite vs \`pass show\` | pass not installable here | | | | n/a | |"
fi
if [[ $HAVE_AGE_CLI == 1 ]]; then
	pair "\`vault get\`, SQLite vs \`age -d\` of one file (passage's core)" "$FAST_RUNS" v_get_sqlite age_show 1.0
fi
pair "\`vault put\` (stdin), PostgreSQL vs \`vault get\`" "$RUNS" v_put_pg v_get_pg 1.3
if has_cmd unlock; then
	pair "\`vault get\`, PostgreSQL, passphrase-protected identity through the agent vs plain identity file" "$RUNS" v_get_agent v_get_pg 1.25
	pair "\`vault get\`, PostgreSQL, passphrase-protected identity without the agent (scrypt each time) vs plain identity file (info)" 5 v_get_pp v_get_pg -
else
	na_row "\`vault get\`, PostgreSQL, passphrase-protected identity through the agent vs plain identity file"
fi
if [[ -n $BASE_VAULT ]]; then
	pair "\`vault get\`, PostgreSQL, vs the same get of $BASE_REV" "$RUNS" v_get_pg base_get_pg 1.1
	pair "\`vault put\`, PostgreSQL, vs the same put of $BASE_REV" "$RUNS" v_put_pg base_put_pg 1.1
fi
if has_cmd history; then
	pair "\`vault history\` of a secret with 100 versions vs \`vault get\` of it" "$RUNS" v_hist v_get_hist 1.5
else
	na_row "\`vault history\` of a secret with 100 versions vs \`vault get\` of it"
fi
pair "\`vault ls\`, 1,000-entry log: first contact (verifies all of it) vs pinned (info)" "$RUNS" v_ls_log_fresh v_ls_log_pinned - "" reset_fresh
VERIFY_MS=$(awk -v a="$PAIR_AM" -v b="$PAIR_BM" 'BEGIN { printf "%.1f", (a - b) / 1000 }')
row "| verifying a 1,000-entry log from genesis (difference of the medians above) | $VERIFY_MS ms | | | | | ≤ 50 ms: $(verdict "$VERIFY_MS" "<=" 50) |"
if has_cmd import; then
	pair "\`vault import\` of 10,000 dotenv entries vs age seal ×10,000 (all cores) + psql \\copy" "$HEAVY" v_import import_floor 1.5 "" reset_imp reset_imp
else
	floor_only "\`vault import\` of 10,000 dotenv entries vs age seal ×10,000 (all cores) + psql \\copy" "$HEAVY" import_floor reset_imp
fi
if has_cmd rotate; then
	pair "\`vault rotate\` of 10,000 secrets vs age open+seal ×10,000 (all cores) + psql \\copy + UPDATE … FROM" "$HEAVY" v_rotate rotate_floor 1.5
else
	floor_only "\`vault rotate\` of 10,000 secrets vs age open+seal ×10,000 (all cores) + psql \\copy + UPDATE … FROM" "$HEAVY" rotate_floor
fi
if has_cmd history; then
	pair "\`vault rotate\` of 5,000 secrets with one earlier version each vs age open+seal ×10,000 (all cores) + psql \\copy + UPDATE … FROM, both tables" "$HEAVY" v_rotate_h rotate_floor_h 1.5
else
	na_row "\`vault rotate\` of 5,000 secrets with one earlier version each"
fi
if has_cmd run; then
	pair "\`vault run\` with 100 secrets vs \`vault get\` of one" "$RUNS" v_run v_get_pg 1.5
else
	na_row "\`vault run\` with 100 secrets vs \`vault get\` of one"
fi
pair "\`vault ls\` of 100,000 names, piped, vs psql selecting the names" "$HEAVY" v_ls_big psql_ls_big 1.5 32
if v_complete 2>/dev/null && [[ -n $(VAULT_DATABASE_URL=$SQLITE_URL COMPLETE=fish "$VAULT" -- vault get app/k000 2>/dev/null) ]]; then
	single "\`vault get\` completion, per TAB, SQLite (100 names)" "$RUNS" v_complete 10
else
	na_row "\`vault get\` completion, per TAB, SQLite"
fi

# ---------------------------------------------------------------- report
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
PGV=$("$PSQL" --version | awk '{ print $3 }')
{
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($CPU), PostgreSQL $PGV on 127.0.0.1 (TCP, trust auth, ssl=on), \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')\`; $RUNS pairs per row ($FAST_RUNS for \`get\` on SQLite vs \`age -d\`, $HEAVY for 10,000/100,000 rows)."
	echo
	printf '%s\n' "${HEADER[@]}" "${ROWS[@]}"
	echo
	echo "age crate alone, 32-byte values: seal $SEAL1 µs, open $OPEN1 µs per value on one core; $SEALN / $OPENN µs per value over $THREADS threads."
} >"$W/table.md"
echo
cat "$W/table.md"
mkdir -p "$ROOT/target/bench"
cp "$W/table.md" "$ROOT/target/bench/latest.md"
if [[ $UPDATE_README == 1 ]]; then
	grep -q '<!-- bench:begin -->' "$ROOT/README.md" || die "README.md has no <!-- bench:begin --> marker"
	awk -v f="$W/table.md" '
		/<!-- bench:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0 }
		!skip { print }' "$ROOT/README.md" >"$W/README.md"
	cp "$W/README.md" "$ROOT/README.md"
	log "README.md updated"
fi
