#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) without Docker.
#
# Usage: deploy/kafka/kafka.sh {fetch|format|start|stop|status|wait}
#
#   fetch   Resolve the Kafka jars with Maven (deploy/kafka/pom.xml) into
#           var/kafka-libs/<kafka.version>/. Does nothing when already cached.
#   format  Write $KAFKA_HOME/server.properties from server.properties.template and,
#           the first time only, format the KRaft storage in $KAFKA_HOME/data.
#   start   fetch + format, start the broker in the background, then `wait`.
#           Says so and exits 0 when this KAFKA_HOME's broker is already running.
#   stop    SIGTERM the broker, SIGKILL it after 30 s. Fine when it is not running.
#   status  Print whether the broker is running; exit 0 if running, 1 if not.
#   wait    Poll until the broker accepts connections and answers a Metadata
#           request, for at most KAFKA_START_TIMEOUT seconds.
#
# Environment (defaults in brackets):
#   KAFKA_HOME             instance directory: config, data, logs, pid [<repo>/var/kafka]
#   KAFKA_PORT             PLAINTEXT listener on 127.0.0.1 [9092]
#   KAFKA_CONTROLLER_PORT  KRaft controller listener on 127.0.0.1 [9093]
#   KAFKA_HEAP             JVM heap options [-Xms256m -Xmx768m]
#   KAFKA_OPTS             extra JVM options []
#   KAFKA_START_TIMEOUT    seconds `start`/`wait` wait for readiness [60]
#   JAVA_HOME              used to find java when set
#
# Several instances can run side by side with their own KAFKA_HOME and ports, e.g. a
# test broker next to the demo one:
#   KAFKA_HOME=var/kafka-test KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 deploy/kafka/kafka.sh start
# They all share the jar cache var/kafka-libs/<kafka.version>/ (Maven's ~/.m2 is the
# second-level cache, so a wiped var/ costs a local copy, not a download).
#
# Needs Java >= 17, Maven (for the first fetch only) and python3 (readiness probe;
# without it `wait` falls back to a TCP probe plus the "Kafka Server started" log line).
# Without Java/Maven use Docker instead:
#   docker compose -f deploy/compose/docker-compose.yml up
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
COMPOSE_HINT="docker compose -f deploy/compose/docker-compose.yml up"

KAFKA_HOME="${KAFKA_HOME:-$REPO_ROOT/var/kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"

# The libs directory is named after <kafka.version> in the pom, so bumping the version
# there gives a fresh cache instead of a mix of old and new jars.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n 1)"
LIBS_ROOT="$REPO_ROOT/var/kafka-libs"
LIBS_DIR="$LIBS_ROOT/$KAFKA_VERSION"
STAMP="$LIBS_DIR/.complete"

# ------------------------------------------------------------------------------ helpers

log() { printf '%s\n' "$*"; }
die() { printf 'kafka.sh: %s\n' "$*" >&2; exit 1; }

# KAFKA_HOME is written into server.properties and matched against `ps` output, so
# make it absolute (and canonical when it exists; only format/start create it).
resolve_home() {
  if [[ -d "$KAFKA_HOME" ]]; then
    KAFKA_HOME="$(cd "$KAFKA_HOME" && pwd)"
  elif [[ "$KAFKA_HOME" != /* ]]; then
    KAFKA_HOME="$PWD/$KAFKA_HOME"
  fi
  CONFIG="$KAFKA_HOME/server.properties"
  DATA_DIR="$KAFKA_HOME/data"
  LOG_DIR="$KAFKA_HOME/logs"
  PID_FILE="$KAFKA_HOME/kafka.pid"
}

missing_tool() {
  {
    printf 'kafka.sh: %s\n' "$1"
    printf 'The local broker needs Java >= 17 and Maven (mvn) on PATH.\n'
    printf 'Alternative without them: run the whole stack in Docker:\n'
    printf '  %s\n' "$COMPOSE_HINT"
  } >&2
  exit 2
}

require_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    missing_tool "java not found (Java >= 17 is required)."
  fi
  local version major
  version="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${version%%.*}"
  if [[ "$major" == 1 ]]; then # 1.8.0_xxx style
    major="$(printf '%s' "$version" | cut -d. -f2)"
  fi
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    missing_tool "java at $JAVA is version '${version:-unknown}', Java >= 17 is required."
  fi
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 || missing_tool "mvn (Apache Maven) not found; it is needed to download the Kafka jars."
}

# Pid of this KAFKA_HOME's broker, or nothing. Trusts the pid file only if that process
# really is a broker for this config (pids get reused), and otherwise also looks for a
# broker whose pid file was lost, so that `stop` never leaves a stray JVM behind.
broker_pids() {
  local needle="kafka.Kafka $CONFIG" pid
  if [[ -f "$PID_FILE" ]]; then
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
      && ps -ww -o args= -p "$pid" 2>/dev/null | grep -qF -- "$needle"; then
      printf '%s\n' "$pid"
      return 0
    fi
  fi
  # Match the end of the command line (java's last arguments are "kafka.Kafka <config>");
  # the needle goes through the environment so awk's own arguments never match.
  ps -ww -eo pid=,args= | NEEDLE="$needle" awk '
    { n = ENVIRON["NEEDLE"]; line = $0; sub(/[ \t]+$/, "", line) }
    n != "" && length(line) >= length(n) && substr(line, length(line) - length(n) + 1) == n { print $1 }'
}

# stop/status/wait talk to the broker that this KAFKA_HOME's server.properties describes,
# so that `KAFKA_HOME=var/kafka-test kafka.sh wait` cannot probe the demo broker on 9092.
use_configured_port() {
  local port
  [[ -f "$CONFIG" ]] || return 0
  port="$(sed -n 's/^advertised\.listeners=PLAINTEXT:\/\/[^:]*:\([0-9]*\).*/\1/p' "$CONFIG" | head -n 1)"
  [[ -n "$port" ]] && KAFKA_PORT="$port"
  return 0
}

# Exit 0 when something listens on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Exit 0 when the broker on 127.0.0.1:$1 answers ApiVersions and a Metadata request
# that lists at least one broker. Plain sockets, so it works with any python3.
probe_metadata() {
  python3 - "$1" <<'PY'
import socket
import struct
import sys

port = int(sys.argv[1])


def call(sock, api_key, version, corr, body=b""):
    client = b"kafka.sh"
    header = struct.pack(">hhih", api_key, version, corr, len(client)) + client
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    data = recv_exact(sock, size)
    if struct.unpack(">i", data[:4])[0] != corr:
        raise RuntimeError("correlation id mismatch")
    return data[4:]


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(2)
        # ApiVersions v0: error_code int16, [api_key int16, min int16, max int16].
        resp = call(s, 18, 0, 1)
        if struct.unpack(">h", resp[:2])[0] != 0:
            sys.exit(1)
        # Metadata v4 (non-flexible): empty topic list, no auto-creation.
        resp = call(s, 3, 4, 2, struct.pack(">ib", 0, 0))
        throttle, n_brokers = struct.unpack(">ii", resp[:8])
        sys.exit(0 if n_brokers >= 1 else 1)
except Exception:
    sys.exit(1)
PY
}

broker_ready() {
  if command -v python3 >/dev/null 2>&1; then
    probe_metadata "$KAFKA_PORT"
  else
    port_open "$KAFKA_PORT" && grep -qs "Kafka Server started" "$LOG_DIR/server.log"
  fi
}

show_log_tail() {
  local f
  for f in "$LOG_DIR/kafka.out" "$LOG_DIR/server.log"; do
    if [[ -s "$f" ]]; then
      printf '\n--- last 40 lines of %s ---\n' "$f" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

# ------------------------------------------------------------------------------ commands

cmd_fetch() {
  [[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $POM"
  if [[ -f "$STAMP" ]]; then
    log "Kafka $KAFKA_VERSION jars cached in $LIBS_DIR"
    return 0
  fi
  require_mvn
  mkdir -p "$LIBS_ROOT"
  # Serialise concurrent fetches (two instances started at once) where flock exists.
  # The lock fd is closed when the group ends, so the broker never inherits it.
  if command -v flock >/dev/null 2>&1; then
    { flock 9 && fetch_jars; } 9>"$LIBS_ROOT/.fetch.lock"
  else
    fetch_jars
  fi
}

fetch_jars() {
  if [[ -f "$STAMP" ]]; then # another fetch finished while we waited for the lock
    log "Kafka $KAFKA_VERSION jars cached in $LIBS_DIR"
    return 0
  fi
  log "Fetching Kafka $KAFKA_VERSION jars with Maven into $LIBS_DIR ..."
  local tmp
  tmp="$(mktemp -d "$LIBS_ROOT/.tmp.$KAFKA_VERSION.XXXXXX")"
  chmod 755 "$tmp" # mktemp -d makes it private
  local mvn_log="$tmp.log"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    rm -rf "$tmp" "$mvn_log"
    die "Maven could not resolve the Kafka jars (see the output above)."
  fi
  rm -f "$mvn_log"
  # Write the stamp inside the temp dir first: the libs dir appears complete or not at all.
  printf 'kafka %s, %s jars, fetched %s\n' "$KAFKA_VERSION" \
    "$(find "$tmp" -name '*.jar' | wc -l | tr -d ' ')" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.complete"
  rm -rf "$LIBS_DIR" # a leftover without stamp from an interrupted fetch
  mv "$tmp" "$LIBS_DIR"
  log "Kafka $KAFKA_VERSION jars ready ($(find "$LIBS_DIR" -name '*.jar' | wc -l | tr -d ' ') jars)"
}

cmd_format() {
  [[ -f "$STAMP" ]] || die "Kafka jars missing: run '$0 fetch' first"
  require_java
  mkdir -p "$KAFKA_HOME" "$DATA_DIR" "$LOG_DIR"

  local conf
  conf="$(<"$TEMPLATE")"
  # Quoted replacements: no special meaning for '&' or '\' in the substituted values.
  conf="${conf//@KAFKA_PORT@/"$KAFKA_PORT"}"
  conf="${conf//@CONTROLLER_PORT@/"$KAFKA_CONTROLLER_PORT"}"
  conf="${conf//@DATA_DIR@/"$DATA_DIR"}"
  {
    printf '# GENERATED by deploy/kafka/kafka.sh from deploy/kafka/server.properties.template\n'
    printf '# for KAFKA_HOME=%s. Do not edit: it is rewritten by every format/start.\n\n' "$KAFKA_HOME"
    printf '%s\n' "$conf"
  } >"$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"

  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    log "Storage already formatted in $DATA_DIR (data kept)"
    return 0
  fi

  local cluster_id
  if command -v python3 >/dev/null 2>&1; then
    # a base64url id may start with '-', which the tool's argument parser takes for an option
    cluster_id="$(python3 -c 'import base64, uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if cid[0] != "-":
        print(cid)
        break')"
  else
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$("$JAVA" -cp "$LIBS_DIR/*" kafka.tools.StorageTool random-uuid)"
    done
  fi
  log "Formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
  # Static quorum (controller.quorum.voters), so no --standalone. The tool logs with
  # Log4j's default configuration at WARN (console only), so its dump of the config
  # values does not end up in the broker's server.log.
  "$JAVA" -cp "$LIBS_DIR/*" -Dlog4j2.level=WARN \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG"
}

cmd_wait() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pid=""
  [[ -f "$PID_FILE" ]] && pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  until broker_ready; do
    # Our broker died: no point waiting for the timeout.
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      printf 'kafka.sh: the broker (pid %s from %s) is not running\n' "$pid" "$PID_FILE" >&2
      show_log_tail
      rm -f "$PID_FILE"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'kafka.sh: Kafka not ready on 127.0.0.1:%s after %s s\n' "$KAFKA_PORT" "$KAFKA_START_TIMEOUT" >&2
      show_log_tail
      if [[ -n "$pid" ]]; then
        printf '\nThe broker process (pid %s) is still running: raise KAFKA_START_TIMEOUT and run "%s wait", or "%s stop".\n' \
          "$pid" "$0" "$0" >&2
      fi
      exit 1
    fi
    sleep 0.5
  done
  log "Kafka ready on 127.0.0.1:$KAFKA_PORT"
}

cmd_start() {
  local pid
  pid="$(broker_pids | head -n 1)"
  if [[ -n "$pid" ]]; then
    use_configured_port
    log "Kafka already running (pid $pid, 127.0.0.1:$KAFKA_PORT, KAFKA_HOME=$KAFKA_HOME)"
    return 0
  fi
  mkdir -p "$KAFKA_HOME"
  cmd_fetch
  cmd_format
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT on 127.0.0.1 is already in use by another process (another broker? docker compose?). Pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
  fi

  local -a heap opts
  read -r -a heap <<<"$KAFKA_HEAP"
  read -r -a opts <<<"$KAFKA_OPTS"
  local -a cmd=(
    "$JAVA" ${heap[@]+"${heap[@]}"}
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    ${opts[@]+"${opts[@]}"}
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR"
    -cp "$LIBS_DIR/*"
    kafka.Kafka "$CONFIG"
  )
  local -a detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)

  log "Starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, KAFKA_HOME=$KAFKA_HOME)"
  rm -f "$PID_FILE"
  # The inner shell writes its own pid and execs java, so the pid file holds the JVM's
  # pid even if setsid has to fork. setsid: a Ctrl-C in the calling terminal must not
  # reach the broker.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  nohup ${detach[@]+"${detach[@]}"} bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-start "$PID_FILE" "${cmd[@]}" \
    >>"$LOG_DIR/kafka.out" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  [[ -s "$PID_FILE" ]] || die "the broker did not start (see $LOG_DIR/kafka.out)"
  cmd_wait
}

cmd_stop() {
  local pids
  pids="$(broker_pids | sort -u | tr '\n' ' ')"
  if [[ -z "${pids// /}" ]]; then
    rm -f "$PID_FILE"
    log "Kafka not running (KAFKA_HOME=$KAFKA_HOME)"
    return 0
  fi
  # shellcheck disable=SC2086 # one word per pid
  kill -TERM $pids 2>/dev/null || true
  local deadline=$((SECONDS + 30)) pid alive
  while :; do
    alive=""
    for pid in $pids; do
      kill -0 "$pid" 2>/dev/null && alive+="$pid "
    done
    [[ -z "$alive" ]] && break
    if ((SECONDS >= deadline)); then
      printf 'kafka.sh: broker still alive after 30 s, sending SIGKILL to %s\n' "$alive" >&2
      # shellcheck disable=SC2086
      kill -KILL $alive 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "Kafka stopped (KAFKA_HOME=$KAFKA_HOME)"
}

cmd_status() {
  local pid
  pid="$(broker_pids | head -n 1)"
  if [[ -n "$pid" ]]; then
    log "Kafka running (pid $pid, 127.0.0.1:$KAFKA_PORT, KAFKA_HOME=$KAFKA_HOME)"
    return 0
  fi
  log "Kafka not running (KAFKA_HOME=$KAFKA_HOME)"
  return 1
}

usage() {
  sed -n '2,/^set -euo pipefail/{/^set /d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"
}

main() {
  local command="${1:-}"
  case "$command" in
    fetch) cmd_fetch ;;
    format) resolve_home; cmd_fetch; cmd_format ;;
    start) resolve_home; cmd_start ;;
    stop) resolve_home; cmd_stop ;;
    status) resolve_home; use_configured_port; cmd_status ;;
    wait) resolve_home; use_configured_port; cmd_wait ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
