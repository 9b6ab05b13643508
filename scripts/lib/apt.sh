#!/usr/bin/env bash
# apt_install COMMAND PACKAGE...: installs PACKAGE(s) from Debian when COMMAND is missing.
# apt_install_packages PACKAGE...: installs them (apt-get skips those already there).
# Both run as root or through password-less sudo, and return non-zero, saying why on standard
# error, when they cannot.
apt_install() {
  local command="$1"
  shift
  if command -v "$command" >/dev/null; then
    return 0
  fi
  apt_install_packages "$@" || return 1
  command -v "$command" >/dev/null
}

apt_install_packages() {
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
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}
