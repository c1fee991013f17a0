#!/usr/bin/env bash
# Runs the event bus end to end on the embedded defaults: configuration, an embedded Redis,
# the metadata database, then one event sent, listed and counted. Everything lives under
# ./.aiflow-demo and the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${AIFLOW_BIN:-.venv/bin}
export AIFLOW_HOME=${AIFLOW_HOME:-$PWD/.aiflow-demo/aiflow}
export NOTIFICATION_HOME=${NOTIFICATION_HOME:-$PWD/.aiflow-demo/notification}

"$bin/notification" config init
"$bin/aiflow" config init
"$bin/notification" server start -d
trap '"$bin/notification" server stop' EXIT
"$bin/notification" db init
"$bin/aiflow" db init
"$bin/notification" event send demo_key "hello from AIFlow" --sender demo
"$bin/notification" event list demo_key
echo "events with key demo_key: $("$bin/notification" event count demo_key)"
