#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) without Docker.
#
# Usage: deploy/kafka/kafka.sh {fetch|format|start|stop|status|wait|cluster ...}
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
# A three-node cluster (each node a broker and a KRaft controller in one JVM; replication 3,
# min.insync.replicas=2; config from cluster.properties.template):
#
#   cluster start [N]    start the three nodes (or node N), wait until every node answers
#                        and lists the running brokers; prints the bootstrap address
#   cluster stop [N]     SIGTERM the nodes (or node N), SIGKILL after 30 s
#   cluster kill N       SIGKILL node N at once (a crash: no controlled shutdown)
#   cluster restart N    stop node N if it runs, start it again on the same storage
#   cluster status       which nodes run; exit 0 when all three do
#   cluster bootstrap    print the bootstrap address (127.0.0.1:P1,127.0.0.1:P2,...)
#
#   KAFKA_CLUSTER_HOME              the cluster's directory, node-1..node-3 in it
#                                   [<repo>/var/kafka-cluster]
#   KAFKA_CLUSTER_PORTS             the nodes' PLAINTEXT ports [9192,9194,9196]
#   KAFKA_CLUSTER_CONTROLLER_PORTS  their controller ports [9193,9195,9197]
#   KAFKA_CLUSTER_HEAP              each node's JVM heap [-Xms128m -Xmx384m]
#   KAFKA_CLUSTER_START_TIMEOUT     seconds `cluster start` waits for the nodes [120]
# The ports are written to $KAFKA_CLUSTER_HOME/cluster.env at the first start and read from
# it afterwards, so `stop`, `kill` and `restart` need only KAFKA_CLUSTER_HOME.
#
# SASL_SSL (SCRAM over TLS) on the single broker: KAFKA_SECURITY=sasl_ssl with start/format.
#   deploy/kafka/tls.py makes a CA, the broker's certificate (127.0.0.1, localhost) and a
#   PKCS#12 keystore in KAFKA_TLS_DIR, and the SCRAM users' passwords (credentials.env there:
#   the client user KAFKA_SASL_USERNAME [wfa] with KAFKA_SASL_PASSWORD, generated unless
#   given, and the broker's own user admin); the storage is formatted with both users
#   (SCRAM-SHA-256 and -512). Clients then use KAFKA_SECURITY_PROTOCOL=SASL_SSL,
#   KAFKA_SSL_CA_FILE=$KAFKA_TLS_DIR/ca.pem and those credentials; the client port speaks
#   nothing else (the controller listener stays PLAINTEXT on loopback). Give it at every
#   start: the config is rewritten each time. Users are added when the storage is formatted.
#   KAFKA_SECURITY         plaintext | sasl_ssl [plaintext]
#   KAFKA_TLS_DIR          certificates and credentials [<repo>/var/kafka-tls]
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
CLUSTER_TEMPLATE="$SCRIPT_DIR/cluster.properties.template"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
COMPOSE_HINT="docker compose -f deploy/compose/docker-compose.yml up"

KAFKA_HOME="${KAFKA_HOME:-$REPO_ROOT/var/kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_SECURITY="${KAFKA_SECURITY:-plaintext}"
KAFKA_TLS_DIR="${KAFKA_TLS_DIR:-$REPO_ROOT/var/kafka-tls}"

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
  port="$(sed -n 's/^advertised\.listeners=[A-Z_]*:\/\/[^:]*:\([0-9]*\).*/\1/p' "$CONFIG" | head -n 1)"
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
  python3 - "$1" "${2:-1}" "${3:-}" <<'PY'
import socket
import struct
import sys

port = int(sys.argv[1])
least = int(sys.argv[2])
cafile = sys.argv[3] if len(sys.argv) > 3 else ""


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
        if cafile:  # SASL_SSL: the TLS handshake and ApiVersions (allowed before SASL)
            import ssl

            context = ssl.create_default_context(cafile=cafile)
            with context.wrap_socket(s, server_hostname="127.0.0.1") as t:
                resp = call(t, 18, 0, 1)
                sys.exit(0 if struct.unpack(">h", resp[:2])[0] == 0 else 1)
        # ApiVersions v0: error_code int16, [api_key int16, min int16, max int16].
        resp = call(s, 18, 0, 1)
        if struct.unpack(">h", resp[:2])[0] != 0:
            sys.exit(1)
        # Metadata v4 (non-flexible): empty topic list, no auto-creation.
        resp = call(s, 3, 4, 2, struct.pack(">ib", 0, 0))
        throttle, n_brokers = struct.unpack(">ii", resp[:8])
        sys.exit(0 if n_brokers >= least else 1)
except Exception:
    sys.exit(1)
PY
}

# The CA of a SASL_SSL broker (its config names it), or nothing for a PLAINTEXT one.
configured_ca() {
  [[ -f "$CONFIG" ]] || return 0
  sed -n 's/^ssl\.truststore\.location=//p' "$CONFIG" | head -n 1
}

broker_ready() {
  if command -v python3 >/dev/null 2>&1; then
    probe_metadata "$KAFKA_PORT" 1 "$(configured_ca)"
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
  conf="${conf//@NODE_ID@/"${KAFKA_NODE_ID:-1}"}"
  conf="${conf//@VOTERS@/"${KAFKA_VOTERS:-}"}"
  local -a scram=()
  case "$KAFKA_SECURITY" in
    plaintext) ;;
    sasl_ssl) secure_config ;;
    *) die "KAFKA_SECURITY=$KAFKA_SECURITY: plaintext or sasl_ssl" ;;
  esac
  (
    umask 077 # a SASL_SSL config holds the keystore's and the broker user's passwords
    {
      printf '# GENERATED by deploy/kafka/kafka.sh from deploy/kafka/server.properties.template\n'
      printf '# for KAFKA_HOME=%s. Do not edit: it is rewritten by every format/start.\n\n' "$KAFKA_HOME"
      printf '%s\n' "$conf"
    } >"$CONFIG.tmp"
  )
  mv "$CONFIG.tmp" "$CONFIG"

  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    log "Storage already formatted in $DATA_DIR (data kept)"
    return 0
  fi

  local cluster_id="${KAFKA_CLUSTER_ID:-}"
  if [[ -n "$cluster_id" ]]; then
    : # a node of a cluster: the id all its nodes share
  elif command -v python3 >/dev/null 2>&1; then
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
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" ${scram[@]+"${scram[@]}"}
}

# KAFKA_SECURITY=sasl_ssl: certificates and credentials (deploy/kafka/tls.py), the client
# listener SASL_SSL with SCRAM, and the SCRAM users to add when the storage is formatted
# (sets conf and scram of cmd_format).
secure_config() {
  local python="$REPO_ROOT/.venv/bin/python"
  [[ -x "$python" ]] || python="python3"
  "$python" "$SCRIPT_DIR/tls.py" "$KAFKA_TLS_DIR" || die "cannot make the certificates in $KAFKA_TLS_DIR"
  KAFKA_TLS_DIR="$(cd "$KAFKA_TLS_DIR" && pwd)"
  local keystore_password admin_user admin_password user password
  keystore_password="$(sed -n 's/^KAFKA_KEYSTORE_PASSWORD=//p' "$KAFKA_TLS_DIR/credentials.env")"
  admin_user="$(sed -n 's/^KAFKA_ADMIN_USERNAME=//p' "$KAFKA_TLS_DIR/credentials.env")"
  admin_password="$(sed -n 's/^KAFKA_ADMIN_PASSWORD=//p' "$KAFKA_TLS_DIR/credentials.env")"
  user="$(sed -n 's/^KAFKA_SASL_USERNAME=//p' "$KAFKA_TLS_DIR/credentials.env")"
  password="$(sed -n 's/^KAFKA_SASL_PASSWORD=//p' "$KAFKA_TLS_DIR/credentials.env")"
  conf="${conf//"PLAINTEXT://127.0.0.1:$KAFKA_PORT"/"SASL_SSL://127.0.0.1:$KAFKA_PORT"}"
  conf="${conf//"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,"/"listener.security.protocol.map=SASL_SSL:SASL_SSL,"}"
  conf="${conf//"inter.broker.listener.name=PLAINTEXT"/"inter.broker.listener.name=SASL_SSL"}"
  conf+="

############################# SASL_SSL (KAFKA_SECURITY=sasl_ssl) #############################
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin_user\" password=\"$admin_password\";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin_user\" password=\"$admin_password\";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_TLS_DIR/broker.p12
ssl.keystore.password=$keystore_password
ssl.key.password=$keystore_password
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_TLS_DIR/ca.pem
ssl.client.auth=none"
  local mechanism name_password
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    for name_password in "$admin_user,password=$admin_password" "$user,password=$password"; do
      scram+=(--add-scram "$mechanism=[name=$name_password]")
    done
  done
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
  cmd_launch
  cmd_wait
}

# fetch + format + start the JVM in the background, without waiting for it to answer.
cmd_launch() {
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

# ------------------------------------------------------------------------------ cluster

CLUSTER_NODES=(1 2 3)

# Read (or, the first time, choose and write) the cluster's ports and id.
cluster_setup() {
  KAFKA_CLUSTER_HOME="${KAFKA_CLUSTER_HOME:-$REPO_ROOT/var/kafka-cluster}"
  [[ "$KAFKA_CLUSTER_HOME" == /* ]] || KAFKA_CLUSTER_HOME="$PWD/$KAFKA_CLUSTER_HOME"
  CLUSTER_ENV="$KAFKA_CLUSTER_HOME/cluster.env"
  if [[ -f "$CLUSTER_ENV" ]]; then
    # shellcheck disable=SC1090 # written below by this script
    source "$CLUSTER_ENV"
  else
    CLUSTER_PORTS="${KAFKA_CLUSTER_PORTS:-9192,9194,9196}"
    CLUSTER_CONTROLLER_PORTS="${KAFKA_CLUSTER_CONTROLLER_PORTS:-9193,9195,9197}"
    CLUSTER_ID=""
  fi
  IFS=, read -r -a NODE_PORTS <<<"$CLUSTER_PORTS"
  IFS=, read -r -a NODE_CONTROLLER_PORTS <<<"$CLUSTER_CONTROLLER_PORTS"
  ((${#NODE_PORTS[@]} == 3 && ${#NODE_CONTROLLER_PORTS[@]} == 3)) \
    || die "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS name three ports each"
  local i voters=""
  for i in "${CLUSTER_NODES[@]}"; do
    voters+="${voters:+,}$i@127.0.0.1:${NODE_CONTROLLER_PORTS[i - 1]}"
  done
  CLUSTER_VOTERS="$voters"
  CLUSTER_BOOTSTRAP=""
  for i in "${CLUSTER_NODES[@]}"; do
    CLUSTER_BOOTSTRAP+="${CLUSTER_BOOTSTRAP:+,}127.0.0.1:${NODE_PORTS[i - 1]}"
  done
}

cluster_save() {
  [[ -f "$CLUSTER_ENV" ]] && return 0
  mkdir -p "$KAFKA_CLUSTER_HOME"
  if [[ -z "$CLUSTER_ID" ]]; then
    CLUSTER_ID="$(python3 -c 'import base64, uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if cid[0] != "-":
        print(cid)
        break')"
  fi
  printf 'CLUSTER_PORTS=%s\nCLUSTER_CONTROLLER_PORTS=%s\nCLUSTER_ID=%s\n' \
    "$CLUSTER_PORTS" "$CLUSTER_CONTROLLER_PORTS" "$CLUSTER_ID" >"$CLUSTER_ENV.tmp"
  mv "$CLUSTER_ENV.tmp" "$CLUSTER_ENV"
}

# Point the single-broker globals at node $1 (call in a subshell).
use_node() {
  local n="$1"
  [[ "$n" =~ ^[123]$ ]] || die "cluster nodes are 1, 2 and 3 (not '$n')"
  KAFKA_HOME="$KAFKA_CLUSTER_HOME/node-$n"
  KAFKA_PORT="${NODE_PORTS[n - 1]}"
  KAFKA_CONTROLLER_PORT="${NODE_CONTROLLER_PORTS[n - 1]}"
  KAFKA_NODE_ID="$n"
  KAFKA_VOTERS="$CLUSTER_VOTERS"
  KAFKA_CLUSTER_ID="$CLUSTER_ID"
  KAFKA_HEAP="${KAFKA_CLUSTER_HEAP:--Xms128m -Xmx384m}"
  TEMPLATE="$CLUSTER_TEMPLATE"
  resolve_home
}

node_running() ( use_node "$1"; [[ -n "$(broker_pids | head -n 1)" ]] )

running_nodes() {
  local n
  for n in "${CLUSTER_NODES[@]}"; do
    node_running "$n" && printf '%s ' "$n"
  done
  return 0
}

# Wait until each of the nodes given answers a Metadata request that lists every running
# node's broker (a restarted node has caught up with the quorum and is unfenced).
cluster_wait() {
  local timeout="${KAFKA_CLUSTER_START_TIMEOUT:-120}"
  local deadline=$((SECONDS + timeout)) n least pending
  least="$(running_nodes | wc -w | tr -d ' ')"
  pending=("$@")
  while ((${#pending[@]})); do
    local left=()
    for n in "${pending[@]}"; do
      if ! node_running "$n"; then
        printf 'kafka.sh: cluster node %s is not running\n' "$n" >&2
        (use_node "$n"; show_log_tail)
        exit 1
      fi
      probe_metadata "${NODE_PORTS[n - 1]}" "$least" || left+=("$n")
    done
    pending=(${left[@]+"${left[@]}"})
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      printf 'kafka.sh: cluster nodes %s not ready after %s s\n' "${pending[*]}" "$timeout" >&2
      for n in "${pending[@]}"; do (use_node "$n"; show_log_tail); done
      exit 1
    fi
    sleep 0.5
  done
}

cluster_start() {
  local nodes=("$@") n started=()
  ((${#nodes[@]})) || nodes=("${CLUSTER_NODES[@]}")
  cmd_fetch >/dev/null
  cluster_save
  local launches=()
  for n in "${nodes[@]}"; do
    if node_running "$n"; then
      log "Cluster node $n already running (127.0.0.1:${NODE_PORTS[n - 1]})"
      continue
    fi
    # formatted and launched side by side, awaited together: no node can answer before a
    # quorum of controllers runs
    (use_node "$n"; cmd_launch) &
    launches+=("$!")
    started+=("$n")
  done
  for n in ${launches[@]+"${launches[@]}"}; do
    wait "$n" || die "a cluster node did not start (see its logs under $KAFKA_CLUSTER_HOME)"
  done
  ((${#started[@]})) && cluster_wait "${started[@]}"
  log "Kafka cluster ready: $CLUSTER_BOOTSTRAP (running nodes: $(running_nodes))"
}

cluster_stop() {
  local nodes=("$@") n
  ((${#nodes[@]})) || nodes=("${CLUSTER_NODES[@]}")
  local pids=()
  for n in "${nodes[@]}"; do # SIGTERM all first: their shutdowns overlap
    (use_node "$n"; cmd_stop) &
    pids+=("$!")
  done
  local status=0
  for n in "${pids[@]}"; do wait "$n" || status=1; done
  return "$status"
}

cluster_kill() {
  local n="${1:-}" pid
  [[ -n "$n" ]] || die "cluster kill needs a node number (1, 2 or 3)"
  pid="$(use_node "$n"; broker_pids | head -n 1)"
  if [[ -z "$pid" ]]; then
    log "Cluster node $n not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  log "Cluster node $n killed (pid $pid)"
}

cluster_status() {
  local n all=0
  for n in "${CLUSTER_NODES[@]}"; do
    if node_running "$n"; then
      log "node $n: running (127.0.0.1:${NODE_PORTS[n - 1]})"
    else
      log "node $n: not running"
      all=1
    fi
  done
  return "$all"
}

cmd_cluster() {
  local sub="${1:-}"
  shift || true
  [[ "$KAFKA_SECURITY" == plaintext ]] || die "KAFKA_SECURITY=$KAFKA_SECURITY applies to the single broker only"
  cluster_setup
  case "$sub" in
    start) cluster_start "$@" ;;
    stop) cluster_stop "$@" ;;
    kill) cluster_kill "$@" ;;
    restart)
      [[ -n "${1:-}" ]] || die "cluster restart needs a node number (1, 2 or 3)"
      cluster_stop "$1"
      cluster_start "$1"
      ;;
    status) cluster_status ;;
    bootstrap) printf '%s\n' "$CLUSTER_BOOTSTRAP" ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
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
    cluster) shift; cmd_cluster "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
