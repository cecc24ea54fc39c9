#!/usr/bin/env bash
# Run the platform locally on its embedded defaults (chDB per service, a local Kafka broker).
#
#   deploy/demo.sh up     start Kafka, the four services, the anomaly detector and the web
#                         gateway, load the demo province, print the web app's URLs
#                         (PROVINCE=dki or PROVINCE=small: a generated province's events too)
#                         KAFKA_CLUSTER=1 (make demo-cluster): on the three-node Kafka
#                         cluster (deploy/kafka/kafka.sh cluster: replication 3,
#                         min.insync.replicas 2) instead of the single broker, with its own
#                         data in var/data-cluster/; down, status and restart follow the
#                         mode the demo was started in
#   deploy/demo.sh down   stop the services and Kafka, leaving no stray process
#   deploy/demo.sh status
#   deploy/demo.sh restart SERVICE   stop one service (eligibility, attendance, reporting,
#                         audit, detector or web) and start it again, waiting for its /ready
#   deploy/demo.sh audit-verify [ARGS]   verify the running demo's sealed audit log; exits
#                         with the verifier's own status (0 clean, 1 found something, 2 could
#                         not verify)
#   deploy/demo.sh audit-replay SERVICE [ARGS]   rebuild SERVICE's projections from offset 0
#                         and compare them with the running service's
#
# Ports: ELIGIBILITY_PORT (8001), ATTENDANCE_PORT (8002), REPORTING_PORT (8003),
# AUDIT_PORT (8004), DETECTOR_PORT (8005: the stream detector's /health and /ready),
# WEB_PORT (8000: the web app and every API under one origin), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093). Logs go to var/log/, data to var/data/, the demo login
# personas to var/demo/personas.json.
#
# Each service runs as one process with one uvicorn worker. ATTENDANCE_WORKERS (1) gives
# attendance more worker processes; the other services keep one, as each owns an embedded
# chDB data path that only one process may open.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/var/run"
LOG="$ROOT/var/log"
# the demo's Kafka mode: the cluster when KAFKA_CLUSTER=1, or when the running demo was
# started on it (down, status and restart follow that)
CLUSTER_MODE_FILE="$RUN/kafka-cluster"
if [[ -z "${KAFKA_CLUSTER:-}" && "${1:-}" != up && -f "$CLUSTER_MODE_FILE" ]]; then
  KAFKA_CLUSTER=1
fi
KAFKA_CLUSTER="${KAFKA_CLUSTER:-0}"
if [[ "$KAFKA_CLUSTER" == 1 ]]; then
  export KAFKA_CLUSTER_HOME="${KAFKA_CLUSTER_HOME:-$ROOT/var/kafka-cluster}"
  KAFKA_BOOTSTRAP="${KAFKA_BOOTSTRAP:-$("$ROOT/deploy/kafka/kafka.sh" cluster bootstrap)}"
  export KAFKA_BOOTSTRAP
  # the services declare their topics with three replicas (min.insync.replicas 2)
  export TOPIC_REPLICATION="${TOPIC_REPLICATION:-3}"
  export WFA_DATA_DIR="${WFA_DATA_DIR:-$ROOT/var/data-cluster}"
fi
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_BOOTSTRAP="${KAFKA_BOOTSTRAP:-127.0.0.1:$KAFKA_PORT}"
export WFA_DATA_DIR="${WFA_DATA_DIR:-$ROOT/var/data}"
ATTENDANCE_WORKERS="${ATTENDANCE_WORKERS:-1}"
# the demo replays the previous working day from the phones' offline queues (as in a 3T
# region), which after a weekend is more than the default 72 hours ago
export ATTENDANCE_OFFLINE_TOLERANCE_HOURS="${ATTENDANCE_OFFLINE_TOLERANCE_HOURS:-168}"
export ATTENDANCE_SWEEP_INTERVAL_S="${ATTENDANCE_SWEEP_INTERVAL_S:-10}"
# ... and reports that day, which after a long weekend is more than the default 5 days ago
export REPORT_DEADLINE_DAYS="${REPORT_DEADLINE_DAYS:-7}"

SERVICES=(eligibility attendance reporting audit detector)
# the gateway starts after the services it fronts (it waits for none of them)
ALL=("${SERVICES[@]}" web)
export WEB_DEMO_PERSONAS="${WEB_DEMO_PERSONAS:-$ROOT/var/demo/personas.json}"
# the one-click demo login lists the personas' NIPs and needs no password: on for the demo only
export WEB_DEMO_LOGIN="${WEB_DEMO_LOGIN:-1}"
port_of() {
  case "$1" in
    eligibility) echo "${ELIGIBILITY_PORT:-8001}" ;;
    attendance) echo "${ATTENDANCE_PORT:-8002}" ;;
    reporting) echo "${REPORTING_PORT:-8003}" ;;
    audit) echo "${AUDIT_PORT:-8004}" ;;
    detector) echo "${DETECTOR_PORT:-8005}" ;;
    web) echo "${WEB_PORT:-8000}" ;;
  esac
}

workers_of() {
  case "$1" in
    attendance) echo "$ATTENDANCE_WORKERS" ;;
    *) echo 1 ;;
  esac
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_service() {
  local svc="$1" port pidfile workers
  port="$(port_of "$svc")"
  workers="$(workers_of "$svc")"
  pidfile="$RUN/$svc.pid"
  if alive "$pidfile"; then
    echo "  $svc already running (pid $(cat "$pidfile"))"
    return
  fi
  SERVICE_NAME="$svc" \
    ELIGIBILITY_URL="http://127.0.0.1:$(port_of eligibility)" \
    ATTENDANCE_URL="http://127.0.0.1:$(port_of attendance)" \
    REPORTING_URL="http://127.0.0.1:$(port_of reporting)" \
    AUDIT_URL="http://127.0.0.1:$(port_of audit)" \
    nohup "$PY" -m uvicorn --factory "services.$svc.main:create_app" \
    --host 127.0.0.1 --port "$port" --workers "$workers" >"$LOG/$svc.log" 2>&1 &
  echo $! >"$pidfile"
  echo "  $svc starting on :$port ($workers uvicorn worker$([[ $workers == 1 ]] || echo s), pid $!, log var/log/$svc.log)"
}

wait_ready() {
  local svc="$1" port deadline
  port="$(port_of "$svc")"
  deadline=$((started + 120))
  until "$PY" -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$port/ready', timeout=2).status_code != 200)" 2>/dev/null; do
    if ! alive "$RUN/$svc.pid"; then
      echo "$svc exited; last log lines:" >&2
      tail -n 30 "$LOG/$svc.log" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      echo "$svc not ready after 120 s; see var/log/$svc.log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "  $svc ready after $((SECONDS - started)) s"
}

# The single broker, or with KAFKA_CLUSTER=1 the three-node cluster.
kafka_up() {
  if [[ "$KAFKA_CLUSTER" != 1 ]]; then
    rm -f "$CLUSTER_MODE_FILE"
    "$ROOT/deploy/kafka/kafka.sh" start
    return
  fi
  "$ROOT/deploy/kafka/kafka.sh" cluster start
  touch "$CLUSTER_MODE_FILE"
  echo "Kafka: three nodes at $KAFKA_BOOTSTRAP; topics with three replicas, a write needs two"
  echo "  (try a broker failure: deploy/kafka/kafka.sh cluster kill 2, then cluster restart 2)"
}

up() {
  [[ -x "$PY" ]] || { echo "Run 'make demo' (it creates .venv first)." >&2; exit 2; }
  mkdir -p "$RUN" "$LOG"
  kafka_up
  echo "Starting services (one process each; ATTENDANCE_WORKERS=$ATTENDANCE_WORKERS):"
  for svc in "${SERVICES[@]}"; do start_service "$svc"; done
  echo "Waiting for each service's /ready (Kafka topics declared, state recovered; the first"
  echo "start takes about a minute):"
  started=$SECONDS
  for svc in "${SERVICES[@]}"; do wait_ready "$svc"; done
  started=$SECONDS
  start_service web
  wait_ready web
  "$PY" "$ROOT/deploy/demo_data.py" \
    --eligibility "http://127.0.0.1:$(port_of eligibility)" \
    --attendance "http://127.0.0.1:$(port_of attendance)" \
    --reporting "http://127.0.0.1:$(port_of reporting)" \
    --audit "http://127.0.0.1:$(port_of audit)" \
    --personas "$WEB_DEMO_PERSONAS"
  load_province
  web_urls
  metrics_urls
}

# PROVINCE=dki (62,000 ASN in 45 OPDs, the last working day) or PROVINCE=small (3,000 ASN in
# 5 OPDs, last week) writes a generated province's events straight to the demo's topics
# (operations/province, as `make province`), beside the demo cast; the services project them
# as they arrive, so the dashboards show a province's numbers once reporting has caught up.
# PROVINCE_ARGS adds or overrides wfa-province write options (e.g. "--period week").
load_province() {
  local size period start
  case "${PROVINCE:-}" in
    "") return ;;
    dki) size=(--asn 62000 --opds 45); period=day ;;
    small) size=(--asn 3000 --opds 5); period=week ;;
    *) echo "PROVINCE is dki or small (not '$PROVINCE')" >&2; exit 2 ;;
  esac
  # the last working day before today (day), or the Monday of last week (week), in Jakarta
  start="$("$PY" - "$period" <<'PY'
import sys
from datetime import UTC, datetime, timedelta

today = (datetime.now(UTC) + timedelta(hours=7)).date()
if sys.argv[1] == "week":
    print(today - timedelta(days=today.weekday() + 7))
else:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    print(day)
PY
)"
  echo "Writing a generated province ($PROVINCE: ${size[*]}, a $period from $start) to Kafka:"
  # shellcheck disable=SC2086 # PROVINCE_ARGS holds several options
  "$ROOT/.venv/bin/wfa-province" write "${size[@]}" --period "$period" --start "$start" \
    --bootstrap "$KAFKA_BOOTSTRAP" ${PROVINCE_ARGS:-}
  echo "The services project the province as it arrives; reporting's dashboards show it once"
  echo "caught up (a DKI day is about 630,000 events)."
}

# The web app's addresses: the app, the public page, a one-click login per demo persona
# (on while the demo runs, WEB_DEMO_LOGIN=1; refused with WFA_ENV=production) and the
# readiness studies.
web_urls() {
  local web="http://127.0.0.1:$(port_of web)"
  echo
  echo "The web app (one origin for the pages and every API):"
  echo "  App                 $web/app/"
  echo "  Public page         $web/transparansi"
  echo "  One-click demo login (WEB_DEMO_LOGIN=1, the demo only):"
  "$PY" - "$WEB_DEMO_PERSONAS" "$web" <<'PY'
import json, sys

path, web = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
except (OSError, ValueError) as exc:
    print(f"    (no personas: {exc})")
    raise SystemExit(0)
personas = data.get("personas", []) if isinstance(data, dict) else data
urls = [f"{web}/auth/demo/{persona['key']}" for persona in personas]
width = max((len(url) for url in urls), default=0)
for persona, url in zip(personas, urls):
    print(f"    {url:<{width}}  {persona.get('label_id') or persona.get('role', '')}")
PY
  echo "  Readiness studies (log in as admin_bkd first):"
  echo "    $web/app/readiness.html?opd=dinas-kominfo"
  echo "    $web/app/readiness.html?opd=rsud-tarakan"
  echo "  Audit log (no token): public key, signed checkpoints"
  echo "    $web/audit/public-key"
  echo "    $web/audit/checkpoints/latest"
}

# Each process's Prometheus metrics (no token, no personal data); deploy/grafana/ holds the
# dashboards that read them and a Prometheus scrape configuration for these ports.
metrics_urls() {
  echo "  Metrics (Prometheus text, no token; Grafana dashboards in deploy/grafana/):"
  local svc
  for svc in "${ALL[@]}"; do
    printf '    %-12s http://127.0.0.1:%s/metrics\n' "$svc" "$(port_of "$svc")"
  done
}

stop_service() {
  local svc="$1" pidfile="$RUN/$1.pid" pid
  if alive "$pidfile"; then
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
    echo "  $svc stopped"
  fi
  rm -f "$pidfile"
}

down() {
  local order=(web "${SERVICES[@]}")
  for svc in "${order[@]}"; do stop_service "$svc"; done
  if [[ "$KAFKA_CLUSTER" == 1 ]]; then
    "$ROOT/deploy/kafka/kafka.sh" cluster stop
    rm -f "$CLUSTER_MODE_FILE"
  else
    "$ROOT/deploy/kafka/kafka.sh" stop
  fi
}

known_service() {
  local svc
  for svc in "${ALL[@]}"; do [[ "$svc" == "${1:-}" ]] && return 0; done
  echo "unknown service '${1:-}': one of ${ALL[*]}" >&2
  exit 2
}

# Stop one service and start it again with the demo's settings; the others and Kafka keep
# running. It reads the log from its committed offsets and answers once /ready.
restart() {
  known_service "${1:-}"
  [[ -x "$PY" ]] || { echo "Run 'make demo' (it creates .venv first)." >&2; exit 2; }
  mkdir -p "$RUN" "$LOG"
  echo "Restarting $1:"
  stop_service "$1"
  start_service "$1"
  started=$SECONDS
  wait_ready "$1"
}

token_of() { "$ROOT/.venv/bin/wfa-token" --role "$1" --nip "$2"; }
OPERATOR_NIP=199001012020121001

# The verifier's exit status is the script's: 0 clean, 1 found something, 2 could not verify.
audit_verify() {
  exec "$PY" -m services.audit.verify_cli --url "http://127.0.0.1:$(port_of audit)" \
    --token "$(token_of auditor "$OPERATOR_NIP")" "$@"
}

audit_replay() {
  local svc="${1:-reporting}"
  case "$svc" in
    eligibility | reporting | audit) ;;
    *) echo "audit-replay: one of eligibility, reporting, audit (not '$svc')" >&2; exit 2 ;;
  esac
  shift || true
  exec "$PY" -m operations.replay_cli "$svc" --live "http://127.0.0.1:$(port_of "$svc")" \
    --nip "$OPERATOR_NIP" "$@"
}

status() {
  for svc in "${ALL[@]}"; do
    if alive "$RUN/$svc.pid"; then echo "$svc: running on :$(port_of "$svc")"; else echo "$svc: stopped"; fi
  done
  if [[ "$KAFKA_CLUSTER" == 1 ]]; then
    "$ROOT/deploy/kafka/kafka.sh" cluster status || true
  else
    "$ROOT/deploy/kafka/kafka.sh" status || true
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  restart) restart "${2:-}" ;;
  audit-verify) shift; audit_verify "$@" ;;
  audit-replay) shift; audit_replay "$@" ;;
  *)
    echo "usage: $0 up|down|status|restart SERVICE|audit-verify [ARGS]|audit-replay SERVICE [ARGS]" >&2
    exit 2
    ;;
esac
