# numero's image: the CLI, run through tsx; the worker as a bundle built below. Used
# by docker-compose.yml for the public server and the send workers; everything it runs also runs
# without Docker.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# `numero worker` runs as a bundle of its sources and packages (bin/worker-bundle.mjs) in
# dist/worker: built here once, so workers start at once and need not write anything at run time.
RUN node bin/worker-bundle.mjs
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/numero.js"]
CMD ["--help"]
