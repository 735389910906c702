# wavflow: one image for the worker and the API (the command picks which).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/prune-output.js ./scripts/
# The build id of Worker Versioning is <version>+<commit>; the image has no .git, so pass the commit:
# docker build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) . (else a hash of the code).
ARG GIT_COMMIT
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# WAV files land here (mount a volume on it), unless WAV_STORE names a bucket.
RUN mkdir -p /data/wav && chown -R node:node /data
ENV WAV_STORE=file:///data/wav
USER node
# The API (server) and the worker's metrics and health.
EXPOSE 3000 9464
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["worker"]
