# shellcheck shell=bash
_vault() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="vault"
                ;;
            vault,agent)
                cmd="vault__subcmd__agent"
                ;;
            vault,completions)
                cmd="vault__subcmd__completions"
                ;;
            vault,cp)
                cmd="vault__subcmd__cp"
                ;;
            vault,env)
                cmd="vault__subcmd__env"
                ;;
            vault,export)
                cmd="vault__subcmd__export"
                ;;
            vault,get)
                cmd="vault__subcmd__get"
                ;;
            vault,help)
                cmd="vault__subcmd__help"
                ;;
            vault,history)
                cmd="vault__subcmd__history"
                ;;
            vault,import)
                cmd="vault__subcmd__import"
                ;;
            vault,init)
                cmd="vault__subcmd__init"
                ;;
            vault,lock)
                cmd="vault__subcmd__lock"
                ;;
            vault,log)
                cmd="vault__subcmd__log"
                ;;
            vault,ls)
                cmd="vault__subcmd__ls"
                ;;
            vault,man)
                cmd="vault__subcmd__man"
                ;;
            vault,member)
                cmd="vault__subcmd__member"
                ;;
            vault,mv)
                cmd="vault__subcmd__mv"
                ;;
            vault,put)
                cmd="vault__subcmd__put"
                ;;
            vault,restore)
                cmd="vault__subcmd__restore"
                ;;
            vault,rm)
                cmd="vault__subcmd__rm"
                ;;
            vault,rotate)
                cmd="vault__subcmd__rotate"
                ;;
            vault,run)
                cmd="vault__subcmd__run"
                ;;
            vault,unlock)
                cmd="vault__subcmd__unlock"
                ;;
            vault,whoami)
                cmd="vault__subcmd__whoami"
                ;;
            vault__subcmd__help,agent)
                cmd="vault__subcmd__help__subcmd__agent"
                ;;
            vault__subcmd__help,completions)
                cmd="vault__subcmd__help__subcmd__completions"
                ;;
            vault__subcmd__help,cp)
                cmd="vault__subcmd__help__subcmd__cp"
                ;;
            vault__subcmd__help,env)
                cmd="vault__subcmd__help__subcmd__env"
                ;;
            vault__subcmd__help,export)
                cmd="vault__subcmd__help__subcmd__export"
                ;;
            vault__subcmd__help,get)
                cmd="vault__subcmd__help__subcmd__get"
                ;;
            vault__subcmd__help,help)
                cmd="vault__subcmd__help__subcmd__help"
                ;;
            vault__subcmd__help,history)
                cmd="vault__subcmd__help__subcmd__history"
                ;;
            vault__subcmd__help,import)
                cmd="vault__subcmd__help__subcmd__import"
                ;;
            vault__subcmd__help,init)
                cmd="vault__subcmd__help__subcmd__init"
                ;;
            vault__subcmd__help,lock)
                cmd="vault__subcmd__help__subcmd__lock"
                ;;
            vault__subcmd__help,log)
                cmd="vault__subcmd__help__subcmd__log"
                ;;
            vault__subcmd__help,ls)
                cmd="vault__subcmd__help__subcmd__ls"
                ;;
            vault__subcmd__help,man)
                cmd="vault__subcmd__help__subcmd__man"
                ;;
            vault__subcmd__help,member)
                cmd="vault__subcmd__help__subcmd__member"
                ;;
            vault__subcmd__help,mv)
                cmd="vault__subcmd__help__subcmd__mv"
                ;;
            vault__subcmd__help,put)
                cmd="vault__subcmd__help__subcmd__put"
                ;;
            vault__subcmd__help,restore)
                cmd="vault__subcmd__help__subcmd__restore"
                ;;
            vault__subcmd__help,rm)
                cmd="vault__subcmd__help__subcmd__rm"
                ;;
            vault__subcmd__help,rotate)
                cmd="vault__subcmd__help__subcmd__rotate"
                ;;
            vault__subcmd__help,run)
                cmd="vault__subcmd__help__subcmd__run"
                ;;
            vault__subcmd__help,unlock)
                cmd="vault__subcmd__help__subcmd__unlock"
                ;;
            vault__subcmd__help,whoami)
                cmd="vault__subcmd__help__subcmd__whoami"
                ;;
            vault__subcmd__help__subcmd__member,add)
                cmd="vault__subcmd__help__subcmd__member__subcmd__add"
                ;;
            vault__subcmd__help__subcmd__member,ls)
                cmd="vault__subcmd__help__subcmd__member__subcmd__ls"
                ;;
            vault__subcmd__help__subcmd__member,rm)
                cmd="vault__subcmd__help__subcmd__member__subcmd__rm"
                ;;
            vault__subcmd__member,add)
                cmd="vault__subcmd__member__subcmd__add"
                ;;
            vault__subcmd__member,help)
                cmd="vault__subcmd__member__subcmd__help"
                ;;
            vault__subcmd__member,ls)
                cmd="vault__subcmd__member__subcmd__ls"
                ;;
            vault__subcmd__member,rm)
                cmd="vault__subcmd__member__subcmd__rm"
                ;;
            vault__subcmd__member__subcmd__help,add)
                cmd="vault__subcmd__member__subcmd__help__subcmd__add"
                ;;
            vault__subcmd__member__subcmd__help,help)
                cmd="vault__subcmd__member__subcmd__help__subcmd__help"
                ;;
            vault__subcmd__member__subcmd__help,ls)
                cmd="vault__subcmd__member__subcmd__help__subcmd__ls"
                ;;
            vault__subcmd__member__subcmd__help,rm)
                cmd="vault__subcmd__member__subcmd__help__subcmd__rm"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        vault)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__agent)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --dir --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --dir)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__completions)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__cp)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__env)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --format --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "shell fish dotenv json" -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__export)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --format --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "dotenv json" -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__get)
            opts="-q -v -h --database-url --schema --identity --quiet --verbose --version --json --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --version)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help)
            opts="init put get ls rm history restore mv cp log rotate completions env run import export man member whoami unlock lock agent help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__agent)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__cp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__env)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__export)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__history)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__import)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__lock)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__log)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__ls)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__member)
            opts="add ls rm"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__member__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__member__subcmd__ls)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__member__subcmd__rm)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__mv)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__put)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__restore)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__rm)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__rotate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__run)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__unlock)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__help__subcmd__whoami)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__history)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__import)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --from-supabase-vault --format --prefix --no-overwrite --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "dotenv json" -- "${cur}")
                    return 0
                    ;;
                --prefix)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__init)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --name --passphrase --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --name)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__lock)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__log)
            opts="-q -v -n -h -V --database-url --schema --identity --quiet --verbose --limit --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --limit)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                -n)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__ls)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__man)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version add ls rm help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__add)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --name --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --name)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__help)
            opts="add ls rm help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__help__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__help__subcmd__ls)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__help__subcmd__rm)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__ls)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__member__subcmd__rm)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --no-rotate --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__mv)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__put)
            opts="-q -v -d -f -h -V --database-url --schema --identity --quiet --verbose --description --file --no-overwrite --if-version --generate --length --charset --print --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --description)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                -d)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --file)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                -f)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --if-version)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --length)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --charset)
                    mapfile -t COMPREPLY < <(compgen -W "alnum ascii hex base64" -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__restore)
            opts="-q -v -h --database-url --schema --identity --quiet --verbose --version --json --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --version)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__rm)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --purge --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__rotate)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --dry-run --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__run)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --only --prefix --pristine --override --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --only)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --prefix)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__unlock)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --for --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --for)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
        vault__subcmd__whoami)
            opts="-q -v -h -V --database-url --schema --identity --quiet --verbose --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
                return 0
            fi
            case "${prev}" in
                --database-url)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --schema)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                --identity)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "${cur}")
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            mapfile -t COMPREPLY < <(compgen -W "${opts}" -- "${cur}")
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _vault -o nosort -o bashdefault -o default vault
else
    complete -F _vault -o bashdefault -o default vault
fi
