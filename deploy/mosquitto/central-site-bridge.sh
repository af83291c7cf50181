#!/bin/sh
# SmartLocker — a site bridge's account on the CENTRAL broker, through Mosquitto's
# dynamic-security plugin (the central set-up of docs/deploy-mosquitto.md). docs/site-bridges.md.
#
#   BRIDGE_PASSWORD=… central-site-bridge.sh add    SITE_ID [mosquitto_ctrl connection options]
#                     central-site-bridge.sh remove SITE_ID [mosquitto_ctrl connection options]
#
# e.g. central-site-bridge.sh add 7d0c…-… -h broker.example.org -p 8883 \
#        --cafile /etc/ssl/certs/ca-certificates.crt -u smartlocker-server
# (mosquitto_ctrl asks for the administrator's password when -P is not given).
#
# `add` creates role smartlocker-site-bridge-SITE_ID and client smartlocker-bridge-SITE_ID (user
# name and pinned client id, as site-bridge.conf connects). The role allows exactly what the
# bridge forwards: publishing the lockers' reports and its own notification (its last will
# included), subscribing to the lockers' `cmd` and `config` and receiving them. Run again, it
# keeps what exists and sets the new password (the broker then drops the bridge's session until
# the site's configuration has it too). `remove` deletes both and ends the bridge's session.
#
# BRIDGE_PASSWORD reaches mosquitto_ctrl on its command line: run this on a machine whose process
# list only administrators can read. `remove` needs no password.
set -eu

usage() {
  echo "usage: BRIDGE_PASSWORD=… $0 add|remove SITE_ID [mosquitto_ctrl connection options]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
action=$1
site=$2
shift 2
# The id lands in topics and account names: a UUID, nothing that could be a wildcard or a level.
printf '%s' "$site" | grep -Eqx '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}' || {
  echo "SITE_ID must be the site's UUID, not \"$site\"" >&2
  exit 2
}

ctrl=${MOSQUITTO_CTRL:-mosquitto_ctrl}
role=smartlocker-site-bridge-$site
client=smartlocker-bridge-$site
lockers=smartlocker/v1/lockers

# mosquitto_ctrl 2.0 exits 0 even when the broker refused the command: read what it printed.
# Prints "exists" when the thing was there already; stops the script on any other error.
ctl() {
  out=$("$ctrl" "$@" 2>&1) || {
    printf '%s\n' "$out" >&2
    exit 1
  }
  case $out in
  *'already exists'*) echo exists ;;
  *[Ee]rror* | *'Not authorized'*)
    printf '%s\n' "$out" >&2
    exit 1
    ;;
  esac
}

case $action in
add)
  : "${BRIDGE_PASSWORD:?set BRIDGE_PASSWORD to the password written in the site's bridge configuration}"
  ctl "$@" dynsec createRole "$role" >/dev/null
  for channel in ack state event heartbeat presence status; do
    ctl "$@" dynsec addRoleACL "$role" publishClientSend "$lockers/+/$channel" allow >/dev/null
  done
  ctl "$@" dynsec addRoleACL "$role" publishClientSend "smartlocker/v1/sites/$site/bridge" allow >/dev/null
  for channel in cmd config; do
    # Literal: the bridge subscribes to exactly these filters, `+` included.
    ctl "$@" dynsec addRoleACL "$role" subscribeLiteral "$lockers/+/$channel" allow >/dev/null
    ctl "$@" dynsec addRoleACL "$role" publishClientReceive "$lockers/+/$channel" allow >/dev/null
  done
  created=$(ctl "$@" dynsec createClient "$client" -c "$client" -p "$BRIDGE_PASSWORD") || exit 1
  if [ "$created" = exists ]; then
    ctl "$@" dynsec setClientPassword "$client" "$BRIDGE_PASSWORD" >/dev/null
    echo "$client existed: its password is the new one"
  else
    ctl "$@" dynsec addClientRole "$client" "$role" >/dev/null
    echo "created $client with role $role"
  fi
  ;;
remove)
  ctl "$@" dynsec deleteClient "$client" >/dev/null
  ctl "$@" dynsec deleteRole "$role" >/dev/null
  echo "removed $client and $role"
  ;;
*)
  usage
  ;;
esac
