# A rewrite that does not build: verify must exit 1 and show the failing
# step's output.
FROM node:18-bookworm
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN npm install && node -e "console.log('dfopt-e2e: about to fail'); process.exit(3)"
COPY . .
CMD ["node", "server.js"]
