# authz-sidecar image: Node 24, the sample policy bundle built in, runs as the non-root user
# `node` and needs no writable path (run it with a read-only root filesystem). Decisions go to
# stdout. Configure it with AUTHZ_* variables (docs/configuration.md), e.g. AUTHZ_ISSUER.
#
#   docker build -t authz-sidecar .
#
# Base images are pinned by tag: node 24.21.0 is the Node that package.json pins through the
# node@24 devDependency; Go 1.26 is what OPA v1.22.2's go.mod asks for (go 1.26.0).
ARG NODE_IMAGE=node:24.21.0-trixie-slim
ARG GO_IMAGE=golang:1.26.8-trixie

# The pinned OPA CLI, built from the Go module proxy exactly as scripts/install-opa.sh does
# (no prebuilt binary is downloaded). -tags=opa_wasm: the Go Wasm engine, as in install-opa.sh.
FROM ${GO_IMAGE} AS opa
ARG OPA_VERSION=v1.22.2
RUN CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN=/out \
    go install -tags=opa_wasm "github.com/open-policy-agent/opa@${OPA_VERSION}"

# Runtime dependencies only (no TypeScript, no node@24 binary: the image has Node 24), and
# bundles/authz.tar.gz built from rego/ with the real `opa build -t wasm`.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=opa /out/opa .tools/bin/opa
COPY scripts/install-opa.sh scripts/build-policies.sh scripts/
COPY rego/ rego/
RUN bash scripts/build-policies.sh

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    AUTHZ_BUNDLE=/app/bundles/authz.tar.gz \
    AUTHZ_DECISION_LOG=stdout
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/bundles/authz.tar.gz bundles/authz.tar.gz
COPY package.json ./
COPY bin/ bin/
COPY src/ src/
# Envoy's ext_authz protos, read at run time when extAuthz.grpc.listen is set (docs/envoy.md).
COPY proto/ proto/
# Files stay root-owned and read-only to the process; `node` (uid 1000) comes with the image.
USER node
# The API listens on 127.0.0.1:8181 by default (AUTHZ_LISTEN): reachable from containers that
# share this container's network namespace, as a sidecar's service or proxy does.
CMD ["node", "bin/authz-sidecar.js", "serve"]
