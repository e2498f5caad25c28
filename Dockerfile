# togai-mock container image (docs/docker.md says how to build and run it).
# Needs BuildKit (the default builder since Docker 23; set DOCKER_BUILDKIT=1 on
# older engines) for the secret and cache mounts below.
#   docker build -t togai-mock .
#   docker run --rm -p 127.0.0.1:4010:4010 togai-mock
# Three stages: `deps` installs the production dependencies, `build` compiles
# the TypeScript with the dev dependencies (BuildKit runs the two side by
# side), `runtime` holds only what the first two made, as uid 1000.

# Any Node 24 image with /bin/sh and a `node` user (uid 1000); CI passes one it
# makes itself (scripts/docker-base.sh) where Docker Hub cannot be reached.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm_ca (optional): a CA bundle for the registry, e.g. behind a TLS-inspecting
# proxy; mounted for this step only, never kept in a layer. The npm cache lives
# in a cache mount, so it stays out of the image and is reused by later builds.
# Scripts off: no production dependency needs one (Pact's native library comes
# as a prebuilt package). Then files no runtime path reads: source maps, type
# declarations, and documentation other than licences and notices.
RUN --mount=type=secret,id=npm_ca \
    --mount=type=cache,target=/root/.npm \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
    && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
         -o \( -name '*.md' ! -iname 'licen[cs]e*' ! -iname 'notice*' ! -iname 'copying*' \) \) -delete

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here.
RUN --mount=type=secret,id=npm_ca \
    --mount=type=cache,target=/root/.npm \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
    && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/clean-dist.mjs ./scripts/
COPY src ./src
COPY spec ./spec
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4010
WORKDIR /app
COPY package.json LICENSE ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY spec ./spec
COPY src/ui/static ./src/ui/static
COPY src/ui/docs ./src/ui/docs
COPY docker/entrypoint.sh /usr/local/bin/togai-mock-entrypoint
# The one writable place, for TOGAI_MOCK_STATE_FILE=/app/data/state.json. A new
# named volume takes this owner; a bind-mounted host directory keeps its own
# (the entrypoint says what to do when uid 1000 cannot write there).
RUN mkdir -p data && chown 1000:1000 data
USER 1000:1000
EXPOSE 4010
# Slim images have no curl: ask Node's fetch. Probed every 2 s so a container is
# healthy about 2 s after it starts (each probe is a short node process).
HEALTHCHECK --interval=2s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TOGAI_MOCK_PORT || process.env.PORT || 4010) + '/_mock/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run IMAGE --help`, `docker run IMAGE verify ...`: arguments go to the
# togai-mock command line. SIGTERM (docker stop) lets in-flight requests finish,
# writes the state file and exits 0.
ENTRYPOINT ["togai-mock-entrypoint"]
CMD []
