#!/bin/sh
# Entrypoint of the proxy image: writes /tmp/nginx-trusted.conf, the proxies nginx believes
# (NGINX_TRUSTED_PROXIES: addresses, CIDR ranges or the word `gateway`, comma-separated; empty or
# unset: none), then runs the command (nginx). A trusted proxy's X-Forwarded-For gives the client's address (real_ip) and its
# X-Forwarded-Proto the scheme; anyone else's are overruled (docker/nginx/default.conf).
set -eu

# The default route's gateway: on a Docker bridge network, the host. A proxy on the host (the TLS
# front, DEPLOY.md) reaches the published port from there; clients from elsewhere keep their own
# addresses (Docker forwards them unchanged), so trusting the gateway trusts the host only.
gateway() {
  while read -r _iface destination via _rest; do
    if [ "$destination" = 00000000 ]; then
      # /proc/net/route writes it in hex, the last byte first.
      for at in 7 5 3 1; do
        printf '%d' "0x$(printf '%s' "$via" | cut -c"$at-$((at + 1))")"
        [ "$at" = 1 ] || printf '.'
      done
      return 0
    fi
  done < /proc/net/route
  echo "NGINX_TRUSTED_PROXIES names the gateway, and this container has no default route" >&2
  return 1
}

conf=/tmp/nginx-trusted.conf
entries=""
for address in $(printf '%s' "${NGINX_TRUSTED_PROXIES:-}" | tr ',' ' '); do
  if [ "$address" = gateway ]; then
    address=$(gateway)
  fi
  case "$address" in
    *[!0-9a-fA-F.:/]*) echo "NGINX_TRUSTED_PROXIES: '$address' is not an address or a CIDR range" >&2; exit 64 ;;
  esac
  entries="$entries $address"
done
{
  echo "# From NGINX_TRUSTED_PROXIES='${NGINX_TRUSTED_PROXIES:-}' (docker/proxy-entrypoint.sh)."
  for address in $entries; do echo "set_real_ip_from $address;"; done
  echo "real_ip_header X-Forwarded-For;"
  echo 'geo $realip_remote_addr $from_trusted_proxy {'
  echo "    default 0;"
  for address in $entries; do echo "    $address 1;"; done
  echo "}"
} > "$conf"

exec "$@"
