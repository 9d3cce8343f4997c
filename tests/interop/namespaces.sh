# Sourced first (before lib.sh) by a test that runs in namespaces of its own.
# own_namespaces KINDS WHO ARGS...: KINDS "net" or "mount net". Outside them, re-executes
# the script with ARGS inside new ones (unshare, as an unprivileged user or as root): a
# network namespace whose only interface is its own loopback, brought up here, and with
# "mount" a mount namespace too; where none can be made, exits 77 (skipped), saying so.
own_namespaces() {
  local kinds=$1 who=$2 flags=n what="network"
  shift 2
  if [[ $kinds == *mount* ]]; then flags=mn; what="network and mount"; fi
  if [ -z "${CXXACME_IN_NAMESPACE:-}" ]; then
    local ns
    if unshare -r$flags true 2>/dev/null; then ns=(unshare -r$flags)
    elif [ "$(id -u)" -eq 0 ] && unshare -$flags true 2>/dev/null; then ns=(unshare -$flags)
    else
      echo "SKIPPED: no $what namespace for $who (unshare -r$flags, or unshare -$flags as root)"
      exit 77
    fi
    command -v ip > /dev/null || { echo "FAIL: ip (iproute2) is needed to bring the namespace's loopback up"; exit 1; }
    exec "${ns[@]}" env CXXACME_IN_NAMESPACE=1 bash "$0" "$@"
  fi
  ip link set lo up
}
