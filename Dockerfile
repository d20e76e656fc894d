# The image behind docker-compose.yml's web and worker services.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# build/index.js (Remix), build/server.js and build/worker.js: production runs plain node, no TypeScript loader.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
EXPOSE 3000
# node directly, not npm: SIGTERM reaches the server, and nothing rebuilds (the dev dependencies are pruned).
CMD ["node", "build/server.js"]
