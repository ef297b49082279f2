# One image for both roles: the gateway (default) and the worker
# (`node --max-old-space-size=512 dist/src/worker.js`: see WORKER_NODE_FLAGS in src/devstack/processes.ts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data/storage /data/staging && chown -R node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/src/api/main.js"]
