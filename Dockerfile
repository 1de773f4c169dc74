# syntax=docker/dockerfile:1
# The sensor's image: Node 20 and libbpf, the compiled sensor, its BPF
# objects, production node_modules and the default rules. Compilers, headers
# and dev dependencies stay in the build stage.
#
#   docker build -t kestrel-sensor .
#   docker run --rm --pid=host --cap-drop=ALL \
#     --cap-add=BPF --cap-add=PERFMON --cap-add=SYS_PTRACE --cap-add=DAC_READ_SEARCH \
#     -v /sys/kernel/tracing:/sys/kernel/tracing:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
#     kestrel-sensor run --no-k8s
#
# Release builds pin the bases by digest: --build-arg NODE_BUILD=node:20-bookworm@sha256:...
ARG NODE_BUILD=node:20-bookworm
ARG NODE_RUNTIME=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# build: BPF objects (clang, libbpf headers) and TypeScript (dev dependencies)
FROM ${NODE_BUILD} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang llvm libbpf-dev make gcc libc6-dev linux-libc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# The image's npm (10) does not read package.json's "allowScripts" (npm 11),
# so every install script is refused here. Nothing needs one: koffi's native
# module is a prebuilt optional package (@koromix/koffi-linux-<arch>), and
# protobufjs's postinstall only checks its own CLI's dependencies.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bpf/ bpf/
COPY sensor/ sensor/
# scripts/build.sh's production steps; its test helpers are not built here.
# tsc compiles what tsconfig.json includes and exists: sensor/ only.
RUN make -s -C bpf OUT="$PWD/dist/bpf" \
 && npx tsc -p . \
 && test -f dist/sensor/cli/main.js \
 && ls dist/bpf/process.bpf.o dist/bpf/file.bpf.o dist/bpf/net.bpf.o dist/bpf/dns.bpf.o dist/bpf/syscalls.bpf.o

# ---------------------------------------------------------------------------
# deps: production node_modules only, from the lockfile, without scripts
FROM ${NODE_RUNTIME} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---------------------------------------------------------------------------
# runtime: Node 20 (slim) and libbpf.so.1, nothing else from apt
FROM ${NODE_RUNTIME}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="kestrel-sensor" \
      org.opencontainers.image.description="eBPF runtime security sensor for Kubernetes: process, file and network events, declarative rules, alerts to Kafka, OpenTelemetry and stdout" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="${NODE_RUNTIME}"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/kestrel
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/sensor ./dist/sensor
# The loader finds its objects at dist/bpf, beside dist/sensor (gadgets.ts).
COPY --from=build /src/dist/bpf ./dist/bpf
# The default rules, found at ../../../rules from dist/sensor/rules.
COPY rules/ ./rules/
# The version in alerts and OTLP resources is read from package.json.
COPY package.json ./
# uid 0 on purpose: the sensor reads every process's /proc entries and the
# host's tracefs as their owner. Its power comes from the capabilities the
# pod grants (see SECURITY.md); the chart drops every other one.
USER 0:0
ENTRYPOINT ["node", "/opt/kestrel/dist/sensor/cli/main.js"]
CMD ["run"]
