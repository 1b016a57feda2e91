# lefi-intake container image. Built in two stages: a Rust toolchain compiles
# the binary; the runtime image holds only that binary, the configuration and
# reply templates, and CA certificates, and runs as an unprivileged user.
# Migrations are compiled into the binary. No secrets are baked in: they come
# from the environment or mounted files at run time.
#
# Build:  docker build -t lefi-intake .
# Run:    docker run -e LEFI_INTAKE__DATABASE__URL_FILE=/run/secrets/db lefi-intake run
# Where the public images cannot be pulled, deploy/build-image.sh makes both
# base images locally (debootstrap, and the host's Rust toolchain) and builds
# this file with podman: the images are named by the two arguments.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin lefi-intake

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/lefi-intake --create-home lefi
COPY --from=build /src/target/release/lefi-intake /usr/local/bin/lefi-intake
COPY config/ /etc/lefi-intake/
COPY templates/ /usr/share/lefi-intake/templates/
ENV LEFI_INTAKE__REPLY__TEMPLATES_DIR=/usr/share/lefi-intake/templates \
    LEFI_INTAKE__WEB__LISTEN=0.0.0.0:8080 \
    LEFI_INTAKE__OPS__LISTEN=0.0.0.0:9898
# The officers' review pages; put a TLS-terminating proxy in front and set
# LEFI_INTAKE__WEB__SECURE_COOKIES=true.
EXPOSE 8080
# Health (/healthz, /readyz) and Prometheus metrics (/metrics), without
# sign-in: publish it on the host's loopback or an internal network only
# (docker run -p 127.0.0.1:9898:9898; see docs/operations.md).
EXPOSE 9898
USER lefi
# State (SQLite database, Maildir, reply files) lives under the working
# directory, which is the volume to mount.
WORKDIR /var/lib/lefi-intake
VOLUME ["/var/lib/lefi-intake"]
ENTRYPOINT ["/usr/local/bin/lefi-intake", "--config", "/etc/lefi-intake/local.toml"]
CMD ["run"]
