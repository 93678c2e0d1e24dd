#!/bin/sh
# Starts Janus on our configuration: renders this folder's *.jcfg templates with the environment into
# JANUS_CONFIG_DIR (a private runtime folder: the files hold secrets) and runs janus on them.
set -eu
: "${JANUS_TOKEN_SECRET:?set JANUS_TOKEN_SECRET (the same value Django uses)}"
: "${JANUS_ROOM_ADMIN_KEY:?set JANUS_ROOM_ADMIN_KEY (the same value Django uses)}"
: "${JANUS_CONFIG_DIR:=/run/sprechstunde-janus}"
: "${JANUS_HTTP_IP:=127.0.0.1}"
: "${JANUS_HTTP_PORT:=8088}"
: "${JANUS_RTP_PORTS:=20000-20999}"
export JANUS_TOKEN_SECRET JANUS_ROOM_ADMIN_KEY JANUS_CONFIG_DIR JANUS_HTTP_IP JANUS_HTTP_PORT JANUS_RTP_PORTS
here=$(dirname "$0")
umask 077
mkdir -p "$JANUS_CONFIG_DIR"
for template in "$here"/*.jcfg; do
    envsubst '$JANUS_TOKEN_SECRET $JANUS_ROOM_ADMIN_KEY $JANUS_CONFIG_DIR $JANUS_HTTP_IP $JANUS_HTTP_PORT $JANUS_RTP_PORTS' \
        < "$template" > "$JANUS_CONFIG_DIR/$(basename "$template")"
done
exec janus --configs-folder "$JANUS_CONFIG_DIR" --config "$JANUS_CONFIG_DIR/janus.jcfg" --disable-colors "$@"
