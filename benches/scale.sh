# shellcheck shell=bash
# benches/scale.sh: the rows of `benches/compare.sh --scale`, sourced by it
# (it uses compare.sh's throwaway server and helpers: url, sql, init_vault,
# fill, pair, single, row, time_once, age_prep, PFX ...).
#
# BENCH_SCALE_N          secrets per backend (default 1,000,000; a multiple of 100)
# BENCH_SCALE_ROWS       which groups to run: names,import,rotate,rotate1m,load (default all)
# BENCH_SCALE_RUNS       pairs for the rows that take minutes (default 1)
# BENCH_LOAD_CLIENTS     concurrent clients of the load test (default 64)
# BENCH_LOAD_SECS        seconds each load phase runs (default 20)
#
# Names are bulk/cNNN/NNNNN: 100 "directories" of N/100 names each.

need_pkg sqlite3 sqlite3 || die "sqlite3 is missing: apt-get install sqlite3"
N=${BENCH_SCALE_N:-1000000}
((N % 100 == 0 && N >= 2000)) || die "BENCH_SCALE_N must be a multiple of 100, at least 2,000"
CHUNK=$((N / 100))
SCALE_ROWS=${BENCH_SCALE_ROWS:-names,import,rotate,rotate1m,load}
BIG=${BENCH_SCALE_RUNS:-1}
CLIENTS=${BENCH_LOAD_CLIENTS:-64}
LOAD_SECS=${BENCH_LOAD_SECS:-20}
want() { [[ ,$SCALE_ROWS, == *,$1,* ]]; }
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
NS=$(commas "$N")
M=$((N / 10)) # the smaller rotation
MS=$(commas "$M")
CS=$(commas "$CHUNK")
atleast() { awk -v v="$1" -v l="$2" 'BEGIN { print (v >= l) ? "yes" : "**no**" }'; }

# cp_lite FROM TO: a copy of a SQLite vault at rest (its -wal too, if kept).
cp_lite() {
	rm -f "$2" "$2-wal" "$2-shm"
	cp "$1" "$2"
	[[ -f $1-wal ]] && cp "$1-wal" "$2-wal"
	return 0
}
# clone_pg FROM TO: a fresh database TO, a copy of FROM (no dead tuples).
clone_pg() {
	PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q "$ADMIN" -c "drop database if exists $2" -c "create database $2 template $1" >/dev/null
}

# pair_big LABEL RUNS A B TARGET RSS_LIMIT [A_RESET] [B_RESET]: like `pair`,
# for runs of minutes: no warm-up, and peak RSS from the timed runs themselves.
pair_big() {
	local label=$1 n=$2 a=$3 b=$4 target=$5 rss_limit=${6:-} ra=${7:-noop} rb=${8:-noop}
	local i side f r rss at=() bt=() ar=() br=() rt=()
	log "measuring: $label ($n pairs)"
	for ((i = 0; i < n; i++)); do
		local order=(a b)
		((i % 2)) && order=(b a)
		for side in "${order[@]}"; do
			if [[ $side == a ]]; then f=$a r=$ra; else f=$b r=$rb; fi
			"$r"
			: >"$RSS_FILE"
			PFX=("$GTIME" -f %M -a -o "$RSS_FILE")
			time_once "$f"
			PFX=()
			rss=$(sort -n "$RSS_FILE" | tail -1)
			if [[ $side == a ]]; then at+=("$LAST") ar+=("$rss"); else bt+=("$LAST") br+=("$rss"); fi
		done
		rt+=("$(awk -v x="${at[i]}" -v y="${bt[i]}" 'BEGIN { printf "%.4f", x / y }')")
	done
	local am bm ratio arss brss goal="(information)"
	am=$(printf '%s\n' "${at[@]}" | median)
	bm=$(printf '%s\n' "${bt[@]}" | median)
	ratio=$(printf '%s\n' "${rt[@]}" | median | awk '{ printf "%.2f", $1 }')
	arss=$(printf '%s\n' "${ar[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')
	brss=$(printf '%s\n' "${br[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')
	[[ $target != - ]] && goal="≤ ${target}x: $(verdict "$ratio" "<=" "$target")"
	[[ -n $rss_limit ]] && goal+="; RSS ≤ $rss_limit MiB: $(verdict "$arss" "<=" "$rss_limit")"
	row "| $label | $(ms "$am") ms | $arss MiB | $(ms "$bm") ms | $brss MiB | **${ratio}x** | $goal |"
}

# The largest RSS of any PostgreSQL server process while FUNC runs, in MiB
# (sampled every 0.5 s; shared buffers a backend touched count too).
SERVER_PEAK=0
with_server_peak() {
	local f=$W/server-rss.txt
	: >"$f"
	(while :; do
		ps -e -o rss=,comm= | awk '$2 ~ /^postgres/ { print $1 }' | sort -n | tail -1 >>"$f"
		sleep 0.5
	done) &
	local sampler=$!
	"$@"
	local rc=$?
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	local peak
	peak=$(sort -n "$f" | tail -1)
	((${peak:-0} > SERVER_PEAK)) && SERVER_PEAK=$peak
	return $rc
}

HEADER=("| what, $NS secrets (medians; ratio = median of paired vault/floor) | vault | vault RSS | floor | floor RSS | ratio | target: met? |"
	"|---|---|---|---|---|---|---|")
export VAULT_DATABASE_URL=

# ---------------------------------------------------------------- the million
SCALE_DB=$W/home/scale.db
SCALE_LITE=sqlite://$SCALE_DB
if want names || want rotate1m || want load; then
	"$PSQL" -X -q "$ADMIN" -c "create database vscale" >/dev/null
	init_vault "$(url vscale)" && init_vault "$SCALE_LITE"
	log "filling two vaults with $NS secrets each, $CS per transaction (bulk/cNNN/NNNNN)"
	for ((c = 0; c < 100; c++)); do
		p=$(printf 'bulk/c%03d/' "$c")
		fill "$(url vscale)" "$p" "$CHUNK" || die "filling PostgreSQL failed at chunk $c"
		fill "$SCALE_LITE" "$p" "$CHUNK" || die "filling SQLite failed at chunk $c"
	done
	sql vscale "vacuum analyze" >/dev/null
	sqlite3 "$SCALE_DB" "analyze" >/dev/null
fi

if want names; then
	NARROW_P=bulk/c042/0001   # 10 names
	NARROW100_P=bulk/c042/000 # 100 names: the target's widest narrow prefix
	RANGE_P=bulk/c042/      # N/100 names
	RANGE_SQL="where name >= 'bulk/c042/' and name < 'bulk/c0420'"
	s_tab_pg() { VAULT_DATABASE_URL=$(url vscale) COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get "$NARROW_P" >/dev/null; }
	s_tab100_pg() { VAULT_DATABASE_URL=$(url vscale) COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get "$NARROW100_P" >/dev/null; }
	s_tab100_lite() { VAULT_DATABASE_URL=$SCALE_LITE COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get "$NARROW100_P" >/dev/null; }
	s_tab_lite() { VAULT_DATABASE_URL=$SCALE_LITE COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get "$NARROW_P" >/dev/null; }
	s_tab_pg_nossl() { VAULT_DATABASE_URL="$(url vscale)?sslmode=disable" COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get "$NARROW_P" >/dev/null; }
	s_psql_one() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vscale)" -c 'select 1' >/dev/null; }
	s_tab_wide_pg() { VAULT_DATABASE_URL=$(url vscale) COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get bulk/ >/dev/null; }
	s_tab_wide_lite() { VAULT_DATABASE_URL=$SCALE_LITE COMPLETE=fish "${PFX[@]}" "$VAULT" -- vault get bulk/ >/dev/null; }
	s_ls_range_pg() { VAULT_DATABASE_URL=$(url vscale) "${PFX[@]}" "$VAULT" ls "$RANGE_P" | cat >/dev/null; }
	s_psql_range() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vscale)" -c "select name from vault.secrets ${RANGE_SQL//name/name collate \"C\"} order by name collate \"C\"" | cat >/dev/null; }
	s_ls_range_lite() { VAULT_DATABASE_URL=$SCALE_LITE "${PFX[@]}" "$VAULT" ls "$RANGE_P" | cat >/dev/null; }
	s_sqlite3_range() { "${PFX[@]}" sqlite3 "$SCALE_DB" "select name from secrets $RANGE_SQL order by name" | cat >/dev/null; }
	s_ls_all_pg() { VAULT_DATABASE_URL=$(url vscale) "${PFX[@]}" "$VAULT" ls | cat >/dev/null; }
	s_psql_all() { "${PFX[@]}" "$PSQL" -X -A -t -q "$(url vscale)" -c 'select name from vault.secrets order by name collate "C"' | cat >/dev/null; }
	s_ls_all_lite() { VAULT_DATABASE_URL=$SCALE_LITE "${PFX[@]}" "$VAULT" ls | cat >/dev/null; }
	s_sqlite3_all() { "${PFX[@]}" sqlite3 "$SCALE_DB" "select name from secrets where name is not null order by name" | cat >/dev/null; }
	for u in "$(url vscale)" "$SCALE_LITE"; do
		[[ $(VAULT_DATABASE_URL=$u COMPLETE=fish "$VAULT" -- vault get "$NARROW_P" | wc -l) == 10 ]] ||
			die "completion of $NARROW_P does not offer its 10 names ($u)"
		[[ $(VAULT_DATABASE_URL=$u COMPLETE=fish "$VAULT" -- vault get "$NARROW100_P" | wc -l) == 100 ]] ||
			die "completion of $NARROW100_P does not offer its 100 names ($u)"
		[[ $(VAULT_DATABASE_URL=$u COMPLETE=fish "$VAULT" -- vault get bulk/ | wc -l) == 100 ]] ||
			die "completion of bulk/ does not offer its 100 levels ($u)"
	done
	single "completion, one TAB, a prefix of 10 names, PostgreSQL (TLS)" "$RUNS" s_tab_pg 10
	single "completion, one TAB, a prefix of 10 names, SQLite" "$RUNS" s_tab_lite 10
	single "completion, one TAB, a prefix of 100 names, PostgreSQL (TLS)" "$RUNS" s_tab100_pg 10
	single "completion, one TAB, a prefix of 100 names, SQLite" "$RUNS" s_tab100_lite 10
	single "completion, one TAB, \`bulk/\` (a screenful: 100 levels), PostgreSQL (TLS)" "$RUNS" s_tab_wide_pg 10
	single "completion, one TAB, \`bulk/\` (a screenful: 100 levels), SQLite" "$RUNS" s_tab_wide_lite 10
	# What a PostgreSQL TAB is made of: the same TAB without TLS, and a
	# bare connection running \`select 1\` over TLS.
	pair "completion, one TAB, a prefix of 10 names, PostgreSQL (TLS) vs the same TAB with sslmode=disable (info)" "$RUNS" s_tab_pg s_tab_pg_nossl -
	pair "completion, one TAB, a prefix of 10 names, PostgreSQL (TLS) vs psql running \`select 1\` (TLS) (info)" "$RUNS" s_tab_pg s_psql_one -
	pair "\`vault ls PREFIX\` ($CS names), PostgreSQL vs psql's index range query" "$RUNS" s_ls_range_pg s_psql_range 1.2
	pair "\`vault ls PREFIX\` ($CS names), SQLite vs sqlite3's range query" "$RUNS" s_ls_range_lite s_sqlite3_range 1.2
	pair "\`vault ls\` of every name, PostgreSQL vs psql" "$HEAVY" s_ls_all_pg s_psql_all 1.0
	pair "\`vault ls\` of every name, SQLite vs sqlite3" "$HEAVY" s_ls_all_lite s_sqlite3_all 1.5
fi

# ---------------------------------------------------------------- import
if want import; then
	log "import: a dotenv file of $NS entries"
	awk -v n="$N" 'BEGIN { srand(11); for (i = 0; i < n; i++) { v = ""; for (j = 0; j < 4; j++) v = v sprintf("%08x", int(rand() * 4294967296)); printf "BENCH_K%07d=%s\n", i, v } }' >"$W/import_big.env"
	"$PSQL" -X -q "$ADMIN" -c "create database vimpbig_t" >/dev/null
	init_vault "$(url vimpbig_t)"
	init_vault "sqlite://$W/home/impbig_t.db"
	imp_reset_pg() { clone_pg vimpbig_t vimpbig; }
	imp_reset_lite() { cp_lite "$W/home/impbig_t.db" "$W/home/impbig.db"; }
	imp_pg() { with_server_peak env VAULT_DATABASE_URL="$(url vimpbig)" "${PFX[@]}" "$VAULT" -q import "$W/import_big.env" >/dev/null; }
	imp_lite() { VAULT_DATABASE_URL=sqlite://$W/home/impbig.db "${PFX[@]}" "$VAULT" -q import "$W/import_big.env" >/dev/null; }
	# The floors write the very rows vault wrote (kept from its first run).
	imp_floor_reset_pg() {
		if [[ ! -s $W/import_big.csv ]]; then
			[[ $(sql vimpbig "select count(*) from vault.secrets") == "$N" ]] || die "vault import did not store $NS secrets (PostgreSQL)"
			sql vimpbig "\\copy (select id, name, description, secret, key_id, nonce from vault.secrets) to '$W/import_big.csv' csv"
		fi
		imp_reset_pg
	}
	imp_floor_pg() {
		age_prep seal "$N"
		"${PFX[@]}" "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 "$(url vimpbig)" \
			-c "\\copy vault.secrets (id, name, description, secret, key_id, nonce) from '$W/import_big.csv' csv" >/dev/null
	}
	imp_floor_reset_lite() {
		if [[ ! -s $W/import_big_rows.db ]]; then
			[[ $(sqlite3 "$W/home/impbig.db" "select count(*) from secrets") == "$N" ]] || die "vault import did not store $NS secrets (SQLite)"
			sqlite3 "$W/home/impbig.db" "attach '$W/import_big_rows.db' as r; create table r.s as select id, name, description, secret, key_id, nonce, created_at, updated_at from secrets"
		fi
		imp_reset_lite
	}
	imp_floor_lite() {
		age_prep seal "$N"
		"${PFX[@]}" sqlite3 "$W/home/impbig.db" "attach '$W/import_big_rows.db' as r; begin; insert into main.secrets (id, name, description, secret, key_id, nonce, created_at, updated_at) select * from r.s; commit" >/dev/null
	}
	SERVER_PEAK=0
	pair_big "\`vault import\` of $NS entries in one file, PostgreSQL, vs age seal ×$NS (all cores) + psql \\copy" "$BIG" imp_pg imp_floor_pg 1.5 64 imp_reset_pg imp_floor_reset_pg
	row "| PostgreSQL server process's peak RSS during that \`vault import\` (sampled) | | $(awk -v k="$SERVER_PEAK" 'BEGIN { printf "%.0f", k / 1024 }') MiB | | | | ≤ 512 MiB: $(verdict "$((SERVER_PEAK / 1024))" "<=" 512) |"
	pair_big "\`vault import\` of $NS entries in one file, SQLite, vs age seal ×$NS (all cores) + sqlite3 INSERT … SELECT" "$BIG" imp_lite imp_floor_lite 1.5 64 imp_reset_lite imp_floor_reset_lite
	"$PSQL" -X -q "$ADMIN" -c "drop database vimpbig" -c "drop database vimpbig_t" >/dev/null
	rm -f "$W"/home/impbig* "$W/import_big.csv" "$W/import_big_rows.db" "$W/import_big.env"
fi

# ---------------------------------------------------------------- rotate
# rot_setup NAME DB SQLITE_FILE: floors for rotating the vault in DB / FILE:
# its (id, secret, nonce) rows as they are now, and a copy to rewrite.
rot_setup() {
	local tag=$1 db=$2 file=$3
	sql "$db" "\\copy (select id, secret, nonce from vault.secrets) to '$W/rot_$tag.csv' csv"
	rotate_floor_sql "$W/rot_$tag.csv" >"$W/rot_$tag.sql"
	clone_pg "$db" "${db}floor"
	rm -f "$W/rot_$tag.db"
	sqlite3 "$file" "attach '$W/rot_$tag.db' as r; create table r.t as select id, secret, nonce from secrets"
	cp_lite "$file" "$file.floor"
}
rot_floor_pg() { # rot_floor_pg TAG DB COUNT
	age_prep reseal "$3"
	"${PFX[@]}" "$PSQL" -X -q -v ON_ERROR_STOP=1 "$(url "$2floor")" -f "$W/rot_$1.sql" >/dev/null
}
rot_floor_lite() { # rot_floor_lite TAG FILE COUNT
	age_prep reseal "$3"
	"${PFX[@]}" sqlite3 "$2.floor" "attach '$W/rot_$1.db' as r; begin; update main.secrets set secret = t.secret, nonce = t.nonce from r.t as t where main.secrets.id = t.id; commit" >/dev/null
}
rot_vault() { VAULT_DATABASE_URL=$1 "${PFX[@]}" "$VAULT" -q rotate </dev/null >/dev/null; }

if want rotate; then
	"$PSQL" -X -q "$ADMIN" -c "create database vrsmall" >/dev/null
	R_FILE=$W/home/rsmall.db
	init_vault "$(url vrsmall)" && init_vault "sqlite://$R_FILE"
	log "rotate: filling two vaults with $MS secrets each"
	for ((c = 0; c < 10; c++)); do
		fill "$(url vrsmall)" "$(printf 'r/c%03d/' "$c")" "$CHUNK" || die "filling PostgreSQL failed"
		fill "sqlite://$R_FILE" "$(printf 'r/c%03d/' "$c")" "$CHUNK" || die "filling SQLite failed"
	done
	sql vrsmall "vacuum analyze" >/dev/null
	rot_setup small vrsmall "$R_FILE"
	rs_pg() { rot_vault "$(url vrsmall)"; }
	rs_lite() { rot_vault "sqlite://$R_FILE"; }
	rs_floor_pg() { rot_floor_pg small vrsmall "$M"; }
	rs_floor_lite() { rot_floor_lite small "$R_FILE" "$M"; }
	R_RUNS=$((BIG < 3 ? 3 : BIG))
	pair_big "\`vault rotate\` of $MS secrets, PostgreSQL, back to back, vs age open+seal ×$MS (all cores) + psql \\copy + UPDATE … FROM" "$R_RUNS" rs_pg rs_floor_pg 1.5 64
	pair_big "\`vault rotate\` of $MS secrets, SQLite, back to back, vs age open+seal ×$MS (all cores) + sqlite3 UPDATE … FROM" "$R_RUNS" rs_lite rs_floor_lite 1.5 64
	"$PSQL" -X -q "$ADMIN" -c "drop database vrsmall" -c "drop database vrsmallfloor" >/dev/null
	rm -f "$R_FILE"* "$W"/rot_small.*
fi

if want rotate1m; then
	rot_setup big vscale "$SCALE_DB"
	rb_pg() { rot_vault "$(url vscale)"; }
	rb_lite() { rot_vault "$SCALE_LITE"; }
	rb_floor_pg() { rot_floor_pg big vscale "$N"; }
	rb_floor_lite() { rot_floor_lite big "$SCALE_DB" "$N"; }
	pair_big "\`vault rotate\` of $NS secrets, PostgreSQL, vs age open+seal ×$NS (all cores) + psql \\copy + UPDATE … FROM" "$BIG" rb_pg rb_floor_pg 1.5 64
	pair_big "\`vault rotate\` of $NS secrets, SQLite, vs age open+seal ×$NS (all cores) + sqlite3 UPDATE … FROM" "$BIG" rb_lite rb_floor_lite 1.5 64
	"$PSQL" -X -q "$ADMIN" -c "drop database vscalefloor" >/dev/null
	rm -f "$SCALE_DB.floor"* "$W"/rot_big.*
fi

# ---------------------------------------------------------------- load
# load_client KIND ID END_US: gets (4 in 5) of random bulk/ names and puts (1
# in 5) of its own 50 names until END_US; writes "ops errors" and the last
# value it put under each name.
load_client() {
	local kind=$1 id=$2 end=$3 ops=0 errs=0 seq=0 r name v out
	local -A last=()
	local u
	u=$(url vscale)
	while ((${EPOCHREALTIME/./} < end)); do
		r=$((RANDOM << 15 | RANDOM))
		if ((r % 5 == 0)); then
			seq=$((seq + 1))
			v="v$id.$seq"
			if [[ $kind == vault ]]; then
				name=load/c$id/k$((r / 5 % 50))
				if VAULT_DATABASE_URL=$u "$VAULT" -q put "$name" <<<"$v" 2>>"$W/load/$kind.err"; then last[$name]=$v; else errs=$((errs + 1)); fi
			else
				name=floor/c$id/k$((r / 5 % 50))
				"$PSQL" -X -q "$u" -c "insert into vault.secrets (name, secret) values ('$name', '$v') on conflict (name) where name is not null do update set secret = excluded.secret" 2>>"$W/load/$kind.err" || errs=$((errs + 1))
			fi
		else
			printf -v name 'bulk/c%03d/%05d' $((r % N / CHUNK)) $((r % CHUNK))
			if [[ $kind == vault ]]; then
				out=$(VAULT_DATABASE_URL=$u "$VAULT" get "$name" 2>>"$W/load/$kind.err") && [[ -n $out ]] || errs=$((errs + 1))
			else
				out=$("$PSQL" -X -A -t -q "$u" -c "select secret from vault.secrets where name = '$name'" 2>>"$W/load/$kind.err") && [[ -n $out ]] || errs=$((errs + 1))
			fi
		fi
		ops=$((ops + 1))
	done
	echo "$ops $errs" >"$W/load/$kind.$id"
	for name in "${!last[@]}"; do printf '%s\t%s\n' "$name" "${last[$name]}"; done >"$W/load/$kind.$id.values"
}
# load_run KIND: CLIENTS clients for LOAD_SECS; sets LOAD_OPS, LOAD_ERRS.
load_run() {
	local kind=$1 i
	rm -f "$W/load/$kind".*
	local end=$((${EPOCHREALTIME/./} + LOAD_SECS * 1000000)) pids=()
	for ((i = 0; i < CLIENTS; i++)); do
		load_client "$kind" "$i" "$end" &
		pids+=($!)
	done
	wait "${pids[@]}"
	read -r LOAD_OPS LOAD_ERRS < <(cat "$W/load/$kind".[0-9]* | awk '{ o += $1; e += $2 } END { print o + 0, e + 0 }')
}
# The bulk/ values, one digest per directory, as vault opens them.
bulk_digests() {
	local c
	for ((c = 0; c < 100; c++)); do
		VAULT_DATABASE_URL=$(url vscale) "$VAULT" export --format json "$(printf 'bulk/c%03d/' "$c")" | sha256sum
	done
}
# Every load/ name holds the last value its client put.
load_values_ok() {
	VAULT_DATABASE_URL=$(url vscale) "$VAULT" export --format json load/ >"$W/load/export.json" || return 1
	cat "$W/load"/vault.*.values | python3 -c '
import json, sys
got = json.load(open(sys.argv[1]))
want = dict(l.rstrip("\n").split("\t") for l in sys.stdin if l.strip())
bad = [n for n, v in want.items() if got.get(n) != v + "\n"]
sys.exit(1 if bad or len(want) == 0 else 0)' "$W/load/export.json"
}

if want load; then
	mkdir -p "$W/load"
	log "load: $CLIENTS clients, ${LOAD_SECS} s, against the $NS-secret PostgreSQL vault"
	log "load: digesting every value before"
	bulk_digests >"$W/load/before.sha"
	load_run vault
	V_OPS=$LOAD_OPS V_ERRS=$LOAD_ERRS
	load_run psql
	P_OPS=$LOAD_OPS P_ERRS=$LOAD_ERRS
	sql vscale "delete from vault.secrets where name like 'floor/%'" >/dev/null
	load_values_ok && V_OK=yes || V_OK="**no**"
	ratio=$(awk -v a="$V_OPS" -v b="$P_OPS" 'BEGIN { printf "%.2f", a / b }')
	row "| load: $CLIENTS clients, ${LOAD_SECS} s, gets and puts 4:1, PostgreSQL: \`vault\` vs psql's same selects and upserts (throughput) | $((V_OPS / LOAD_SECS)) ops/s, $V_ERRS errors | | $((P_OPS / LOAD_SECS)) ops/s, $P_ERRS errors | | **${ratio}x** | ≥ 1.3x: $(atleast "$ratio" 1.3); zero errors: $([[ $V_ERRS == 0 ]] && echo yes || echo '**no**'); values correct: $V_OK |"
	# The same load with a rotation started halfway through.
	(
		sleep $((LOAD_SECS / 2))
		VAULT_DATABASE_URL=$(url vscale) "$VAULT" -q rotate </dev/null >/dev/null 2>"$W/load/rotate.err"
		echo $? >"$W/load/rotate.rc"
	) &
	ROT=$!
	R_START=${EPOCHREALTIME/./}
	load_run vault
	wait "$ROT"
	R_END=${EPOCHREALTIME/./}
	R_RC=$(cat "$W/load/rotate.rc")
	bulk_digests >"$W/load/after.sha"
	load_values_ok && R_OK=yes || R_OK="**no**"
	cmp -s "$W/load/before.sha" "$W/load/after.sha" && B_OK=yes || B_OK="**no**"
	row "| load as above with \`vault rotate\` of all $NS started at ${LOAD_SECS}/2 s | $((LOAD_OPS / LOAD_SECS)) ops/s, $LOAD_ERRS errors | | | | | rotation exit $R_RC after $(((R_END - R_START) / 1000000 - LOAD_SECS / 2)) s; zero errors: $([[ $LOAD_ERRS == 0 && $R_RC == 0 ]] && echo yes || echo '**no**'); load values correct: $R_OK; every bulk value unchanged: $B_OK |"
	[[ -s $W/load/vault.err ]] && log "load: vault's errors (first 5):" && head -5 "$W/load/vault.err" >&2
fi

{
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')\`, $NS secrets per backend; $RUNS pairs per quick row, $HEAVY for every name, $BIG for rows of minutes."
	echo
	printf '%s\n' "${HEADER[@]}" "${ROWS[@]}"
} >"$W/scale.md"
echo
cat "$W/scale.md"
mkdir -p "$ROOT/target/bench"
cp "$W/scale.md" "$ROOT/target/bench/scale.md"
