
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'vault' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'vault'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'vault' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create your identity and the vault (safe to run again)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Store a secret: from --file, from stdin when piped, else prompted without echo')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret''s exact bytes to stdout')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List secret names (a table on a terminal, one name per line when piped)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Write an earlier value as the newest version, or bring a removed secret back')
            [CompletionResult]::new('mv', 'mv', [CompletionResultType]::ParameterValue, 'Rename a secret: every version is re-sealed under the new name')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a secret and its history under a new name')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'The vault''s verified membership and key changes, merged with every write (who wrote which secret when), newest first')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print secrets as environment variables (db/password becomes DB_PASSWORD)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with secrets added to its environment')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Store every entry of a dotenv or JSON file, in one transaction')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print secrets (names and values) as dotenv or JSON, the inverse of import')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) to stdout: vault(1), or a subcommand''s page')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'Manage who may open the vault: add, list and remove members')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show your recipient, your identity and whether you are a member')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Make the vault agent forget your identity now')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'The vault agent itself, as `vault unlock` starts it (not for direct use)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vault;init' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Your member name in this vault [default: $USER]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Protect a new identity with a passphrase (asked twice on the terminal, or read from VAULT_PASSPHRASE_FILE / VAULT_PASSPHRASE_FD)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;put' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'A short description, shown by `ls` (kept on replace unless given)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A short description, shown by `ls` (kept on replace unless given)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read the value from this file (''-'' for stdin), byte for byte')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the value from this file (''-'' for stdin), byte for byte')
            [CompletionResult]::new('--if-version', '--if-version', [CompletionResultType]::ParameterName, 'Check-and-set: write only if the current version is N (0: only if the secret does not exist), else exit 4 naming the current version')
            [CompletionResult]::new('--length', '--length', [CompletionResultType]::ParameterName, 'Length of the generated value, in characters (1-65536)')
            [CompletionResult]::new('--charset', '--charset', [CompletionResultType]::ParameterName, 'Characters of the generated value')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--no-overwrite', '--no-overwrite', [CompletionResultType]::ParameterName, 'Only create: fail with exit code 4 if the name exists')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Store a random value from the OS random generator instead of reading one')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Also print the generated value to stdout')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print what happened as JSON: {name, id, action, key_id, version} (and value with --print)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;get' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'An earlier version (see `vault history`), verified like the current one')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"name", "value", "encoding", "version", "author", "verified"}: encoding "utf-8", or "base64" for other bytes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vault;ls' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of {id,name,description,key_id,created_at,updated_at}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;rm' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Destroy every version now (no restore), including earlier removed secrets of the same names')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;history' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of {version,time,op,author,recipient,verified,status,key_id,current,from,written_as,problem}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;restore' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to bring back [default for a removed secret: its last one]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print what happened as JSON: {name, version, restored_from, revived}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vault;mv' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;cp' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;log' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many lines (the newest)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many lines (the newest)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of events {time,kind,...}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;rotate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would change; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as JSON on stdout: {old_key,new_key,moved,failed,resumed,retired,dry_run}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;env' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;run' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only these secrets (repeatable) [default: every secret, or those under --prefix]')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Only secrets whose names start with PREFIX (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--pristine', '--pristine', [CompletionResultType]::ParameterName, 'Start from an empty environment: the command sees only the secrets')
            [CompletionResult]::new('--override', '--override', [CompletionResultType]::ParameterName, 'Let a secret replace a variable that is already set (else that is an error)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;import' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Input format')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Put this in front of every key: --prefix app/ stores FOO as app/FOO')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--from-supabase-vault', '--from-supabase-vault', [CompletionResultType]::ParameterName, 'Instead of a file: every secret of Supabase Vault (vault.decrypted_secrets) in the same database, left unchanged; needs --schema other than vault')
            [CompletionResult]::new('--no-overwrite', '--no-overwrite', [CompletionResultType]::ParameterName, 'Only create: if any name exists, exit 4 and store nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;export' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;man' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;member' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Grant the vault key to a new member (no secret is re-sealed)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List members: name, recipient, when and by whom they were added')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a member and rotate the vault key so they cannot read new or existing values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vault;member;add' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A label for them, unique in the vault [default: the SSH key''s comment, else the recipient''s start]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;member;ls' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of {name,recipient,added_at,added_by,added_by_name,has_current_key}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;member;rm' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--no-rotate', '--no-rotate', [CompletionResultType]::ParameterName, 'Only remove them, without rotating the key (they may still hold a copy of it)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;member;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Grant the vault key to a new member (no secret is re-sealed)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List members: name, recipient, when and by whom they were added')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a member and rotate the vault key so they cannot read new or existing values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vault;member;help;add' {
            break
        }
        'vault;member;help;ls' {
            break
        }
        'vault;member;help;rm' {
            break
        }
        'vault;member;help;help' {
            break
        }
        'vault;whoami' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;unlock' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long the agent keeps the identity: 90s, 15m, 1h30m, 8h')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;lock' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;agent' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db [default: config.toml, else the embedded vault in your data directory]')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'PostgreSQL schema holding vault''s tables [default: config.toml, else vault]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The private directory holding the socket')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but requested output and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vault;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create your identity and the vault (safe to run again)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Store a secret: from --file, from stdin when piped, else prompted without echo')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret''s exact bytes to stdout')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List secret names (a table on a terminal, one name per line when piped)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove secrets (all of them, or none if one is missing); their history is kept for `vault restore` unless --purge')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Every kept version of a secret, newest first: when, by whom (verified against the membership log), with which key, and what the write was')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Write an earlier value as the newest version, or bring a removed secret back')
            [CompletionResult]::new('mv', 'mv', [CompletionResultType]::ParameterValue, 'Rename a secret: every version is re-sealed under the new name')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a secret and its history under a new name')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'The vault''s verified membership and key changes, merged with every write (who wrote which secret when), newest first')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Make a new vault key, re-seal every secret to it, retire the old key (resumes an interrupted rotation)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a static completion script (commands and options; for live secret names use `source <(COMPLETE=bash vault)`, see the README)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print secrets as environment variables (db/password becomes DB_PASSWORD)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with secrets added to its environment')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Store every entry of a dotenv or JSON file, in one transaction')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print secrets (names and values) as dotenv or JSON, the inverse of import')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) to stdout: vault(1), or a subcommand''s page')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'Manage who may open the vault: add, list and remove members')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show your recipient, your identity and whether you are a member')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock your identity once: the vault agent holds it (for 15 minutes unless --for says otherwise) and commands stop asking for the passphrase')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Make the vault agent forget your identity now')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'The vault agent itself, as `vault unlock` starts it (not for direct use)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vault;help;init' {
            break
        }
        'vault;help;put' {
            break
        }
        'vault;help;get' {
            break
        }
        'vault;help;ls' {
            break
        }
        'vault;help;rm' {
            break
        }
        'vault;help;history' {
            break
        }
        'vault;help;restore' {
            break
        }
        'vault;help;mv' {
            break
        }
        'vault;help;cp' {
            break
        }
        'vault;help;log' {
            break
        }
        'vault;help;rotate' {
            break
        }
        'vault;help;completions' {
            break
        }
        'vault;help;env' {
            break
        }
        'vault;help;run' {
            break
        }
        'vault;help;import' {
            break
        }
        'vault;help;export' {
            break
        }
        'vault;help;man' {
            break
        }
        'vault;help;member' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Grant the vault key to a new member (no secret is re-sealed)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List members: name, recipient, when and by whom they were added')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a member and rotate the vault key so they cannot read new or existing values')
            break
        }
        'vault;help;member;add' {
            break
        }
        'vault;help;member;ls' {
            break
        }
        'vault;help;member;rm' {
            break
        }
        'vault;help;whoami' {
            break
        }
        'vault;help;unlock' {
            break
        }
        'vault;help;lock' {
            break
        }
        'vault;help;agent' {
            break
        }
        'vault;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
