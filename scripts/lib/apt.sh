#!/usr/bin/env bash
# apt_install COMMAND PACKAGE...: installs PACKAGE(s) from Debian when COMMAND is missing, as root
# or through password-less sudo. Returns non-zero, saying why on standard error, when it cannot.
apt_install() {
  local command="$1"
  shift
  if command -v "$command" >/dev/null; then
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "apt_install: no apt-get here; install $* yourself" >&2
    return 1
  fi
  local sudo=""
  if [[ "$(id -u)" != "0" ]]; then
    if ! command -v sudo >/dev/null; then
      echo "apt_install: not root and no sudo; install $* yourself" >&2
      return 1
    fi
    sudo="sudo -n"
  fi
  echo "apt_install: apt-get install -y $* ..." >&2
  $sudo apt-get update -qq >&2 || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || return 1
  command -v "$command" >/dev/null
}
