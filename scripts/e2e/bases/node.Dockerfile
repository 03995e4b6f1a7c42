# node:18 — Debian's Node.js 18 with npm 10 from the npm registry (the way
# the official images ship npm: the release tarball of the npm package),
# and the `node` user (uid 1000) of the official images.
ARG BASE=debian:bookworm
FROM ${BASE}
ADD --checksum=sha256:5cd1e5ab971ea6333f910bc2d50700167c5ef4e66da279b2a3efc874c6b116e4 \
    https://registry.npmjs.org/npm/-/npm-10.9.2.tgz /tmp/npm.tgz
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner \
 && rm /tmp/npm.tgz \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
