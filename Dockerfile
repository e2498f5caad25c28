# togai-mock container image. Two stages: `build` compiles the TypeScript with
# the dev dependencies; `runtime` is a slim Node image with production
# dependencies only, running as the unprivileged `node` user.
#   docker build -t togai-mock .
#   docker run --rm -p 4010:4010 togai-mock
# test/ship/docker.test.ts reproduces these steps without a Docker engine:
# keep every RUN a plain shell command and every CMD / HEALTHCHECK in exec form.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/clean-dist.mjs ./scripts/
COPY src ./src
COPY spec ./spec
RUN npm run build

FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4010
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY spec ./spec
COPY src/ui/static ./src/ui/static
COPY src/ui/docs ./src/ui/docs
COPY LICENSE ./
# The one writable place, for TOGAI_MOCK_STATE_FILE=/app/data/state.json on a volume
# (uid 1000 is the image's `node` user).
RUN mkdir -p data && chown 1000:1000 data
USER node
EXPOSE 4010
# Slim images have no curl: ask Node's fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TOGAI_MOCK_PORT || process.env.PORT || 4010) + '/_mock/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) lets in-flight requests finish and writes the state file.
CMD ["node", "dist/cli.js"]
