# Build: install with the lockfile, compile with tsc -b, then deploy only the `lynkr` package and its
# production dependencies. Runtime: glibc Node (better-sqlite3 prebuilds), non-root.
FROM node:22-slim AS build
WORKDIR /src
RUN npm i -g pnpm@10
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && pnpm --filter lynkr --prod deploy --legacy /out

FROM node:22-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8081
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 8081
ENTRYPOINT ["node", "bin/lynkr.js"]
CMD ["start"]
