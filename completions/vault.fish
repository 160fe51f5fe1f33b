# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vault_global_optspecs
    string join \n database-url= schema= identity= q/quiet v/verbose h/help V/version
end

function __fish_vault_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vault_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vault_using_subcommand
    set -l cmd (__fish_vault_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vault -n "__fish_vault_needs_command" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_needs_command" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_needs_command" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_needs_command" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_needs_command" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_needs_command" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_needs_command" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_needs_command" -f -a "init" -d 'Create your identity and the vault (safe to run again)'
complete -c vault -n "__fish_vault_needs_command" -f -a "put" -d 'Store a secret: from --file, from stdin when piped, else prompted without echo'
complete -c vault -n "__fish_vault_needs_command" -f -a "get" -d 'Print a secret\'s exact bytes to stdout'
complete -c vault -n "__fish_vault_needs_command" -f -a "ls" -d 'List secret names (a table on a terminal, one name per line when piped)'
complete -c vault -n "__fish_vault_needs_command" -f -a "rm" -d 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge'
complete -c vault -n "__fish_vault_needs_command" -f -a "history" -d 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was'
complete -c vault -n "__fish_vault_needs_command" -f -a "restore" -d 'Write an earlier value as the newest version, or bring a removed secret back'
complete -c vault -n "__fish_vault_needs_command" -f -a "mv" -d 'Rename a secret: every version is re-sealed under the new name'
complete -c vault -n "__fish_vault_needs_command" -f -a "cp" -d 'Copy a secret and its history under a new name'
complete -c vault -n "__fish_vault_needs_command" -f -a "log" -d 'The vault\'s verified membership and key changes, merged with every write (who wrote which secret when), newest first'
complete -c vault -n "__fish_vault_needs_command" -f -a "rotate" -d 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)'
complete -c vault -n "__fish_vault_needs_command" -f -a "completions" -d 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)'
complete -c vault -n "__fish_vault_needs_command" -f -a "env" -d 'Print secrets as environment variables (db/password becomes DB_PASSWORD)'
complete -c vault -n "__fish_vault_needs_command" -f -a "run" -d 'Run a command with secrets added to its environment'
complete -c vault -n "__fish_vault_needs_command" -f -a "import" -d 'Store every entry of a dotenv or JSON file, in one transaction'
complete -c vault -n "__fish_vault_needs_command" -f -a "export" -d 'Print secrets (names and values) as dotenv or JSON, the inverse of import'
complete -c vault -n "__fish_vault_needs_command" -f -a "man" -d 'Print the man page (roff) to stdout: vault(1), or a subcommand\'s page'
complete -c vault -n "__fish_vault_needs_command" -f -a "member" -d 'Manage who may open the vault: add, list and remove members'
complete -c vault -n "__fish_vault_needs_command" -f -a "whoami" -d 'Show your recipient, your identity and whether you are a member'
complete -c vault -n "__fish_vault_needs_command" -f -a "unlock" -d 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase'
complete -c vault -n "__fish_vault_needs_command" -f -a "lock" -d 'Make the vault agent forget your identity now'
complete -c vault -n "__fish_vault_needs_command" -f -a "agent" -d 'The vault agent itself, as `vault unlock` starts it (not for direct use)'
complete -c vault -n "__fish_vault_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vault -n "__fish_vault_using_subcommand init" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand init" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand init" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand init" -l name -d 'Your member name in this vault [default: $USER]' -r
complete -c vault -n "__fish_vault_using_subcommand init" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand init" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand init" -l passphrase -d 'Protect a new identity with a passphrase (asked twice on the terminal, or read from VAULT_PASSPHRASE_FILE / VAULT_PASSPHRASE_FD)'
complete -c vault -n "__fish_vault_using_subcommand init" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand init" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand put" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand put" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand put" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand put" -s d -l description -d 'A short description, shown by `ls` (kept on replace unless given)' -r
complete -c vault -n "__fish_vault_using_subcommand put" -s f -l file -d 'Read the value from this file (\'-\' for stdin), byte for byte' -r -F
complete -c vault -n "__fish_vault_using_subcommand put" -l if-version -d 'Check-and-set: write only if the current version is N (0: only if the secret does not exist), else exit 4 naming the current version' -r
complete -c vault -n "__fish_vault_using_subcommand put" -l length -d 'Length of the generated value, in characters (1-65536)' -r
complete -c vault -n "__fish_vault_using_subcommand put" -l charset -d 'Characters of the generated value' -r -f -a "alnum\t'A-Z a-z 0-9 (62 characters)'
ascii\t'Printable ASCII without space: \'!\' to \'~\' (94 characters)'
hex\t'0-9 a-f'
base64\t'The base64 alphabet: A-Z a-z 0-9 + /'"
complete -c vault -n "__fish_vault_using_subcommand put" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand put" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand put" -l no-overwrite -d 'Only create: fail with exit code 4 if the name exists'
complete -c vault -n "__fish_vault_using_subcommand put" -l generate -d 'Store a random value from the OS random generator instead of reading one'
complete -c vault -n "__fish_vault_using_subcommand put" -l print -d 'Also print the generated value to stdout'
complete -c vault -n "__fish_vault_using_subcommand put" -l json -d 'Print what happened as JSON: {name, id, action, key_id, version} (and value with --print)'
complete -c vault -n "__fish_vault_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vault -n "__fish_vault_using_subcommand put" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand get" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand get" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand get" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand get" -l version -d 'An earlier version (see `vault history`), verified like the current one' -r
complete -c vault -n "__fish_vault_using_subcommand get" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand get" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand get" -l json -d 'Print {"name", "value", "encoding", "version", "author", "verified"}: encoding "utf-8", or "base64" for other bytes'
complete -c vault -n "__fish_vault_using_subcommand get" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand ls" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand ls" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand ls" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand ls" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand ls" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand ls" -l json -d 'Print a JSON array of {id,name,description,key_id,created_at,updated_at}'
complete -c vault -n "__fish_vault_using_subcommand ls" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand ls" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand rm" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand rm" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand rm" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand rm" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand rm" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand rm" -l purge -d 'Destroy every version now (no restore), including earlier removed secrets of the same names'
complete -c vault -n "__fish_vault_using_subcommand rm" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand rm" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand history" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand history" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand history" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand history" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand history" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand history" -l json -d 'Print a JSON array of {version,time,op,author,recipient,verified,status,key_id,current,from,written_as,problem}'
complete -c vault -n "__fish_vault_using_subcommand history" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand history" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand restore" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand restore" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand restore" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand restore" -l version -d 'The version to bring back [default for a removed secret: its last one]' -r
complete -c vault -n "__fish_vault_using_subcommand restore" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand restore" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand restore" -l json -d 'Print what happened as JSON: {name, version, restored_from, revived}'
complete -c vault -n "__fish_vault_using_subcommand restore" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand mv" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand mv" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand mv" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand mv" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand mv" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand mv" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand mv" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand cp" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand cp" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand cp" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand cp" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand cp" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand cp" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand cp" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand log" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand log" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand log" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand log" -s n -l limit -d 'At most this many lines (the newest)' -r
complete -c vault -n "__fish_vault_using_subcommand log" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand log" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand log" -l json -d 'Print a JSON array of events {time,kind,...}'
complete -c vault -n "__fish_vault_using_subcommand log" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand log" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand rotate" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand rotate" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand rotate" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand rotate" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand rotate" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand rotate" -l dry-run -d 'Say what would change; change nothing'
complete -c vault -n "__fish_vault_using_subcommand rotate" -l json -d 'Print the summary as JSON on stdout: {old_key,new_key,moved,failed,resumed,retired,dry_run}'
complete -c vault -n "__fish_vault_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand completions" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand completions" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand completions" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand completions" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand completions" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand completions" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand completions" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand env" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand env" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand env" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand env" -l format -d 'Output format' -r -f -a "shell\t'`export NAME=\'value\'` lines, safe to `eval` in POSIX sh, bash and zsh (not fish)'
fish\t'`set -gx NAME \'value\'` lines, for `vault env --format fish | source` in fish'
dotenv\t'`NAME=\'value\'` lines, read back by `vault import` and dotenv libraries'
json\t'One JSON object of strings'"
complete -c vault -n "__fish_vault_using_subcommand env" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand env" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vault -n "__fish_vault_using_subcommand env" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand run" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand run" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand run" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand run" -l only -d 'Only these secrets (repeatable) [default: every secret, or those under --prefix]' -r
complete -c vault -n "__fish_vault_using_subcommand run" -l prefix -d 'Only secrets whose names start with PREFIX (repeatable)' -r
complete -c vault -n "__fish_vault_using_subcommand run" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand run" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand run" -l pristine -d 'Start from an empty environment: the command sees only the secrets'
complete -c vault -n "__fish_vault_using_subcommand run" -l override -d 'Let a secret replace a variable that is already set (else that is an error)'
complete -c vault -n "__fish_vault_using_subcommand run" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand run" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand import" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand import" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand import" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand import" -l format -d 'Input format' -r -f -a "dotenv\t'KEY=VALUE lines (see the README for quoting)'
json\t'One JSON object of strings'"
complete -c vault -n "__fish_vault_using_subcommand import" -l prefix -d 'Put this in front of every key: --prefix app/ stores FOO as app/FOO' -r
complete -c vault -n "__fish_vault_using_subcommand import" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand import" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand import" -l from-supabase-vault -d 'Instead of a file: every secret of Supabase Vault (vault.decrypted_secrets) in the same database, left unchanged; needs --schema other than vault'
complete -c vault -n "__fish_vault_using_subcommand import" -l no-overwrite -d 'Only create: if any name exists, exit 4 and store nothing'
complete -c vault -n "__fish_vault_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vault -n "__fish_vault_using_subcommand import" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand export" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand export" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand export" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand export" -l format -d 'Output format' -r -f -a "dotenv\t'KEY=VALUE lines (see the README for quoting)'
json\t'One JSON object of strings'"
complete -c vault -n "__fish_vault_using_subcommand export" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand export" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vault -n "__fish_vault_using_subcommand export" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand man" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand man" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand man" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand man" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand man" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand man" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand man" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -f -a "add" -d 'Grant the vault key to a new member (no secret is re-sealed)'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -f -a "ls" -d 'List members: name, recipient, when and by whom they were added'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -f -a "rm" -d 'Remove a member and rotate the vault key so they cannot read new or existing values'
complete -c vault -n "__fish_vault_using_subcommand member; and not __fish_seen_subcommand_from add ls rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -l name -d 'A label for them, unique in the vault [default: the SSH key\'s comment, else the recipient\'s start]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -l json -d 'Print a JSON array of {name,recipient,added_at,added_by,added_by_name,has_current_key}'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -l no-rotate -d 'Only remove them, without rotating the key (they may still hold a copy of it)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "add" -d 'Grant the vault key to a new member (no secret is re-sealed)'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List members: name, recipient, when and by whom they were added'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a member and rotate the vault key so they cannot read new or existing values'
complete -c vault -n "__fish_vault_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vault -n "__fish_vault_using_subcommand whoami" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand whoami" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand whoami" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand whoami" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand whoami" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand whoami" -l json -d 'Print a JSON object instead of text'
complete -c vault -n "__fish_vault_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand unlock" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand unlock" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand unlock" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand unlock" -l for -d 'How long the agent keeps the identity: 90s, 15m, 1h30m, 8h' -r
complete -c vault -n "__fish_vault_using_subcommand unlock" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand unlock" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand unlock" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand lock" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand lock" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand lock" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand lock" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand lock" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand lock" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand lock" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand agent" -l database-url -d 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]' -r
complete -c vault -n "__fish_vault_using_subcommand agent" -l schema -d 'PostgreSQL schema holding vault\'s tables [default: config.toml, else vault]' -r
complete -c vault -n "__fish_vault_using_subcommand agent" -l identity -d 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]' -r -F
complete -c vault -n "__fish_vault_using_subcommand agent" -l dir -d 'The private directory holding the socket' -r -F
complete -c vault -n "__fish_vault_using_subcommand agent" -s q -l quiet -d 'Print nothing but requested output and errors'
complete -c vault -n "__fish_vault_using_subcommand agent" -s v -l verbose -d 'Explain what is happening on stderr (never values)'
complete -c vault -n "__fish_vault_using_subcommand agent" -s h -l help -d 'Print help'
complete -c vault -n "__fish_vault_using_subcommand agent" -s V -l version -d 'Print version'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "init" -d 'Create your identity and the vault (safe to run again)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "put" -d 'Store a secret: from --file, from stdin when piped, else prompted without echo'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "get" -d 'Print a secret\'s exact bytes to stdout'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "ls" -d 'List secret names (a table on a terminal, one name per line when piped)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "rm" -d 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "history" -d 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "restore" -d 'Write an earlier value as the newest version, or bring a removed secret back'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "mv" -d 'Rename a secret: every version is re-sealed under the new name'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "cp" -d 'Copy a secret and its history under a new name'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "log" -d 'The vault\'s verified membership and key changes, merged with every write (who wrote which secret when), newest first'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "rotate" -d 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "completions" -d 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "env" -d 'Print secrets as environment variables (db/password becomes DB_PASSWORD)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "run" -d 'Run a command with secrets added to its environment'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "import" -d 'Store every entry of a dotenv or JSON file, in one transaction'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "export" -d 'Print secrets (names and values) as dotenv or JSON, the inverse of import'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "man" -d 'Print the man page (roff) to stdout: vault(1), or a subcommand\'s page'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "member" -d 'Manage who may open the vault: add, list and remove members'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "whoami" -d 'Show your recipient, your identity and whether you are a member'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "unlock" -d 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "lock" -d 'Make the vault agent forget your identity now'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "agent" -d 'The vault agent itself, as `vault unlock` starts it (not for direct use)'
complete -c vault -n "__fish_vault_using_subcommand help; and not __fish_seen_subcommand_from init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vault -n "__fish_vault_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "add" -d 'Grant the vault key to a new member (no secret is re-sealed)'
complete -c vault -n "__fish_vault_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "ls" -d 'List members: name, recipient, when and by whom they were added'
complete -c vault -n "__fish_vault_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "rm" -d 'Remove a member and rotate the vault key so they cannot read new or existing values'
