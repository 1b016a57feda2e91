#!/usr/bin/env bash
# Builds the container image from the Dockerfile with podman where no base
# image can be pulled (the development machine): a Debian bookworm base made
# with debootstrap, and a Rust image made from it with this host's Rust
# toolchain. Then it runs the image's binary to show it works.
#
#   deploy/build-image.sh            # builds localhost/lefi-intake:latest
#
# Needs root, podman, runc, debootstrap (apt-get install podman runc
# debootstrap) and network access to a Debian mirror and crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

runtime=(--runtime runc)
base=localhost/debian:bookworm-slim
rust=localhost/rust:1.95-bookworm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# This sandbox allows no rlimit changes and mixes cgroup versions; podman's
# defaults assume otherwise.
if [ ! -e /etc/containers/containers.conf ]; then
    mkdir -p /etc/containers
    printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n' > /etc/containers/containers.conf
fi

if ! podman image exists "$base"; then
    echo "== $base from debootstrap"
    debootstrap --variant=minbase --include=ca-certificates,tzdata bookworm "$work/rootfs" http://deb.debian.org/debian
    tar -C "$work/rootfs" -c . | podman import - "$base"
fi

if ! podman image exists "$rust"; then
    echo "== $rust from $base and this host's toolchain"
    toolchain=$(rustc --print sysroot)
    mkdir -p "$work/rust"
    cp -a "$toolchain" "$work/rust/toolchain"
    cat > "$work/rust/Containerfile" <<CONTAINERFILE
FROM $base
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rust
ENV PATH=/usr/local/rust/bin:\$PATH CARGO_HOME=/usr/local/cargo
CONTAINERFILE
    podman build "${runtime[@]}" --network host -t "$rust" "$work/rust"
fi

echo "== localhost/lefi-intake from the Dockerfile"
# The build's downloads (crates.io) trust what this host trusts: a network
# that inspects TLS with its own CA works inside the build as outside.
cabundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
podman build "${runtime[@]}" --network host \
    -v "$cabundle:/etc/ssl/certs/ca-certificates.crt:ro" \
    --build-arg RUST_IMAGE="$rust" --build-arg BASE_IMAGE="$base" \
    -t localhost/lefi-intake:latest .

echo "== the image runs"
podman run "${runtime[@]}" --rm localhost/lefi-intake:latest --version
podman run "${runtime[@]}" --rm localhost/lefi-intake:latest check-config
