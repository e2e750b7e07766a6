# The lab's images, one target per compose service. Build from the repository root.
# NODE_IMAGE is the official image where a registry answers; scripts/ensure-base-images.sh builds a
# local equivalent under the same reference where none does, so this file serves both.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# The services' code as JavaScript, types stripped once here (scripts/compile-for-image.ts): Node's
# type stripping at start would cost every service process and every healthcheck 20 to 35 MiB of
# RSS and several times the start-up CPU.
FROM ${NODE_IMAGE} AS service-js
WORKDIR /app
COPY package.json ./
COPY scripts/compile-for-image.ts scripts/
COPY protocol/ protocol/
COPY io/ io/
COPY clients/ clients/
COPY services/ services/
RUN node scripts/compile-for-image.ts protocol io clients services

# Services: no npm dependencies, only Node's standard library; they run as uid 10001 (compose sets it).
FROM ${NODE_IMAGE} AS service-base
# Marks socklab's images, so that superseded builds can be pruned without touching anyone else's.
LABEL org.socklab.image="true"
WORKDIR /app
ENV NODE_ENV=production
COPY package.json ./
COPY --from=service-js /app/protocol/ protocol/
COPY --from=service-js /app/io/ io/
# The clients too: each service's healthcheck speaks its protocol through socklab's own client.
COPY --from=service-js /app/clients/ clients/
COPY --from=service-js /app/services/runtime/ services/runtime/

FROM service-base AS tcp-echo
COPY --from=service-js /app/services/tcp-echo/ services/tcp-echo/
USER 10001:10001
CMD ["node", "services/tcp-echo/main.js"]

FROM service-base AS udp-echo
COPY --from=service-js /app/services/udp-echo/ services/udp-echo/
USER 10001:10001
CMD ["node", "services/udp-echo/main.js"]

FROM service-base AS file-transfer
COPY --from=service-js /app/services/file-transfer/ services/file-transfer/
# The store: a named volume mounted here takes this directory's owner, so the service can write.
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
CMD ["node", "services/file-transfer/main.js"]

FROM service-base AS chat
COPY --from=service-js /app/services/chat/ services/chat/
USER 10001:10001
CMD ["node", "services/chat/main.js"]

# The workbench: socklab's clients and CLI, and the tools a learner uses against the services.
FROM ${NODE_IMAGE} AS workbench
LABEL org.socklab.image="true"
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      netcat-openbsd socat iproute2 iptables net-tools tcpdump iperf3 sockperf python3 procps less strace \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production SOCKLAB_IN_WORKBENCH=1
# The lock file is absent where this builds from the npm package (npm pack leaves it out).
COPY package.json package-lock.json* ./
# build_ca holds the certificates this machine's npm trusts (written by scripts/setup.sh), for
# networks whose HTTPS egress goes through a proxy with its own certificate authority.
RUN --mount=type=secret,id=build_ca \
    NODE_EXTRA_CA_CERTS=/run/secrets/build_ca \
    npm "$([ -f package-lock.json ] && echo ci || echo install)" --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund --loglevel=error
COPY protocol/ protocol/
COPY io/ io/
COPY clients/ clients/
# The clients as the services run them, JavaScript: the bench's file-transfer probe loads this one,
# so that the client's RSS is not the type stripper's (20 to 35 MiB, as for the services).
COPY --from=service-js /app/protocol/ js/protocol/
COPY --from=service-js /app/io/ js/io/
COPY --from=service-js /app/clients/ js/clients/
COPY labkit/ labkit/
COPY cli/ cli/
# The CLI's `web` command loads the page's server (socklab web itself runs on the host).
COPY web/server/ web/server/
# The Python clients of docs/protocols and the exercises' checkers, so that a learner runs them
# where the services are.
COPY docs/protocols/*.py docs/protocols/
COPY docs/exercises/*.py docs/exercises/
RUN ln -s /app/cli/main.ts /usr/local/bin/socklab
WORKDIR /home/lab
CMD ["sleep", "infinity"]

# The fault helper: nftables and tc, nothing else. It is never a compose service: labkit starts it
# for a moment in a service's network namespace (--network container:<id>), with NET_ADMIN alone,
# to apply a fault, hold it, and remove it (labkit/fault/). The services keep no capabilities.
FROM ${NODE_IMAGE} AS fault-helper
LABEL org.socklab.image="true"
RUN apt-get update \
 && apt-get install -y --no-install-recommends nftables iproute2 \
 && rm -rf /var/lib/apt/lists/*
CMD ["nft", "--version"]
