# Sourced by the scripts that run a jar built from this checkout.
#
# stale_jar JAR MODULE... : true when JAR is missing, or when a source or POM of one of the
# MODULEs (or the parent POM) changed after it was built, so that edited code never silently
# runs from an old jar. A copy of a script outside the checkout (no sources beside it, as the
# bench's --rlctl A/B copies are) only checks that its jar exists.
stale_jar() {
  local jar="$1" root module
  shift
  [[ -f "$jar" ]] || return 0
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  [[ -f "$root/pom.xml" ]] || return 1
  [[ "$root/pom.xml" -nt "$jar" ]] && return 0
  for module in "$@"; do
    if [[ -d "$root/$module/src/main" ]] \
        && [[ -n "$(find "$root/$module/src/main" "$root/$module/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
      return 0
    fi
  done
  return 1
}

# The commit of this checkout ("-dirty" with uncommitted changes), for the build to record
# (-Draftlimiter.commit); "unknown" outside a git checkout.
checkout_commit() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown
}
