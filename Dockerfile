# Build once, run the API or the worker from the same image (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
ENV CASE_TRANSFERS_SKIP_PROVISION=1
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
# The policy files the service loads at start-up (POLICY_DIR overrides the folder).
COPY --from=build /app/policies ./policies
COPY --from=build /app/package.json ./
USER node
