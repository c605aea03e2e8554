# Roger's own image. Build it as the announcement does (`docker build -t namshi/roger .`); where no image
# can be pulled, a local Node 20 base stands in for the official one in every stage:
#   docker build --network host --build-arg NODE_IMAGE="$(scripts/node-base.sh)" -t namshi/roger .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 is compiled here: its prebuilt binaries live on GitHub, which a build may not reach,
# and the base's own Node headers (/usr/local/include/node) spare node-gyp its download.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
# Only the packages that need their install scripts run them; ssh2's optional native extras are not used.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && find node_modules -type f \( -name '*.ts' -o -name '*.map' -o \( -name '*.md' ! -iname 'license*' \) \) -delete \
 && find node_modules -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples -o -name benchmark \) -prune -exec rm -rf {} + \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps build/Release/test_extension.node

FROM ${NODE_IMAGE}
# git clones; tini reaps the build's git processes and passes SIGTERM on; ca-certificates let git and
# the GitHub client reach HTTPS hosts. Documentation and the Perl library (used only by git's scripted
# extras such as send-email and svn; clone, fetch and checkout are C) are not unpacked: about 50 MB.
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
      'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/locale/*' 'path-exclude=/usr/share/gitweb/*' \
      'path-exclude=/usr/share/perl/*' 'path-exclude=/usr/lib/*/perl/*' 'path-exclude=/usr/lib/*/libperl.so*' \
      >/etc/dpkg/dpkg.cfg.d/roger-slim \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 roger \
 && useradd --system --uid 10001 --gid roger --home-dir /home/roger --create-home --shell /usr/sbin/nologin roger \
 && mkdir -p /db /tmp/roger-builds/logs \
 && chown roger:roger /db /tmp/roger-builds /tmp/roger-builds/logs
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY docker/entrypoint.sh docker/container-env.mjs ./docker/
ENV NODE_ENV=production
# The announcement maps 6600; config.yml's app.port (or ROGER_APP__PORT) moves it.
EXPOSE 6600
VOLUME ["/db"]
# The entrypoint writes the URL Roger listens on, which only the config knows.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(require('fs').readFileSync('/tmp/.roger-healthz','utf8').trim()).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]
CMD ["serve"]

ARG ROGER_SOURCE=https://github.com/namshi/roger
ARG ROGER_REVISION=unknown
ARG ROGER_VERSION=0.1.0
LABEL org.opencontainers.image.title="roger" \
      org.opencontainers.image.description="A self-hosted build server for container images" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${ROGER_SOURCE}" \
      org.opencontainers.image.revision="${ROGER_REVISION}" \
      org.opencontainers.image.version="${ROGER_VERSION}"
