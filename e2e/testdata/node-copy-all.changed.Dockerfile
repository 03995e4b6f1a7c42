# A "safe" rewrite that changes the image: verify must exit 1 and name
# the paths.
FROM node:18-bookworm
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN npm install
COPY . .
RUN rm server.js && echo "dfopt-e2e" > /etc/motd-dfopt
EXPOSE 3000
CMD ["node", "server.js"]
