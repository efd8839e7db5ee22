# Build: install with the lockfile, compile with tsc -b, then deploy only the `lynkr` package and its
# production dependencies. Runtime: glibc Node (better-sqlite3 prebuilds), non-root.
FROM node:22-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && pnpm --filter lynkr --prod deploy --legacy /out

FROM node:22-slim
# A small heap for a long-running gateway (README, Footprint): the young generation's limit must be on Node's
# command line to apply to the main thread (the same flags as bin/lynkr.js's shebang, which `node bin/lynkr.js`
# does not read), and glibc's per-thread malloc arenas are capped at two.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8081 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 8081
ENTRYPOINT ["node", "--max-semi-space-size=1", "--heap-growing-percent=100", "bin/lynkr.js"]
CMD ["start"]
