#!/usr/bin/env bash
# Opt-in container proof of both images, with podman through container-lab (no Docker engine, no cluster):
#
#   1. build Dockerfile.sidecar and Dockerfile.webhook;
#   2. the laptop story: the bridge image running `npx -y @modelcontextprotocol/server-everything`, then /readyz and
#      an MCP client (initialize, tools/list, tools/call) over Streamable HTTP; then a mounted Python script that
#      never flushes, run by the image's python3 with --pty;
#   3. the webhook image: `serve --self-signed`, AdmissionReviews POSTed to /mutate (inject, skip, deny); then
#      `--bootstrap-tls` with the base Deployment's args and securityContext against the webhook tests' FAKE
#      kube-apiserver (Secret, caBundle patch and drift, certificate verified for the Service name, every request
#      checked against the base RBAC);
#   4. each example injected in the classic layout, turned into a bare Pod and run with `podman kube play`: the init
#      container installs the shim, the server runs under the shim (mcp-shim --pty for python-pty-server.yaml), the
#      bridge becomes ready, an MCP client lists and calls tools through it; http-server.yaml gets no shim at all,
#      only the bridge in front of the server's own Streamable HTTP port.
#
#   test/e2e/podman/run.sh            # skips (exit 0) with a message when podman/container-lab is missing
#   MCP_E2E_PODMAN_REQUIRED=1 test/e2e/podman/run.sh   # a skip is a failure (exit 1), e.g. in a CI job
#   MCP_E2E_PODMAN_SKIP_BUILD=1 ...   # reuse mcp-sidecar:dev and mcp-injector:dev from an earlier run
#
# Host ports used (the lab's containers share the host network): 18080-18083 (laptop stories), 18443-18446 (webhook),
# 3001 (http-server.yaml's server),
# 8080/8081 (the injected pods: the bridge's ports as the injector renders them). They must be free.
# Native sidecars (init containers with restartPolicy: Always) cannot run under podman kube play, which runs init
# containers to completion: the pods use the classic layout. podman does not run the probes here (no systemd for its
# healthcheck timers); the script polls /readyz itself.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB=${CONTAINER_LAB:-/work/shared/lab/container-lab}
SIDECAR_IMAGE=localhost/mcp-sidecar:dev
INJECTOR_IMAGE=localhost/mcp-injector:dev
LAPTOP=mcp-proof-laptop
INJECTOR=mcp-proof-injector
PLAYED=()
OWNED_VOLUMES=()

skip() {
  echo "SKIPPED test/e2e/podman/run.sh: $*" >&2
  if [ "${MCP_E2E_PODMAN_REQUIRED:-0}" = 1 ]; then exit 1; fi
  exit 0
}

# Node 24 (type stripping, module hooks): the repo's own node when installed, else the one on PATH.
export PATH="$REPO/node_modules/.bin:$PATH"
command -v node >/dev/null || skip "no node on PATH"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ] || skip "node >= 24 needed (run npm ci in $REPO)"
[ -x "$LAB" ] || skip "container-lab not found at $LAB (set CONTAINER_LAB=/path/to/container-lab)"
eval "$("$LAB" env)"
command -v podman >/dev/null || skip "podman is not installed; run '$LAB setup' first (about 2-3 minutes, as root)"
podman image exists docker.io/library/node:24-slim ||
  skip "the lab's base images are missing; run '$LAB setup' first"
for port in 18080 18081 18443 18444 18445 18446 8080 8081; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then skip "port $port is in use on this host"; fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcp-podman-proof.XXXXXX")
cleanup() {
  podman rm -f "$LAPTOP" "$INJECTOR" >/dev/null 2>&1 || true
  for pod in "${PLAYED[@]}"; do [ -z "$pod" ] || podman kube down "$pod" >/dev/null 2>&1 || true; done
  for volume in "${OWNED_VOLUMES[@]}"; do podman volume rm -f "$volume" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

REGISTRY=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
started=$SECONDS
declare -A took
phase() { echo; echo "=== $* ($(( SECONDS - started )) s)"; }
timed() { local name=$1 at=$SECONDS; shift; "$@"; took[$name]=$(( SECONDS - at )); }

build_images() {
  if [ "${MCP_E2E_PODMAN_SKIP_BUILD:-0}" = 1 ]; then
    podman image exists "$SIDECAR_IMAGE" && podman image exists "$INJECTOR_IMAGE" ||
      skip "MCP_E2E_PODMAN_SKIP_BUILD=1 but $SIDECAR_IMAGE or $INJECTOR_IMAGE is missing"
    return
  fi
  (cd "$REPO" && "$LAB" build -f Dockerfile.sidecar -t mcp-sidecar:dev . >"$WORK/build-sidecar.log" 2>&1) ||
    { tail -40 "$WORK/build-sidecar.log"; exit 1; }
  (cd "$REPO" && "$LAB" build -f Dockerfile.webhook -t mcp-injector:dev . >"$WORK/build-webhook.log" 2>&1) ||
    { tail -40 "$WORK/build-webhook.log"; exit 1; }
}

laptop_story() {
  # docker run -p 8080:8080 IMAGE -- npx -y ...; the lab's host network makes -p a no-op, so the bridge is told its
  # ports with the image's MCP_SIDECAR_* variables (the same -p works unchanged on a bridged network).
  "$LAB" run -d --name "$LAPTOP" -p 18080:18080 -p 18081:18081 \
    -e MCP_SIDECAR_PORT=18080 -e MCP_SIDECAR_ADMIN_PORT=18081 \
    "$SIDECAR_IMAGE" -- npx -y @modelcontextprotocol/server-everything >/dev/null
  node "$REPO/test/e2e/podman/mcp-smoke.ts" --url http://127.0.0.1:18080/mcp --admin http://127.0.0.1:18081 ||
    { podman logs "$LAPTOP" | tail -30; exit 1; }
  echo "readyz: $(curl -s http://127.0.0.1:18081/readyz)"
  podman rm -f "$LAPTOP" >/dev/null
}

webhook_image() {
  podman run -d --name "$INJECTOR" "$INJECTOR_IMAGE" serve --self-signed --port 18443 --admin-port 18444 >/dev/null
  node "$REPO/test/e2e/podman/admission-smoke.ts" --url https://127.0.0.1:18443/mutate \
    --admin http://127.0.0.1:18444 --manifest "$REPO/manifests/examples/server-everything.yaml" \
    --workload Deployment/everything || { podman logs "$INJECTOR" | tail -30; exit 1; }
  echo "injector user: $(podman inspect "$INJECTOR" --format '{{.Config.User}}')"
  podman rm -f "$INJECTOR" >/dev/null
  node "$REPO/test/e2e/podman/bootstrap-smoke.ts" --image "$INJECTOR_IMAGE"
}

# $1 example file, $2 workload, $3 pod name, $4 tools/call JSON, $5 expected text, $6 how the server is reached:
# stdio (mcp-shim), pty (mcp-shim --pty) or http (no shim: only the bridge in front)
classic_pod() {
  local example=$1 workload=$2 name=$3 call=$4 expect=$5 kind=${6:-stdio} yaml="$WORK/$3-pod.yaml" volumes="$WORK/$3-volumes"
  node "$REPO/webhook/bin/mcp-injector.js" inject --sidecar-mode classic --sidecar-image "$SIDECAR_IMAGE" \
    -f "$REPO/manifests/examples/$example" | node "$REPO/test/e2e/podman/classic-pod.ts" --workload "$workload" \
    --npm-registry "$REGISTRY" --volumes-file "$volumes" >"$yaml"
  # kube play reuses an existing volume of the same name, which would hide a failed shim install or a changed
  # ConfigMap: refuse to run over one (they are not ours to delete), and delete the ones this pod made afterwards.
  local volume_name
  while read -r volume_name; do
    if podman volume exists "$volume_name"; then
      echo "a podman volume named $volume_name exists; remove it (podman volume rm $volume_name) and run again"
      exit 1
    fi
    OWNED_VOLUMES+=("$volume_name")
  done <"$volumes"
  PLAYED+=("$yaml")
  podman kube play "$yaml" >"$WORK/$name-play.log" 2>&1 || { cat "$WORK/$name-play.log"; exit 1; }
  node "$REPO/test/e2e/podman/mcp-smoke.ts" --url http://127.0.0.1:8080/mcp --admin http://127.0.0.1:8081 \
    --call "$call" --expect "$expect" || { podman logs "$name-server" "$name-mcp-sidecar" 2>&1 | tail -40; exit 1; }
  if [ "$kind" = http ]; then
    echo "bridge: $(curl -s http://127.0.0.1:8081/status | head -c 300)"
    podman kube down "$yaml" >"$WORK/$name-down.log" 2>&1
    PLAYED=("${PLAYED[@]/$yaml/}")
    return
  fi
  # podman removes a finished init container, so its work is checked where it landed: the shared volume.
  local volume pid
  volume=$(podman volume inspect mcp-sidecar --format '{{.Mountpoint}}')
  local installed image
  installed=$(sha256sum "$volume/bin/mcp-shim" | cut -d' ' -f1)
  image=$(podman run --rm --entrypoint sha256sum "$SIDECAR_IMAGE" /usr/local/bin/mcp-shim | cut -d' ' -f1)
  [ "$installed" = "$image" ] || { echo "shim in the volume differs from the image's"; exit 1; }
  echo "shim installed by the init container: $(stat -c '%A %U' "$volume/bin/mcp-shim") sha256 ${installed:0:12}"
  echo "socket: $(stat -c '%A %U' "$volume/run/stdio.sock") $volume/run/stdio.sock"
  pid=$(podman inspect "$name-server" --format '{{.State.Pid}}')
  echo "server container PID 1: $(tr '\0' ' ' </proc/"$pid"/cmdline)"
  local shim_args='--listen /mcp/run/stdio.sock --'
  [ "$kind" = pty ] && shim_args='--listen /mcp/run/stdio.sock --pty --'
  grep -q "^/mcp/bin/mcp-shim $shim_args " <(tr '\0' ' ' </proc/"$pid"/cmdline) ||
    { echo "the server container does not run under the shim ($shim_args)"; exit 1; }
  echo "bridge: $(curl -s http://127.0.0.1:8081/status | head -c 300)"
  # (podman logs errors about healthcheck timers it cannot remove without systemd; they are harmless here.)
  podman kube down "$yaml" >"$WORK/$name-down.log" 2>&1
  PLAYED=("${PLAYED[@]/$yaml/}")
  while read -r volume_name; do
    if podman volume exists "$volume_name"; then podman volume rm "$volume_name" >/dev/null; fi
  done <"$volumes"
}

phase "build images"
timed build build_images
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'mcp-(sidecar|injector)'

phase "laptop story: $SIDECAR_IMAGE -- npx -y @modelcontextprotocol/server-everything"
timed laptop laptop_story

python_story() {
  # A mounted Python script that never flushes print(): python3 is in the image, and --pty (node-pty's prebuilt
  # binary in the image) gives it a terminal. PYTHONUNBUFFERED is set to empty so the bridge does not set it.
  "$LAB" run -d --name "$LAPTOP-python" -p 18082:18082 -p 18083:18083 \
    -e MCP_SIDECAR_PORT=18082 -e MCP_SIDECAR_ADMIN_PORT=18083 -e PYTHONUNBUFFERED= \
    -v "$REPO/test/fixtures/python/buffered_server.py:/app/server.py:ro" \
    "$SIDECAR_IMAGE" --pty -- python3 /app/server.py >/dev/null
  node "$REPO/test/e2e/podman/mcp-smoke.ts" --url http://127.0.0.1:18082/mcp --admin http://127.0.0.1:18083 \
    --call '{"name":"echo","arguments":{"text":"python on a pty"}}' --expect 'python on a pty' ||
    { podman logs "$LAPTOP-python" | tail -30; exit 1; }
  podman rm -f "$LAPTOP-python" >/dev/null
}

phase "laptop story, Python: $SIDECAR_IMAGE --pty -- python3 /app/server.py (mounted)"
timed python_laptop python_story

phase "webhook image: serve --self-signed (AdmissionReview v1), then --bootstrap-tls (fake API server)"
timed webhook webhook_image

phase "injected pod (classic layout): server-everything.yaml"
timed everything classic_pod server-everything.yaml Deployment/everything everything \
  '{"name":"echo","arguments":{"message":"through the shim"}}' 'through the shim'

phase "injected pod (classic layout, per-session): python-stdio-server.yaml"
timed python classic_pod python-stdio-server.yaml Deployment/python-notes python-notes \
  '{"name":"add_note","arguments":{"text":"from podman"}}' '1 notes'

phase "injected pod (classic layout): http-server.yaml (only the bridge in front of an HTTP server)"
timed http classic_pod http-server.yaml Deployment/everything-http everything-http \
  '{"name":"echo","arguments":{"message":"over http"}}' 'over http' http

phase "injected pod (classic layout, mcp.io/pty): python-pty-server.yaml"
timed pty classic_pod python-pty-server.yaml Deployment/python-buffered python-buffered \
  '{"name":"echo","arguments":{"text":"from podman"}}' 'from podman (on a terminal)' pty

echo
echo "PASSED test/e2e/podman/run.sh in $(( SECONDS - started )) s:" \
  "build ${took[build]} s, laptop ${took[laptop]} s, webhook ${took[webhook]} s," \
  "everything pod ${took[everything]} s, python pod ${took[python]} s, http pod ${took[http]} s," \
  "pty pod ${took[pty]} s, python laptop ${took[python_laptop]} s"
