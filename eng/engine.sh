#!/usr/bin/env bash
# Sets up everything the integration tests and the main job need, on a fresh Debian machine or again on a
# machine where it already ran (every step is idempotent):
#   - Debian's docker.io (Engine 20.10, embedded BuildKit), docker-registry, busybox-static, apache2-utils, debootstrap;
#   - dockerd on the unix socket and on tcp://127.0.0.1:2376 with TLS (certificates generated here);
#   - an anonymous registry on 127.0.0.1:5000 and an htpasswd-protected one on 127.0.0.1:5001;
#   - a private NuGet v3 feed (static files: a service index and the flat container) served by Debian's nginx on
#     127.0.0.1:5002 behind basic auth; eng/nuget-feed.sh publishes packages into it;
#   - local base images (nothing can be pulled from an internet registry here): busybox, and .NET SDK / ASP.NET
#     stand-ins built from a debootstrapped Debian and this machine's .NET.
# No bridge network is ever created: the daemon runs with --bridge=none and all traffic stays on 127.0.0.1.
# Prints the environment the tests read (eval "$(eng/engine.sh --env)" to load it into a shell).
set -euo pipefail

STATE_DIR="${IMAGEDSL_ENGINE_DIR:-/var/lib/imagedsl-engine}"
CERT_DIR="$STATE_DIR/certs"
TLS_PORT=2376
REGISTRY_PORT=5000
AUTH_REGISTRY_PORT=5001
REGISTRY_USER=imagedsl
FEED_PORT=5002
FEED_USER=imagedsl-feed
FEED_DIR="$STATE_DIR/nuget-feed"
# The private NuGet feed's credential: like the registry's, a throwaway for a loopback-only server.
FEED_PASSWORD_FILE="$FEED_DIR/password"
# A throwaway credential for a registry that listens on loopback only and lives as long as this machine.
REGISTRY_PASSWORD_FILE="$STATE_DIR/registry-password"

print_env() {
  cat <<ENV
export IMAGEDSL_TLS_HOST=tcp://127.0.0.1:$TLS_PORT
export IMAGEDSL_TLS_CERT_PATH=$CERT_DIR/client
export IMAGEDSL_REGISTRY=127.0.0.1:$REGISTRY_PORT
# Where that registry stores blobs: a test rewrites a stored manifest there to see a pinned digest hold.
export IMAGEDSL_REGISTRY_STORAGE=$STATE_DIR/registry/data
export IMAGEDSL_AUTH_REGISTRY=127.0.0.1:$AUTH_REGISTRY_PORT
export IMAGEDSL_AUTH_REGISTRY_USER=$REGISTRY_USER
export IMAGEDSL_AUTH_REGISTRY_PASSWORD_FILE=$REGISTRY_PASSWORD_FILE
export IMAGEDSL_BASE_IMAGE=local/busybox:1
export IMAGEDSL_DOTNET_SDK_IMAGE=local/dotnet-sdk:10.0
export IMAGEDSL_ASPNET_IMAGE=local/aspnet:10.0
# The same base images in the anonymous registry, for the daemonless builder (which pulls from registries only).
export IMAGEDSL_REGISTRY_BASE_IMAGE=127.0.0.1:$REGISTRY_PORT/base/busybox:1
export IMAGEDSL_REGISTRY_ASPNET_IMAGE=127.0.0.1:$REGISTRY_PORT/base/aspnet:10.0
# An image index of two platforms (linux/amd64 and linux/arm64) of busybox, for multi-platform builds.
export IMAGEDSL_MULTIPLATFORM_BASE_IMAGE=127.0.0.1:$REGISTRY_PORT/base/busybox-multi:1
export IMAGEDSL_FEED_URL=http://127.0.0.1:$FEED_PORT/v3/index.json
export IMAGEDSL_FEED_ROOT=$FEED_DIR/root
export IMAGEDSL_FEED_USER=$FEED_USER
export IMAGEDSL_FEED_PASSWORD_FILE=$FEED_PASSWORD_FILE
# This daemon has no bridge network (--bridge=none): RUN steps that need the network (a restore from the loopback
# feed) use the host's. MSBuild reads this as the ImageDslNetworkMode property; ImageDsl's own default is docker's.
export ImageDslNetworkMode=host
export ImageDslProbeNetwork=host
ENV
}

if [[ "${1:-}" == "--env" ]]; then print_env; exit 0; fi

log() { printf '[engine] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v ssh-agent >/dev/null || missing+=(openssh-client)
  command -v nginx >/dev/null || missing+=(nginx-light)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

make_certs() {
  [[ -f "$CERT_DIR/client/key.pem" ]] && return 0
  log "generating TLS certificates in $CERT_DIR"
  mkdir -p "$CERT_DIR/server" "$CERT_DIR/client"
  local tmp; tmp=$(mktemp -d)
  openssl genrsa -out "$tmp/ca-key.pem" 2048 2>/dev/null
  openssl req -x509 -new -key "$tmp/ca-key.pem" -days 3650 -subj "/CN=imagedsl-test-ca" -out "$CERT_DIR/ca.pem" 2>/dev/null
  openssl genrsa -out "$CERT_DIR/server/key.pem" 2048 2>/dev/null
  openssl req -new -key "$CERT_DIR/server/key.pem" -subj "/CN=localhost" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tmp/server.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$CERT_DIR/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$tmp/server.ext" -out "$CERT_DIR/server/cert.pem" 2>/dev/null
  openssl genrsa -out "$CERT_DIR/client/key.pem" 2048 2>/dev/null
  openssl req -new -key "$CERT_DIR/client/key.pem" -subj "/CN=imagedsl-client" -out "$tmp/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$tmp/client.ext"
  openssl x509 -req -in "$tmp/client.csr" -CA "$CERT_DIR/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$tmp/client.ext" -out "$CERT_DIR/client/cert.pem" 2>/dev/null
  cp "$CERT_DIR/ca.pem" "$CERT_DIR/client/ca.pem"
  rm -rf "$tmp"
}

daemon_ready() { curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; }

start_daemon() {
  if daemon_ready; then return 0; fi
  # After a kill the pid file stays behind and a new dockerd refuses to start ("pid file found").
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd"
  nohup dockerd --bridge=none --iptables=false --ip-forward=false \
    -H unix:///var/run/docker.sock -H "tcp://127.0.0.1:$TLS_PORT" \
    --tlsverify --tlscacert="$CERT_DIR/ca.pem" --tlscert="$CERT_DIR/server/cert.pem" --tlskey="$CERT_DIR/server/key.pem" \
    >"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do daemon_ready && return 0; sleep 0.5; done
  log "dockerd did not answer /_ping within 60 s; its log:"; tail -n 30 "$STATE_DIR/dockerd.log" >&2
  exit 1
}

registry_ready() { curl -s -o /dev/null "http://127.0.0.1:$1/v2/"; }

start_registry() { # port, name, extra auth yaml
  local port=$1 name=$2 auth=${3:-}
  if registry_ready "$port"; then return 0; fi
  mkdir -p "$STATE_DIR/$name/data"
  cat >"$STATE_DIR/$name/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
YAML
  log "starting registry $name on 127.0.0.1:$port"
  nohup docker-registry serve "$STATE_DIR/$name/config.yml" >"$STATE_DIR/$name/registry.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do registry_ready "$port" && return 0; sleep 0.25; done
  log "registry $name did not start; its log:"; tail -n 20 "$STATE_DIR/$name/registry.log" >&2
  exit 1
}

feed_ready() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FEED_PORT/v3/index.json")" == 401 ]]; }

start_feed() {
  mkdir -p "$FEED_DIR/root/v3" "$FEED_DIR/root/v3-flatcontainer" "$FEED_DIR/logs"
  if [[ ! -f "$FEED_PASSWORD_FILE" ]]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$FEED_PASSWORD_FILE"; chmod 600 "$FEED_PASSWORD_FILE"
  fi
  # nginx's workers read the htpasswd file (hashed) and the feed, so both are world-readable.
  htpasswd -bmn "$FEED_USER" "$(cat "$FEED_PASSWORD_FILE")" >"$FEED_DIR/htpasswd" 2>/dev/null
  chmod 644 "$FEED_DIR/htpasswd"
  cat >"$FEED_DIR/root/v3/index.json" <<JSON
{ "version": "3.0.0", "resources": [ { "@id": "http://127.0.0.1:$FEED_PORT/v3-flatcontainer/", "@type": "PackageBaseAddress/3.0.0" } ] }
JSON
  if feed_ready; then return 0; fi
  cat >"$FEED_DIR/nginx.conf" <<NGINX
worker_processes 1;
pid $FEED_DIR/nginx.pid;
error_log $FEED_DIR/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  types { application/json json; application/octet-stream nupkg; application/xml nuspec; }
  server {
    listen 127.0.0.1:$FEED_PORT;
    root $FEED_DIR/root;
    auth_basic "imagedsl-feed";
    auth_basic_user_file $FEED_DIR/htpasswd;
  }
}
NGINX
  if [[ -f "$FEED_DIR/nginx.pid" ]] && ! kill -0 "$(cat "$FEED_DIR/nginx.pid")" 2>/dev/null; then rm -f "$FEED_DIR/nginx.pid"; fi
  log "starting the private NuGet feed on 127.0.0.1:$FEED_PORT"
  nginx -c "$FEED_DIR/nginx.conf" -p "$FEED_DIR" -e "$FEED_DIR/logs/error.log"
  for _ in $(seq 1 40); do feed_ready && return 0; sleep 0.25; done
  log "the feed did not start; its log:"; tail -n 20 "$FEED_DIR/logs/error.log" >&2
  exit 1
}

make_base_images() {
  if ! docker image inspect local/busybox:1 >/dev/null 2>&1; then
    log "importing local/busybox:1 from busybox-static"
    local root; root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    chmod 1777 "$root/tmp"
    tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - local/busybox:1 >/dev/null
    rm -rf "$root"
  fi
  # The registries start empty on a fresh machine; tests also pull the base back from there.
  if ! curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/base/busybox/manifests/1" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null; then
    docker tag local/busybox:1 "127.0.0.1:$REGISTRY_PORT/base/busybox:1"
    docker push -q "127.0.0.1:$REGISTRY_PORT/base/busybox:1" >/dev/null
  fi
}

# Stand-ins for mcr.microsoft.com/dotnet/sdk:10.0 and aspnet:10.0 (no internet registry is reachable): a Debian
# bookworm root filesystem from debootstrap (from the mirror apt is configured with) plus this machine's .NET.
debian_mirror() {
  local uri
  uri=$(grep -rhE '^URIs:|^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -E '/debian/?( |$)' | grep -v security | head -1 | grep -oE 'https?://[^ ]+' || true)
  echo "${uri:-}"
}

make_dotnet_images() {
  if docker image inspect local/dotnet-sdk:10.0 >/dev/null 2>&1 && docker image inspect local/aspnet:10.0 >/dev/null 2>&1; then return 0; fi
  local root="$STATE_DIR/rootfs-bookworm" dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  if [[ ! -f "$root/.complete" ]]; then
    log "debootstrap bookworm for the .NET stand-in images (once per machine)"
    rm -rf "$root"
    debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata bookworm "$root" $(debian_mirror) >"$STATE_DIR/debootstrap.log" 2>&1
    ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
    rm -rf "$root/var/cache/apt/archives"/*.deb
    touch "$root/.complete"
  fi
  local env=(-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' -c 'ENV DOTNET_NOLOGO=1' -c 'ENV DOTNET_ROOT=/usr/share/dotnet')
  log "importing local/dotnet-sdk:10.0 and local/aspnet:10.0"
  tar -C "$root" --exclude=./.complete -c . -C "$(dirname "$dotnet_root")" --transform="s,^$(basename "$dotnet_root"),./usr/share/dotnet," "$(basename "$dotnet_root")" \
    | docker import "${env[@]}" - local/dotnet-sdk:10.0 >/dev/null
  tar -C "$root" --exclude=./.complete -c . -C "$(dirname "$dotnet_root")" --transform="s,^$(basename "$dotnet_root"),./usr/share/dotnet," \
      "$(basename "$dotnet_root")/dotnet" "$(basename "$dotnet_root")/host" "$(basename "$dotnet_root")/shared" \
    | docker import "${env[@]}" -c 'ENV ASPNETCORE_HTTP_PORTS=8080' - local/aspnet:10.0 >/dev/null
}

push_dotnet_images() {
  if ! curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/base/aspnet/manifests/10.0" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null; then
    log "pushing local/aspnet:10.0 to the anonymous registry as base/aspnet:10.0"
    docker tag local/aspnet:10.0 "127.0.0.1:$REGISTRY_PORT/base/aspnet:10.0"
    docker push -q "127.0.0.1:$REGISTRY_PORT/base/aspnet:10.0" >/dev/null
  fi
}

# A base image index with two platforms (linux/amd64: base/busybox:1; linux/arm64: Debian's busybox-static for arm64)
# in the anonymous registry as base/busybox-multi:1, for multi-platform daemonless builds. Written with the registry
# API directly: this daemon (no buildx, no emulation) cannot build or import an arm64 image.
push_multiplatform_base() {
  local registry="http://127.0.0.1:$REGISTRY_PORT/v2" repo=base/busybox-multi list=application/vnd.docker.distribution.manifest.list.v2+json
  local v2=application/vnd.docker.distribution.manifest.v2+json
  if curl -sf "$registry/$repo/manifests/1" -H "Accept: $list" >/dev/null; then return 0; fi
  log "pushing a two-platform busybox index (linux/amd64, linux/arm64) as $repo:1"
  local work; work=$(mktemp -d); chmod 755 "$work" # apt-get download writes as the _apt user
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then dpkg --add-architecture arm64; apt-get update -qq >/dev/null; fi
  (cd "$work" && apt-get download -qq busybox-static:arm64 >/dev/null) || { apt-get update -qq >/dev/null; (cd "$work" && apt-get download -qq busybox-static:arm64 >/dev/null); }
  dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/deb"
  local root="$work/root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp "$work/deb/bin/busybox" "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  local diff_id layer layer_size
  diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  layer=sha256:$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
  layer_size=$(stat -c %s "$work/layer.tar.gz")
  printf '{"architecture":"arm64","config":{"Env":["PATH=/bin"]},"created":"1970-01-01T00:00:00Z","history":[{"created":"1970-01-01T00:00:00Z","comment":"busybox-static arm64"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]},"variant":"v8"}' "$diff_id" >"$work/config.json"
  local config config_size
  config=sha256:$(sha256sum "$work/config.json" | cut -d' ' -f1)
  config_size=$(stat -c %s "$work/config.json")
  upload_blob() { # file digest
    local location
    location=$(curl -sf -X POST -D - -o /dev/null "$registry/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    [[ "$location" == http* ]] || location="http://127.0.0.1:$REGISTRY_PORT$location"
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$location&digest=$2" >/dev/null
  }
  upload_blob "$work/layer.tar.gz" "$layer"
  upload_blob "$work/config.json" "$config"
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":%s,"digest":"%s"}]}' \
    "$v2" "$config_size" "$config" "$layer_size" "$layer" >"$work/arm64.json"
  local arm64 arm64_size amd64 amd64_size
  arm64=sha256:$(sha256sum "$work/arm64.json" | cut -d' ' -f1); arm64_size=$(stat -c %s "$work/arm64.json")
  curl -sf -X PUT -H "Content-Type: $v2" --data-binary "@$work/arm64.json" "$registry/$repo/manifests/$arm64" >/dev/null
  # linux/amd64: the manifest of base/busybox:1, its blobs mounted into this repository.
  curl -sf -H "Accept: $v2" "$registry/base/busybox/manifests/1" -o "$work/amd64.json"
  for digest in $(grep -oE 'sha256:[0-9a-f]{64}' "$work/amd64.json"); do
    curl -sf -X POST -o /dev/null "$registry/$repo/blobs/uploads/?mount=$digest&from=base/busybox"
  done
  amd64=sha256:$(sha256sum "$work/amd64.json" | cut -d' ' -f1); amd64_size=$(stat -c %s "$work/amd64.json")
  curl -sf -X PUT -H "Content-Type: $v2" --data-binary "@$work/amd64.json" "$registry/$repo/manifests/$amd64" >/dev/null
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","size":%s,"digest":"%s","platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"%s","size":%s,"digest":"%s","platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
    "$list" "$v2" "$amd64_size" "$amd64" "$v2" "$arm64_size" "$arm64" >"$work/index.json"
  curl -sf -X PUT -H "Content-Type: $list" --data-binary "@$work/index.json" "$registry/$repo/manifests/1" >/dev/null
  rm -rf "$work"
}

# The busybox base again with an OCI image manifest (same config and layer), as base/busybox-oci:1: registries serve
# both manifest families, and the daemonless builder must read either.
push_oci_base() {
  local registry="http://127.0.0.1:$REGISTRY_PORT/v2" oci=application/vnd.oci.image.manifest.v1+json
  if curl -sf "$registry/base/busybox-oci/manifests/1" -H "Accept: $oci" >/dev/null; then return 0; fi
  log "pushing base/busybox:1 with an OCI manifest as base/busybox-oci:1"
  local manifest
  manifest=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$registry/base/busybox/manifests/1")
  for digest in $(grep -oE 'sha256:[0-9a-f]{64}' <<<"$manifest"); do
    curl -sf -X POST -o /dev/null "$registry/base/busybox-oci/blobs/uploads/?mount=$digest&from=base/busybox"
  done
  sed -e 's|application/vnd.docker.distribution.manifest.v2+json|'"$oci"'|' \
      -e 's|application/vnd.docker.container.image.v1+json|application/vnd.oci.image.config.v1+json|' \
      -e 's|application/vnd.docker.image.rootfs.diff.tar.gzip|application/vnd.oci.image.layer.v1.tar+gzip|g' <<<"$manifest" \
    | curl -sf -X PUT -H "Content-Type: $oci" --data-binary @- "$registry/base/busybox-oci/manifests/1" >/dev/null
}

mkdir -p "$STATE_DIR"
install_packages
make_certs
start_daemon
start_registry "$REGISTRY_PORT" registry
if [[ ! -f "$REGISTRY_PASSWORD_FILE" ]]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$REGISTRY_PASSWORD_FILE"; chmod 600 "$REGISTRY_PASSWORD_FILE"
fi
htpasswd -Bbn "$REGISTRY_USER" "$(cat "$REGISTRY_PASSWORD_FILE")" >"$STATE_DIR/htpasswd" 2>/dev/null
start_registry "$AUTH_REGISTRY_PORT" auth-registry "  # (auth below)
auth:
  htpasswd:
    realm: imagedsl-test
    path: $STATE_DIR/htpasswd"
start_feed
make_base_images
make_dotnet_images
push_dotnet_images
push_multiplatform_base
push_oci_base
log "ready"
print_env
