# A hand-made rewrite of fixtures/node-copy-all (what hoist-deps and
# cache-mounts should produce): verify must accept it.
FROM node:18-bookworm
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm install
COPY . .
EXPOSE 3000
CMD ["node", "server.js"]
