
use builtin;
use str;

set edit:completion:arg-completer[vault] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vault'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vault'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create your identity and the vault (safe to run again)'
            cand put 'Store a secret: from --file, from stdin when piped, else prompted without echo'
            cand get 'Print a secret''s exact bytes to stdout'
            cand ls 'List secret names (a table on a terminal, one name per line when piped)'
            cand rm 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge'
            cand history 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was'
            cand restore 'Write an earlier value as the newest version, or bring a removed secret back'
            cand mv 'Rename a secret: every version is re-sealed under the new name'
            cand cp 'Copy a secret and its history under a new name'
            cand log 'The vault''s verified membership and key changes, merged with every write (who wrote which secret when), newest first'
            cand rotate 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)'
            cand completions 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)'
            cand env 'Print secrets as environment variables (db/password becomes DB_PASSWORD)'
            cand run 'Run a command with secrets added to its environment'
            cand import 'Store every entry of a dotenv or JSON file, in one transaction'
            cand export 'Print secrets (names and values) as dotenv or JSON, the inverse of import'
            cand man 'Print the man page (roff) to stdout: vault(1), or a subcommand''s page'
            cand member 'Manage who may open the vault: add, list and remove members'
            cand whoami 'Show your recipient, your identity and whether you are a member'
            cand unlock 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase'
            cand lock 'Make the vault agent forget your identity now'
            cand agent 'The vault agent itself, as `vault unlock` starts it (not for direct use)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vault;init'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --name 'Your member name in this vault [default: $USER]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --passphrase 'Protect a new identity with a passphrase (asked twice on the terminal, or read from VAULT_PASSPHRASE_FILE / VAULT_PASSPHRASE_FD)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;put'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -d 'A short description, shown by `ls` (kept on replace unless given)'
            cand --description 'A short description, shown by `ls` (kept on replace unless given)'
            cand -f 'Read the value from this file (''-'' for stdin), byte for byte'
            cand --file 'Read the value from this file (''-'' for stdin), byte for byte'
            cand --if-version 'Check-and-set: write only if the current version is N (0: only if the secret does not exist), else exit 4 naming the current version'
            cand --length 'Length of the generated value, in characters (1-65536)'
            cand --charset 'Characters of the generated value'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --no-overwrite 'Only create: fail with exit code 4 if the name exists'
            cand --generate 'Store a random value from the OS random generator instead of reading one'
            cand --print 'Also print the generated value to stdout'
            cand --json 'Print what happened as JSON: {name, id, action, key_id, version} (and value with --print)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;get'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --version 'An earlier version (see `vault history`), verified like the current one'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print {"name", "value", "encoding", "version", "author", "verified"}: encoding "utf-8", or "base64" for other bytes'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vault;ls'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print a JSON array of {id,name,description,key_id,created_at,updated_at}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;rm'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --purge 'Destroy every version now (no restore), including earlier removed secrets of the same names'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;history'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print a JSON array of {version,time,op,author,recipient,verified,status,key_id,current,from,written_as,problem}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;restore'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --version 'The version to bring back [default for a removed secret: its last one]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print what happened as JSON: {name, version, restored_from, revived}'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vault;mv'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;cp'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;log'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -n 'At most this many lines (the newest)'
            cand --limit 'At most this many lines (the newest)'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print a JSON array of events {time,kind,...}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;rotate'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --dry-run 'Say what would change; change nothing'
            cand --json 'Print the summary as JSON on stdout: {old_key,new_key,moved,failed,resumed,retired,dry_run}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;completions'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;env'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --format 'Output format'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;run'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --only 'Only these secrets (repeatable) [default: every secret, or those under --prefix]'
            cand --prefix 'Only secrets whose names start with PREFIX (repeatable)'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --pristine 'Start from an empty environment: the command sees only the secrets'
            cand --override 'Let a secret replace a variable that is already set (else that is an error)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;import'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --format 'Input format'
            cand --prefix 'Put this in front of every key: --prefix app/ stores FOO as app/FOO'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --from-supabase-vault 'Instead of a file: every secret of Supabase Vault (vault.decrypted_secrets) in the same database, left unchanged; needs --schema other than vault'
            cand --no-overwrite 'Only create: if any name exists, exit 4 and store nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;export'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --format 'Output format'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;man'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;member'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Grant the vault key to a new member (no secret is re-sealed)'
            cand ls 'List members: name, recipient, when and by whom they were added'
            cand rm 'Remove a member and rotate the vault key so they cannot read new or existing values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vault;member;add'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --name 'A label for them, unique in the vault [default: the SSH key''s comment, else the recipient''s start]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;member;ls'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print a JSON array of {name,recipient,added_at,added_by,added_by_name,has_current_key}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;member;rm'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --no-rotate 'Only remove them, without rotating the key (they may still hold a copy of it)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;member;help'= {
            cand add 'Grant the vault key to a new member (no secret is re-sealed)'
            cand ls 'List members: name, recipient, when and by whom they were added'
            cand rm 'Remove a member and rotate the vault key so they cannot read new or existing values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vault;member;help;add'= {
        }
        &'vault;member;help;ls'= {
        }
        &'vault;member;help;rm'= {
        }
        &'vault;member;help;help'= {
        }
        &'vault;whoami'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand --json 'Print a JSON object instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;unlock'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --for 'How long the agent keeps the identity: 90s, 15m, 1h30m, 8h'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;lock'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;agent'= {
            cand --database-url 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]'
            cand --schema 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]'
            cand --identity 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]'
            cand --dir 'The private directory holding the socket'
            cand -q 'Print nothing but requested output and errors'
            cand --quiet 'Print nothing but requested output and errors'
            cand -v 'Explain what is happening on stderr (never values)'
            cand --verbose 'Explain what is happening on stderr (never values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vault;help'= {
            cand init 'Create your identity and the vault (safe to run again)'
            cand put 'Store a secret: from --file, from stdin when piped, else prompted without echo'
            cand get 'Print a secret''s exact bytes to stdout'
            cand ls 'List secret names (a table on a terminal, one name per line when piped)'
            cand rm 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge'
            cand history 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was'
            cand restore 'Write an earlier value as the newest version, or bring a removed secret back'
            cand mv 'Rename a secret: every version is re-sealed under the new name'
            cand cp 'Copy a secret and its history under a new name'
            cand log 'The vault''s verified membership and key changes, merged with every write (who wrote which secret when), newest first'
            cand rotate 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)'
            cand completions 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)'
            cand env 'Print secrets as environment variables (db/password becomes DB_PASSWORD)'
            cand run 'Run a command with secrets added to its environment'
            cand import 'Store every entry of a dotenv or JSON file, in one transaction'
            cand export 'Print secrets (names and values) as dotenv or JSON, the inverse of import'
            cand man 'Print the man page (roff) to stdout: vault(1), or a subcommand''s page'
            cand member 'Manage who may open the vault: add, list and remove members'
            cand whoami 'Show your recipient, your identity and whether you are a member'
            cand unlock 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase'
            cand lock 'Make the vault agent forget your identity now'
            cand agent 'The vault agent itself, as `vault unlock` starts it (not for direct use)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vault;help;init'= {
        }
        &'vault;help;put'= {
        }
        &'vault;help;get'= {
        }
        &'vault;help;ls'= {
        }
        &'vault;help;rm'= {
        }
        &'vault;help;history'= {
        }
        &'vault;help;restore'= {
        }
        &'vault;help;mv'= {
        }
        &'vault;help;cp'= {
        }
        &'vault;help;log'= {
        }
        &'vault;help;rotate'= {
        }
        &'vault;help;completions'= {
        }
        &'vault;help;env'= {
        }
        &'vault;help;run'= {
        }
        &'vault;help;import'= {
        }
        &'vault;help;export'= {
        }
        &'vault;help;man'= {
        }
        &'vault;help;member'= {
            cand add 'Grant the vault key to a new member (no secret is re-sealed)'
            cand ls 'List members: name, recipient, when and by whom they were added'
            cand rm 'Remove a member and rotate the vault key so they cannot read new or existing values'
        }
        &'vault;help;member;add'= {
        }
        &'vault;help;member;ls'= {
        }
        &'vault;help;member;rm'= {
        }
        &'vault;help;whoami'= {
        }
        &'vault;help;unlock'= {
        }
        &'vault;help;lock'= {
        }
        &'vault;help;agent'= {
        }
        &'vault;help;help'= {
        }
    ]
    $completions[$command]
}
