# lefi-intake container image. Built in two stages: a Rust toolchain compiles
# the binary; the runtime image holds only that binary, its configuration and
# CA certificates, and runs as an unprivileged user. No secrets are baked in:
# they come from the environment or mounted files at run time.
#
# Build:  docker build -t lefi-intake .
# (This file cannot be built on the development machine, which has no Docker
# engine; keep it simple and check it against the README's operations section.)

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin lefi-intake

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/lefi-intake --create-home lefi
COPY --from=build /src/target/release/lefi-intake /usr/local/bin/lefi-intake
USER lefi
WORKDIR /var/lib/lefi-intake
ENTRYPOINT ["/usr/local/bin/lefi-intake"]
CMD ["--help"]
