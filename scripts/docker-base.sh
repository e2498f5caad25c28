#!/usr/bin/env bash
# Makes a local Node 24 base image for the Dockerfile's NODE_IMAGE, for
# machines that reach Debian's mirror and the npm registry but not Docker Hub
# (so `node:24-slim` cannot be pulled). What goes in:
#   - Debian trixie, `debootstrap --variant=minbase` plus ca-certificates,
#     from the same mirror this machine's apt uses;
#   - Node's official Linux binary, from the npm package node-linux-<arch>@24;
#   - npm, from the npm package npm@11;
#   - a `node` user and group with uid/gid 1000, as in the official images.
# It prints the image's name on its last line. An image already there is
# reused (delete it to rebuild). Needs root, debootstrap and a Docker engine.
#
#   scripts/docker-base.sh                     # -> togai-mock-base/node:24
#   TOGAI_MOCK_DOCKER_BASE=my/node:24 scripts/docker-base.sh
#
# Environment: TOGAI_MOCK_DOCKER_BASE (image name), DOCKER (client, default
# docker), DEBIAN_MIRROR (default: the first Debian mirror apt is configured with).
set -euo pipefail

image=${TOGAI_MOCK_DOCKER_BASE:-togai-mock-base/node:24}
docker=${DOCKER:-docker}
node_major=24
npm_major=11
suite=trixie

log() { printf 'docker-base: %s\n' "$*" >&2; }

if "$docker" image inspect "$image" >/dev/null 2>&1; then
  log "reusing $image (created $("$docker" image inspect -f '{{.Created}}' "$image"))"
  echo "$image"
  exit 0
fi

[ "$(id -u)" = 0 ] || { log "needs root (debootstrap)"; exit 1; }
command -v debootstrap >/dev/null || { log "needs debootstrap (apt-get install debootstrap)"; exit 1; }

# The mirror apt already uses (deb822 .sources or one-line .list files).
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }'
    } | grep -E '/debian/?$' | head -n 1
  ) || true
  mirror=${mirror:-http://deb.debian.org/debian}
fi

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) log "no node-linux package for $(uname -m)"; exit 1 ;;
esac

work=$(mktemp -d /var/tmp/togai-mock-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
started=$SECONDS

log "debootstrap $suite from $mirror"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

log "node-linux-$node_arch@$node_major and npm@$npm_major from the npm registry"
(cd "$work" && npm pack --silent "node-linux-$node_arch@$node_major" "npm@$npm_major" >packed.txt)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(grep '^node-linux' "$work/packed.txt")" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
install -D -m 0644 "$work/node/package/LICENSE" "$rootfs/usr/local/share/doc/node/LICENSE"
tar -xzf "$work/$(grep '^npm-' "$work/packed.txt")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The `node` user of the official images, written directly: minbase may lack useradd.
echo 'node:x:1000:' >>"$rootfs/etc/group"
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
echo 'node:*:20000:0:99999:7:::' >>"$rootfs/etc/shadow"
mkdir -p "$rootfs/home/node"
chown 1000:1000 "$rootfs/home/node"

# What an image never needs: package lists and archives, docs (each package's
# copyright file stays), man pages.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete

node_version=$("$rootfs/usr/local/bin/node" --version)
log "importing $image (Node $node_version)"
tar -C "$rootfs" --numeric-owner -c . | "$docker" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'CMD ["node"]' \
  --message "Debian $suite minbase, Node $node_version, npm $npm_major (scripts/docker-base.sh)" \
  - "$image" >/dev/null

# The image must run what the Dockerfile runs.
"$docker" run --rm "$image" sh -c 'node --version && npm --version && id node' >&2
log "made $image in $((SECONDS - started)) s"
echo "$image"
